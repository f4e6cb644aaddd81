"""Atom feeds for feed readers: `all.atom`, one per hub, one per sector, of the relevant announcements.

In: `events` of relevant announcements (copies on other sites folded), with the entities and changes of
their version. Out: Atom 1.0 documents built by feedgen — files (`hubwatch feeds --out DIR`) or responses
(`hubwatch serve`, `feedroutes.py`). One entry per event: a new announcement, or a change of one, which
says what changed. Nothing in a document depends on the clock: ids are UUIDs derived from the article's
URL and version, `updated` is the newest entry's, so a re-run writes identical files when nothing is new.
"""

from __future__ import annotations

import os
import re
import tempfile
import unicodedata
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time
from pathlib import Path
from zoneinfo import ZoneInfo

import jinja2
import sqlite_utils
from feedgen.feed import FeedGenerator

from pipeline import __version__
from pipeline.deliver.items import item_for_event
from pipeline.deliver.render import LABELS, Item, format_date, is_web_link, oneline

FEED_LIMIT = 50  # entries per feed, newest first: what feed readers fetch daily, not the archive
FEED_LABELS = {
    "de": {"all": "alle Meldungen", "hub": "Hub", "sector": "Branche", "changed": "geändert"},
    "en": {"all": "all items", "hub": "hub", "sector": "sector", "changed": "changed"},
}
_ENTRY = jinja2.Environment(
    loader=jinja2.PackageLoader("pipeline.deliver", "templates"),
    autoescape=True,
    undefined=jinja2.StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
).get_template("entry.html")
_TRANSLITERATE = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss"})


@dataclass(frozen=True)
class FeedSpec:
    """One feed: its file stem (`all`, `hub-muenchen`, `sector-logistik`) and what it selects."""

    name: str
    label: str
    hub: str | None = None
    sector: str | None = None


@dataclass
class FeedsWritten:
    written: list[Path] = field(default_factory=list)
    unchanged: list[Path] = field(default_factory=list)


def slug(name: str) -> str:
    """A file name part: 'München' → 'muenchen', 'Dresden/Leipzig' → 'dresden-leipzig'."""
    folded = unicodedata.normalize("NFKD", name.casefold().translate(_TRANSLITERATE))
    ascii_only = folded.encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_only).strip("-") or "x"


def feed_specs(db: sqlite_utils.Database) -> list[FeedSpec]:
    """`all`, then every hub the database knows (table `hubs`, mentions, facts), then every sector."""
    hubs = [r[0] for r in db.execute(
        """SELECT canonical FROM hubs UNION SELECT canonical FROM mentions WHERE label = 'HUB'
           AND canonical IS NOT NULL UNION SELECT hub FROM hub_facts ORDER BY 1"""
    )]  # fmt: skip
    sectors = [r[0] for r in db.execute(
        """SELECT canonical FROM mentions WHERE label = 'SECTOR' AND canonical IS NOT NULL
           UNION SELECT value FROM hub_facts WHERE kind = 'sector' ORDER BY 1"""
    )]  # fmt: skip
    specs = [FeedSpec("all", "all")]
    specs += [FeedSpec(f"hub-{slug(h)}", h, hub=h) for h in hubs]
    specs += [FeedSpec(f"sector-{slug(s)}", s, sector=s) for s in sectors]
    seen: set[str] = set()
    return [s for s in specs if not (s.name in seen or seen.add(s.name))]  # type: ignore[func-returns-value]


_ENTRY_ROWS = """
    SELECT e.id AS event_id, e.kind, e.version, e.created_at, e.announcement_id, a.url, a.published_at,
           COALESCE(v.title, a.title) AS title, COALESCE(s.name, a.source_id) AS source, NULL AS duplicate_of
    FROM events e CROSS JOIN announcements a
    LEFT JOIN announcement_versions v ON v.announcement_id = e.announcement_id AND v.version = e.version
    LEFT JOIN sources s ON s.id = a.source_id
    WHERE a.id = e.announcement_id AND a.relevant = 1 AND a.duplicate_of IS NULL {only}
    ORDER BY e.id DESC LIMIT :limit"""  # CROSS JOIN: walk the events newest first and stop at the limit
_ONLY_HUB = """AND (e.announcement_id, e.version) IN (
    SELECT announcement_id, version FROM mentions WHERE label = 'HUB' AND canonical = :name
    UNION SELECT announcement_id, version FROM hub_facts WHERE hub = :name)"""
_ONLY_SECTOR = """AND (e.announcement_id, e.version) IN (
    SELECT announcement_id, version FROM mentions WHERE label = 'SECTOR' AND canonical = :name
    UNION SELECT announcement_id, version FROM hub_facts WHERE kind = 'sector' AND value = :name)"""


