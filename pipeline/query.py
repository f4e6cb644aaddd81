"""Read-side queries for analysts and operators: search, the hub table, source health, status."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import sqlite_utils

from pipeline.store import db_size, last_vacuum

# --- search -----------------------------------------------------------------------------------

TOKEN = re.compile(r'(-?)"([^"]+)"|(\S+)')
WORD = re.compile(r"[\w*]+(?:-[\w*]+)*")
# Inflection endings dropped before a prefix query, first match wins: (ending, shortest stem kept).
ENDINGS = (
    (re.compile(r"innen$", re.I), 4),  # Gründerinnen → Gründer
    (re.compile(r"(?<=[eo]r)in$", re.I), 4),  # Gründerin, Investorin; not Berlin
    (re.compile(r"(?<=[rl])n$", re.I), 4),  # Gründern, Mitteln
    (re.compile(r"(?:en|es)$", re.I), 4),  # Branchen, Unternehmens
    (re.compile(r"er$", re.I), 6),  # Hamburger → Hamburg; Gründer stays
    (re.compile(r"e$", re.I), 4),  # Städte → Städt (ä folds to a: finds Stadt)
    (re.compile(r"s$", re.I), 3),  # Hubs → Hub, Berlins → Berlin
)
EXACT_MAX_LEN = 2  # "KI", "AI": exact, or "KI*" would find "Kinder" and "Kiel"
PREFIX_MIN_STEM = 5  # shorter stems ("Hub", "Stadt") are common: their forms are listed, not prefixed
FORMS = ("", "e", "en", "er", "es", "n", "s", "in", "innen", "ern")


def stem(word: str) -> str:
    """A light German stem for prefix search: "Hubs" → "Hub", "Gründerinnen" → "Gründer", "Städte" → "Städt".

    Not a real stemmer (no dictionary): it only drops an inflection ending so that `stem*` finds the
    word's other forms and the compounds it starts ("Logistik" → "Logistikbranche").
    """
    for ending, shortest in ENDINGS:
        found = ending.search(word)
        if found and found.start() >= shortest:
            return word[: found.start()]
    return word


def _term(word: str) -> str:
    """One query word as an FTS5 term: quoted (never syntax), prefix-matched on its stem."""
    if word.endswith("*"):
        return f'"{word.rstrip("*")}"*'
    if len(word) <= EXACT_MAX_LEN:
        return f'"{word}"'
    root = stem(word)
    if len(root) < PREFIX_MIN_STEM:
        forms = dict.fromkeys([word, *(root + ending for ending in FORMS)])
        return "(" + " OR ".join(f'"{form}"' for form in forms) + ")"
    return f'"{root}"*'


def fts_query(query: str) -> str:
    """User input to an FTS5 expression: words AND-ed, "quoted phrases" exact, OR kept, -word excluded.

    Every word is quoted, so nothing a user types is FTS5 syntax by accident.
    """
    positive: list[str] = []
    negative: list[str] = []
    for minus, phrase, bare in TOKEN.findall(query):
        if phrase:
            words = WORD.findall(phrase.replace("*", ""))
            term = '"' + " ".join(words) + '"' if words else ""
        elif bare == "OR" and positive and positive[-1] != "OR":
            term = "OR"
        else:
            minus = "-" if bare.startswith("-") and len(bare) > 1 else ""
            parts = [_term(w) for w in WORD.findall(bare.lstrip("-")) if w.strip("*")]
            term = " AND ".join(parts) if len(parts) < 2 else "(" + " AND ".join(parts) + ")"
        if term:
            (negative if minus else positive).append(term)
    while positive and positive[-1] == "OR":
        positive.pop()
    if not positive:
        return ""
    groups: list[list[str]] = []  # "a OR b c" means (a OR b) AND c, as a search box user expects
    joined = False
    for term in positive:
        if term == "OR":
            joined = True
        elif joined and groups:
            groups[-1].append(term)
            joined = False
        else:
            groups.append([term])
    expression = " AND ".join(g[0] if len(g) == 1 else "(" + " OR ".join(g) + ")" for g in groups)
    return expression + "".join(f" NOT {t}" for t in negative)


@dataclass(frozen=True)
class SearchFilters:
    """What `hubwatch search` narrows by; dates are ISO days, inclusive, on published (else first seen)."""

    since: str | None = None
    until: str | None = None
    source: str | None = None
    hub: str | None = None
    sector: str | None = None


def _filter_sql(filters: SearchFilters) -> tuple[str, list[Any]]:
    day = "substr(coalesce(a.published_at, a.first_seen_at), 1, 10)"
    clauses, params = [], []
    for value, clause in (
        (filters.since, f"{day} >= ?"),
        (filters.until, f"{day} <= ?"),
        (filters.source, "a.source_id = ?"),
    ):
        if value:
            clauses.append(clause)
            params.append(value)
    for value, label in ((filters.hub, "HUB"), (filters.sector, "SECTOR")):
        if value:
            clauses.append(
                """EXISTS (SELECT 1 FROM mentions m WHERE m.announcement_id = a.id AND m.version = a.version
                   AND m.label = ? AND m.canonical = ? COLLATE NOCASE)"""
            )
            params += [label, value]
    return "".join(f" AND {c}" for c in clauses), params


def search_announcements(
    db: sqlite_utils.Database, query: str, *, limit: int = 20, filters: SearchFilters | None = None
) -> list[dict[str, Any]]:
    """bm25-ranked search (title weighs 5× the text) with a snippet; near-duplicates shown once."""
    match = fts_query(query)
    if not match:
        return []
    where, params = _filter_sql(filters or SearchFilters())
    floor = _window_floor(db, match, where, params)
    rows = _ranked(db, match, where, params, floor, limit * DUPLICATE_HEADROOM)
    return _one_per_original(db, rows, limit)


DUPLICATE_HEADROOM = 4  # fetch this many times `limit` hits, so folding copies still fills the page
RANK_WINDOW = 500  # a query matching more than this ranks its most recent RANK_WINDOW matches


def _window_floor(db: sqlite_utils.Database, match: str, where: str, params: list[Any]) -> int:
    """The rowid of the RANK_WINDOW-th newest match that passes the filters, or 0 when there are fewer.

    bm25 visits every matching row (and every row of each term, for its weights); a query as broad as
    "Hub" over a million announcements would take seconds. Walking the index newest-first to the
    window's edge needs no ranking, and ranking the newest matches is what an analyst watching the
    press wants.
    """
    row = db.execute(
        f"""SELECT announcements_fts.rowid FROM announcements_fts
            JOIN announcements a ON a.id = announcements_fts.rowid
            WHERE announcements_fts MATCH ?{where}
            ORDER BY announcements_fts.rowid DESC LIMIT 1 OFFSET ?""",
        [match, *params, RANK_WINDOW - 1],
    ).fetchone()
    return int(row[0]) if row else 0


def _ranked(
    db: sqlite_utils.Database, match: str, where: str, params: list[Any], floor: int, limit: int
) -> list[dict[str, Any]]:
    """`ORDER BY rank` lets FTS5 sort inside the index and make snippets only for the rows returned."""
    sql = f"""
        SELECT a.id, coalesce(a.duplicate_of, a.id) AS original, a.published_at, a.source_id, a.title, a.url,
               snippet(announcements_fts, 1, '[', ']', ' … ', 12) AS snippet, round(rank, 3) AS score
        FROM announcements_fts JOIN announcements a ON a.id = announcements_fts.rowid
        WHERE announcements_fts MATCH ? AND rank MATCH 'bm25(5.0, 1.0)'
          AND announcements_fts.rowid >= ?{where}
        ORDER BY rank LIMIT ?"""
    return [dict(r) for r in db.query(sql, [match, floor, *params, limit])]


def _one_per_original(
    db: sqlite_utils.Database, rows: list[dict[str, Any]], limit: int
) -> list[dict[str, Any]]:
    """Keep the best hit of each near-duplicate group; list the group's other sources on it."""
    best: dict[int, dict[str, Any]] = {}
    for row in rows:
        best.setdefault(row["original"], row)
    kept = list(best.values())[:limit]
    if not kept:
        return kept
    marks = ",".join("?" * len(kept))
    ids = [r["original"] for r in kept]
    members: dict[int, list[str]] = {}
    for original, ann_id, source_id in db.execute(
        f"""SELECT coalesce(duplicate_of, id), id, source_id FROM announcements
            WHERE id IN ({marks}) OR duplicate_of IN ({marks}) ORDER BY id""",
        ids + ids,
    ):
        members.setdefault(original, []).append(f"{source_id}:{ann_id}")
    for row in kept:
        others = [m for m in members.get(row["original"], []) if m != f"{row['source_id']}:{row['id']}"]
        row["also_in"] = ", ".join(others)
    return kept


# --- hubs, health, status ------------------------------------------------------------------------


def hub_table(db: sqlite_utils.Database) -> list[dict[str, Any]]:
    """One row per hub from the current versions' hub_facts (with evidence counts) and HUB mentions.

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
    for row in hubs.values():
        row["cities"], row["sectors"] = ", ".join(row["cities"]), ", ".join(row["sectors"])
    return sorted(hubs.values(), key=lambda r: (-r.get("announcements", 0), r["hub"]))


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
