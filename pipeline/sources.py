"""Discovery: which article URLs a source lists, per kind (feed, listing, sitemap, page).

`discover(source, fetcher)` returns `Link`s with canonical URLs, filtered by the source's
include/exclude rules. The crawler issue deepens each kind.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit, urlunsplit

import feedparser
from bs4 import BeautifulSoup
from lxml import etree

from pipeline.config import Source
from pipeline.errors import FetchError
from pipeline.fetch import Fetcher, NotModified, Response

logger = logging.getLogger(__name__)

TRACKING_PARAMS = {"fbclid", "gclid", "mc_cid", "mc_eid", "wt_mc", "wt_zmc", "at_medium", "at_campaign"}
DEFAULT_PORTS = {"http": 80, "https": 443}


@dataclass(frozen=True, slots=True)
class Link:
    """One article a source points at, with what the source already says of it."""

    url: str
    source_id: str
    title: str | None = None
    published: datetime | None = None


@dataclass
class Discovery:
    links: list[Link]
    error: str | None = None  # a partial failure: the links that could be read are still used


def canonical_url(url: str) -> str:
    """One spelling per article: lower-case scheme and host, no default port, fragment or tracking."""
    parts = urlsplit(url.strip())
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower()
    if parts.port and parts.port != DEFAULT_PORTS.get(scheme):
        host = f"{host}:{parts.port}"
    query = [
        (k, v)
        for k, v in parse_qsl(parts.query, keep_blank_values=True)
        if not k.lower().startswith("utm_") and k.lower() not in TRACKING_PARAMS
    ]
    return urlunsplit((scheme, host, parts.path or "/", urlencode(query), ""))


async def discover(source: Source, fetcher: Fetcher, *, known: Callable[[list[str]], set[str]]) -> Discovery:
    """The article links of one source; raises FetchError when its entry point cannot be read."""
    if source.kind == "page":
        return Discovery([Link(canonical_url(source.url), source.id)])
    handler = {"feed": _feed, "listing": _listing, "sitemap": _sitemap}[source.kind]
    discovery = await handler(source, fetcher, known)
    unique = {link.url: link for link in discovery.links if source.wants(link.url)}
    discovery.links = list(unique.values())
    return discovery


async def _get(fetcher: Fetcher, url: str) -> Response:
    result = await fetcher.fetch(url)
    if isinstance(result, NotModified):  # no conditional headers were sent; a server bug
        raise FetchError("unexpected 304", url=url)
    return result


async def _feed(source: Source, fetcher: Fetcher, known: Callable[[list[str]], set[str]]) -> Discovery:
    response = await _get(fetcher, source.url)
    headers = {"content-location": response.url, "content-type": response.content_type or "application/xml"}
    parsed = feedparser.parse(response.content, response_headers=headers)
    links = []
    for entry in parsed.entries:
        href = entry.get("link") or entry.get("id")
        if not href:
            continue
        stamp = entry.get("published_parsed") or entry.get("updated_parsed")
        published = datetime(*stamp[:6], tzinfo=UTC) if stamp else None
        url = canonical_url(urljoin(response.url, href))
        links.append(Link(url, source.id, entry.get("title"), published))
    error = None
    if parsed.bozo and not links:
        error = f"feed could not be parsed: {parsed.get('bozo_exception')}"
    elif parsed.bozo:
        error = f"feed partly malformed: {parsed.get('bozo_exception')}"
    return Discovery(links, error)


async def _listing(source: Source, fetcher: Fetcher, known: Callable[[list[str]], set[str]]) -> Discovery:
    links: list[Link] = []
    page_url: str | None = source.url
    seen_pages: set[str] = set()
    while page_url and page_url not in seen_pages and len(seen_pages) < source.max_pages:
        seen_pages.add(page_url)
        response = await _get(fetcher, page_url)
        soup = BeautifulSoup(response.content, "lxml")
        base = soup.find("base", href=True)
        base_url = urljoin(response.url, str(base["href"])) if base else response.url
        page_links = [
            Link(canonical_url(urljoin(base_url, str(a["href"]))), source.id, a.get_text(" ", strip=True))
            for a in soup.select(source.links or "a")
            if a.get("href")
        ]
        links += page_links
        urls = [link.url for link in page_links]
        if urls and known(urls) >= set(urls):
            break  # a page of only known articles: older pages hold nothing new
        nxt = soup.select_one(source.next) if source.next else None
        page_url = urljoin(base_url, str(nxt["href"])) if nxt and nxt.get("href") else None
    return Discovery(links)


SITEMAP_NS = "{http://www.sitemaps.org/schemas/sitemap/0.9}"


async def _sitemap(source: Source, fetcher: Fetcher, known: Callable[[list[str]], set[str]]) -> Discovery:
    links: list[Link] = []
    queue, done = [source.url], 0
    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)
    while queue and done < source.max_pages:
        response = await _get(fetcher, queue.pop(0))
        done += 1
        root = etree.fromstring(response.content, parser=parser)
        for loc in root.iter(f"{SITEMAP_NS}loc"):
            url = (loc.text or "").strip()
            parent = loc.getparent()
            if parent is not None and parent.tag == f"{SITEMAP_NS}sitemap":
                queue.append(url)
            elif url:
                links.append(Link(canonical_url(url), source.id))
    return Discovery(links)
