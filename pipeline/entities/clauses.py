"""Which hub a sector phrase belongs to when the sentence is not "hub + cue + sectors".

English puts the sectors before "hub" and the place after it: "the chemistry and health hub in Ludwigshafen
and Mannheim", "the health hub of Nuremberg and Erlangen" (``rules.HubRules.sector_hub_phrase``).
"""

from __future__ import annotations

from spacy.tokens import Doc, Span

from pipeline.entities.hubs import HubRef

LIST_JOINERS = frozenset({",", "und", "sowie", "and", "oder", "or", "&"})


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
