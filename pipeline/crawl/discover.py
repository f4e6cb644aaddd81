"""Discovery: which article URLs a source lists, per kind (feed, listing, sitemap, page).

`discover(source, fetcher, known=...)` returns `Link`s with canonical URLs, filtered by the source's
include/exclude rules, and raises FetchError (or Skip) when the entry point cannot be read. A part
that fails later (page 2 of a listing, one child sitemap, a truncated feed) is an error on the
`Discovery`, and the links that could be read are still used.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from urllib.parse import urljoin

from bs4 import BeautifulSoup
from lxml import etree

from pipeline.config import Source
from pipeline.crawl.feeds import parse_feed
from pipeline.crawl.fetch import FEED_TYPES, HTML_TYPES, SITEMAP_TYPES, Fetcher, NotModified, Response
from pipeline.crawl.inflate import TooLarge, gunzip_bounded
from pipeline.crawl.urls import DEFAULT_PORTS, TRACKING_PARAMS, canonical_url
from pipeline.errors import FetchError, Skip

logger = logging.getLogger(__name__)

Known = Callable[[list[str]], set[str]]
LastFetched = Callable[[list[str]], dict[str, str]]  # url -> ISO time we last fetched it


@dataclass(frozen=True, slots=True)
class Link:
    """One article a source points at, with what the source already says of it."""

    url: str
    source_id: str
    title: str | None = None
    published: datetime | None = None
    key: str | None = None  # a feed item's identity (GUID, link, or hash)
    content: str | None = None  # a feed item's own HTML, used when it has no link to fetch


@dataclass
class Discovery:
    links: list[Link]
    error: str | None = None  # a partial failure: the links that could be read are still used
    unchanged: list[str] = field(default_factory=list)  # sitemap URLs whose lastmod says "not since"

    @property
    def found(self) -> int:
        return len(self.links) + len(self.unchanged)


async def discover(
    source: Source, fetcher: Fetcher, *, known: Known, last_fetched: LastFetched | None = None
) -> Discovery:
    """The article links of one source; raises FetchError when its entry point cannot be read."""
    if source.kind == "page":
        return Discovery([Link(canonical_url(source.url), source.id)])
    if source.kind == "feed":
        discovery = await _feed(source, fetcher)
    elif source.kind == "listing":
        discovery = await _listing(source, fetcher, known)
    else:
        discovery = await _sitemap(source, fetcher, last_fetched or (lambda urls: {}))
    unique = {link.url: link for link in discovery.links if _web(link.url) and source.wants(link.url)}
    discovery.links = list(unique.values())
    discovery.unchanged = [url for url in dict.fromkeys(discovery.unchanged) if source.wants(url)]
    return discovery


def _web(url: str) -> bool:
    """Only http(s) links are articles: `ftp:`, `mailto:` or a typo like `ittps:` are dropped, not fetched."""
    return url.startswith(("http://", "https://"))


async def _get(fetcher: Fetcher, source: Source, url: str, accept: tuple[str, ...]) -> Response:
    result = await fetcher.fetch(url, source_id=source.id, accept=accept)
    if isinstance(result, NotModified):  # no conditional headers were sent; a server bug
        raise FetchError("unexpected 304", url=url)
    return result


# --- feed -------------------------------------------------------------------------------------


async def _feed(source: Source, fetcher: Fetcher) -> Discovery:
    response = await _get(fetcher, source, source.url, FEED_TYPES)
    parsed = parse_feed(response.content, content_type=response.content_type, url=response.url)
    if parsed.error and not parsed.items:
        raise FetchError(parsed.error, url=response.url, status_code=response.status_code)
    links = []
    for item in parsed.items:
        url = canonical_url(item.link) if item.link else _inline_url(response.url, item.key)
        links.append(Link(url, source.id, item.title, item.published, item.key, item.content))
    return Discovery(links, parsed.error)


def _inline_url(feed_url: str, key: str) -> str:
    """A linkless feed item gets a stable URL of its own under the feed (no fragment: URLs are keys)."""
    digest = hashlib.sha256(key.encode()).hexdigest()[:16]
    base = canonical_url(feed_url)
    return f"{base}{'&' if '?' in base else '?'}hubwatch-item={digest}"


# --- listing ----------------------------------------------------------------------------------


async def _listing(source: Source, fetcher: Fetcher, known: Known) -> Discovery:
    """Follow `next` up to max_pages; stop early at a page that brings only known articles."""
    links: list[Link] = []
    page_url: str | None = source.url
    seen_pages: set[str] = set()
    error = None
    while page_url and canonical_url(page_url) not in seen_pages and len(seen_pages) < source.max_pages:
        seen_pages.add(canonical_url(page_url))
        try:
            response = await _get(fetcher, source, page_url, HTML_TYPES)
        except (FetchError, Skip) as exc:
            if not links:
                raise
            error = f"listing page {page_url}: {getattr(exc, 'reason', exc)}"
            break
        page_links, page_url = _listing_page(source, response)
        links += page_links
        urls = [link.url for link in page_links if source.wants(link.url)]
        if urls and known(urls) >= set(urls):
            logger.debug("%s: page of known articles, stopping", source.id)
            break
    return Discovery(links, error)


def _listing_page(source: Source, response: Response) -> tuple[list[Link], str | None]:
    soup = BeautifulSoup(response.text, "lxml")
    base = soup.find("base", href=True)
    base_url = urljoin(response.url, str(base["href"])) if base else response.url
    links = [
        Link(canonical_url(urljoin(base_url, str(a["href"]))), source.id, a.get_text(" ", strip=True) or None)
        for a in soup.select(source.links or "a")
        if a.get("href") and not str(a["href"]).startswith(("mailto:", "javascript:", "tel:"))
    ]
    nxt = soup.select_one(source.next) if source.next else None
    next_url = urljoin(base_url, str(nxt["href"])) if nxt and nxt.get("href") else None
    return links, next_url


# --- sitemap ----------------------------------------------------------------------------------

_XML = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False, load_dtd=False)


async def _sitemap(source: Source, fetcher: Fetcher, last_fetched: LastFetched) -> Discovery:
    """A sitemap index or urlset (gzipped or not, Google News or not), max_pages files per run."""
    discovery = Discovery([])
    queue, done = [source.url], 0
    while queue and done < source.max_pages:
        url = queue.pop(0)
        try:
            root = await _sitemap_root(fetcher, source, url)
        except (FetchError, Skip, etree.XMLSyntaxError, TooLarge) as exc:
            if done == 0:
                raise _as_fetch_error(exc, url) from exc
            discovery.error = f"sitemap {url}: {getattr(exc, 'reason', exc)}"
            done += 1
            continue
        done += 1
        if _local(root.tag) == "sitemapindex":
            queue += _children(root, url)
        else:
            _urlset(root, source, discovery, last_fetched, url)
    return discovery


async def _sitemap_root(fetcher: Fetcher, source: Source, url: str) -> etree._Element:
    response = await _get(fetcher, source, url, SITEMAP_TYPES)
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
        lastmod = _w3c_date(_child_text(node, "lastmod"))
        fetched = _w3c_date(seen.get(url))
        if lastmod and fetched and lastmod <= fetched:
            discovery.unchanged.append(url)
            continue
        published = _w3c_date(_deep_text(node, "publication_date"))
        discovery.links.append(Link(url, source.id, _deep_text(node, "title"), published))


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


def _w3c_date(value: str | None) -> datetime | None:
    """W3C datetime (a date alone is its midnight, UTC); None when unreadable."""
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


__all__ = ["DEFAULT_PORTS", "TRACKING_PARAMS", "Discovery", "Link", "canonical_url", "discover"]
