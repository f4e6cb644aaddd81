"""Hubs the initiative adds: a location that hubs.yaml does not list, announced as joining the initiative.

The initiative has grown before (Jena, 2024); the agency must learn of the next addition from hubwatch. A
sentence announces an addition when it says so ("… werden Kiel und Saarbrücken in das Netzwerk der Digital
Hubs aufgenommen", "Rostock wird dreizehnter Standort", "Germany adds Bremen to its network of digital
hubs", "Als neuer Digital Hub … kommt Freiburg hinzu") in a document about the initiative, and does not
speak of a bid ("bewirbt sich", "will … werden") or of another programme (a state's or the EU's hubs).

The towns such a sentence names, except where something merely happened ("in Berlin gab das Ministerium
bekannt") or a dateline, are the new hubs; their canonical name is the town as the text writes it, without
an article or inflection ("Kiel", "Freiburg"), as INTERFACE.md writes hubs ("Jena").
"""

from __future__ import annotations

from spacy.tokens import Doc, Span

import pipeline.entities.places as places
from pipeline.entities.data import EntityData
from pipeline.entities.hubs import ARISES, OTHER_PROGRAMME
from pipeline.entities.sents import cue_pattern, sentence_index, sentence_matches, sentences_matching

ADDITION = cue_pattern(
    r"aufgenommen|aufnehmen|\bnimmt\b.{0,80}\bauf\b|hinzu(?:kommen|gekommen)?\b"
    r"|\bneue[nrs]? (?:digital[- ])?hubs?|\bneue[nrs]? (?:de:hub|standorte?s?)\b"
    r"|\bwird\b.{0,40}\b(?:standort|de:hub|digital hub)"
    r"|zuschlag|erweitert|\bjoin(?:s|ed)?\b|\badd(?:s|ed)?\b|\bnew (?:digital )?hubs?\b"
    r"|(?:dreizehnte|vierzehnte|fünfzehnte|thirteenth|fourteenth)"
)
# The sentence must speak of the initiative's network, not of one hub ("Teams joined the Smart Systems Hub").
NETWORK = cue_pattern(r"netzwerk|network|initiative|de:hub|digital[- ]hubs?\b|standort|location")
# A bid, a wish or a refusal is no addition: "bewirbt sich", "will Teil … werden", "Mitbewerber", "applies".
NOT_YET = cue_pattern(
    r"bewirb|bewerb|\bwill\b|\bwollen\b|möchte|hoff|\bkönnte|\bwürde|\bsoll\b.{0,40}\bprüf|abgelehnt|nicht\b"
    r"|\bwants?\b|\bappl(?:y|ies|ied)\b|\bbid\b|\bhopes?\b|\bnot\b"
)
HERE_NOT_ADDED = frozenset({"in", "im", "aus", "nach", "von", "bei", "at", "from", "to"})


def addition_sentences(doc: Doc) -> set[int]:
    """Sentences that announce an addition to the initiative's hubs (the document's context is checked by
    the caller)."""
    return {
        k
        for k in sentences_matching(doc, ADDITION)
        if sentence_matches(doc, k, NETWORK)
        and not sentence_matches(doc, k, NOT_YET)
        and not sentence_matches(doc, k, OTHER_PROGRAMME)
    }


def new_hub_cities(
    doc: Doc, cities: list[Span], data: EntityData, names: list[Span] | None = None
) -> dict[str, str]:
    """Canonical city → new hub name, for the towns this document announces as added hubs.

    Not where one hub grows ("Der Smart Systems Hub eröffnet einen neuen Standort in Chemnitz"): a sentence
    that names a hub by its name, its operator or as "Digital Hub X" speaks of that hub.
    """
    announced = addition_sentences(doc)
    if not announced:
        return {}
    announced -= {sentence_index(doc, n.start) for n in names or []}
    announced -= {sentence_index(doc, c.start) for c in cities if c.id_ in data.hub_of_city and _hub_named(c)}
    known = set(data.hub_of_city)
    found: dict[str, str] = {}
    for city in cities:
        k = sentence_index(doc, city.start)
        if city.label_ != "CITY" or k not in announced or city.id_ in known or places.dateline(city):
            continue
        if _merely_where(city, k):
            continue
        found.setdefault(city.id_, _hub_name(city))
    return found


def _merely_where(city: Span, sentence: int) -> bool:
    """'in Berlin gab das Ministerium bekannt': where something happened, unless a hub arises there."""
    doc = city.doc
    prev = doc[city.start - 1] if city.start > 0 else None
    if prev is None or prev.lower_ not in HERE_NOT_ADDED:
        return False
    return sentence not in sentences_matching(doc, ARISES) or prev.lower_ not in {"in", "im"}


def _hub_name(city: Span) -> str:
    """The town as written, without the genitive 's' ("Kiels neuer Hub" → "Kiel")."""
    text = city.text
    if text.endswith("s") and city.id_ != text and city.id_.startswith(text[:-1]):
        return text[:-1]
    return text


def _hub_named(city: Span) -> bool:
    """'Digital Hub Karlsruhe', 'de:hub Köln': a listed hub named by its city."""
    doc, i = city.doc, city.start
    return i > 0 and doc[i - 1].lower_ in {"hub", "de:hub"}
