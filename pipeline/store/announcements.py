"""Announcement writes: one transaction per article, a version per real change, its event and entities.

Only a change of the comparison form (`changes.py`) makes a version; noise does not. A crash loses at
most the item in flight.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING, Literal

import sqlite_utils

from pipeline.store import fingerprint
from pipeline.store.changes import comparison_form, hash_form, make_diff, same_content
from pipeline.store.hubs import record_found_hub
from pipeline.store.schema import now_iso
from pipeline.store.searchwords import add_search_words
from pipeline.store.transactions import transaction

logger = logging.getLogger(__name__)

if TYPE_CHECKING:  # types only: importing extraction costs a run of 304s a quarter of a second
    from pipeline.entities import Analysis
    from pipeline.extract import Article

Change = Literal["new", "changed", "unchanged"]


def _iso(value: date | datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


@dataclass(frozen=True, slots=True)
class Saved:
    announcement_id: int
    change: Change
    version: int
    duplicate_of: int | None = None


def save_article(
    db: sqlite_utils.Database,
    *,
    source_id: str,
    url: str,
    article: Article,
    analysis: Analysis,
    fetched_at: str | None = None,
) -> Saved:
    """Insert or update one announcement in one transaction; return what changed.

    Only a change of the comparison form (pipeline.store.changes) makes a version; noise does not.
    """
    fetched_at = fetched_at or now_iso()
    form = comparison_form(article.title, article.text)
    digest = hash_form(form)
    with transaction(db):
        row = db.execute(
            "SELECT id, version, content_hash, duplicate_of FROM announcements WHERE url = ?", [url]
        ).fetchone()
        if row is None:
            return _insert_new(db, source_id, url, article, analysis, form, fetched_at)
        ann_id, version, old_hash, duplicate_of = row
        if old_hash == digest or _same_as_stored(db, ann_id, form):
            db.execute(
                "UPDATE announcements SET last_seen_at = ?, gone_at = NULL, content_hash = ? WHERE id = ?",
                [fetched_at, digest, ann_id],
            )
            return Saved(ann_id, "unchanged", version, duplicate_of)
        return _update_changed(db, ann_id, version + 1, article, analysis, form, fetched_at)


def _same_as_stored(db: sqlite_utils.Database, ann_id: int, form: str) -> bool:
    """The hash differs: maybe only its scheme did. Compare the stored version by today's rules."""
    title, text = _stored_version(db, ann_id)
    return same_content(title or "", text or "", form)


def _stored_version(db: sqlite_utils.Database, ann_id: int) -> tuple[str | None, str | None]:
    row = db.execute("SELECT title, text FROM announcements WHERE id = ?", [ann_id]).fetchone()
    return row[0], row[1]


def _update_changed(
    db: sqlite_utils.Database,
    ann_id: int,
    version: int,
    article: Article,
    analysis: Analysis,
    form: str,
    fetched_at: str,
) -> Saved:
    digest = hash_form(form)
    old_title, old_text = _stored_version(db, ann_id)
    diff = make_diff(f"{old_title or ''}\n\n{old_text or ''}", f"{article.title}\n\n{article.text}", version)
    db.execute(
        """UPDATE announcements SET title = ?, text = ?, published_at = COALESCE(?, published_at),
           modified_at = ?, author = ?, language = ?, content_hash = ?, version = ?, last_seen_at = ?,
           changed_at = ?, relevant = ?, gone_at = NULL WHERE id = ?""",
        [
            article.title,
            article.text,
            _iso(article.published_at),
            _iso(article.modified_at),
            article.author,
            article.language,
            digest,
            version,
            fetched_at,
            fetched_at,
            int(analysis.relevant),
            ann_id,
        ],
    )
    add_search_words(db, article.title, article.text)
    _write_version(db, ann_id, version, article, digest, fetched_at, diff)
    write_entities(db, ann_id, version, analysis)
    _event(db, ann_id, version, "changed", fetched_at)
    original = fingerprint.link_duplicate(db, ann_id, form)
    return Saved(ann_id, "changed", version, original)


