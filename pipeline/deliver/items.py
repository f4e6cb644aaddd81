"""Reading pending events: what no digest carried yet, as one item per announcement, duplicates merged."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import replace
from typing import Literal

import sqlite_utils

from pipeline.config import RecipientGroup
from pipeline.deliver.render import LABELS, Item, oneline

MAX_SENTENCES = 8  # per side of a change; the rest is counted, not shown
LEAD_CHARS = 240  # a lead longer than this is cut at a word boundary
_SENTENCE = re.compile(r"(?<=[.!?…:])\s+(?=[\"„“'(\[A-ZÄÖÜ0-9])|\n+")


def split_sentences(text: str) -> list[str]:
    return [s for s in (oneline(part) for part in _SENTENCE.split(text or "")) if s]


def sentence_changes(old: str, new: str) -> tuple[list[str], list[str]]:
    """Sentences added and removed between two versions, in text order (a moved sentence is neither)."""
    before, after = split_sentences(old), split_sentences(new)
    before_set, after_set = set(before), set(after)
    added = list(dict.fromkeys(s for s in after if s not in before_set))
    removed = list(dict.fromkeys(s for s in before if s not in after_set))
    return added, removed


def cut(text: str, limit: int = LEAD_CHARS) -> str:
    """One line of at most `limit` characters, cut at a word boundary with an ellipsis."""
    line = oneline(text)
    if len(line) <= limit:
        return line
    head = line[: limit - 1].rsplit(" ", 1)[0] if " " in line[: limit - 1] else line[: limit - 1]
    return head.rstrip(" ,;:-–") + " …"


def _capped(sentences: list[str], more: str) -> tuple[str, ...]:
    if len(sentences) <= MAX_SENTENCES:
        return tuple(sentences)
    return (*sentences[:MAX_SENTENCES], f"… {len(sentences) - MAX_SENTENCES} {more}")


def pending_rows(db: sqlite_utils.Database, *, only_relevant: bool) -> list[dict]:
    """Events no digest has carried, with the title of their version; tolerates no `duplicate_of`."""
    dup = "a.duplicate_of" if "duplicate_of" in db["announcements"].columns_dict else "NULL"
    sql = f"""SELECT e.id AS event_id, e.kind, e.version, e.announcement_id, a.url, a.published_at,
                 COALESCE(v.title, a.title) AS title, COALESCE(s.name, a.source_id) AS source,
                 {dup} AS duplicate_of
              FROM events e JOIN announcements a ON a.id = e.announcement_id
              LEFT JOIN announcement_versions v ON v.announcement_id = e.announcement_id
                   AND v.version = e.version
              LEFT JOIN sources s ON s.id = a.source_id
              WHERE e.digest_id IS NULL {"AND a.relevant = 1" if only_relevant else ""}
              ORDER BY e.id"""
    return [dict(row) for row in db.query(sql)]


def load_items(db: sqlite_utils.Database, *, only_relevant: bool, language: str = "de") -> list[Item]:
    """Pending events as digest items: one per announcement (its latest version), duplicates merged."""
    return build_items(db, pending_rows(db, only_relevant=only_relevant), language=language)


def build_items(db: sqlite_utils.Database, pending: list[dict], *, language: str = "de") -> list[Item]:
    per_announcement: dict[int, list[dict]] = {}
    for row in pending:
        per_announcement.setdefault(row["announcement_id"], []).append(row)
    items: dict[int, Item] = {}
    for ann_id, rows in per_announcement.items():
        item = _item(db, rows, more=LABELS[language]["more"])
        root = rows[-1]["duplicate_of"] or ann_id
        items[root] = _merge(items[root], item) if root in items else item
    return list(items.values())


def item_for_event(db: sqlite_utils.Database, row: dict, *, language: str = "de") -> Item:
    """One event as an item of its own (a feed entry): a change is shown against the version before."""
    return _item(db, [row], more=LABELS[language]["more"])


def _item(db: sqlite_utils.Database, rows: list[dict], *, more: str) -> Item:
    """The latest pending version of one announcement; a change is shown against the last one sent."""
    first, last = rows[0], rows[-1]
    kind: Literal["new", "changed"] = "new" if any(r["kind"] == "new" for r in rows) else "changed"
    hubs, cities, sectors, lead = describe(db, last["announcement_id"], last["version"])
    item = Item(
        event_ids=tuple(r["event_id"] for r in rows),
        kind=kind,
        title=last["title"] or "",
        url=last["url"],
        source=last["source"],
        published_at=last["published_at"],
        hubs=hubs,
        cities=cities,
        sectors=sectors,
        lead=lead,
    )
    return _with_changes(db, item, first["announcement_id"], first["version"] - 1, last["version"], more)


def _with_changes(
    db: sqlite_utils.Database, item: Item, ann_id: int, old_version: int, new_version: int, more: str
) -> Item:
    if item.kind == "new" or old_version < 1:
        return item
    texts = dict(
        (row[0], (row[1] or "", row[2] or ""))
        for row in db.execute(
            "SELECT version, title, text FROM announcement_versions WHERE announcement_id = ? "
            "AND version IN (?, ?)",
            [ann_id, old_version, new_version],
        )
    )
    if old_version not in texts or new_version not in texts:
        return item
    (old_title, old_text), (new_title, new_text) = texts[old_version], texts[new_version]
    added, removed = sentence_changes(old_text, new_text)
    return replace(
        item,
        added=_capped(added, more),
        removed=_capped(removed, more),
        old_title=old_title if oneline(old_title) != oneline(new_title) else None,
    )


def describe(
    db: sqlite_utils.Database, ann_id: int, version: int
) -> tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...], str]:
    """Hubs, cities, sectors of one version (most frequent first; a hub named in the title leads the
    hubs: it is what the item is mainly about), and its lead: the first sentence naming that hub, else
    the text's first sentence."""
    counts: dict[str, Counter[str]] = {"HUB": Counter(), "CITY": Counter(), "SECTOR": Counter()}
    in_title: set[str] = set()
    sentences: dict[str, list[tuple[int, str]]] = {}
    for label, canonical, title_flag, sentence, start in db.execute(
        "SELECT label, canonical, in_title, sentence, start FROM mentions WHERE announcement_id = ? "
        "AND version = ?",
        [ann_id, version],
    ):
        if label in counts and canonical:
            counts[label][canonical] += 1
        if label == "HUB" and canonical and title_flag:
            in_title.add(canonical)
        elif label == "HUB" and canonical and sentence:
            sentences.setdefault(canonical, []).append((start or 0, sentence))
    for hub, kind, value, evidence in db.execute(
        "SELECT hub, kind, value, evidence FROM hub_facts WHERE announcement_id = ? AND version = ?",
        [ann_id, version],
    ):
        counts["HUB"][hub] += 1
        counts["CITY" if kind == "city" else "SECTOR"][value] += 1
        if evidence:
            sentences.setdefault(hub, []).append((1 << 62, evidence))  # after the hub's own mentions

    def ranked(counter: Counter[str], first: set[str] = set()) -> tuple[str, ...]:  # noqa: B006
        return tuple(sorted(counter, key=lambda name: (name not in first, -counter[name], name.casefold())))

    hubs = ranked(counts["HUB"], in_title)
    named = sorted(sentences.get(hubs[0], [])) if hubs else []
    lead = named[0][1] if named else _first_sentence(db, ann_id, version)
    return hubs, ranked(counts["CITY"]), ranked(counts["SECTOR"]), cut(lead)


