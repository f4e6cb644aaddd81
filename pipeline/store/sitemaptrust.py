"""Which sources' sitemap `<lastmod>` values have been caught lying (table `sitemap_trust`, m100)."""

from __future__ import annotations

import sqlite_utils

from pipeline.store.transactions import transaction


def distrusted(db: sqlite_utils.Database, source_id: str) -> bool:
    return db.execute("SELECT 1 FROM sitemap_trust WHERE source_id = ?", [source_id]).fetchone() is not None


def distrust(db: sqlite_utils.Database, source_id: str, url: str, when: str) -> bool:
    """Record that `url` changed although its sitemap lastmod said not; True the first time only."""
    with transaction(db):
        cursor = db.execute(
            "INSERT OR IGNORE INTO sitemap_trust (source_id, distrusted_at, url) VALUES (?, ?, ?)",
            [source_id, when, url],
        )
    return cursor.rowcount == 1
