"""Table `places`: coordinates of German municipalities, so a view can put each hub city on a map.

The list is shipped with the analysts' side (`pipeline/analysts/places.tsv.gz`) and loaded here whole,
once per version of the file: `places_source` keeps the SHA-256 of the file that was loaded.
"""

from __future__ import annotations

from collections.abc import Iterable

import sqlite_utils

from pipeline.store.schema import now_iso
from pipeline.store.transactions import transaction

Place = tuple[str, str, str, int, float, float]  # ags, name, land, population, latitude, longitude


def places_loaded(db: sqlite_utils.Database) -> str | None:
    """The SHA-256 of the list loaded into `places`, None when none was loaded yet."""
    row = db.execute("SELECT sha256 FROM places_source").fetchone()
    return row[0] if row else None


def load_places(db: sqlite_utils.Database, places: Iterable[Place], *, sha256: str) -> int:
    """Replace the table's rows with `places` in one transaction; return how many were loaded."""
    with transaction(db):
        db.execute("DELETE FROM places")
        cursor = db.conn.executemany("INSERT INTO places VALUES (?, ?, ?, ?, ?, ?)", places)
        count = cursor.rowcount
        db.execute("DELETE FROM places_source")
        db.execute("INSERT INTO places_source VALUES (?, ?, ?)", [sha256, count, now_iso()])
    return count