def _first_sentence(db: sqlite_utils.Database, ann_id: int, version: int) -> str:
    row = db.execute(
        "SELECT text FROM announcement_versions WHERE announcement_id = ? AND version = ?", [ann_id, version]
    ).fetchone()
    if row is None:
        row = db.execute("SELECT text FROM announcements WHERE id = ?", [ann_id]).fetchone()
    sentences = split_sentences((row[0] or "")[:4000] if row else "")
    return sentences[0] if sentences else ""


def _merge(primary: Item, duplicate: Item) -> Item:
    """A duplicate is shown once: the first item, with the other source listed under 'Auch bei'."""
    return replace(
        primary,
        event_ids=primary.event_ids + duplicate.event_ids,
        also=(*primary.also, (duplicate.source, duplicate.url), *duplicate.also),
        hubs=tuple(dict.fromkeys(primary.hubs + duplicate.hubs)),
        cities=tuple(dict.fromkeys(primary.cities + duplicate.cities)),
        sectors=tuple(dict.fromkeys(primary.sectors + duplicate.sectors)),
    )


def wanted_by(item: Item, group: RecipientGroup) -> bool:
    """A group's filters: any of its hubs and any of its sectors (an empty filter passes all)."""
    return matches(item, hubs=group.hubs, sectors=group.sectors)


def matches(item: Item, *, hubs: list[str], sectors: list[str]) -> bool:
    def hit(wanted: list[str], found: tuple[str, ...]) -> bool:
        return not wanted or bool({w.casefold() for w in wanted} & {f.casefold() for f in found})

    return hit(hubs, item.hubs) and hit(sectors, item.sectors)
