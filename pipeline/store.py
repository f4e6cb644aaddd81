"""SQLite storage: the schema through named migrations, and the writes of a run.

One transaction per announcement, so a crash loses at most the item in flight. Reads by analysts
(SQL, Datasette, `hubwatch search`) go on while a run writes: WAL mode and a busy timeout.
"""

from __future__ import annotations

import hashlib
import logging
import os
import sqlite3
import zlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Literal

import sqlite_utils

from pipeline import fingerprint
from pipeline.archive import count_raw, load_raw, prune, raw_page, save_raw
from pipeline.changes import comparison_form, content_hash, hash_form, make_diff, normalise, same_content
from pipeline.entities import Analysis
from pipeline.errors import StoreError
from pipeline.extract import Article
from pipeline.transactions import transaction
from pipeline.views import ensure_views

logger = logging.getLogger(__name__)

Change = Literal["new", "changed", "unchanged"]
BUSY_TIMEOUT_MS = 30_000


def now_iso() -> str:
    """Timestamps are ISO 8601 with offset (UTC)."""
    return datetime.now(UTC).isoformat(timespec="seconds")


# --- migrations -------------------------------------------------------------------------------

MIGRATIONS: list[Callable[[sqlite_utils.Database], None]] = []


def migration(fn: Callable[[sqlite_utils.Database], None]) -> Callable[[sqlite_utils.Database], None]:
    """Register a schema step; each runs once, in order, recorded in `_migrations`."""
    MIGRATIONS.append(fn)
    return fn


@migration
def m001_core_tables(db: sqlite_utils.Database) -> None:
    db.executescript(
        """
        CREATE TABLE sources (
            id TEXT PRIMARY KEY, name TEXT, kind TEXT, url TEXT,
            last_ok_at TEXT, last_error_at TEXT, last_error TEXT,
            consecutive_failures INTEGER NOT NULL DEFAULT 0,
            items_found INTEGER, last_run_id INTEGER
        );
        CREATE TABLE announcements (
            id INTEGER PRIMARY KEY, source_id TEXT NOT NULL, url TEXT NOT NULL UNIQUE,
            title TEXT, published_at TEXT, modified_at TEXT, author TEXT, text TEXT, language TEXT,
            content_hash TEXT, version INTEGER NOT NULL DEFAULT 1,
            first_seen_at TEXT NOT NULL, last_seen_at TEXT NOT NULL, changed_at TEXT,
            relevant INTEGER NOT NULL DEFAULT 0, gone_at TEXT
        );
        CREATE TABLE announcement_versions (
            announcement_id INTEGER NOT NULL REFERENCES announcements(id) ON DELETE CASCADE,
            version INTEGER NOT NULL, title TEXT, text TEXT, content_hash TEXT,
            fetched_at TEXT NOT NULL, diff TEXT,
            PRIMARY KEY (announcement_id, version)
        );
        CREATE TABLE mentions (
            id INTEGER PRIMARY KEY,
            announcement_id INTEGER NOT NULL REFERENCES announcements(id) ON DELETE CASCADE,
            version INTEGER NOT NULL, label TEXT NOT NULL, text TEXT, canonical TEXT,
            start INTEGER, "end" INTEGER, sentence TEXT, in_title INTEGER NOT NULL DEFAULT 0
        );
        CREATE TABLE hub_facts (
            id INTEGER PRIMARY KEY,
            announcement_id INTEGER NOT NULL REFERENCES announcements(id) ON DELETE CASCADE,
            version INTEGER NOT NULL, hub TEXT NOT NULL, kind TEXT NOT NULL, value TEXT NOT NULL,
            evidence TEXT
        );
        CREATE TABLE digests (
            id INTEGER PRIMARY KEY, created_at TEXT NOT NULL, sent_at TEXT, status TEXT NOT NULL,
            recipients TEXT, subject TEXT, message_id TEXT, items INTEGER NOT NULL DEFAULT 0, error TEXT
        );
        CREATE TABLE events (
            id INTEGER PRIMARY KEY,
            announcement_id INTEGER NOT NULL REFERENCES announcements(id) ON DELETE CASCADE,
            version INTEGER NOT NULL, kind TEXT NOT NULL CHECK (kind IN ('new', 'changed')),
            created_at TEXT NOT NULL, digest_id INTEGER REFERENCES digests(id),
            UNIQUE (announcement_id, version)
        );
        CREATE TABLE runs (
            id INTEGER PRIMARY KEY, started_at TEXT NOT NULL, finished_at TEXT,
            status TEXT NOT NULL DEFAULT 'running', sources_ok INTEGER NOT NULL DEFAULT 0,
            sources_failed INTEGER NOT NULL DEFAULT 0, new INTEGER NOT NULL DEFAULT 0,
            changed INTEGER NOT NULL DEFAULT 0, unchanged INTEGER NOT NULL DEFAULT 0,
            errors INTEGER NOT NULL DEFAULT 0
        );
        CREATE TABLE fetches (
            id INTEGER PRIMARY KEY, run_id INTEGER REFERENCES runs(id), source_id TEXT, url TEXT NOT NULL,
            status_code INTEGER, not_modified INTEGER NOT NULL DEFAULT 0, error TEXT,
            elapsed_ms INTEGER, bytes INTEGER, fetched_at TEXT NOT NULL
        );
        CREATE TABLE http_cache (
            url TEXT PRIMARY KEY, etag TEXT, last_modified TEXT, fetched_at TEXT
        );
        CREATE TABLE raw_pages (
            url TEXT PRIMARY KEY, source_id TEXT, fetched_at TEXT NOT NULL, content_type TEXT,
            body BLOB NOT NULL
        );
        CREATE INDEX idx_announcements_source ON announcements(source_id);
        CREATE INDEX idx_announcements_published ON announcements(published_at);
        CREATE INDEX idx_announcements_relevant ON announcements(relevant, first_seen_at);
        CREATE INDEX idx_mentions_announcement ON mentions(announcement_id, version);
        CREATE INDEX idx_mentions_label_canonical ON mentions(label, canonical);
        CREATE INDEX idx_hub_facts_announcement ON hub_facts(announcement_id, version);
        CREATE INDEX idx_hub_facts_hub ON hub_facts(hub, kind, value);
        CREATE INDEX idx_events_pending ON events(digest_id);
        CREATE INDEX idx_fetches_run ON fetches(run_id, source_id);
        """
    )


