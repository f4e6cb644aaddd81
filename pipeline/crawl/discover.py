"""Discovery: which article URLs a source lists, per kind (feed, listing, sitemap, page, site).

`discover(source, fetcher, known=...)` returns `Link`s with canonical URLs, filtered by the source's
include/exclude rules, and raises FetchError (or Skip) when the entry point cannot be read. A part
that fails later (page 2 of a listing, one child sitemap, a truncated feed) is an error on the
`Discovery`, and the links that could be read are still used. With `on_links`, a listing hands each
page's links on as soon as the page is read (filtered and deduplicated the same way), so the runner
fetches articles while the later listing pages are still being read. Sitemaps live in `sitemaps.py`, the
`site` kind in `site.py`, the selector-free link finder in `linkfinder.py`.
"""

from __future__ import annotations

import logging
import warnings
from urllib.parse import urljoin

from bs4 import BeautifulSoup, XMLParsedAsHTMLWarning

from pipeline.config import Source
from pipeline.crawl import linkfinder
from pipeline.crawl.feeds import feed_links
from pipeline.crawl.fetch import FEED_TYPES, HTML_TYPES, Fetcher, Response
from pipeline.crawl.found import Discovery, Known, LastFetched, Link, OnLinks, get
from pipeline.crawl.linkfinder import JS_ONLY
from pipeline.crawl.site import discover_site
from pipeline.crawl.sitemaps import read_sitemaps
from pipeline.crawl.urls import DEFAULT_PORTS, TRACKING_PARAMS, canonical_url
from pipeline.errors import FetchError, Skip

logger = logging.getLogger(__name__)


async def discover(
    source: Source,
    fetcher: Fetcher,
    *,
    known: Known,
    last_fetched: LastFetched | None = None,
    on_links: OnLinks | None = None,
) -> Discovery:
    """The article links of one source; raises FetchError when its entry point cannot be read."""
    last_fetched = last_fetched or (lambda urls: {})
    if source.kind == "page":
        return Discovery([Link(canonical_url(source.url), source.id)])
    if source.kind == "feed":
        discovery = await _feed(source, fetcher)
    elif source.kind == "listing":
        discovery = await _listing(source, fetcher, known, _wanted_only(source, on_links))
    elif source.kind == "site":
        discovery = await discover_site(source, fetcher, known=known, last_fetched=last_fetched)
    else:
        discovery = await read_sitemaps(source, fetcher, [source.url], last_fetched)
    discovery.links = _wanted(source, discovery.links)
    discovery.unchanged = [url for url in dict.fromkeys(discovery.unchanged) if source.wants(url)]
    return discovery


def _web(url: str) -> bool:
    """Only http(s) links are articles: `ftp:`, `mailto:` or a typo like `ittps:` are dropped, not fetched."""
    return url.startswith(("http://", "https://"))


def _wanted(source: Source, links: list[Link]) -> list[Link]:
    """One Link per URL, web links the source's include/exclude rules let through."""
    unique = {link.url: link for link in links if _web(link.url) and source.wants(link.url)}
    return list(unique.values())


def _wanted_only(source: Source, on_links: OnLinks | None) -> OnLinks | None:
    """on_links behind the same filter as the finished Discovery, each URL handed on once."""
    if on_links is None:
        return None
    handed: set[str] = set()

    def forward(links: list[Link]) -> None:
        fresh = [link for link in _wanted(source, links) if link.url not in handed]
        handed.update(link.url for link in fresh)
        if fresh:
            on_links(fresh)

    return forward


# --- feed -------------------------------------------------------------------------------------


async def _feed(source: Source, fetcher: Fetcher) -> Discovery:
    response = await get(fetcher, source.id, source.url, FEED_TYPES)
    return feed_links(source, response)


# --- listing ----------------------------------------------------------------------------------


async def _listing(source: Source, fetcher: Fetcher, known: Known, on_links: OnLinks | None) -> Discovery:
    """Follow `next` up to max_pages; stop early at a page that brings only known articles.

    "Known" means known before this pass: links of earlier pages may be stored by now (their fetches
    start at once with on_links), and a page repeating them must not look like a page of old news.
    """
    links: list[Link] = []
    page_url: str | None = source.url
    seen_pages: set[str] = set()
    new_here: set[str] = set()  # links of earlier pages that were not known when their page was read
    error = None
    while page_url and canonical_url(page_url) not in seen_pages and len(seen_pages) < source.max_pages:
        seen_pages.add(canonical_url(page_url))
        try:
            response = await get(fetcher, source.id, page_url, HTML_TYPES)
        except (FetchError, Skip) as exc:
            if not links:
                raise
            error = f"listing page {page_url}: {getattr(exc, 'reason', exc)}"
            break
        page_links, page_url = listing_page(source, response, first=len(seen_pages) == 1)
        links += page_links
        urls = [link.url for link in page_links if source.wants(link.url)]
        old = known(urls) - new_here if urls else set()
        new_here.update(url for url in urls if url not in old)
        if on_links is not None:
            on_links(page_links)
        if urls and old >= set(urls):
            logger.debug("%s: page of known articles, stopping", source.id)
            break
    return Discovery(links, error)


def listing_page(source: Source, response: Response, *, first: bool = True) -> tuple[list[Link], str | None]:
    """A listing page's article links and its next page: by the source's selectors, else found
    (`linkfinder`). A first page without links that is an app shell is an error, not an empty success."""
    found = linkfinder.find_links(response.text, response.url) if not (source.links and source.next) else None
    soup = _soup(response.text) if source.links or source.next else None
    if source.links and soup is not None:
        links = _selected(source, soup, response.url)
    elif found is not None:
        links = [Link(canonical_url(u), source.id, t or None) for u, t in found.article_texts()]
        if first and not links and found.needs_javascript:
            raise FetchError(JS_ONLY, url=response.url)
    if source.next and soup is not None:
        nxt = soup.select_one(source.next)
        href = nxt.get("href") if nxt else None
        return links, urljoin(_base(soup, response.url), str(href)) if href else None
    return links, found.next_url if found else None


def _soup(html: str) -> BeautifulSoup:
    """A listing page parsed as HTML, also when it opens with an XML declaration (XHTML, or a server's
    mislabelled page): the selectors are HTML selectors, and BeautifulSoup's warning about it is noise."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", XMLParsedAsHTMLWarning)
        return BeautifulSoup(html, "lxml")


def _base(soup: BeautifulSoup, url: str) -> str:
    base = soup.find("base", href=True)
    return urljoin(url, str(base["href"])) if base else url


def _selected(source: Source, soup: BeautifulSoup, page_url: str) -> list[Link]:
    base_url = _base(soup, page_url)
    return [
        Link(canonical_url(urljoin(base_url, str(a["href"]))), source.id, a.get_text(" ", strip=True) or None)
        for a in soup.select(source.links or "a")
        if a.get("href") and not str(a["href"]).startswith(("mailto:", "javascript:", "tel:"))
    ]


__all__ = ["DEFAULT_PORTS", "TRACKING_PARAMS", "Discovery", "Link", "canonical_url", "discover", "feed_links"]