def entry_rows(db: sqlite_utils.Database, spec: FeedSpec, *, limit: int = FEED_LIMIT) -> list[dict]:
    """The newest events of relevant announcements this feed selects (a hub's: those whose version
    names the hub, by a mention or a fact)."""
    only = _ONLY_HUB if spec.hub else _ONLY_SECTOR if spec.sector else ""
    params = {"limit": limit, "name": spec.hub or spec.sector}
    return [dict(row) for row in db.query(_ENTRY_ROWS.format(only=only), params)]


def render_feed(
    db: sqlite_utils.Database,
    spec: FeedSpec,
    *,
    language: str = "de",
    limit: int = FEED_LIMIT,
    base_url: str | None = None,
    tz: ZoneInfo | None = None,
) -> bytes:
    """One Atom document; the same database gives the same bytes."""
    tz = tz or ZoneInfo("Europe/Berlin")
    rows = entry_rows(db, spec, limit=limit)
    identity = database_identity(db)
    feed = FeedGenerator()
    feed.id(f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, f'hubwatch:{identity}:{spec.name}')}")
    feed.title(_feed_title(spec, language))
    feed.updated(_when(rows[0]["created_at"] if rows else identity, tz))
    feed.language(language)
    feed.author({"name": "hubwatch"})
    feed.generator("hubwatch", version=__version__)
    if base_url:
        feed.link(href=f"{base_url.rstrip('/')}/{spec.name}.atom", rel="self")
    for row in rows:
        _add_entry(feed, item_for_event(db, row, language=language), row, language=language, tz=tz)
    return bytes(feed.atom_str(pretty=True))


def _feed_title(spec: FeedSpec, language: str) -> str:
    words = FEED_LABELS[language]
    if spec.hub:
        return f"hubwatch – {words['hub']} {spec.hub}"
    if spec.sector:
        return f"hubwatch – {words['sector']} {spec.sector}"
    return f"hubwatch – {words['all']}"


def _add_entry(feed: FeedGenerator, item: Item, row: dict, *, language: str, tz: ZoneInfo) -> None:
    entry = feed.add_entry(order="append")
    version = row["version"]
    entry.id(f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, f'{item.url}#version-{version}')}")
    changed = f"[{FEED_LABELS[language]['changed']}] " if item.kind == "changed" else ""
    entry.title(oneline(f"{changed}{item.title or item.url}"))
    entry.updated(_when(row["created_at"], tz))
    if item.published_at:
        entry.published(_when(item.published_at, tz))
    if is_web_link(item.url):
        entry.link(href=item.url, rel="alternate")
    entry.author({"name": oneline(item.source) or "hubwatch"})
    for term in (*item.hubs, *item.sectors):
        entry.category(term=oneline(term))
    if item.lead:
        entry.summary(item.lead)
    t = LABELS[language]
    html = _ENTRY.render(item=item, t=t, date=lambda value: format_date(value, t["no_date"]))
    entry.content(html, type="html")


def _when(value: str, tz: ZoneInfo) -> datetime:
    """An ISO date or datetime as an aware datetime; a bare date is midnight local time."""
    parsed = datetime.fromisoformat(value) if "T" in value or " " in value else None
    if parsed is None:
        parsed = datetime.combine(date.fromisoformat(value[:10]), time())
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=tz)


def database_identity(db: sqlite_utils.Database) -> str:
    """When this database was created (its first migration): stable, and different per database."""
    row = db.execute("SELECT MIN(applied_at) FROM _migrations").fetchone()
    return str(row[0] or "1970-01-01T00:00:00+00:00")


def write_feeds(
    db: sqlite_utils.Database,
    out_dir: Path,
    *,
    language: str = "de",
    limit: int = FEED_LIMIT,
    base_url: str | None = None,
    tz: ZoneInfo | None = None,
) -> FeedsWritten:
    """Every feed into `out_dir`; a file whose content is the same is left untouched (its mtime too, so
    a web server's ETag and a reader's conditional GET stay valid). Each write is atomic."""
    out_dir.mkdir(parents=True, exist_ok=True)
    result = FeedsWritten()
    for spec, body in _documents(db, language=language, limit=limit, base_url=base_url, tz=tz):
        path = out_dir / f"{spec.name}.atom"
        if path.exists() and path.read_bytes() == body:
            result.unchanged.append(path)
            continue
        _write_atomically(path, body)
        result.written.append(path)
    return result


def _documents(db: sqlite_utils.Database, **options: object) -> Iterator[tuple[FeedSpec, bytes]]:
    for spec in feed_specs(db):
        yield spec, render_feed(db, spec, **options)  # type: ignore[arg-type]


def _write_atomically(path: Path, body: bytes) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(body)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