@migration
def m010_near_duplicates(db: sqlite_utils.Database) -> None:
    """SimHash per announcement, `duplicate_of` the first-seen copy, and the banded lookup index."""
    _statements(
        db,
        """
        ALTER TABLE announcements ADD COLUMN simhash INTEGER;
        ALTER TABLE announcements ADD COLUMN duplicate_of INTEGER REFERENCES announcements(id);
        CREATE TABLE fingerprint_bands (
            band INTEGER NOT NULL, bucket INTEGER NOT NULL,
            announcement_id INTEGER NOT NULL REFERENCES announcements(id) ON DELETE CASCADE,
            PRIMARY KEY (band, bucket, announcement_id)
        ) WITHOUT ROWID;
        CREATE INDEX idx_fingerprint_bands_announcement ON fingerprint_bands(announcement_id);
        CREATE INDEX idx_announcements_duplicate_of ON announcements(duplicate_of);
        CREATE INDEX idx_announcements_first_seen ON announcements(first_seen_at);
        CREATE INDEX idx_events_created ON events(created_at);
        """,
    )
    rows = db.execute("SELECT id, title, text FROM announcements ORDER BY id").fetchall()
    for ann_id, title, text in rows:
        fingerprint.link_duplicate(db, ann_id, comparison_form(title or "", text or ""))


@migration
def m011_raw_page_history(db: sqlite_utils.Database) -> None:
    """A checksum on raw pages and a history of superseded captures, trimmed by retention."""
    _statements(
        db,
        """
        ALTER TABLE raw_pages ADD COLUMN sha256 TEXT;
        CREATE TABLE raw_page_history (
            id INTEGER PRIMARY KEY, url TEXT NOT NULL, source_id TEXT, fetched_at TEXT NOT NULL,
            replaced_at TEXT NOT NULL, content_type TEXT, sha256 TEXT, body BLOB NOT NULL
        );
        CREATE INDEX idx_raw_page_history_url ON raw_page_history(url, fetched_at);
        CREATE INDEX idx_raw_page_history_replaced ON raw_page_history(replaced_at);
        """,
    )
    for url, body in db.execute("SELECT url, body FROM raw_pages").fetchall():
        sha = hashlib.sha256(zlib.decompress(body)).hexdigest()
        db.execute("UPDATE raw_pages SET sha256 = ? WHERE url = ?", [sha, url])


