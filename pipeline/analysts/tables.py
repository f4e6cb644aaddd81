"""The operator's and analyst's tables: hubs as the database knows them, source health, status lines."""

from __future__ import annotations

from typing import Any

import sqlite_utils

from pipeline.entities import listed_hubs
from pipeline.store.maintenance import db_size, last_vacuum


def hub_table(db: sqlite_utils.Database) -> list[dict[str, Any]]:
    """One row per hub from the current versions' hub_facts (with evidence counts) and HUB mentions, with its
    `status`; hubs announced as added and not yet in hubs.yaml (`unconfirmed`) come first.

    Two grouped passes and a merge in Python: correlated subqueries per hub would rescan the facts.
    """
    hubs: dict[str, dict[str, Any]] = {}
    for hub, kind, value, n in db.execute(
        """SELECT f.hub, f.kind, f.value, count(*) FROM hub_facts f
           JOIN announcements a ON a.id = f.announcement_id AND a.version = f.version
           GROUP BY f.hub, f.kind, f.value ORDER BY count(*) DESC, f.value"""
    ):
        row = hubs.setdefault(hub, {"hub": hub, "cities": [], "sectors": [], "evidence": 0})
        row["cities" if kind == "city" else "sectors"].append(f"{value} ({n})")
        row["evidence"] += n
    for hub, mentions, announcements, last_seen in db.execute(
        """SELECT hub, sum(mentions), count(*), max(last_seen_at) FROM (
             SELECT hub, announcement_id, sum(mentions) AS mentions, max(last_seen_at) AS last_seen_at FROM (
               SELECT f.hub, f.announcement_id, 0 AS mentions, a.last_seen_at FROM hub_facts f
               JOIN announcements a ON a.id = f.announcement_id AND a.version = f.version
               UNION ALL
               SELECT m.canonical, m.announcement_id, 1, a.last_seen_at FROM mentions m
               JOIN announcements a ON a.id = m.announcement_id AND a.version = m.version
               WHERE m.label = 'HUB')
             GROUP BY hub, announcement_id)
           GROUP BY hub"""
    ):
        row = hubs.setdefault(hub, {"hub": hub, "cities": [], "sectors": [], "evidence": 0})
        row.update(mentions=mentions, announcements=announcements, last_seen=last_seen)
    _add_status(db, hubs)
    for row in hubs.values():
        row["cities"], row["sectors"] = ", ".join(row["cities"]), ", ".join(row["sectors"])
    return sorted(
        hubs.values(), key=lambda r: (r["status"] != UNCONFIRMED, -r.get("announcements", 0), r["hub"])
    )


LISTED, UNCONFIRMED, UNLISTED = "listed", "unconfirmed", "unlisted"


def _add_status(db: sqlite_utils.Database, hubs: dict[str, dict[str, Any]]) -> None:
    """`listed` (in hubs.yaml), `unconfirmed` (announced as added to the initiative, not yet in hubs.yaml:
    shown even when no current version mentions it) or `unlisted` (named as a hub, never announced)."""
    listed = set(listed_hubs())
    known = {
        name: (flag, seen)
        for name, flag, seen in db.execute("SELECT canonical, known, first_seen_at FROM hubs")
    }
    for name, (flag, seen) in known.items():
        if not flag:
            hubs.setdefault(
                name, {"hub": name, "cities": [], "sectors": [], "evidence": 0, "announcements": 0}
            )
            hubs[name]["first_seen"] = seen
    for name, row in hubs.items():
        flag = known.get(name, (None, None))[0]
        row["status"] = LISTED if name in listed or flag else UNLISTED if flag is None else UNCONFIRMED


def source_health(db: sqlite_utils.Database) -> list[dict[str, Any]]:
    return [dict(r) for r in db.query("SELECT * FROM sources ORDER BY consecutive_failures DESC, id")]


def status_lines(db: sqlite_utils.Database, db_path: str) -> list[str]:
    """The operator's one-glance lines: last run, failing sources, database size."""
    lines = []
    last = db.execute(
        "SELECT id, started_at, finished_at, status, new, changed, errors FROM runs ORDER BY id DESC LIMIT 1"
    ).fetchone()
    if last:
        lines.append(
            f"last run {last[0]}: {last[3]} (started {last[1]}, finished {last[2] or '-'}; "
            f"new {last[4]}, changed {last[5]}, errors {last[6]})"
        )
    broken = [r[0] for r in db.execute("SELECT id FROM sources WHERE consecutive_failures > 0")]
    if broken:
        lines.append(f"failing sources: {', '.join(broken)}")
    lines.append(database_line(db, db_path))
    return lines


def database_line(db: sqlite_utils.Database, db_path: str) -> str:
    """Size on disk, what it holds, and when it was last vacuumed (`hubwatch maintain --vacuum`)."""
    total = db.execute("SELECT count(*) FROM announcements").fetchone()[0]
    gone = db.execute("SELECT count(*) FROM announcements WHERE gone_at IS NOT NULL").fetchone()[0]
    copies = db.execute("SELECT count(*) FROM announcements WHERE duplicate_of IS NOT NULL").fetchone()[0]
    vacuumed = last_vacuum(db) or "never"
    return (
        f"database {db_path}: {db_size(db_path) / 1e6:.1f} MB, {total} announcements "
        f"({gone} gone, {copies} near-duplicates); last vacuum: {vacuumed}"
    )
