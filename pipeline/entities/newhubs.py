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

import re

from spacy.tokens import Doc, Span

import pipeline.entities.places as places
from pipeline.entities.data import EntityData
from pipeline.entities.hubs import ARISES, OTHER_PROGRAMME
from pipeline.entities.rules import current_hubs
from pipeline.entities.sents import cue_pattern, sentence_index, sentence_matches, sentences_matching

ADDITION_WORDS = (
    r"aufgenommen|aufnehmen|\bnimmt\b.{0,80}\bauf\b|hinzu(?:kommen|gekommen)?\b"
    r"|\bneue[nrs]? (?:digital[- ])?hubs?|\bneue[nrs]? (?:de:hub|standorte?s?)\b"
    r"|\bwird\b.{0,40}\b(?:standort|de:hub|digital hub)"
    r"|zuschlag|erweitert|\bjoin(?:s|ed)?\b|\badd(?:s|ed)?\b|\bnew (?:digital )?hubs?\b"
    r"|(?:dreizehnte|vierzehnte|fünfzehnte|thirteenth|fourteenth)"
)
ADDITION = cue_pattern(ADDITION_WORDS)
# ``HubRules.new_hub_words``: growth and newness in other words ("Die Initiative wächst um zwei Standorte",
# "Neu im Netzwerk der Digital Hubs: Augsburg", "selected Hanover as the initiative's newest hub").
# (One pattern with the words above: one scan of the text; "1(?<=\b1)" lets the engine skip ahead.)
ADDITION_MORE = cue_pattern(
    ADDITION_WORDS
    + r"|\bwächst um\b|\bgrows? (?:by|to)\b|\bexpand|\bneu im netzwerk|\bneu (?:dabei|hinzu)|\bnewest\b"
    r"|\bneueste[nrs]?\b|\bnew (?:member|location|site)s?\b|\bwelcome[sd]?\b"
    r"|\bbecomes?\b.{0,40}\b(?:hub|location)|\bab sofort (?:auch )?teil\b"
    r"|\b(?:nun|jetzt|künftig) (?:auch )?teil\b|\bnow (?:also )?part of\b|1(?<=\b1)[3-9](?:th|\.) "
)
# The sentence must speak of the initiative's network, not of one hub ("Teams joined the Smart Systems Hub").
NETWORK = cue_pattern(r"netzwerk|network|initiative|de:hub|digital[- ]hubs?\b|standort|location")
# A bid, a wish or a refusal is no addition: "bewirbt sich", "will Teil … werden", "Mitbewerber", "applies".
NOT_YET = cue_pattern(
    r"bewirb|bewerb|\bwill\b|\bwollen\b|möchte|hoff|\bkönnte|\bwürde|\bsoll\b.{0,40}\bprüf|abgelehnt|nicht\b"
    r"|\bwants?\b|\bappl(?:y|ies|ied)\b|\bbid\b|\bhopes?\b|\bnot\b"
)
# ``new_hub_words``: the same without German "will" (wants), which is English "will" in an English sentence.
NOT_YET_EN = cue_pattern(
    r"bewirb|bewerb|\bwollen\b|möchte|hoff|\bkönnte|\bwürde|\bsoll\b.{0,40}\bprüf|abgelehnt|nicht\b"
    r"|\bwants?\b|\bappl(?:y|ies|ied)\b|\bbid\b|\bhopes?\b|\bnot\b"
)
ENGLISH = cue_pattern(r"\bthe\b|\bhas\b|\bhave\b|\bits\b|\bis\b|\bwith\b")
HERE_NOT_ADDED = frozenset({"in", "im", "aus", "nach", "von", "bei", "at", "from", "to"})


def addition_sentences(doc: Doc) -> set[int]:
    """Sentences that announce an addition to the initiative's hubs (the document's context is checked by
    the caller)."""
    words = current_hubs().new_hub_words
    candidates = sentences_matching(doc, ADDITION_MORE if words else ADDITION)
    return {
        k
        for k in candidates
        if sentence_matches(doc, k, NETWORK)
        and not _not_yet(doc, k, english=words)
        and not sentence_matches(doc, k, OTHER_PROGRAMME)
    }


def _not_yet(doc: Doc, k: int, *, english: bool) -> bool:
    """A bid or a wish ("will Teil … werden"); with ``english`` an English sentence's "will" is a future."""
    if english and sentence_matches(doc, k, ENGLISH):
        return sentence_matches(doc, k, NOT_YET_EN)
    return sentence_matches(doc, k, NOT_YET)


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
    words = current_hubs().new_hub_words
    announced -= {
        sentence_index(doc, c.start)
        for c in cities
        if c.id_ in data.hub_of_city and _hub_named(c, words=words)
    }
    known = set(data.hub_of_city)
    found: dict[str, str] = {}
    for city in cities:
        k = sentence_index(doc, city.start)
        if city.label_ != "CITY" or k not in announced or city.id_ in known or places.dateline(city):
            continue
        if _merely_where(city, k):
            continue
        found.setdefault(city.id_, _hub_name(city, data, exonyms=words))
    return found


def _merely_where(city: Span, sentence: int) -> bool:
    """'in Berlin gab das Ministerium bekannt': where something happened, unless a hub arises there."""
    doc = city.doc
    prev = doc[city.start - 1] if city.start > 0 else None
    if prev is None or prev.lower_ not in HERE_NOT_ADDED:
        return False
    return sentence not in sentences_matching(doc, ARISES) or prev.lower_ not in {"in", "im"}


def _hub_name(city: Span, data: EntityData, *, exonyms: bool = False) -> str:
    """The town as written, without the genitive 's' ("Kiels neuer Hub" → "Kiel"); with ``exonyms`` an
    English name as the ministry writes the town ("Hanover" → "Hannover": the official name's first part)."""
    text = city.text
    if text.endswith("s") and city.id_ != text and city.id_.startswith(text[:-1]):
        return text[:-1]
    if exonyms and data.city_forms.get(text) == city.id_ and not city.id_.startswith(text):
        return OFFICIAL_QUALIFIER.split(city.id_, maxsplit=1)[0]
    return text


# What follows a town's name in its official form: "Freiburg im Breisgau", "Halle (Saale)", "Garching b.…".
OFFICIAL_QUALIFIER = re.compile(r" (?:\(|am |im |an der |a\.|b\.|bei |/ )")


def _hub_named(city: Span, *, words: bool = False) -> bool:
    """'Digital Hub Karlsruhe', 'de:hub Köln': a listed hub named by its city; with ``words`` also "der
    Hub in Karlsruhe" ("… eröffnet einen neuen Standort in Heilbronn": the hub grows, none is added)."""
    doc, i = city.doc, city.start
    if i > 0 and doc[i - 1].lower_ in {"hub", "de:hub"}:
        return True
    return words and i > 1 and doc[i - 1].lower_ in {"in", "aus"} and doc[i - 2].lower_ == "hub"