@migration
def m020_maintenance_log(db: sqlite_utils.Database) -> None:
    """Each maintenance pass (prune, optimize, vacuum), so `hubwatch status` can say when."""
    db.execute(
        """CREATE TABLE maintenance (
            id INTEGER PRIMARY KEY, started_at TEXT NOT NULL, finished_at TEXT, vacuum INTEGER NOT NULL,
            raw_pruned INTEGER NOT NULL DEFAULT 0, bytes_before INTEGER, bytes_after INTEGER
        )"""
    )


@migration
def m021_status_indexes(db: sqlite_utils.Database) -> None:
    """`hubwatch status` counts gone announcements from an index, not a scan of every text."""
    db.execute("CREATE INDEX idx_announcements_gone ON announcements(gone_at) WHERE gone_at IS NOT NULL")


@migration
def m050_digest_deliveries(db: sqlite_utils.Database) -> None:
    """Which digest carried which event to which recipient group: never lost, never twice per group."""
    db.executescript(
        """
        ALTER TABLE digests ADD COLUMN recipient_group TEXT NOT NULL DEFAULT '';
        CREATE TABLE digest_items (
            digest_id INTEGER NOT NULL REFERENCES digests(id) ON DELETE CASCADE,
            event_id INTEGER NOT NULL REFERENCES events(id) ON DELETE CASCADE,
            PRIMARY KEY (digest_id, event_id)
        );
        CREATE INDEX idx_digest_items_event ON digest_items(event_id);
        """
    )


@migration
def m051_digest_message(db: sqlite_utils.Database) -> None:
    """The exact message of a digest being sent, so a send cut short is retried with the same Message-ID
    (which mail systems deduplicate) instead of a second, different digest."""
    db.execute("ALTER TABLE digests ADD COLUMN message BLOB")


def migrate(db: sqlite_utils.Database) -> list[str]:
    """Apply the migrations not yet recorded; return the names applied."""
    db.execute("CREATE TABLE IF NOT EXISTS _migrations (name TEXT PRIMARY KEY, applied_at TEXT NOT NULL)")
    done = {row[0] for row in db.execute("SELECT name FROM _migrations")}
    applied = []
    for fn in MIGRATIONS:
        if fn.__name__ in done:
            continue
        db.execute("BEGIN IMMEDIATE")  # DDL is transactional in SQLite: a failed step leaves no trace
        try:
            fn(db)
            db.execute("INSERT INTO _migrations VALUES (?, ?)", [fn.__name__, now_iso()])
        except BaseException:
            db.conn.rollback()
            raise
        db.conn.commit()
        applied.append(fn.__name__)
    return applied


def _statements(db: sqlite_utils.Database, script: str) -> None:
    """Run `;`-separated statements inside the caller's transaction (executescript would commit)."""
    for statement in script.split(";"):
        if statement.strip():
            db.execute(statement)


def ensure_db_shape(db: sqlite_utils.Database) -> None:
    """Idempotent extras: German full-text search kept current by triggers, and the analyst views.

    Writes only when something is missing or outdated, so a reader opening the database never waits.
    """
    if "announcements_fts" not in db.table_names():
        with transaction(db):
            db.table("announcements").enable_fts(
                ["title", "text"],
                fts_version="FTS5",
                create_triggers=True,
                tokenize="unicode61 remove_diacritics 2",
            )
    _narrow_fts_update_trigger(db)
    ensure_views(db)


FTS_UPDATE_TRIGGER = """CREATE TRIGGER "announcements_au" AFTER UPDATE OF title, text ON "announcements" BEGIN
  INSERT INTO "announcements_fts" ("announcements_fts", rowid, "title", "text")
    VALUES('delete', old.rowid, old."title", old."text");
  INSERT INTO "announcements_fts" (rowid, "title", "text") VALUES (new.rowid, new."title", new."text");
END"""


def _narrow_fts_update_trigger(db: sqlite_utils.Database) -> None:
    """Reindex only when title or text change: `last_seen_at` updates of a rerun then cost no FTS work."""
    sql = "SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name = 'announcements_au'"
    row = db.execute(sql).fetchone()
    if row and row[0] == FTS_UPDATE_TRIGGER:
        return
    with transaction(db):
        db.execute('DROP TRIGGER IF EXISTS "announcements_au"')
        db.execute(FTS_UPDATE_TRIGGER)


