"""What is at a URL, for `hubwatch sources probe` and `hubwatch sources check --online`.

`probe(url)` fetches that one page (robots.txt obeyed), says what it is (a feed, a sitemap, an HTML
page), and for a page: the feeds it announces (each fetched once to read its title and item count),
the sitemaps its robots.txt lists (named, not read), its groups of article links with examples, its
next page, whether it needs JavaScript — and a ready `sources.yaml` entry. It never fetches an
article and stores nothing.

`check_source(source)` fetches one source's entry point once and reports status, redirects, what was
found there, the item count and the robots.txt verdict.
"""

from __future__ import annotations

import asyncio
import re
from dataclasses import asdict, dataclass, field
from typing import Any
from urllib.parse import urlsplit

from lxml import etree

from pipeline.config import Settings, Source
from pipeline.crawl import linkfinder
from pipeline.crawl.discover import listing_page
from pipeline.crawl.feeds import announced_feeds, is_html, parse_feed
from pipeline.crawl.fetch import FEED_TYPES, SITEMAP_TYPES, Fetcher, FetchRecord, Response
from pipeline.crawl.found import get
from pipeline.crawl.inflate import TooLarge, gunzip_bounded
from pipeline.errors import FetchError, Skip

EXAMPLES = 3  # example links shown per link group
MAX_FEEDS = 5  # announced feeds fetched to count their items
_XML = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False, load_dtd=False)


@dataclass
class FeedInfo:
    url: str
    title: str | None = None
    items: int = 0
    error: str | None = None


@dataclass
class GroupInfo:
    block: str
    links: int
    examples: list[str]


@dataclass
class Sighting:
    """What one fetched document is and what it yields."""

    what: str  # "RSS/Atom feed", "JSON Feed", "sitemap index", "sitemap", "HTML page", "RSS landing page"
    items: int = 0  # feed items, sitemap entries, or article links on a page
    feeds: list[str] = field(default_factory=list)
    groups: list[GroupInfo] = field(default_factory=list)
    next_url: str | None = None
    needs_javascript: bool = False
    title: str | None = None
    error: str | None = None


@dataclass
class Report:
    """A probe's or an online check's findings about one URL."""

    url: str
    final_url: str | None = None
    status: int | None = None
    redirects: list[str] = field(default_factory=list)
    robots: str = "allowed"
    sighting: Sighting | None = None
    feeds: list[FeedInfo] = field(default_factory=list)
    sitemaps: list[str] = field(default_factory=list)
    entry: dict[str, Any] = field(default_factory=dict)
    error: str | None = None

    @property
    def items(self) -> int:
        page = self.sighting.items if self.sighting else 0
        return page + sum(f.items for f in self.feeds)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def sight(response: Response) -> Sighting:
    """Say what a fetched document is: a feed, a sitemap or an HTML page, and what it yields."""
    body = response.content
    if (
        body[:2] == b"\x1f\x8b"
        or (not is_html(response) and b"<urlset" in body[:2048])
        or (not is_html(response) and b"<sitemapindex" in body[:2048])
    ):
        return _sitemap(body)
    if not is_html(response):
        parsed = parse_feed(body, content_type=response.content_type, url=response.url)
        what = "JSON Feed" if body.lstrip()[:1] == b"{" else "RSS/Atom feed"
        return Sighting(what, len(parsed.items), title=_feed_title(body), error=parsed.error)
    return _page(response)


def _sitemap(body: bytes) -> Sighting:
    try:
        if body[:2] == b"\x1f\x8b":
            body = gunzip_bounded(body, 50_000_000)
        root = etree.fromstring(body, parser=_XML)
    except (etree.XMLSyntaxError, TooLarge) as exc:
        return Sighting("sitemap", error=f"not well-formed: {exc}")
    kind = "sitemap index" if etree.QName(root.tag).localname == "sitemapindex" else "sitemap"
    return Sighting(kind, len(root))


def _feed_title(body: bytes) -> str | None:
    match = re.search(rb"<title[^>]*>\s*(?:<!\[CDATA\[)?(.*?)(?:\]\]>)?\s*</title>", body[:8192], re.S)
    return match.group(1).decode("utf-8", "replace").strip() or None if match else None


def _page(response: Response) -> Sighting:
    found = linkfinder.find_links(response.text, response.url)
    feeds = announced_feeds(response.text, response.url)
    groups = [GroupInfo(g.key, len(g.urls), g.urls[:EXAMPLES]) for g in found.groups()]
    title = re.search(r"<title[^>]*>(.*?)</title>", response.text, re.S | re.I)
    articles = len(found.articles)
    what = "RSS landing page" if feeds and not articles and _mostly_feeds(response, feeds) else "HTML page"
    return Sighting(
        what,
        articles,
        feeds,
        groups,
        found.next_url,
        found.needs_javascript and not articles,
        " ".join(title.group(1).split()) if title else None,
    )


