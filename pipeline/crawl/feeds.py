"""Feed items from bytes our own client fetched: RSS 0.9x/1.0/2.0 and Atom through feedparser, JSON
Feed by hand (feedparser 6 does not read it).

Item identity is the GUID, else the link, else a hash of title + content. A feed that parses only in
part yields the items that parsed plus an error (the source then counts as failed, the items are still
stored). feedparser's *benign* bozo flags — a charset header that disagrees with the XML declaration,
a feed served as text/html — leave the entries intact, so they are logged and do not fail the source.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import urljoin, urlsplit

import feedparser

from pipeline.crawl.found import Discovery, Link
from pipeline.crawl.urls import canonical_url
from pipeline.errors import FetchError

if TYPE_CHECKING:
    from pipeline.config import Source
    from pipeline.crawl.fetch import Response

logger = logging.getLogger(__name__)

BENIGN_BOZO = (feedparser.CharacterEncodingOverride, feedparser.NonXMLContentType)
NEWSY = re.compile(r"presse|news|aktuell|meldung|artikel|article|blog|post|feed", re.IGNORECASE)
JSON_FEED_VERSION = "https://jsonfeed.org/version/"


@dataclass(frozen=True, slots=True)
class FeedItem:
    key: str  # GUID, else link, else a hash of title + content
    link: str | None
    title: str | None = None
    published: datetime | None = None
    content: str | None = None  # HTML of the item itself, used when it has no link


@dataclass
class ParsedFeed:
    items: list[FeedItem]
    error: str | None = None


def item_key(guid: str | None, link: str | None, title: str | None, content: str | None) -> str:
    """A stable identity for an item, whatever the feed gives."""
    if guid or link:
        return str(guid or link)
    return "sha256:" + hashlib.sha256(f"{title or ''}\n{content or ''}".encode()).hexdigest()[:32]


def is_json_feed(body: bytes, content_type: str) -> bool:
    mime = content_type.split(";")[0].strip().lower()
    return mime in ("application/feed+json", "application/json") or body.lstrip()[:1] == b"{"


def parse_feed(body: bytes, *, content_type: str, url: str) -> ParsedFeed:
    """All items of a feed; never raises for bad input (the error is on the result)."""
    if is_json_feed(body, content_type):
        return _json_feed(body, url)
    headers = {"content-location": url, "content-type": content_type or "application/xml"}
    try:
        parsed = feedparser.parse(body, response_headers=headers)
    except (UnicodeError, LookupError, ValueError) as exc:  # feedparser trips on some encoding declarations
        return ParsedFeed([], f"feed could not be parsed: {type(exc).__name__}: {exc}")
    items = [item for entry in parsed.entries if (item := _xml_item(entry, url)) is not None]
    return ParsedFeed(_unique(items), _bozo_error(parsed, items, url))


def _bozo_error(parsed: Any, items: list[FeedItem], url: str) -> str | None:
    if not items and not parsed.get("version"):
        return f"feed could not be parsed: {parsed.get('bozo_exception') or 'not RSS, Atom or JSON Feed'}"
    if not parsed.bozo:
        return None
    exc = parsed.get("bozo_exception")
    if isinstance(exc, BENIGN_BOZO):
        logger.info("%s: benign feed issue ignored: %s", url, exc)
        return None
    return f"feed partly malformed ({len(items)} items read): {exc}"


def _xml_item(entry: Any, base: str) -> FeedItem | None:
    link = entry.get("link")
    guid = entry.get("id")
    if not link and guid and str(guid).startswith(("http://", "https://")):
        link = guid
    content = (entry.get("content") or [{}])[0].get("value") or entry.get("summary")
    title = entry.get("title")
    if not (link or guid or title or content):
        return None
    # dict.get: feedparser's own get() maps a missing published_parsed onto updated_parsed with a
    # DeprecationWarning; we ask for each explicitly
    stamp = dict.get(entry, "published_parsed") or dict.get(entry, "updated_parsed")
    published = datetime(*tuple(stamp)[:6]).replace(tzinfo=UTC) if stamp else None
    absolute = urljoin(base, link) if link else None
    return FeedItem(item_key(guid, absolute, title, content), absolute, title, published, content)


def _json_feed(body: bytes, url: str) -> ParsedFeed:
    try:
        data = json.loads(body.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        return ParsedFeed([], f"JSON feed could not be parsed: {exc}")
    if not isinstance(data, dict) or not str(data.get("version", "")).startswith(JSON_FEED_VERSION):
        return ParsedFeed([], "not a JSON Feed (no jsonfeed.org version)")
    items, bad = [], 0
    for raw in data.get("items") or []:
        item = _json_item(raw, url) if isinstance(raw, dict) else None
        bad += item is None
        if item is not None:
            items.append(item)
    error = f"JSON feed: {bad} unreadable items" if bad else None
    return ParsedFeed(_unique(items), error)


def _json_item(raw: dict[str, Any], base: str) -> FeedItem | None:
    link = raw.get("url") or raw.get("external_url")
    content = raw.get("content_html") or raw.get("content_text") or raw.get("summary")
    title = raw.get("title")
    if not (link or raw.get("id") or content):
        return None
    absolute = urljoin(base, str(link)) if link else None
    key = item_key(str(raw["id"]) if raw.get("id") is not None else None, absolute, title, content)
    return FeedItem(
        key, absolute, title, _iso_date(raw.get("date_published") or raw.get("date_modified")), content
    )


def _iso_date(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        stamp = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return stamp if stamp.tzinfo else stamp.replace(tzinfo=UTC)


def _unique(items: list[FeedItem]) -> list[FeedItem]:
    """A feed that repeats an item (same GUID) lists it once."""
    return list({item.key: item for item in reversed(items)}.values())[::-1]


# --- feed items as Links (discovery) -------------------------------------------------------------


def feed_links(source: Source, response: Response) -> Discovery:
    """The items of a fetched feed as Links; raises FetchError when nothing in it parses."""
    parsed = parse_feed(response.content, content_type=response.content_type, url=response.url)
    if parsed.error and not parsed.items:
        error = parsed.error
        if is_html(response):
            feeds = announced_feeds(response.text, response.url)
            error = "an HTML page, not a feed" + (
                f" (an RSS landing page? it links {len(feeds)} feeds, e.g. {feeds[0]}; or use kind site)"
                if feeds
                else ""
            )
        raise FetchError(error, url=response.url, status_code=response.status_code)
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


def is_html(response: Response) -> bool:
    """An HTML page, by its header or (for servers that label everything text/plain or xml) its start."""
    mime = response.content_type.split(";")[0].strip().lower()
    start = response.content[:512].lstrip().lower()
    if start.startswith((b"<?xml", b"<rss", b"<feed", b"<rdf", b"{")):
        return False
    return "html" in mime or start.startswith((b"<!doctype html", b"<html"))


def announced_feeds(html: str, page_url: str) -> list[str]:
    """The feeds a page announces, news-like ones first; sitemaps and comment feeds left out.

    trafilatura is imported here, not at the top: a run of feeds and 304s never loads it (or htmldate).
    """
    from trafilatura.feeds import FeedParameters, determine_feed

    host = urlsplit(page_url).hostname or ""
    params = FeedParameters(page_url, host, page_url)
    found = [u for u in determine_feed(html, params) if "sitemap" not in u.lower()]
    return sorted(found, key=lambda u: not NEWSY.search(urlsplit(u).path + urlsplit(u).query))