def open_db(path: str | Path) -> sqlite_utils.Database:
    """Open (creating if needed) the database: WAL, foreign keys, busy timeout, migrations.

    synchronous=NORMAL is the WAL setting SQLite recommends: a crash of hubwatch loses nothing
    committed; a power cut may lose the last few commits, never consistency.
    """
    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        conn = sqlite3.connect(path, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None)
        conn.isolation_level = ""  # type: ignore[assignment]  # implicit transactions, as before
        db = sqlite_utils.Database(conn)
        db.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        if db.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
            db.execute("PRAGMA journal_mode=WAL")
        db.execute("PRAGMA synchronous=NORMAL")
        db.execute("PRAGMA foreign_keys=ON")
        migrate(db)
        ensure_db_shape(db)
    except (sqlite3.Error, OSError) as exc:
        raise StoreError(f"cannot open database {path}: {exc}") from exc
    return db


# --- announcements ----------------------------------------------------------------------------


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

    Only a change of the comparison form (pipeline.changes) makes a version; noise does not.
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
    """Replace the mentions and facts of one version (also used by `reprocess`)."""
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


def touch_seen(db: sqlite_utils.Database, url: str, at: str) -> None:
    """A 304 or unchanged page: seen again, nothing else."""
    with db.conn:
        db.execute("UPDATE announcements SET last_seen_at = ?, gone_at = NULL WHERE url = ?", [at, url])


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


# --- raw pages (pipeline.archive) and the HTTP cache ---------------------------------------------


def cache_headers(db: sqlite_utils.Database, url: str) -> tuple[str | None, str | None]:
    row = db.execute("SELECT etag, last_modified FROM http_cache WHERE url = ?", [url]).fetchone()
    return (row[0], row[1]) if row else (None, None)


def save_cache_headers(
    db: sqlite_utils.Database,
    url: str,
    etag: str | None,
    last_modified: str | None,
    *,
    stored_url: str | None = None,
) -> None:
    """The validators of a requested URL, and the announcement URL its page was saved under when another."""
    stored_url = stored_url if stored_url != url else None
    if not (etag or last_modified or stored_url):
        return
    with db.conn:
        db.execute(
            """INSERT OR REPLACE INTO http_cache (url, etag, last_modified, fetched_at, stored_url)
               VALUES (?,?,?,?,?)""",
            [url, etag, last_modified, now_iso(), stored_url],
        )


def announcement_url(db: sqlite_utils.Database, requested: str) -> str:
    """The URL the page fetched from `requested` was saved under (its rel=canonical), else `requested`.

    A 304 or a 404 answers for the requested URL; the announcement may carry the page's canonical one.
    """
    row = db.execute("SELECT stored_url FROM http_cache WHERE url = ?", [requested]).fetchone()
    return row[0] if row and row[0] else requested


# --- runs, fetches, sources -------------------------------------------------------------------


def start_run(db: sqlite_utils.Database) -> int:
    """Open a run; a run still `running` was killed (the caller holds the run lock): close it as failed."""
    with transaction(db):
        db.execute("UPDATE runs SET status = 'failed' WHERE status = 'running'")
        return int(db.execute("INSERT INTO runs (started_at) VALUES (?)", [now_iso()]).lastrowid or 0)


def finish_run(db: sqlite_utils.Database, run_id: int, *, status: str, counts: dict[str, int]) -> None:
    cols = ["sources_ok", "sources_failed", "new", "changed", "unchanged", "errors"]
    assignments = ", ".join(f"{c} = ?" for c in cols)
    with db.conn:
        db.execute(
            f"UPDATE runs SET finished_at = ?, status = ?, {assignments} WHERE id = ?",
            [now_iso(), status, *(counts.get(c, 0) for c in cols), run_id],
        )


def sync_sources(db: sqlite_utils.Database, sources: Iterable[tuple[str, str, str, str]]) -> None:
    """Keep the `sources` table's names and URLs current with sources.yaml; health columns stay."""
    with db.conn:
        for sid, name, kind, url in sources:
            db.execute(
                """INSERT INTO sources (id, name, kind, url) VALUES (?,?,?,?)
                   ON CONFLICT(id) DO UPDATE
                   SET name = excluded.name, kind = excluded.kind, url = excluded.url""",
                [sid, name, kind, url],
            )


def source_ok(db: sqlite_utils.Database, source_id: str, *, items: int, run_id: int) -> None:
    with db.conn:
        db.execute(
            """UPDATE sources SET last_ok_at = ?, consecutive_failures = 0, items_found = ?, last_run_id = ?
               WHERE id = ?""",
            [now_iso(), items, run_id, source_id],
        )