def _mostly_feeds(response: Response, feeds: list[str]) -> bool:
    return len(feeds) >= 2 and "rss" in (urlsplit(response.url).path.lower() + response.text[:4096].lower())


# --- probe ---------------------------------------------------------------------------------------


async def probe(url: str, settings: Settings) -> Report:
    """Everything discovery would find at `url`, and the source entry that reads it; see the docstring."""
    records: list[FetchRecord] = []
    report = Report(url)
    async with Fetcher(settings, recorder=records.append) as fetcher:
        response = await _entry(fetcher, url, report, records)
        if response is None:
            return report
        report.sighting = sighting = sight(response)
        if sighting.what in ("HTML page", "RSS landing page"):
            report.feeds = await _feed_infos(fetcher, sighting.feeds)
            report.sitemaps = await _sitemaps(fetcher, response.url)
    report.entry = propose_entry(report)
    if not report.entry:
        report.error = report.error or _nothing(report)
    return report


async def _entry(
    fetcher: Fetcher, url: str, report: Report, records: list[FetchRecord], source_id: str = "probe"
) -> Response | None:
    """Fetch the entry point; robots.txt verdict, status, redirects and failure go on the report."""
    try:
        await fetcher.robots.check(url, source_id=source_id)
    except Skip:
        report.robots, report.error = "disallowed", "robots.txt disallows this URL"
        return None
    except FetchError as exc:
        report.robots = f"unavailable ({exc.reason})"
    try:
        response = await get(fetcher, source_id, url, SITEMAP_TYPES)
    except (FetchError, Skip) as exc:
        report.error = exc.reason
        response = None
    hops = [r for r in records if r.source_id == source_id and not r.url.endswith("/robots.txt")]
    report.redirects = [r.url for r in hops[1:]] if len(hops) > 1 else []
    report.status = hops[-1].status_code if hops else None
    report.final_url = response.url if response else None
    return response


async def _feed_infos(fetcher: Fetcher, feeds: list[str]) -> list[FeedInfo]:
    """Each announced feed's title and item count; an RSS landing page's own feeds are read instead."""
    infos: list[FeedInfo] = []
    queue, landing = list(feeds), False
    while queue and len(infos) < MAX_FEEDS:
        url = queue.pop(0)
        try:
            response = await get(fetcher, "probe", url, FEED_TYPES)
        except (FetchError, Skip) as exc:
            infos.append(FeedInfo(url, error=exc.reason))
            continue
        if is_html(response):
            listed = [f for f in announced_feeds(response.text, response.url) if f not in queue and f != url]
            infos.append(FeedInfo(url, error=f"an RSS landing page listing {len(listed)} feeds"))
            queue = queue if landing else listed + queue
            landing = True
            continue
        parsed = parse_feed(response.content, content_type=response.content_type, url=response.url)
        infos.append(FeedInfo(url, _feed_title(response.content), len(parsed.items), parsed.error))
    return infos


async def _sitemaps(fetcher: Fetcher, url: str) -> list[str]:
    try:
        return await fetcher.robots.sitemaps(url, source_id="probe")
    except FetchError:
        return []


def propose_entry(report: Report) -> dict[str, Any]:
    """The sources.yaml entry that reads what the probe found; {} when nothing would be read."""
    s, url = report.sighting, report.final_url
    if s is None or url is None:
        return {}
    host = (urlsplit(url).hostname or "site").removeprefix("www.")
    source_id = re.sub(r"[^a-z0-9]+", "-", host.lower()).strip("-")
    entry: dict[str, Any] = {"id": source_id, "name": s.title or host}
    if s.what in ("RSS/Atom feed", "JSON Feed"):
        return entry | {"kind": "feed", "url": url} if s.items else {}
    if s.what.startswith("sitemap"):
        return entry | {"kind": "sitemap", "url": url} if s.items else {}
    if any(f.items for f in report.feeds) or report.sitemaps or s.what == "RSS landing page":
        return entry | {"kind": "site", "url": url}
    if s.items:
        entry |= {"kind": "listing", "url": url}
        prefix = _common_section([u for g in s.groups for u in g.examples])
        return entry | ({"include": [prefix]} if prefix else {})
    return {}


