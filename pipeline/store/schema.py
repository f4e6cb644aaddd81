"""The schema's whole history: every migration in order, `open_db` and `ensure_db_shape`.

A migration runs once, in list order, recorded in `_migrations`; `ensure_db_shape` adds the idempotent
extras (full-text search, its triggers, the analyst views) on every open. WAL mode and a busy timeout let
analysts read while a run writes.
"""

from __future__ import annotations

import hashlib
import sqlite3
import zlib
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import sqlite_utils

from pipeline.errors import StoreError
from pipeline.store import fingerprint
from pipeline.store.changes import comparison_form
from pipeline.store.searchwords import SEARCH_WORDS_TRIGRAM, add_search_words
from pipeline.store.transactions import transaction
from pipeline.store.views import ensure_views

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


@migration
def m070_hubs(db: sqlite_utils.Database) -> None:
    """The hubs as hubwatch knows them: `known` = 1 for the shipped hub list (entities/hubs.yaml), 0 for a hub
    that hubwatch found announced in a text (the initiative grew) and an analyst has not yet confirmed."""
    db.execute(
        """CREATE TABLE hubs (
            canonical TEXT PRIMARY KEY, known INTEGER NOT NULL DEFAULT 1, first_seen_at TEXT,
            first_announcement_id INTEGER REFERENCES announcements(id) ON DELETE SET NULL
        )"""
    )


@migration
def m080_delivery_channels(db: sqlite_utils.Database) -> None:
    """A digest goes to an email recipient group or to a notification target (an Apprise URL, `channel`
    'notify', `recipient_group` a hash of the URL, `recipients` the URL with its secrets masked): one
    ledger, so a target that failed is retried and none receives an item twice. `digest_hubs`: the hubs
    found announced (table `hubs`, known = 0) that a digest listed under "Neue Hubs", once per receiver."""
    _statements(
        db,
        """
        ALTER TABLE digests ADD COLUMN channel TEXT NOT NULL DEFAULT 'email';
        CREATE INDEX idx_digests_receiver ON digests(channel, recipient_group, status);
        CREATE TABLE digest_hubs (
            digest_id INTEGER NOT NULL REFERENCES digests(id) ON DELETE CASCADE,
            hub TEXT NOT NULL,
            PRIMARY KEY (digest_id, hub)
        );
        """,
    )


@migration
def m081_backups(db: sqlite_utils.Database) -> None:
    """Each `hubwatch backup`: where to, how big, and whether it worked, for `hubwatch status`."""
    db.execute(
        """CREATE TABLE backups (
            id INTEGER PRIMARY KEY, started_at TEXT NOT NULL, finished_at TEXT,
            status TEXT NOT NULL DEFAULT 'running', path TEXT NOT NULL, bytes INTEGER,
            announcements INTEGER, error TEXT
        )"""
    )


@migration
def m090_places(db: sqlite_utils.Database) -> None:
    """Coordinates of German municipalities for the hub map (view `hub_locations`); filled from the
    shipped list by `store.places.load_places` (hubwatch serve and report do it), empty until then."""
    _statements(
        db,
        """CREATE TABLE places (
            ags TEXT PRIMARY KEY, name TEXT NOT NULL, land TEXT, population INTEGER NOT NULL DEFAULT 0,
            latitude REAL NOT NULL, longitude REAL NOT NULL
        );
        CREATE INDEX idx_places_name ON places(name, population);
        CREATE TABLE places_source (sha256 TEXT NOT NULL, rows INTEGER NOT NULL, loaded_at TEXT NOT NULL)""",
    )


@migration
def m100_sitemap_trust(db: sqlite_utils.Database) -> None:
    """Sources whose sitemap <lastmod> once said "unchanged" of a page that had changed: from then on
    their pages are re-checked with conditional GET whatever the lastmod says (pipeline/crawl/recheck.py)."""
    db.execute(
        """CREATE TABLE sitemap_trust (
            source_id TEXT PRIMARY KEY, distrusted_at TEXT NOT NULL, url TEXT NOT NULL
        )"""
    )


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
