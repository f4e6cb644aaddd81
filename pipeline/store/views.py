"""Views for analysts (SQL, Datasette): entities as columns, a hub timeline, a sector × hub matrix.

All views read the *current* version of each announcement (mentions and facts of older versions stay
in their tables for history). `ensure_views` recreates a view only when its SQL changed, so opening the
database to read never takes the write lock.
"""

from __future__ import annotations

import sqlite_utils

from pipeline.store.transactions import transaction

# The initiative's focus sectors (INTERFACE.md); each becomes a column of sector_hub_matrix.
SECTORS = (
    "Fintech",
    "Insurtech",
    "Internet of Things",
    "Logistik",
    "Mobilität",
    "Smart Systems",
    "Smart City",
    "Energie",
    "Medientechnologien",
    "Künstliche Intelligenz",
    "Future Industries",
    "Chemie",
    "Gesundheit",
    "Cybersicherheit",
)


def _entity_column(label: str, alias: str) -> str:
    # `+m.label`: without statistics (no `hubwatch maintain` yet) SQLite chose the label index and scanned
    # every HUB mention per row (59 s for the newest 50 of 625,000 announcements); the id index is right
    return f"""(SELECT group_concat(canonical, ', ') FROM (SELECT DISTINCT m.canonical FROM mentions m
          WHERE m.announcement_id = a.id AND m.version = a.version AND +m.label = '{label}'
          ORDER BY m.canonical)) AS {alias}"""


def _announcements_with_entities() -> str:
    return f"""SELECT a.id, a.published_at, a.source_id, a.title, a.url, a.version, a.relevant,
       a.first_seen_at, a.last_seen_at, a.changed_at, a.gone_at, a.duplicate_of,
       {_entity_column("HUB", "hubs")},
       {_entity_column("CITY", "cities")},
       {_entity_column("SECTOR", "sectors")}
FROM announcements a"""


def _hub_timeline() -> str:
    return """SELECT m.canonical AS hub, substr(coalesce(a.published_at, a.first_seen_at), 1, 10) AS day,
       a.id AS announcement_id, a.source_id, a.title, a.url, a.version, a.relevant, a.duplicate_of,
       count(*) AS mentions,
       (SELECT group_concat(value, ', ') FROM (SELECT DISTINCT f.value FROM hub_facts f
          WHERE f.announcement_id = a.id AND f.version = a.version AND f.hub = m.canonical
          AND f.kind = 'city' ORDER BY f.value)) AS cities,
       (SELECT group_concat(value, ', ') FROM (SELECT DISTINCT f.value FROM hub_facts f
          WHERE f.announcement_id = a.id AND f.version = a.version AND f.hub = m.canonical
          AND f.kind = 'sector' ORDER BY f.value)) AS sectors
FROM mentions m JOIN announcements a ON a.id = m.announcement_id AND a.version = m.version
WHERE m.label = 'HUB'
GROUP BY m.canonical, a.id"""


def _sector_hub_matrix() -> str:
    """Grouped once by (hub, sector), then pivoted: one pass over the facts instead of one per sector."""
    cells = ",\n       ".join(f"sum(CASE WHEN value = '{s}' THEN n ELSE 0 END) AS \"{s}\"" for s in SECTORS)
    listed = ", ".join(f"'{s}'" for s in SECTORS)
    return f"""SELECT hub,
       {cells},
       sum(CASE WHEN value NOT IN ({listed}) THEN n ELSE 0 END) AS other
FROM (SELECT f.hub, f.value, count(DISTINCT f.announcement_id) AS n
      FROM hub_facts f JOIN announcements a ON a.id = f.announcement_id AND a.version = f.version
      WHERE f.kind = 'sector' GROUP BY f.hub, f.value)
GROUP BY hub"""


VIEWS = {
    "announcements_with_entities": _announcements_with_entities(),
    "hub_timeline": _hub_timeline(),
    "sector_hub_matrix": _sector_hub_matrix(),
}


def ensure_views(db: sqlite_utils.Database) -> list[str]:
    """Create or update each view whose stored SQL differs from the code; return the names written."""
    written = []
    for name, body in VIEWS.items():
        wanted = f"CREATE VIEW {name} AS\n{body}"
        row = db.execute("SELECT sql FROM sqlite_master WHERE type = 'view' AND name = ?", [name]).fetchone()
        if row and row[0] == wanted:
            continue
        with transaction(db):
            db.execute(f"DROP VIEW IF EXISTS {name}")
            db.execute(wanted)
        written.append(name)
    return written