def source_failed(db: sqlite_utils.Database, source_id: str, *, error: str, items: int, run_id: int) -> None:
    with db.conn:
        db.execute(
            """UPDATE sources SET last_error_at = ?, last_error = ?, items_found = ?, last_run_id = ?,
               consecutive_failures = consecutive_failures + 1 WHERE id = ?""",
            [now_iso(), error, items, run_id, source_id],
        )


# --- crawler (issue 3): source health and the re-check policy ---------------------------------


@migration
def m030_crawl_source_health(db: sqlite_utils.Database) -> None:
    """`broken`: a listing or feed that yielded items before and now yields none (likely a redesign);
    `items_before`: the last non-zero count, so the flag holds until the source yields again."""
    db.execute("ALTER TABLE sources ADD COLUMN broken INTEGER NOT NULL DEFAULT 0")
    db.execute("ALTER TABLE sources ADD COLUMN items_before INTEGER NOT NULL DEFAULT 0")


@migration
def m031_cache_stored_url(db: sqlite_utils.Database) -> None:
    """Which announcement URL a requested URL's page was saved under (rel=canonical), so that a 304 or a
    404 for the requested URL reaches that announcement."""
    db.execute("ALTER TABLE http_cache ADD COLUMN stored_url TEXT")


def crawl_items_before(db: sqlite_utils.Database, source_id: str) -> int:
    """How many items the source yielded the last time it yielded any."""
    row = db.execute("SELECT items_before FROM sources WHERE id = ?", [source_id]).fetchone()
    return int(row[0] or 0) if row else 0


def crawl_source_yield(db: sqlite_utils.Database, source_id: str, *, items: int, broken: bool) -> None:
    """Record what discovery yielded: a non-zero count clears `broken` and becomes `items_before`."""
    with db.conn:
        db.execute(
            """UPDATE sources SET broken = ?,
               items_before = CASE WHEN ? > 0 THEN ? ELSE items_before END WHERE id = ?""",
            [int(broken), items, items, source_id],
        )


def crawl_recent_urls(db: sqlite_utils.Database, source_id: str, since: str) -> list[str]:
    """Announcements of a source first seen at or after `since`: re-checked even when no longer listed."""
    sql = "SELECT url FROM announcements WHERE source_id = ? AND first_seen_at >= ? ORDER BY first_seen_at"
    return [row[0] for row in db.execute(sql, [source_id, since])]


def crawl_last_fetched(db: sqlite_utils.Database, urls: Iterable[str]) -> dict[str, str]:
    """When each known URL was last fetched successfully (for a sitemap's lastmod)."""
    urls = list(urls)
    found: dict[str, str] = {}
    for i in range(0, len(urls), 500):
        chunk = urls[i : i + 500]
        marks = ",".join("?" * len(chunk))
        sql = f"SELECT url, last_seen_at FROM announcements WHERE url IN ({marks}) AND gone_at IS NULL"
        found.update({row[0]: row[1] for row in db.execute(sql, chunk)})
    return found


def crawl_record_fetches(db: sqlite_utils.Database, run_id: int, records: Iterable[tuple]) -> None:
    """Many `fetches` rows in one transaction: (source_id, url, status_code, not_modified, error,
    elapsed_ms, bytes, fetched_at) each; one commit per request would cost more than the request."""
    with db.conn:
        db.conn.executemany(
            """INSERT INTO fetches (run_id, source_id, url, status_code, not_modified, error, elapsed_ms,
               bytes, fetched_at) VALUES (?,?,?,?,?,?,?,?,?)""",
            [(run_id, *record) for record in records],
        )


# --- search vocabulary (issue 6): the indexed words, trigram-indexed, for compound tails ---------


@migration
def m060_search_words(db: sqlite_utils.Database) -> None:
    """The distinct words of the search index, and a trigram index over them: `Logistik` finds the
    compounds it ends (*Hafenlogistik*) by a substring lookup among words, not among documents."""
    db.execute("CREATE TABLE search_words (id INTEGER PRIMARY KEY, word TEXT NOT NULL UNIQUE)")
    if "announcements_fts" in db.table_names():
        db.execute("CREATE VIRTUAL TABLE temp.m060_terms USING fts5vocab(main, announcements_fts, 'row')")
        db.execute("INSERT INTO search_words (word) SELECT term FROM temp.m060_terms ORDER BY term")
        db.execute("DROP TABLE temp.m060_terms")
    else:  # an index not built yet (ensure_db_shape builds it after the migrations): its rows' words
        for title, text in db.execute("SELECT title, text FROM announcements").fetchall():
            add_search_words(db, title, text)
    for statement in SEARCH_WORDS_TRIGRAM:  # filled in one pass, then kept current by the triggers
        db.execute(statement)


