"""Sitemaps: index, urlset, gzipped `.xml.gz`, Google News; which of a site's sitemaps hold articles.

Parsed with lxml without entity expansion, DTDs or network access. A sitemap index that lists a file
already read (itself, or a cycle) is an error on the source, not a loop. `choose_sitemaps` keeps the
news and post sitemaps of a site and drops taxonomy, author, static-page and media sitemaps (the
names WordPress, Yoast, Rank Math and TYPO3 give them), news first.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from urllib.parse import urljoin, urlsplit

from lxml import etree

from pipeline.config import Source
from pipeline.crawl.fetch import SITEMAP_TYPES, Fetcher
from pipeline.crawl.found import Discovery, LastFetched, Link, get
from pipeline.crawl.inflate import TooLarge, gunzip_bounded
from pipeline.crawl.urls import canonical_url
from pipeline.errors import FetchError, Skip

_XML = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False, load_dtd=False)
NOT_ARTICLES = re.compile(
    r"(taxonom|categor|kategor|tags?\b|tag[-_]|post_tag|schlagw|author|autor|users?\b|users?[-_]|"
    r"(^|[-_.=])pages?([-_.&]|$)|static|attachment|image|video|media|"
    r"product|shop|event|termin|location|glossar)",
    re.IGNORECASE,
)
ARTICLES = re.compile(r"(news|post|artikel|article|presse|meldung|aktuell|blog)", re.IGNORECASE)


def choose_sitemaps(urls: list[str]) -> list[str]:
    """The sitemaps that list articles, news sitemaps first; the others when none is named for it."""
    named = [u for u in urls if not NOT_ARTICLES.search(_name(u))]
    return sorted(named, key=lambda u: (not ARTICLES.search(_name(u)), urls.index(u)))


def _name(url: str) -> str:
    parts = urlsplit(url)
    return parts.path.rsplit("/", 1)[-1] + ("?" + parts.query if parts.query else "")


async def read_sitemaps(
    source: Source,
    fetcher: Fetcher,
    urls: list[str],
    last_fetched: LastFetched,
    *,
    choose: bool = False,
) -> Discovery:
    """Read sitemap files breadth-first, at most source.max_pages of them; `choose` filters indexes."""
    discovery = Discovery([])
    queue, read = list(urls), list[str]()
    while queue and len(read) < source.max_pages:
        url = queue.pop(0)
        if url in read:
            discovery.error = f"sitemap {url} is listed again by a sitemap index (a loop); read once"
            continue
        read.append(url)
        try:
            root = await _root(fetcher, source, url)
        except (FetchError, Skip, etree.XMLSyntaxError, TooLarge) as exc:
            if len(read) == 1 and len(urls) == 1:
                raise _as_fetch_error(exc, url) from exc
            discovery.error = f"sitemap {url}: {getattr(exc, 'reason', exc)}"
            continue
        if _local(root.tag) == "sitemapindex":
            children = _children(root, url)
            queue += choose_sitemaps(children) if choose else children
        else:
            _urlset(root, source, discovery, last_fetched, url)
    return discovery


async def _root(fetcher: Fetcher, source: Source, url: str) -> etree._Element:
    response = await get(fetcher, source.id, url, SITEMAP_TYPES)
    body = response.content
    if body[:2] == b"\x1f\x8b":  # a .xml.gz file (the transfer's own gzip is already undone)
        body = gunzip_bounded(body, fetcher.settings.max_bytes)
    root = etree.fromstring(body, parser=_XML)
    if _local(root.tag) not in ("sitemapindex", "urlset"):
        raise FetchError(f"not a sitemap (<{_local(root.tag)}>)", url=url)
    return root


def _as_fetch_error(exc: Exception, url: str) -> Exception:
    if isinstance(exc, FetchError | Skip):
        return exc
    if isinstance(exc, TooLarge):
        return FetchError("gzipped sitemap larger than max_bytes", url=url)
    return FetchError(f"sitemap is not well-formed XML: {exc}", url=url)


def _children(root: etree._Element, base: str) -> list[str]:
    """Child sitemaps, most recently modified first, so max_pages keeps the fresh ones."""
    raw = [(_child_text(node, "lastmod") or "", _child_text(node, "loc")) for node in root]
    entries = [(mod, urljoin(base, loc)) for mod, loc in raw if loc]
    return [loc for _, loc in sorted(entries, key=lambda e: e[0], reverse=True)]


def _urlset(
    root: etree._Element, source: Source, discovery: Discovery, last_fetched: LastFetched, base: str
) -> None:
    entries = []
    for node in root:
        loc = _child_text(node, "loc")
        if loc:  # the protocol wants absolute URLs; a relative one is read against the sitemap's own
            entries.append((canonical_url(urljoin(base, loc)), node))
    seen = last_fetched([url for url, _ in entries])
    for url, node in entries:
        lastmod = w3c_date(_child_text(node, "lastmod"))
        fetched = w3c_date(seen.get(url))
        if lastmod and fetched and lastmod <= fetched:
            discovery.unchanged.append(url)
            continue
        published = w3c_date(_deep_text(node, "publication_date"))
        discovery.links.append(Link(url, source.id, _deep_text(node, "title"), published, lastmod=lastmod))


def _local(tag: object) -> str:
    return etree.QName(tag).localname if isinstance(tag, str) else ""


def _child_text(node: etree._Element, name: str) -> str | None:
    for child in node:
        if _local(child.tag) == name:
            return (child.text or "").strip() or None
    return None


def _deep_text(node: etree._Element, name: str) -> str | None:
    """A Google News sitemap's <news:news><news:title>, at any depth under <url>."""
    for child in node.iter():
        if _local(child.tag) == name and child is not node:
            return (child.text or "").strip() or None
    return None


def w3c_date(value: str | None) -> datetime | None:
    """W3C datetime (a date alone counts from the end of that day, UTC); None when unreadable."""
    if not value:
        return None
    try:
        stamp = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        try:
            day = date.fromisoformat(value.strip()[:10])
        except ValueError:
            return None
        # a date alone: the page may have changed at any hour of that day, so count from its end
        stamp = datetime(day.year, day.month, day.day) + timedelta(days=1)
    return stamp if stamp.tzinfo else stamp.replace(tzinfo=UTC)
