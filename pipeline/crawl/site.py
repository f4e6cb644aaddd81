"""Kind `site`: a source that names only a site's front or newsroom page.

Three ways in, merged into one Link per article URL (the first way that found it keeps its title and
date: feeds, then sitemaps, then the page):

1. the feeds the page announces (`<link rel="alternate">` RSS/Atom/JSON Feed, else feed-looking
   `<a href>`s), found with trafilatura's `determine_feed` on the HTML our client fetched; a "feed"
   that is an HTML page is read as an RSS landing page and its own feed links are followed once;
2. the sitemaps robots.txt lists (`Sitemap:`), news and post sitemaps chosen over taxonomy, author,
   static-page and media ones (`sitemaps.choose_sitemaps`), their newest `SITEMAP_URLS` entries;
3. the article links of the page itself (`linkfinder`).

A part that fails (a feed link that 404s, an HTML page served as a feed, a sitemap that loops) is an
error on the source, and whatever the other ways found is still used.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime

from pipeline.config import Source
from pipeline.crawl import linkfinder
from pipeline.crawl.feeds import announced_feeds, feed_links, is_html
from pipeline.crawl.fetch import FEED_TYPES, Fetcher, Response
from pipeline.crawl.found import Discovery, Known, LastFetched, Link, get
from pipeline.crawl.sitemaps import choose_sitemaps, read_sitemaps
from pipeline.crawl.urls import canonical_url
from pipeline.errors import FetchError, Skip

logger = logging.getLogger(__name__)

MAX_FEEDS = 5  # feed documents (and RSS landing pages) read per run and source
SITEMAP_URLS = 200  # the newest sitemap entries taken per run: a site's sitemap may list its whole history
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


async def discover_site(
    source: Source, fetcher: Fetcher, *, known: Known, last_fetched: LastFetched
) -> Discovery:
    """Feeds, sitemaps and page links of one site, merged; raises when the page itself cannot be read."""
    response = await get(fetcher, source.id, source.url, FEED_TYPES)
    if not is_html(response):
        return feed_links(source, response)  # the URL is itself a feed: read it as one
    page = linkfinder.find_links(response.text, response.url)
    feeds = announced_feeds(response.text, response.url)
    result = Discovery([])
    result.merge(await _feeds(source, fetcher, feeds))
    sitemaps = await _robots_sitemaps(fetcher, source, response.url, result)
    if sitemaps:
        result.merge(await _sitemaps(source, fetcher, sitemaps, last_fetched))
    result.merge(Discovery([Link(canonical_url(u), source.id, t or None) for u, t in page.article_texts()]))
    if not result.found and page.needs_javascript:
        raise FetchError(linkfinder.JS_ONLY, url=response.url)
    return result


async def _feeds(source: Source, fetcher: Fetcher, feeds: list[str]) -> Discovery:
    """Read each feed; an HTML page among them is an RSS landing page whose feeds are read instead."""
    result, queue, read = Discovery([]), list(feeds), 0
    landing_pages: set[str] = set()
    while queue and read < MAX_FEEDS:
        url = queue.pop(0)
        read += 1
        try:
            response = await get(fetcher, source.id, url, FEED_TYPES)
            if is_html(response):
                queue = _landing(response, url, landing_pages, queue)
                continue
            result.merge(feed_links(source, response))
        except (FetchError, Skip) as exc:
            _note(result, f"feed {url}: {exc.reason}")
    return result


def _landing(response: Response, url: str, landing_pages: set[str], queue: list[str]) -> list[str]:
    """The feeds an RSS landing page links, ahead of the rest; a page of no feeds is an error."""
    if url in landing_pages or landing_pages:
        raise FetchError("an HTML page, not a feed", url=url)
    landing_pages.add(url)
    feeds = [f for f in announced_feeds(response.text, response.url) if f not in queue and f != url]
    if not feeds:
        raise FetchError("an HTML page, not a feed (and it links no feeds)", url=url)
    logger.info("%s is an RSS landing page listing %d feeds", url, len(feeds))
    return feeds + queue


async def _robots_sitemaps(fetcher: Fetcher, source: Source, page_url: str, result: Discovery) -> list[str]:
    try:
        return await fetcher.robots.sitemaps(page_url, source_id=source.id)
    except FetchError as exc:  # robots.txt unavailable: the page's own links and feeds still count
        _note(result, exc.reason)
        return []


async def _sitemaps(
    source: Source, fetcher: Fetcher, urls: list[str], last_fetched: LastFetched
) -> Discovery:
    chosen = choose_sitemaps(urls)
    try:
        found = await read_sitemaps(source, fetcher, chosen, last_fetched, choose=True)
    except (FetchError, Skip) as exc:
        return Discovery([], f"sitemap {chosen[0] if chosen else ''}: {exc.reason}")
    found.links = [link for link in found.links if not linkfinder.not_an_article(link.url)]
    found.unchanged = [url for url in found.unchanged if not linkfinder.not_an_article(url)]
    found.links.sort(key=lambda link: link.lastmod or link.published or EPOCH, reverse=True)
    found.links = found.links[:SITEMAP_URLS]
    return found


def _note(result: Discovery, error: str) -> None:
    result.error = f"{result.error}; {error}" if result.error else error