def _insert_new(
    db: sqlite_utils.Database,
    source_id: str,
    url: str,
    article: Article,
    analysis: Analysis,
    form: str,
    fetched_at: str,
) -> Saved:
    digest = hash_form(form)
    cursor = db.execute(
        """INSERT INTO announcements (source_id, url, title, published_at, modified_at, author, text,
           language, content_hash, version, first_seen_at, last_seen_at, relevant)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 1, ?, ?, ?)""",
        [
            source_id,
            url,
            article.title,
            _iso(article.published_at),
            _iso(article.modified_at),
            article.author,
            article.text,
            article.language,
            digest,
            fetched_at,
            fetched_at,
            int(analysis.relevant),
        ],
    )
    ann_id = int(cursor.lastrowid or 0)
    add_search_words(db, article.title, article.text)
    _write_version(db, ann_id, 1, article, digest, fetched_at, None)
    write_entities(db, ann_id, 1, analysis)
    _event(db, ann_id, 1, "new", fetched_at)
    original = fingerprint.link_duplicate(db, ann_id, form)
    return Saved(ann_id, "new", 1, original)


def _write_version(
    db: sqlite_utils.Database,
    ann_id: int,
    version: int,
    article: Article,
    digest: str,
    fetched_at: str,
    diff: str | None,
) -> None:
    db.execute(
        """INSERT INTO announcement_versions (announcement_id, version, title, text, content_hash,
           fetched_at, diff) VALUES (?, ?, ?, ?, ?, ?, ?)""",
        [ann_id, version, article.title, article.text, digest, fetched_at, diff],
    )


def _event(db: sqlite_utils.Database, ann_id: int, version: int, kind: Change, at: str) -> None:
    db.execute(
        "INSERT INTO events (announcement_id, version, kind, created_at) VALUES (?, ?, ?, ?)",
        [ann_id, version, kind, at],
    )


def write_entities(db: sqlite_utils.Database, ann_id: int, version: int, analysis: Analysis) -> None:
    """Replace the mentions and facts of one version (also used by `reprocess`), and record the hubs the text
    announces as added to the initiative (table `hubs`, `known = 0` until hubs.yaml lists them).

    Runs inside the caller's transaction: a found hub is stored together with the announcement or not at all.
    """
    db.execute("DELETE FROM mentions WHERE announcement_id = ? AND version = ?", [ann_id, version])
    db.execute("DELETE FROM hub_facts WHERE announcement_id = ? AND version = ?", [ann_id, version])
    db.conn.executemany(
        """INSERT INTO mentions (announcement_id, version, label, text, canonical, start, "end", sentence,
           in_title) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)""",
        [
            (ann_id, version, m.label, m.text, m.canonical, m.start, m.end, m.sentence, int(m.in_title))
            for m in analysis.mentions
        ],
    )
    db.conn.executemany(
        "INSERT INTO hub_facts (announcement_id, version, hub, kind, value, evidence) VALUES (?,?,?,?,?,?)",
        [(ann_id, version, f.hub, f.kind, f.value, f.evidence) for f in analysis.facts],
    )
    for hub in analysis.new_hubs:
        if record_found_hub(db, hub, announcement_id=ann_id, at=now_iso()):
            logger.info("new hub announced: %s (announcement %d)", hub, ann_id)


def touch_seen(db: sqlite_utils.Database, url: str, at: str) -> None:
    """A 304 or unchanged page: seen again, nothing else."""
    touch_seen_many(db, [(at, url)])


def touch_seen_many(db: sqlite_utils.Database, seen: Iterable[tuple[str, str]]) -> None:
    """Many 304s, (at, url) each, in one transaction: a run of unchanged pages commits per batch, not
    per page."""
    with transaction(db):
        db.conn.executemany("UPDATE announcements SET last_seen_at = ?, gone_at = NULL WHERE url = ?", seen)


def mark_gone(db: sqlite_utils.Database, url: str, at: str | None = None) -> bool:
    """A 404/410 on refetch: the announcement is marked gone, never deleted (its versions are history).

    Keeps the first `gone_at`; a later successful fetch clears it. True when a row was marked now.
    """
    with transaction(db):
        cursor = db.execute(
            "UPDATE announcements SET gone_at = ? WHERE url = ? AND gone_at IS NULL", [at or now_iso(), url]
        )
    return cursor.rowcount > 0


def known_urls(db: sqlite_utils.Database, urls: Iterable[str]) -> set[str]:
    urls = list(urls)
    found: set[str] = set()
    for i in range(0, len(urls), 500):
        chunk = urls[i : i + 500]
        marks = ",".join("?" * len(chunk))
        found |= {r[0] for r in db.execute(f"SELECT url FROM announcements WHERE url IN ({marks})", chunk)}
    return found