SEARCH_WORDS_TRIGRAM = (
    """CREATE VIRTUAL TABLE search_words_trigram
       USING fts5(word, content='search_words', content_rowid='id', tokenize='trigram',
                  detail='none', columnsize=0)""",
    "INSERT INTO search_words_trigram (search_words_trigram) VALUES ('rebuild')",
    """CREATE TRIGGER search_words_ai AFTER INSERT ON search_words BEGIN
         INSERT INTO search_words_trigram (rowid, word) VALUES (new.id, new.word);
       END""",
    """CREATE TRIGGER search_words_ad AFTER DELETE ON search_words BEGIN
         INSERT INTO search_words_trigram (search_words_trigram, rowid, word)
         VALUES ('delete', old.id, old.word);
       END""",
)


def add_search_words(db: sqlite_utils.Database, title: str | None, text: str | None) -> None:
    """Add a stored text's new words to `search_words`, tokenised and folded by FTS5 itself.

    A scratch contentless FTS5 table in `temp` with the index's tokenizer reads the words exactly as
    `announcements_fts` stores them (no second tokenizer to keep in step); 0.13 ms for a 1 KB text.
    """
    for statement in SEARCH_WORDS_SCRATCH:
        db.execute(statement)
    db.execute("INSERT INTO temp.words_scratch (rowid, x) VALUES (1, ?)", [f"{title or ''}\n{text or ''}"])
    db.execute("INSERT OR IGNORE INTO search_words (word) SELECT term FROM temp.words_scratch_terms")
    db.execute("INSERT INTO temp.words_scratch (words_scratch) VALUES ('delete-all')")


def prune_search_words(db: sqlite_utils.Database) -> int:
    """Drop the words no stored text has any more (a changed text leaves its old words behind)."""
    terms = "temp.announcements_fts_terms"  # as pipeline.query reads the index's words
    db.execute(f"CREATE VIRTUAL TABLE IF NOT EXISTS {terms} USING fts5vocab(main, announcements_fts, 'row')")
    with transaction(db):
        cursor = db.execute(f"DELETE FROM search_words WHERE word NOT IN (SELECT term FROM {terms})")
    return cursor.rowcount


SEARCH_WORDS_SCRATCH = (
    """CREATE VIRTUAL TABLE IF NOT EXISTS temp.words_scratch
       USING fts5(x, content='', tokenize='unicode61 remove_diacritics 2')""",
    "CREATE VIRTUAL TABLE IF NOT EXISTS temp.words_scratch_terms USING fts5vocab(temp, words_scratch, 'row')",
)


# --- maintenance ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Maintenance:
    raw_pruned: int
    vacuumed: bool
    bytes_before: int
    bytes_after: int
    words_pruned: int = 0


def db_size(path: str | Path) -> int:
    """Bytes on disk: the file and its write-ahead log."""
    return sum(os.path.getsize(p) for p in (str(path), f"{path}-wal") if os.path.exists(p))


def maintain(
    db: sqlite_utils.Database, path: str | Path, *, retention_days: int, vacuum: bool = False
) -> Maintenance:
    """Prune old raw captures and stale search words, `PRAGMA optimize`, optionally VACUUM; the pass is
    recorded in `maintenance`.

    VACUUM rewrites the whole file and needs the write lock for its length: run it when no run is due.
    """
    started, before = now_iso(), db_size(path)
    pruned = prune(db, retention_days=retention_days)
    words = prune_search_words(db)
    db.execute("PRAGMA optimize")
    if vacuum:
        db.conn.commit()
        db.execute("VACUUM")
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    after = db_size(path)
    with transaction(db):
        db.execute(
            """INSERT INTO maintenance (started_at, finished_at, vacuum, raw_pruned, bytes_before,
               bytes_after) VALUES (?, ?, ?, ?, ?, ?)""",
            [started, now_iso(), int(vacuum), pruned, before, after],
        )
    return Maintenance(pruned, vacuum, before, after, words)


def last_vacuum(db: sqlite_utils.Database) -> str | None:
    return db.execute("SELECT max(finished_at) FROM maintenance WHERE vacuum = 1").fetchone()[0]


__all__ = [
    "MIGRATIONS",
    "Saved",
    "content_hash",
    "count_raw",
    "load_raw",
    "make_diff",
    "mark_gone",
    "migration",
    "normalise",
    "open_db",
    "raw_page",
    "save_article",
    "save_raw",
    "transaction",
]
