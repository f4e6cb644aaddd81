"""`hubwatch report`: one self-contained HTML file an analyst can mail and open offline.

Read from the analyst views (hub_locations, hub_months, hub_sectors) and the sources table; drawn by
`charts` (altair + vl-convert, inline SVG); rendered by a Jinja2 template with autoescape. No script, no
stylesheet or font from elsewhere: the only URLs in the file are the announcements' links. A picture that
fails to draw is replaced by a note and recorded in `Report.problems` (the command exits 3); the rest of
the report is still written.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import jinja2
import sqlite_utils

from pipeline.analysts import charts

logger = logging.getLogger(__name__)

TIMEZONE = ZoneInfo("Europe/Berlin")  # the agency's: dates in the report are local
REPORT_DAYS = 7  # without --since the report lists what is new in the last week
TIMELINE_MONTHS = 18  # the timelines show this many months up to the report's date
NEW_PER_HUB = 25  # "new since" lists this many announcements per hub, then says how many more
NO_HUB = "Initiative allgemein"  # the group of relevant announcements that name no hub
TWIN_LABEL_APART = 0.5  # degrees (lat + lon) off its first city for a twin hub's other city to get a label


@dataclass
class Picture:
    """One chart: its SVG (empty when drawing failed), what it shows, and its data as a table."""

    key: str
    title: str
    description: str
    svg: str = ""
    columns: tuple[str, ...] = ()
    rows: list[tuple[Any, ...]] = field(default_factory=list)
    error: str = ""


@dataclass
class Report:
    html: str
    problems: list[str]


def _rows(db: sqlite_utils.Database, sql: str, params: Any = ()) -> list[dict[str, Any]]:
    return [dict(row) for row in db.query(sql, params)]


def _month_floor(day: date, months_back: int) -> str:
    index = day.year * 12 + day.month - 1 - months_back
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def map_rows(db: sqlite_utils.Database) -> list[dict[str, Any]]:
    """hub_locations with coordinates. A hub's name and count label its first city; a twin hub's other
    city gets its own name, unless it lies so close that the labels would overlap (Ludwigshafen/Mannheim)."""
    rows = _rows(db, "SELECT * FROM hub_locations WHERE latitude IS NOT NULL ORDER BY hub, city")
    first: dict[str, dict[str, Any]] = {}
    for row in rows:
        lead = first.setdefault(row["hub"], row)
        if lead is row:
            row["label"] = f"{row['hub']} ({row['announcements']})"
        else:
            apart = abs(lead["latitude"] - row["latitude"]) + abs(lead["longitude"] - row["longitude"])
            row["label"] = row["city"] if apart > TWIN_LABEL_APART else ""
    return charts.label_sides(rows)


def land_cells(db: sqlite_utils.Database) -> list[dict[str, Any]]:
    """Germany as the grid cells holding a municipality: the map's background, without a boundary file."""
    lat, lon = charts.LAND_CELL
    sql = f"""SELECT round(latitude / {lat}) * {lat} AS latitude,
                     round(longitude / {lon}) * {lon} AS longitude
              FROM places GROUP BY 1, 2"""
    return _rows(db, sql)


def map_picture(db: sqlite_utils.Database) -> Picture:
    rows = map_rows(db)
    unplaced = [r["hub"] for r in _rows(db, "SELECT hub FROM hub_locations WHERE latitude IS NULL")]
    description = (
        "Karte Deutschlands mit den Standorten der Hubs; die Größe eines Punkts zeigt die Zahl der "
        "Meldungen, Dreiecke markieren unbestätigte Hubs (in einem Text gefunden, noch nicht in der "
        "Hub-Liste)." + (f" Ohne Koordinaten: {', '.join(sorted(set(unplaced)))}." if unplaced else "")
    )
    picture = Picture(
        "karte",
        "Die Hubs und ihre Meldungen",
        description,
        columns=("Hub", "Stadt", "Status", "Meldungen", "zuletzt"),
        rows=[(r["hub"], r["city"], r["status"], r["announcements"], r["last_day"] or "–") for r in rows],
    )
    return _draw(picture, lambda: charts.hub_map(rows, land_cells(db), title=picture.title))


def timeline_picture(db: sqlite_utils.Database, today: date) -> Picture:
    start = _month_floor(today, TIMELINE_MONTHS - 1)
    rows = _rows(
        db,
        """SELECT hub, month || '-01' AS month, announcements FROM hub_months
           WHERE month >= ? ORDER BY hub, month""",
        [start],
    )
    picture = Picture(
        "zeitverlauf",
        f"Meldungen je Hub und Monat seit {start[5:]}/{start[:4]}",
        "Ein Balkendiagramm je Hub, der meistgenannte zuerst: Zahl der Meldungen je Monat "
        "(veröffentlicht, sonst erstmals gesehen; Kopien auf anderen Seiten einmal gezählt).",
        columns=("Hub", "Monat", "Meldungen"),
        rows=[(r["hub"], r["month"][:7], r["announcements"]) for r in rows],
    )
    return _draw(picture, lambda: charts.hub_timeline(rows, title=picture.title))


def heatmap_picture(db: sqlite_utils.Database) -> Picture:
    rows = _rows(db, "SELECT hub, sector, announcements FROM hub_sectors ORDER BY hub, sector")
    picture = Picture(
        "branchen",
        "Branchen × Hubs",
        "Heatmap: in wie vielen Meldungen ein Text einem Hub eine Branche als Schwerpunkt zuschreibt; "
        "die Zahl steht in jeder Zelle.",
        columns=("Hub", "Branche", "Meldungen"),
        rows=[(r["hub"], r["sector"], r["announcements"]) for r in rows],
    )
    return _draw(picture, lambda: charts.sector_heatmap(rows, title=picture.title))


