"""SQLite storage: the schema through named migrations, and the writes of a run.

One transaction per announcement, so a crash loses at most the item in flight. Reads by analysts
(SQL, Datasette, `hubwatch search`) go on while a run writes: WAL mode and a busy timeout.
"""

from __future__ import annotations

import hashlib
import logging
import re
import sqlite3
import unicodedata
import zlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from difflib import unified_diff
from pathlib import Path
from typing import Literal

import sqlite_utils

from pipeline.entities import Analysis
from pipeline.errors import StoreError
from pipeline.extract import Article

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


def migrate(db: sqlite_utils.Database) -> list[str]:
    """Apply the migrations not yet recorded; return the names applied."""
    db.execute("CREATE TABLE IF NOT EXISTS _migrations (name TEXT PRIMARY KEY, applied_at TEXT NOT NULL)")
    done = {row[0] for row in db.execute("SELECT name FROM _migrations")}
    applied = []
    for fn in MIGRATIONS:
        if fn.__name__ in done:
            continue
        with db.conn:
            fn(db)
            db.execute("INSERT INTO _migrations VALUES (?, ?)", [fn.__name__, now_iso()])
        applied.append(fn.__name__)
    return applied


def ensure_db_shape(db: sqlite_utils.Database) -> None:
    """Idempotent extras: full-text search suited to German, kept current by triggers."""
    if "announcements_fts" not in db.table_names():
        db["announcements"].enable_fts(
            ["title", "text"],
            fts_version="FTS5",
            create_triggers=True,
            tokenize="unicode61 remove_diacritics 2",
        )


def open_db(path: str | Path) -> sqlite_utils.Database:
    """Open (creating if needed) the database: WAL, foreign keys, busy timeout, migrations."""
    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        conn = sqlite3.connect(path, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None)
        conn.isolation_level = ""  # back to implicit transactions, committed by `with db.conn`
        db = sqlite_utils.Database(conn)
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("PRAGMA foreign_keys=ON")
        db.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        migrate(db)
        ensure_db_shape(db)
    except (sqlite3.Error, OSError) as exc:
        raise StoreError(f"cannot open database {path}: {exc}") from exc
    return db


# --- announcements ----------------------------------------------------------------------------

_SPACES = re.compile(r"\s+")
_QUOTES = str.maketrans({"„": '"', "“": '"', "”": '"', "‚": "'", "‘": "'", "’": "'", "«": '"', "»": '"'})


def normalise(text: str) -> str:
    """The form change detection compares: NFKC, no soft hyphens, plain quotes, single spaces."""
    text = unicodedata.normalize("NFKC", text).replace("\u00ad", "").translate(_QUOTES)
    return "\n".join(_SPACES.sub(" ", line).strip() for line in text.splitlines() if line.strip())


def content_hash(title: str, text: str) -> str:
    return hashlib.sha256(f"{normalise(title)}\n\n{normalise(text)}".encode()).hexdigest()


