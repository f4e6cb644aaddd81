"""What discovery hands on: `Link`s (one article a source points at) gathered in a `Discovery`.

Kept apart from `discover.py` so that each kind's module (`sitemaps.py`, `site.py`) can build them
without importing the dispatcher.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from pipeline.crawl.fetch import Fetcher, NotModified, Response
from pipeline.errors import FetchError

Known = Callable[[list[str]], set[str]]
LastFetched = Callable[[list[str]], dict[str, str]]  # url -> ISO time we last fetched it
# called with a listing page's links as soon as the page is read, so their fetches start while later
# listing pages are still read; every link it gets is in the finished Discovery's links as well
OnLinks = Callable[[list["Link"]], None]


@dataclass(frozen=True, slots=True)
class Link:
    """One article a source points at, with what the source already says of it."""

    url: str
    source_id: str
    title: str | None = None
    published: datetime | None = None
    key: str | None = None  # a feed item's identity (GUID, link, or hash)
    content: str | None = None  # a feed item's own HTML, used when it has no link to fetch
    lastmod: datetime | None = None  # a sitemap's <lastmod> for it
    lastmod_says_unchanged: bool = False  # re-checked although its sitemap <lastmod> says "not since"


@dataclass
class Discovery:
    links: list[Link]
    error: str | None = None  # a partial failure: the links that could be read are still used
    unchanged: list[str] = field(default_factory=list)  # sitemap URLs whose lastmod says "not since"

    @property
    def found(self) -> int:
        return len(self.links) + len(self.unchanged)

    def merge(self, other: Discovery) -> None:
        """Add another way of finding articles: one Link per URL, the first (richest) one wins."""
        known = {link.url for link in self.links}
        self.links += [link for link in other.links if link.url not in known]
        self.unchanged += [url for url in other.unchanged if url not in known]
        if other.error:
            self.error = f"{self.error}; {other.error}" if self.error else other.error


async def get(fetcher: Fetcher, source_id: str, url: str, accept: tuple[str, ...]) -> Response:
    """One unconditional GET of a discovery document (feed, listing page, sitemap)."""
    result = await fetcher.fetch(url, source_id=source_id, accept=accept)
    if isinstance(result, NotModified):  # no conditional headers were sent; a server bug
        raise FetchError("unexpected 304", url=url)
    return result
