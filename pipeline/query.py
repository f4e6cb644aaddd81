"""Read-side queries for analysts and operators: search, the hub table, source health, status."""

from __future__ import annotations

import os
import re
from typing import Any

import sqlite_utils


def fts_query(query: str) -> str:
    """Quote each word for FTS5 so user input is never FTS syntax; keep a trailing * as a prefix query."""
    terms = []
    for word in re.findall(r"[\w*-]+", query):
        prefix = word.endswith("*")
        word = word.rstrip("*").replace('"', "")
        if word:
            terms.append(f'"{word}"' + ("*" if prefix else ""))
    return " ".join(terms)


def search_announcements(db: sqlite_utils.Database, query: str, *, limit: int = 20) -> list[dict[str, Any]]:
    """bm25-ranked full-text search over title and text, with a snippet."""
    match = fts_query(query)
    if not match:
        return []
    sql = """
        SELECT a.id, a.published_at, a.source_id, a.title, a.url,
               snippet(announcements_fts, 1, '[', ']', ' … ', 12) AS snippet
        FROM announcements_fts JOIN announcements a ON a.rowid = announcements_fts.rowid
        WHERE announcements_fts MATCH ? ORDER BY bm25(announcements_fts, 5.0, 1.0) LIMIT ?"""
    return [dict(r) for r in db.query(sql, [match, limit])]


def hub_table(db: sqlite_utils.Database) -> list[dict[str, Any]]:
    """One row per hub from hub_facts and mentions of each announcement's current version."""
    sql = """
        WITH current_facts AS (
            SELECT f.* FROM hub_facts f JOIN announcements a
              ON a.id = f.announcement_id AND a.version = f.version),
        current_hubs AS (
            SELECT m.canonical AS hub, m.announcement_id FROM mentions m JOIN announcements a
              ON a.id = m.announcement_id AND a.version = m.version WHERE m.label = 'HUB')
        SELECT h.hub,
          (SELECT group_concat(value, ', ') FROM (SELECT DISTINCT value FROM current_facts
             WHERE hub = h.hub AND kind = 'city' ORDER BY value)) AS cities,
          (SELECT group_concat(value || ' (' || n || ')', ', ') FROM (SELECT value, count(*) AS n
             FROM current_facts WHERE hub = h.hub AND kind = 'sector' GROUP BY value ORDER BY n DESC, value))
             AS sectors,
          count(*) AS mentions, count(DISTINCT h.announcement_id) AS announcements,
          max(a.last_seen_at) AS last_seen
        FROM current_hubs h JOIN announcements a ON a.id = h.announcement_id
        GROUP BY h.hub ORDER BY announcements DESC, h.hub"""
    return [dict(r) for r in db.query(sql)]


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
    size = sum(os.path.getsize(p) for p in (db_path, f"{db_path}-wal") if os.path.exists(p))
    lines.append(f"database {db_path}: {size / 1e6:.1f} MB")
    return lines