def _iso(value: date | datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


@dataclass(frozen=True, slots=True)
class Saved:
    announcement_id: int
    change: Change
    version: int


def save_article(
    db: sqlite_utils.Database,
    *,
    source_id: str,
    url: str,
    article: Article,
    analysis: Analysis,
    fetched_at: str | None = None,
) -> Saved:
    """Insert or update one announcement in one transaction; return what changed."""
    fetched_at = fetched_at or now_iso()
    digest = content_hash(article.title, article.text)
    with db.conn:
        row = db.execute(
            "SELECT id, version, content_hash, title, text FROM announcements WHERE url = ?", [url]
        ).fetchone()
        if row is None:
            return _insert_new(db, source_id, url, article, analysis, digest, fetched_at)
        ann_id, version, old_hash, old_title, old_text = row
        if old_hash == digest:
            db.execute(
                "UPDATE announcements SET last_seen_at = ?, gone_at = NULL WHERE id = ?", [fetched_at, ann_id]
            )
            return Saved(ann_id, "unchanged", version)
        version += 1
        diff = make_diff(f"{old_title}\n\n{old_text}", f"{article.title}\n\n{article.text}", version)
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
        _write_version(db, ann_id, version, article, digest, fetched_at, diff)
        write_entities(db, ann_id, version, analysis)
        _event(db, ann_id, version, "changed", fetched_at)
        return Saved(ann_id, "changed", version)


def _insert_new(
    db: sqlite_utils.Database,
    source_id: str,
    url: str,
    article: Article,
    analysis: Analysis,
    digest: str,
    fetched_at: str,
) -> Saved:
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
    _write_version(db, ann_id, 1, article, digest, fetched_at, None)
    write_entities(db, ann_id, 1, analysis)
    _event(db, ann_id, 1, "new", fetched_at)
    return Saved(ann_id, "new", 1)


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


def make_diff(old: str, new: str, version: int) -> str:
    """A unified diff, line per paragraph, between two versions' title + text."""
    return "\n".join(
        unified_diff(old.splitlines(), new.splitlines(), f"v{version - 1}", f"v{version}", lineterm="")
    )


def touch_seen(db: sqlite_utils.Database, url: str, at: str) -> None:
    """A 304 or unchanged page: seen again, nothing else."""
    with db.conn:
        db.execute("UPDATE announcements SET last_seen_at = ?, gone_at = NULL WHERE url = ?", [at, url])


def known_urls(db: sqlite_utils.Database, urls: Iterable[str]) -> set[str]:
    urls = list(urls)
    found: set[str] = set()
    for i in range(0, len(urls), 500):
        chunk = urls[i : i + 500]
        marks = ",".join("?" * len(chunk))
        found |= {r[0] for r in db.execute(f"SELECT url FROM announcements WHERE url IN ({marks})", chunk)}
    return found


# --- raw pages and the HTTP cache -------------------------------------------------------------


def save_raw(db: sqlite_utils.Database, *, url: str, source_id: str, body: bytes, content_type: str) -> None:
    """Keep the page compressed, so `hubwatch reprocess` never needs the network."""
    with db.conn:
        db.execute(
            """INSERT OR REPLACE INTO raw_pages (url, source_id, fetched_at, content_type, body)
               VALUES (?,?,?,?,?)""",
            [url, source_id, now_iso(), content_type, zlib.compress(body, 6)],
        )


def load_raw(db: sqlite_utils.Database) -> Iterable[tuple[str, str, bytes]]:
    for url, source_id, body in db.execute("SELECT url, source_id, body FROM raw_pages ORDER BY url"):
        yield url, source_id, zlib.decompress(body)


def cache_headers(db: sqlite_utils.Database, url: str) -> tuple[str | None, str | None]:
    row = db.execute("SELECT etag, last_modified FROM http_cache WHERE url = ?", [url]).fetchone()
    return (row[0], row[1]) if row else (None, None)


def save_cache_headers(
    db: sqlite_utils.Database, url: str, etag: str | None, last_modified: str | None
) -> None:
    if not (etag or last_modified):
        return
    with db.conn:
        db.execute(
            "INSERT OR REPLACE INTO http_cache (url, etag, last_modified, fetched_at) VALUES (?,?,?,?)",
            [url, etag, last_modified, now_iso()],
        )


# --- runs, fetches, sources -------------------------------------------------------------------


def start_run(db: sqlite_utils.Database) -> int:
    """Open a run; a run still `running` was killed (the caller holds the run lock): close it as failed."""
    with db.conn:
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


def record_fetch(
    db: sqlite_utils.Database,
    *,
    run_id: int | None,
    source_id: str,
    url: str,
    status_code: int | None,
    not_modified: bool = False,
    error: str | None = None,
    elapsed_ms: int | None = None,
    size: int | None = None,
) -> None:
    with db.conn:
        db.execute(
            """INSERT INTO fetches (run_id, source_id, url, status_code, not_modified, error, elapsed_ms,
               bytes, fetched_at) VALUES (?,?,?,?,?,?,?,?,?)""",
            [run_id, source_id, url, status_code, int(not_modified), error, elapsed_ms, size, now_iso()],
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
