"""Database upkeep: prune old raw captures and stale search words, optimize, vacuum; each pass recorded."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import sqlite_utils

from pipeline.store.archive import prune
from pipeline.store.schema import now_iso
from pipeline.store.searchwords import prune_search_words
from pipeline.store.transactions import transaction


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
