"""The crawler's bookkeeping: runs, source health, the HTTP cache's validators, the fetch log and the
`last_seen_at` touches of 304s (both written in batches)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import sqlite_utils

from pipeline.store.announcements import touch_seen_many
from pipeline.store.schema import now_iso
from pipeline.store.transactions import transaction

if TYPE_CHECKING:
    from pipeline.crawl.fetch import FetchRecord


@dataclass(frozen=True, slots=True)
class CacheEntry:
    """What the last fetch of a URL left: its validators, and the announcement URL its page was saved
    under (its rel=canonical) when that differs, which a 304 or a 404 must reach."""

    requested: str
    etag: str | None = None
    last_modified: str | None = None
    stored_url: str | None = None

    @property
    def announcement_url(self) -> str:
        return self.stored_url or self.requested


def cache_entry(db: sqlite_utils.Database, url: str) -> CacheEntry:
    """One indexed read per article a run fetches (validators and stored URL together)."""
    row = db.execute("SELECT etag, last_modified, stored_url FROM http_cache WHERE url = ?", [url]).fetchone()
    return CacheEntry(url, *row) if row else CacheEntry(url)


def cache_headers(db: sqlite_utils.Database, url: str) -> tuple[str | None, str | None]:
    entry = cache_entry(db, url)
    return entry.etag, entry.last_modified


def save_cache_headers(
    db: sqlite_utils.Database,
    url: str,
    etag: str | None,
    last_modified: str | None,
    *,
    stored_url: str | None = None,
) -> None:
    """The validators of a requested URL, and the announcement URL its page was saved under when another.

    Inside a caller's transaction (the runner stores a page, its announcement and its validators
    together) this is a savepoint of it, not a commit of its own.
    """
    stored_url = stored_url if stored_url != url else None
    if not (etag or last_modified or stored_url):
        return
    with transaction(db):
        db.execute(
            """INSERT OR REPLACE INTO http_cache (url, etag, last_modified, fetched_at, stored_url)
               VALUES (?,?,?,?,?)""",
            [url, etag, last_modified, now_iso(), stored_url],
        )


def announcement_url(db: sqlite_utils.Database, requested: str) -> str:
    """The URL the page fetched from `requested` was saved under (its rel=canonical), else `requested`.

    A 304 or a 404 answers for the requested URL; the announcement may carry the page's canonical one.
    """
    return cache_entry(db, requested).announcement_url


def saved_elsewhere(db: sqlite_utils.Database, urls: list[str]) -> set[str]:
    """Requested URLs whose page was saved under another URL (its rel=canonical): read before."""
    found: set[str] = set()
    for i in range(0, len(urls), 500):
        chunk = urls[i : i + 500]
        marks = ",".join("?" * len(chunk))
        sql = f"SELECT url FROM http_cache WHERE url IN ({marks}) AND stored_url IS NOT NULL"
        found |= {row[0] for row in db.execute(sql, chunk)}
    return found


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


def walked_through(db: sqlite_utils.Database, source_id: str, *, run_id: int) -> bool:
    """Did the last pass that reached this source finish it, with no pass cut short since?

    A listing stops at a page of known articles only then: after a killed pass or a failed page, the
    articles beyond the first page may never have been read, and stopping early would lose them for good.
    """
    row = db.execute(
        "SELECT last_run_id, last_ok_at, last_error_at FROM sources WHERE id = ?", [source_id]
    ).fetchone()
    if row is None or row[0] is None or row[1] is None or (row[2] is not None and row[2] > row[1]):
        return False
    cut_short = "SELECT count(*) FROM runs WHERE id > ? AND id < ? AND status IN ('failed', 'running')"
    return db.execute(cut_short, [row[0], run_id]).fetchone()[0] == 0


class Batched:
    """Rows written together, BATCH at a time and at the end of the pass, so the pass does not commit
    once per request or per 304 (a crash loses at most one batch of bookkeeping, which the next run
    writes again)."""

    BATCH = 100

    def __init__(self, write: Callable[[list[tuple]], None]) -> None:
        self.write = write
        self.pending: list[tuple] = []

    def add(self, row: tuple) -> None:
        self.pending.append(row)
        if len(self.pending) >= self.BATCH:
            self.flush()

    def flush(self) -> None:
        if self.pending:
            rows, self.pending = self.pending, []
            self.write(rows)


class FetchLog(Batched):
    """Every request the fetcher makes becomes a row of `fetches`."""

    def __init__(self, db: sqlite_utils.Database, run_id: int) -> None:
        super().__init__(lambda rows: crawl_record_fetches(db, run_id, rows))

    def __call__(self, r: FetchRecord) -> None:
        row = (r.source_id, r.url, r.status_code, int(r.not_modified), r.error, r.elapsed_ms, r.size)
        self.add((*row, now_iso()))


class SeenLog(Batched):
    """Every 304 touches its announcement's `last_seen_at`."""

    def __init__(self, db: sqlite_utils.Database) -> None:
        super().__init__(lambda rows: touch_seen_many(db, rows))

    def __call__(self, url: str) -> None:
        self.add((now_iso(), url))
