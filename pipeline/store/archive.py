"""Raw pages, kept compressed inside the database, so `hubwatch reprocess` never needs the network.

Why zlib blobs in SQLite rather than WARC files: a page is written in the same database, under the
same locking and backup as the announcement made from it; `reprocess` reads it by URL with one
indexed query; a WARC file would need its own rotation, fsync and offset index to do the same. The
HTTP headers WARC would keep and hubwatch needs (ETag, Last-Modified, content type) are already
columns, and zlib on HTML compresses about as well as WARC's per-record gzip.

`raw_pages` holds the latest capture of every URL — kept as long as its announcement exists.
A capture that a different body replaces moves to `raw_page_history`, which `prune` trims to
`settings.raw_retention_days`.
"""

from __future__ import annotations

import hashlib
import zlib
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import sqlite_utils

from pipeline.store.transactions import transaction

# zlib level 3: on the 474 real pages of the extraction corpus (138 KB of HTML on average) 1.14 ms and
# 32.0 KB a page, against 2.30 ms and 28.8 KB at level 6 (the default before) and 0.96 ms and 33.8 KB at
# level 1 (docs/performance.md); any level reads back the same way
COMPRESSION_LEVEL = 3


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def save_raw(
    db: sqlite_utils.Database,
    *,
    url: str,
    source_id: str,
    body: bytes,
    content_type: str,
    fetched_at: str | None = None,
) -> bool:
    """Keep the latest capture; move a different earlier one to the history. True when the body changed."""
    fetched_at = fetched_at or _now()
    sha = hashlib.sha256(body).hexdigest()
    with transaction(db):
        old = db.execute("SELECT sha256 FROM raw_pages WHERE url = ?", [url]).fetchone()
        if old is not None and old[0] == sha:
            db.execute("UPDATE raw_pages SET fetched_at = ? WHERE url = ?", [fetched_at, url])
            return False
        if old is not None:
            db.execute(
                """INSERT INTO raw_page_history (url, source_id, fetched_at, replaced_at, content_type,
                   sha256, body)
                   SELECT url, source_id, fetched_at, ?, content_type, sha256, body FROM raw_pages
                   WHERE url = ?""",
                [fetched_at, url],
            )
        db.execute(
            """INSERT OR REPLACE INTO raw_pages (url, source_id, fetched_at, content_type, sha256, body)
               VALUES (?,?,?,?,?,?)""",
            [url, source_id, fetched_at, content_type, sha, zlib.compress(body, COMPRESSION_LEVEL)],
        )
        return True


def load_raw(db: sqlite_utils.Database) -> Iterator[tuple[str, str, bytes]]:
    """(url, source_id, body) of every latest capture, for `reprocess`."""
    for url, source_id, body in db.execute("SELECT url, source_id, body FROM raw_pages ORDER BY url"):
        yield url, source_id, zlib.decompress(body)


def count_raw(db: sqlite_utils.Database) -> int:
    return int(db.execute("SELECT count(*) FROM raw_pages").fetchone()[0])


def raw_page(db: sqlite_utils.Database, url: str) -> bytes | None:
    row = db.execute("SELECT body FROM raw_pages WHERE url = ?", [url]).fetchone()
    return zlib.decompress(row[0]) if row else None


def prune(db: sqlite_utils.Database, *, retention_days: int, now: datetime | None = None) -> int:
    """Delete superseded captures older than the retention; 0 days keeps them forever. Returns rows gone."""
    if retention_days <= 0:
        return 0
    cutoff = ((now or datetime.now(UTC)) - timedelta(days=retention_days)).isoformat(timespec="seconds")
    with transaction(db):
        return db.execute("DELETE FROM raw_page_history WHERE replaced_at < ?", [cutoff]).rowcount
