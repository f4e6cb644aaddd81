"""Table `hubs`: the shipped hub list, and hubs hubwatch found announced before anyone listed them.

The initiative grows (Jena, 2024); an announcement that it adds a hub somewhere hubs.yaml does not list
makes a row with `known = 0`, so the digest and `hubwatch hubs` can say so until an analyst adds it.
"""

from __future__ import annotations

from collections.abc import Iterable

import sqlite_utils

from pipeline.store.transactions import transaction


def sync_known_hubs(db: sqlite_utils.Database, names: Iterable[str], *, at: str) -> None:
    """Mark the shipped hubs `known`; a hub found earlier and since added to hubs.yaml becomes known."""
    with transaction(db):
        for name in names:
            db.execute(
                """INSERT INTO hubs (canonical, known, first_seen_at) VALUES (?, 1, ?)
                   ON CONFLICT(canonical) DO UPDATE SET known = 1""",
                [name, at],
            )


def record_found_hub(db: sqlite_utils.Database, canonical: str, *, announcement_id: int, at: str) -> bool:
    """A hub announced in a text and not in the list: one row, from its first announcement. True if new.

    Runs inside the caller's transaction (the announcement's write).
    """
    cursor = db.execute(
        """INSERT INTO hubs (canonical, known, first_seen_at, first_announcement_id) VALUES (?, 0, ?, ?)
           ON CONFLICT(canonical) DO NOTHING""",
        [canonical, at, announcement_id],
    )
    return cursor.rowcount > 0


def unconfirmed_hubs(db: sqlite_utils.Database) -> list[dict]:
    """Hubs found in announcements and not (yet) in hubs.yaml, oldest first."""
    sql = """SELECT h.canonical, h.first_seen_at, h.first_announcement_id, a.title, a.url
             FROM hubs h LEFT JOIN announcements a ON a.id = h.first_announcement_id
             WHERE h.known = 0 ORDER BY h.first_seen_at, h.canonical"""
    return [dict(row) for row in db.query(sql)]