def _draw(picture: Picture, spec: Callable[[], dict[str, Any]]) -> Picture:
    """Draw the picture; a failure becomes the picture's error, never the report's end."""
    if not picture.rows:
        return picture  # nothing to draw: the template says so
    try:
        picture.svg = charts.svg(spec(), title=picture.title, description=picture.description)
    except Exception as exc:  # a chart library's failure must not lose the rest of the report
        logger.exception("report: the picture %r could not be drawn", picture.key)
        picture.error = f"{type(exc).__name__}: {exc}"
    return picture


NewGroups = list[tuple[str, list[dict[str, Any]], int]]  # (hub, its newest rows, how many more)


def new_since(db: sqlite_utils.Database, since: date) -> tuple[NewGroups, int]:
    """Relevant announcements published (else first seen) on or after `since`, copies folded, grouped by
    the hubs they mention (an announcement about two hubs is listed under both); and how many in all."""
    rows = _rows(
        db,
        """SELECT a.id, a.title, a.url, a.source_id,
                  substr(coalesce(a.published_at, a.first_seen_at), 1, 10) AS day,
                  (SELECT group_concat(DISTINCT m.canonical) FROM mentions m WHERE m.announcement_id = a.id
                     AND m.version = a.version AND m.label = 'HUB') AS hubs,
                  (SELECT group_concat(d.source_id, ', ') FROM announcements d
                     WHERE d.duplicate_of = a.id) AS also_in
           FROM announcements a
           WHERE a.relevant = 1 AND a.duplicate_of IS NULL
             AND substr(coalesce(a.published_at, a.first_seen_at), 1, 10) >= ?
           ORDER BY day DESC, a.id DESC""",
        [since.isoformat()],
    )
    groups: dict[str, list[dict[str, Any]]] = {}
    for row in rows:
        row["href"] = row["url"] if urlsplit(row["url"] or "").scheme in ("http", "https") else ""
        for hub in sorted((row["hubs"] or "").split(",")) if row["hubs"] else [NO_HUB]:
            groups.setdefault(hub, []).append(row)
    ordered = sorted(groups, key=lambda hub: (hub == NO_HUB, -len(groups[hub]), hub))
    grouped = [(hub, groups[hub][:NEW_PER_HUB], max(len(groups[hub]) - NEW_PER_HUB, 0)) for hub in ordered]
    return grouped, len(rows)


def source_rows(db: sqlite_utils.Database) -> list[dict[str, Any]]:
    """Each source's health, failing ones first, with a word for its state (not colour alone)."""
    rows = _rows(
        db,
        """SELECT id, name, kind, last_ok_at, last_error_at, last_error, consecutive_failures
           FROM sources ORDER BY consecutive_failures DESC, id""",
    )
    for row in rows:
        failures = row["consecutive_failures"] or 0
        row["state"] = f"gestört ({failures}× in Folge)" if failures else "ok"
        row["last_ok"] = _local(row["last_ok_at"])
        row["last_error_day"] = _local(row["last_error_at"])
    return rows


def _local(stamp: str | None) -> str:
    if not stamp:
        return "–"
    try:
        return datetime.fromisoformat(stamp).astimezone(TIMEZONE).strftime("%d.%m.%Y %H:%M")
    except ValueError:
        return stamp


def totals(db: sqlite_utils.Database) -> dict[str, Any]:
    one = db.execute(
        """SELECT count(*), sum(relevant), sum(duplicate_of IS NULL AND relevant),
                  min(substr(first_seen_at, 1, 10)) FROM announcements"""
    ).fetchone()
    last_run = db.execute("SELECT finished_at, status FROM runs ORDER BY id DESC LIMIT 1").fetchone()
    return {
        "announcements": one[0] or 0,
        "relevant": one[1] or 0,
        "originals": one[2] or 0,
        "first_seen": _german_day(one[3]),
        "last_run": (_local(last_run[0]), RUN_STATUS.get(last_run[1], last_run[1])) if last_run else None,
    }


RUN_STATUS = {"ok": "ok", "partial": "teilweise", "failed": "fehlgeschlagen", "running": "läuft"}


def _german_day(day: str | None) -> str | None:
    return f"{day[8:10]}.{day[5:7]}.{day[:4]}" if day and len(day) >= 10 else day


_TEMPLATES = jinja2.Environment(
    loader=jinja2.PackageLoader("pipeline.analysts", "templates"),
    autoescape=True,
    undefined=jinja2.StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)


def build_report(db: sqlite_utils.Database, *, since: date, now: datetime) -> Report:
    """Gather, draw and render the report; drawing problems are listed, not raised."""
    today = now.astimezone(TIMEZONE).date()
    pictures = [map_picture(db), timeline_picture(db, today), heatmap_picture(db)]
    new_groups, new_total = new_since(db, since)
    html = _TEMPLATES.get_template("report.html.j2").render(
        generated=now.astimezone(TIMEZONE).strftime("%d.%m.%Y %H:%M"),
        since=since.strftime("%d.%m.%Y"),
        pictures=pictures,
        new_groups=new_groups,
        new_total=new_total,
        sources=source_rows(db),
        totals=totals(db),
        no_hub=NO_HUB,
    )
    problems = [f"picture {p.key!r} not drawn: {p.error}" for p in pictures if p.error]
    return Report(html=html, problems=problems)


def write_report(db: sqlite_utils.Database, out: Path, *, since: date, now: datetime) -> Report:
    """Build the report and write it to `out` (through a temporary file: never half a report)."""
    report = build_report(db, since=since, now=now)
    partial = out.with_name(out.name + ".partial")
    partial.write_text(report.html, encoding="utf-8")
    partial.replace(out)
    return report
