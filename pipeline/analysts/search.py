"""Full-text search for analysts: German-aware expansion, bm25-style ranking, snippets, duplicates once."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import sqlite_utils

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


Expand = Callable[[str], list[str] | None]  # a stem → the indexed words it starts, or None: keep `stem*`


def _prefix(root: str, expand: Expand | None) -> str:
    words = expand(root) if expand else None
    if not words:
        return f'"{root}"*'
    return f'"{words[0]}"' if len(words) == 1 else "(" + " OR ".join(f'"{w}"' for w in words) + ")"


def _term(word: str, expand: Expand | None = None, compounds: Expand | None = None) -> str:
    """One query word as an FTS5 term: quoted (never syntax), prefix-matched on its stem; with
    `compounds`, a typed word's stem also matches the compounds it ends (an explicit `Logist*` does not)."""
    if word.endswith("*"):
        return _prefix(word.rstrip("*"), expand)
    if len(word) <= EXACT_MAX_LEN:
        return f'"{word}"'
    root = stem(word)
    if len(root) < PREFIX_MIN_STEM:
        forms = dict.fromkeys([word, *(root + ending for ending in FORMS)])
        return "(" + " OR ".join(f'"{form}"' for form in forms) + ")"
    return _prefix(root, compounds or expand)


def fts_query(query: str, *, expand: Expand | None = None, compounds: Expand | None = None) -> str:
    """User input to an FTS5 expression: words AND-ed, "quoted phrases" exact, OR kept, -word excluded.

    Every word is quoted, so nothing a user types is FTS5 syntax by accident. With `expand`, a prefix
    becomes the OR of the indexed words it starts (see `indexed_words`); with `compounds`, the stem of a
    typed word becomes the OR of the words it starts or ends (see `compound_words`).
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
            parts = [_term(w, expand, compounds) for w in WORD.findall(bare.lstrip("-")) if w.strip("*")]
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


MAX_EXPANSION = 100  # a stem that starts more indexed words than this stays an FTS5 prefix query


def fold(word: str) -> str:
    """A word as the index stores it (unicode61, remove_diacritics 2): lower case, accents dropped."""
    decomposed = unicodedata.normalize("NFD", word.lower())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def indexed_words(db: sqlite_utils.Database, root: str) -> list[str] | None:
    """The index's words that start with `root`, read from its vocabulary; None to keep `root*`.

    FTS5 answers `"Fachkräft"*` by merging every matching word's full doclist (all positions, the
    whole index) before it returns a row, on each cursor: 40–50 ms for a stem in a quarter of a
    million announcements. The same words as an OR are read lazily, newest first, and stop at the
    window's edge.
    """
    folded = fold(root)
    if not (folded.isascii() and folded.isalnum()):
        return None  # "ß", "-", other scripts: FTS5's own folding and prefix query know best
    return _starting(db, folded) or None


def _starting(db: sqlite_utils.Database, folded: str) -> list[str] | None:
    """The indexed words starting with `folded`, None when there are more than MAX_EXPANSION.

    Read from `search_words` (the index's distinct words, kept at write time) by its unique index: a
    range of a B-tree, microseconds. fts5vocab gives the same words but counts each one's documents on
    the way, reading their doclists (15 ms for "grunder" at a million announcements). A word only a
    replaced text had stays there until `hubwatch maintain`; in the query it matches nothing.
    """
    rows = db.execute(
        "SELECT word FROM search_words WHERE word >= ? AND word <= ? ORDER BY word LIMIT ?",
        [folded, folded + "\U0010ffff", MAX_EXPANSION + 1],
    ).fetchall()
    words = [w for (w,) in rows if w.startswith(folded)]
    return words if len(words) <= MAX_EXPANSION else None


TAIL_CANDIDATES = 2_000  # words containing a stem read from the trigram index, at most; more: no tails


def compound_words(db: sqlite_utils.Database, root: str) -> list[str] | None:
    """The indexed words a typed word's stem starts ("logistikbranche") or ends ("hafenlogistik",
    "hafenlogistiken": the stem plus one of FORMS), at most MAX_EXPANSION; None to keep `root*`.

    German compounds put the head last, so "Logistik" should find "Stadtlogistik". The tails come
    from `search_words`, the index's distinct words under a trigram index (filled at write time,
    `store.add_search_words`): the words containing the stem, kept when it is their end. Too many
    tails (a short common stem such as "markt") and the query stays what it was without them.
    """
    folded = fold(root)
    if not (folded.isascii() and folded.isalnum()):
        return None
    starting = _starting(db, folded)
    if starting is None:
        return None
    tails = tail_words(db, folded)
    if tails is None or len(starting) + len(tails) > MAX_EXPANSION:
        return starting or None
    return starting + tails or None


def tail_words(db: sqlite_utils.Database, folded: str) -> list[str] | None:
    """The vocabulary's words that end with the folded stem (or stem + a form) without starting with
    it; None when the stem is inside more than TAIL_CANDIDATES words."""
    if len(folded) < 3:
        return []  # no trigram to look up
    trigrams = " AND ".join(dict.fromkeys(f'"{folded[i : i + 3]}"' for i in range(len(folded) - 2)))
    rows = db.execute(
        "SELECT word FROM search_words_trigram WHERE search_words_trigram MATCH ? LIMIT ?",
        [trigrams, TAIL_CANDIDATES + 1],
    ).fetchall()
    if len(rows) > TAIL_CANDIDATES:
        return None
    endings = tuple(folded + form for form in FORMS)
    return sorted(w for (w,) in rows if w.endswith(endings) and not w.startswith(folded))


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
    """The newest matches ranked bm25-style (title weighs 5× the text), with a snippet; copies shown once."""
    match = fts_query(
        query, expand=lambda root: indexed_words(db, root), compounds=lambda root: compound_words(db, root)
    )
    if not match:
        return []
    where, params = _filter_sql(filters or SearchFilters())
    kept = _one_per_original(db, _ranked_window(db, match, where, params, limit * DUPLICATE_HEADROOM), limit)
    for row in kept:
        row["snippet"] = snippet(row.pop("text_hits"))
    return kept


DUPLICATE_HEADROOM = 4  # fetch this many times `limit` hits, so folding copies still fills the page
RANK_WINDOW = 500  # a query matching more than this ranks its most recent RANK_WINDOW matches
WINDOW_TEXT_CHARS = 600_000  # ... or fewer, once their texts hold this many characters (highlight's cost)
TITLE_WEIGHT, K1, B = 5.0, 1.2, 0.75  # FTS5's bm25 constants, the title weighted as before
HIT, END = "\x01", "\x02"  # highlight() marks; control characters, not found in extracted text
WINDOW_COLUMNS = ("id", "original", "published_at", "source_id", "title", "url", "text_hits")


def _ranked_window(
    db: sqlite_utils.Database, match: str, where: str, params: list[Any], keep: int
) -> list[dict[str, Any]]:
    """The best `keep` of the newest matches that pass the filters, hits marked, best first.

    One cursor, walked newest-first; it stops at RANK_WINDOW rows, or earlier once the marked texts
    hold WINDOW_TEXT_CHARS characters: `highlight()` tokenises each row's whole text again, and 500
    texts of real-article length (3,600 characters) cost 35 ms, ten times the walk itself. SQLite
    computes a row's marks only when the row is fetched, so stopping the loop stops that work.
    (Measured and not taken: a first walk for the sizes, then the marks down to its floor, which walks
    a filtered query twice; and reading the window back by id, which made FTS5 seek every OR-ed word
    once per id.) FTS5's own bm25 would first read every matching row of every query word for its word
    weights (60 ms for "Hub" on a million announcements); here the words weigh the same, which changes
    little when every row in the window matches every AND-ed word, and the length normalisation is
    taken over the window.
    """
    cursor = db.execute(
        f"""SELECT a.id, coalesce(a.duplicate_of, a.id), a.published_at, a.source_id, a.title, a.url,
                   highlight(announcements_fts, 1, char(1), char(2)),
                   highlight(announcements_fts, 0, char(1), char(2))
            FROM announcements_fts JOIN announcements a ON a.id = announcements_fts.rowid
            WHERE announcements_fts MATCH ?{where}
            ORDER BY announcements_fts.rowid DESC LIMIT ?""",
        [match, *params, RANK_WINDOW],
    )
    rows, marked = [], 0
    for row in cursor:
        rows.append(row)
        marked += len(row[6] or "")
        if marked >= WINDOW_TEXT_CHARS:
            break
    cursor.close()
    sizes = [len(row[6] or "") + len(row[7] or "") for row in rows]
    average = sum(sizes) / len(sizes) if sizes and sum(sizes) else 1.0
    scored = []
    for row, size in zip(rows, sizes, strict=True):
        hits = TITLE_WEIGHT * (row[7] or "").count(HIT) + (row[6] or "").count(HIT)
        score = hits * (K1 + 1) / (hits + K1 * (1 - B + B * size / average))
        scored.append((-round(score, 3), -row[0], row))  # negative, as FTS5's rank: lower is better
    best = sorted(scored)[:keep]
    return [dict(zip(WINDOW_COLUMNS, row[:7], strict=True), score=score) for score, _, row in best]


SNIPPET_WORDS = 12


def snippet(marked: str | None) -> str:
    """The 12 words with the most hits, hits in [brackets], " … " where the text goes on (like FTS5's)."""
    words = (marked or "").split()
    hits = [int(HIT in w) for w in words]
    start, best, inside = 0, -1, sum(hits[:SNIPPET_WORDS])
    for i in range(max(len(words) - SNIPPET_WORDS + 1, 1)):  # the first window with the most hits
        if i:
            inside += hits[i + SNIPPET_WORDS - 1] - hits[i - 1]
        if inside > best:
            start, best = i, inside
    marked_at = [i for i in range(start, min(start + SNIPPET_WORDS, len(words))) if hits[i]]
    if marked_at:  # centre the hits, as FTS5 does, so the words before them show too
        start = marked_at[0] - (SNIPPET_WORDS - (marked_at[-1] - marked_at[0] + 1)) // 2
        start = max(0, min(start, len(words) - SNIPPET_WORDS))
    before = "".join(words[:start])
    part = " ".join(words[start : start + SNIPPET_WORDS])
    if before.count(HIT) > before.count(END):  # a marked phrase cut at the start
        part = HIT + part
    if part.count(HIT) > part.count(END):
        part += END
    text = part.replace(HIT, "[").replace(END, "]")
    return (" … " if start else "") + text + (" … " if start + SNIPPET_WORDS < len(words) else "")


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
