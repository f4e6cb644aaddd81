"""Which hub a sector phrase belongs to when the sentence is not "hub + cue + sectors".

Lists and comparisons put sectors before their hub ("Chemie und Gesundheit sind die Themen des Hubs in
Ludwigshafen, Medientechnologien die des Hubs in Potsdam"), English puts them before "hub" ("the chemistry
and health hub in Ludwigshafen and Mannheim"), and a sector may describe the start-ups a hub works with, not
the hub ("fördert Start-ups aus den Bereichen …"). Each rule is a switch of ``rules.HubRules``.
"""

from __future__ import annotations

from itertools import pairwise

from spacy.tokens import Doc, Span

from pipeline.entities.hubs import HubRef
from pipeline.entities.sents import cue_pattern, sentence_index, sentences

CLAUSE_BREAKS = frozenset({",", ";", "–", "—", ":", "während", "wohingegen", "whereas", "while", "whilst"})
LIST_JOINERS = frozenset({",", "und", "sowie", "and", "oder", "or", "&"})
# A clause opened by a relative pronoun is about the hub before it: "Darmstadt, das mit dem Schwerpunkt …".
RELATIVES = frozenset(
    {"der", "die", "das", "dessen", "deren", "wo", "which", "that", "who", "where", "whose"}
)
# A sentence that names topics states a focus even without a focus verb: "… sind die Themen des Hubs".
THEMES = cue_pattern(r"\bthem(?:a|en)\b|\bthemes?\b|\btopics?\b")


def fronted(
    doc: Doc, sent: Span, refs: list[HubRef], sectors: list[Span], taken: set[int]
) -> dict[int, list[int]]:
    """Sector start → the hubs (indices into ``refs``) of the clause the sector opens, before any hub.

    A clause ends at a comma, semicolon, dash, colon or "während"/"whereas"; a clause of sectors alone
    ("Fintech, IoT und KI sind …") opens the next one; a relative clause ("…, das mit dem Schwerpunkt X an
    den Standort Frankfurt andockt") is about the hub before it and opens none.
    """
    bounds = [sent.start, *(t.i + 1 for t in sent if t.lower_ in CLAUSE_BREAKS), sent.end]
    out: dict[int, list[int]] = {}
    pending: list[Span] = []
    for a, b in pairwise(bounds):
        if a < b and a > sent.start and doc[a].lower_ in RELATIVES:
            pending = []
            continue  # "Darmstadt, das mit dem Schwerpunkt Cybersicherheit an den Standort Frankfurt andockt"
        first = next((i for i, r in enumerate(refs) if a <= r.start < b), None)
        stop = refs[first].start if first is not None else b
        lead = pending + [s for s in sectors if a <= s.start and s.end <= stop and s.start not in taken]
        if first is None:
            pending = lead if _only_sectors(doc, a, b, lead) else []
            continue
        pending = []
        for s in lead:
            out[s.start] = joined(doc, refs, first)
    return out


def _only_sectors(doc: Doc, a: int, b: int, sectors: list[Span]) -> bool:
    inside = {i for s in sectors for i in range(s.start, s.end)}
    return bool(sectors) and all(
        i in inside or doc[i].lower_ in LIST_JOINERS or doc[i].is_space for i in range(a, b)
    )


def joined(doc: Doc, refs: list[HubRef], first: int) -> list[int]:
    """The hub at ``first`` and those joined to it by "und", "," …: "Ludwigshafen und Mannheim"."""
    group = [first]
    for i in range(first + 1, len(refs)):
        between = doc[refs[i - 1].end : refs[i].start]
        if len(between) > 1 or not all(t.lower_ in LIST_JOINERS for t in between):
            break
        group.append(i)
    return group


HUB_NOUNS = frozenset({"hub", "hubs"})
PHRASE_PREPOSITIONS = frozenset({"in", "im", "at", "aus", "from", "of"})


def sector_hub_phrase(doc: Doc, refs: list[HubRef], sectors: list[Span]) -> list[tuple[int, str]]:
    """(hub index, sector) for "the chemistry and health hub in Ludwigshafen and Mannheim"."""
    ends = {s.end: s for s in sectors}
    found = []
    for i, ref in enumerate(refs):
        if ref.start < 2 or doc[ref.start - 1].lower_ not in PHRASE_PREPOSITIONS:
            continue
        if doc[ref.start - 2].lower_ not in HUB_NOUNS:
            continue
        j, named = ref.start - 2, []
        while j in ends:
            named.append(ends[j].id_)
            start = ends[j].start
            j = start - 1 if start > 0 and doc[start - 1].lower_ in LIST_JOINERS else -1
        found += [(k, sector) for k in joined(doc, refs, i) for sector in named]
    return found


STARTUP_NOUNS = frozenset(
    {"start-ups", "startups", "start-up", "startup", "gründer", "gründerinnen", "gründungen", "teams"}
    | {"gründungsteams", "ausgründungen", "founders", "firmen", "companies", "unternehmen"}
)
STARTUP_REACH = 8  # tokens back from a sector: "Start-ups aus den Bereichen Medientechnik, VR und KI"
STOPS = frozenset({"hub", "hubs", "schwerpunkt", "schwerpunkte", "fokus", "focus", "mittelpunkt"})


def describes_startups(doc: Doc, sector: Span) -> bool:
    """'fördert Start-ups aus den Bereichen Medientechnik und KI', 'startups working on AI': the sector is
    the start-ups' field, not the hub's focus (a focus word or "hub" in between makes it the hub's)."""
    start = sentences(doc)[sentence_index(doc, sector.start)].start
    for token in reversed(doc[max(start, sector.start - STARTUP_REACH) : sector.start]):
        if token.lower_ in STOPS:
            return False
        if token.lower_ in STARTUP_NOUNS:
            return True
    return False