def _common_section(urls: list[str]) -> str | None:
    """`/news/` when every example article lives under it (dates and ids aside)."""
    firsts = {[*urlsplit(u).path.split("/"), "", ""][1] for u in urls}
    if len(urls) >= 2 and len(firsts) == 1:
        first = firsts.pop()
        if first and not first.isdigit() and "." not in first:
            return f"/{first}/"
    return None


def _nothing(report: Report) -> str:
    s = report.sighting
    if s is not None and s.needs_javascript:
        return linkfinder.JS_ONLY
    if s is not None and s.error:
        return s.error
    return "nothing to read here: no feed, no sitemap, no article links"


# --- check --online ------------------------------------------------------------------------------


async def check_source(source: Source, fetcher: Fetcher, records: list[FetchRecord]) -> Report:
    """Fetch one source's entry point once: what is there and how many items this source reads of it."""
    report = Report(source.url)
    response = await _entry(fetcher, source.url, report, records, source.id)
    if response is None:
        return report
    report.sighting = s = sight(response)
    if source.kind == "site" and s.what != "HTML page":
        report.sitemaps = []
    elif source.kind == "site":
        report.sitemaps = await _sitemaps(fetcher, response.url)
    try:
        count = _yield(source, response, report)
    except FetchError as exc:
        count, report.error = 0, exc.reason
    if not count:
        report.error = report.error or s.error or _wrong_kind(source, s) or _nothing(report)
    return report


def _yield(source: Source, response: Response, report: Report) -> int:
    """How many items this source would read here: its own selectors for a listing."""
    s = report.sighting
    assert s is not None
    if source.kind == "listing":
        return len(listing_page(source, response)[0])
    if source.kind == "page":
        return int(s.what == "HTML page")
    if source.kind == "site":
        return s.items + len(s.feeds) + len(report.sitemaps) if s.what == "HTML page" else s.items
    if source.kind == "feed" and not s.what.endswith("Feed") and not s.what.endswith("feed"):
        return 0
    if source.kind == "sitemap" and not s.what.startswith("sitemap"):
        return 0
    return s.items


def _wrong_kind(source: Source, s: Sighting) -> str | None:
    if source.kind == "feed" and s.what in ("HTML page", "RSS landing page"):
        return f"an HTML page, not a feed ({s.what}, {len(s.feeds)} feed links on it)"
    if source.kind == "sitemap" and not s.what.startswith("sitemap"):
        return f"not a sitemap but a {s.what}"
    return None


async def check_online(sources: list[Source], settings: Settings) -> list[tuple[Source, Report]]:
    """Every source's entry point, fetched once, politely (one shared client: per-host limits hold)."""
    records: list[FetchRecord] = []
    async with Fetcher(settings, recorder=records.append) as fetcher:
        reports = await asyncio.gather(*(check_source(s, fetcher, records) for s in sources))
    return list(zip(sources, reports, strict=True))


def check_rows(results: list[tuple[Source, Report]]) -> list[dict[str, Any]]:
    """One row per source for the table `sources check --online` prints."""
    return [
        {
            "id": source.id,
            "kind": source.kind,
            "status": r.status,
            "redirects": " → ".join(r.redirects) if r.redirects else "",
            "found": _found(r),
            "items": r.items if r.sighting else 0,
            "robots": r.robots,
            "problem": r.error or "",
        }
        for source, r in results
    ]


def _found(report: Report) -> str:
    s = report.sighting
    if s is None:
        return ""
    extra = [f"{n} {what}" for n, what in ((len(s.feeds), "feeds"), (len(report.sitemaps), "sitemaps")) if n]
    return s.what + (f" ({', '.join(extra)})" if extra else "")


def probe_lines(report: Report) -> list[str]:
    """The probe's findings as `# ` comment lines, so that the whole output pastes into sources.yaml."""
    s = report.sighting
    lines = [f"probe of {report.url}", f"status {report.status}, robots.txt: {report.robots}"]
    lines += [f"redirected to {hop}" for hop in report.redirects]
    if s is not None:
        lines.append(f"found: {s.what}" + (f" «{s.title}»" if s.title else "") + f", {s.items} items")
        for feed in report.feeds:
            state = feed.error or f"{feed.items} items"
            lines.append(f"feed {feed.url} «{feed.title or ''}»: {state}")
        lines += [f"sitemap (robots.txt) {u}" for u in report.sitemaps]
        for group in s.groups:
            lines.append(f"link group {group.block}: {group.links} article links, e.g.")
            lines += [f"    {u}" for u in group.examples]
        if s.next_url:
            lines.append(f"next page: {s.next_url}")
        if s.needs_javascript:
            lines.append("the page needs JavaScript: it has (almost) no links without it")
    if report.error:
        lines.append(f"problem: {report.error}")
    return [f"# {line}" for line in lines]
