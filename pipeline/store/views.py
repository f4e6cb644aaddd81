"""Views for analysts (SQL, Datasette, the report): entities as columns, a hub timeline, a sector × hub
matrix, the hubs on a map (`hub_locations`), and counts per month (`hub_months`, `sector_months`).

All views read the *current* version of each announcement (mentions and facts of older versions stay
in their tables for history). `ensure_views` recreates a view only when its SQL changed, so opening the
database to read never takes the write lock.
"""

from __future__ import annotations

from importlib import resources

import sqlite_utils
import yaml

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


def _hub_sectors() -> str:
    """The matrix in long form (hub, sector, announcements): what a heat map or a chart library wants."""
    return """SELECT f.hub, f.value AS sector, count(DISTINCT f.announcement_id) AS announcements
FROM hub_facts f JOIN announcements a ON a.id = f.announcement_id AND a.version = f.version
WHERE f.kind = 'sector'
GROUP BY f.hub, f.value"""


def _sql_text(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def listed_hub_cities() -> list[tuple[str, str]]:
    """(hub, city) of the shipped hub list, entities/hubs.yaml: a twin hub gives one pair per city."""
    text = resources.files("pipeline.entities").joinpath("hubs.yaml").read_text(encoding="utf-8")
    return [(h["canonical"], city) for h in yaml.safe_load(text)["hubs"] for city in h.get("cities") or ()]


def _hub_locations() -> str:
    """One row per hub and city with its coordinates from `places`: the listed hubs with the cities of
    hubs.yaml (written into the view, so an edit of the file rewrites it), the hubs found in texts (table
    `hubs`, known = 0) at the municipality their name names ("Jena"; "A/B" gives A and B). A name matches the
    largest municipality that has it or starts with it and a qualifier: "Halle" is Halle (Saale), not the
    village Halle in Lower Saxony; "Frankfurt" is Frankfurt am Main."""
    listed = ",\n  ".join(f"({_sql_text(hub)}, {_sql_text(city)})" for hub, city in listed_hub_cities())
    return f"""WITH listed(hub, city) AS (VALUES
  {listed}),
found AS (SELECT canonical AS hub, trim(canonical) AS name FROM hubs
          WHERE known = 0 AND canonical NOT IN (SELECT hub FROM listed)),
located AS (
  SELECT hub, city, 1 AS known FROM listed
  UNION ALL SELECT hub, CASE WHEN instr(name, '/') THEN trim(substr(name, 1, instr(name, '/') - 1))
                             ELSE name END, 0 FROM found
  UNION ALL SELECT hub, trim(substr(name, instr(name, '/') + 1)), 0 FROM found WHERE instr(name, '/')),
counts AS (
  SELECT m.canonical AS hub, count(DISTINCT coalesce(a.duplicate_of, a.id)) AS announcements,
         max(substr(coalesce(a.published_at, a.first_seen_at), 1, 10)) AS last_day
  FROM mentions m JOIN announcements a ON a.id = m.announcement_id AND a.version = m.version
  WHERE m.label = 'HUB' GROUP BY m.canonical),
placed AS (
  SELECT l.*, (SELECT ags FROM (  -- max() picks its row's ags: an ORDER BY here cannot see l.city
                 SELECT q.ags, max(q.population) FROM places q
                 WHERE q.name = l.city
                    OR (q.name > l.city || ' ' AND q.name < l.city || ' ' || char(1114111)))) AS ags
  FROM located l)
SELECT l.hub, l.city, l.known, CASE WHEN l.known THEN 'bekannt' ELSE 'unbestätigt' END AS status,
       p.latitude, p.longitude, p.land, coalesce(c.announcements, 0) AS announcements, c.last_day
FROM placed l
LEFT JOIN places p ON p.ags = l.ags
LEFT JOIN counts c ON c.hub = l.hub"""


MONTH = "substr(coalesce(a.published_at, a.first_seen_at), 1, 7)"


def _hub_months() -> str:
    """Announcements per hub and month (published, else first seen); copies on other sites count once."""
    return f"""SELECT m.canonical AS hub, {MONTH} AS month,
       count(DISTINCT coalesce(a.duplicate_of, a.id)) AS announcements
FROM mentions m JOIN announcements a ON a.id = m.announcement_id AND a.version = m.version
WHERE m.label = 'HUB'
GROUP BY m.canonical, {MONTH}"""


def _sector_months() -> str:
    """Announcements about the initiative (relevant) per sector and month: a sector named in any other
    article ("KI" in a tech column) would drown the initiative's own coverage."""
    return f"""SELECT m.canonical AS sector, {MONTH} AS month,
       count(DISTINCT coalesce(a.duplicate_of, a.id)) AS announcements
FROM mentions m JOIN announcements a ON a.id = m.announcement_id AND a.version = m.version
WHERE m.label = 'SECTOR' AND a.relevant = 1
GROUP BY m.canonical, {MONTH}"""


VIEWS = {
    "announcements_with_entities": _announcements_with_entities(),
    "hub_timeline": _hub_timeline(),
    "sector_hub_matrix": _sector_hub_matrix(),
    "hub_sectors": _hub_sectors(),
    "hub_locations": _hub_locations(),
    "hub_months": _hub_months(),
    "sector_months": _sector_months(),
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
