"""Disambiguation: which ruler matches are cities and sectors.

The rulers over-match on purpose; this module applies the rules of INTERFACE.md: the longest match wins (so
"Dresdner Bank", "TU Dresden" and "Bundesministerium für Wirtschaft und Energie" swallow the city or sector
inside), a name that is also a word ("Essen", "Wetter") needs context, and a city adjective ("Leipziger")
counts only before a noun.
"""

from __future__ import annotations

from enum import IntEnum

from spacy.language import Language
from spacy.tokens import Doc, Span, Token
from spacy.util import filter_spans

import pipeline.entities.document as document
import pipeline.entities.names as name_rules
import pipeline.entities.places as places
from pipeline.entities.data import EntityData, load
from pipeline.entities.rules import CityRules, current, current_hubs
from pipeline.entities.spans import SPANS_KEY

NAME_LABELS = frozenset({"HUBNAME", "HUBNAME_GENERIC", "OPERATOR"})
HUB_NAME_LABELS = frozenset({"HUBNAME", "HUBNAME_GENERIC"})
INFLECTIONS = ("e", "en", "er", "es", "em")
FUNCTION_WORDS = frozenset(
    {"oder", "aber", "wieder", "neben", "gegen", "hinter", "unter", "zwischen", "wegen", "entlang", "nahe"}
    | {"innerhalb", "außerhalb", "oberhalb", "unterhalb", "sowie", "sieben", "elf", "zwölf", "über", "ohne"}
    | {"the", "are", "were", "where", "here", "there", "like", "whose", "true", "eine"}
)
DETERMINER_STEMS = ("unser", "ihr", "sein", "mein", "dein", "euer", "dies", "jen", "jed", "welch", "kein")
# A place name takes no article in German: "die Winzer", "das Essen" are nouns, not the towns.
ARTICLES = frozenset(
    {"der", "die", "das", "den", "dem", "des", "ein", "eine", "einen", "einem", "einer", "eines", "the", "a"}
    | {"im", "am", "vom", "zum", "zur", "beim", "ins", "ans"}  # "im Norden", "im Lauf der Zeit"
)
ENGLISH_ARTICLES = frozenset({"the", "a"})


class Cue(IntEnum):
    """How much context a written town name needs before it counts as the town."""

    NONE = 0
    WEAK = 1  # a preposition, place noun, "(" or a list of towns
    STRONG = 2  # "Stadt", a dateline, a postcode, its district or state named


@Language.component("hubwatch_resolve")
def resolve(doc: Doc) -> Doc:
    """Pipeline component: accepted spans in doc.spans["hub_names"], ["cities"] and ["sectors"]."""
    names, rest = split_layers(doc)
    cities, sectors = cities_and_sectors(rest, load(), names, current())
    doc.spans["hub_names"], doc.spans["cities"], doc.spans["sectors"] = names, cities, sectors
    return doc


def split_layers(doc: Doc) -> tuple[list[Span], list[Span]]:
    """Hub names and operators form one layer; cities, sectors and blocking names the other."""
    spans = list(doc.spans[SPANS_KEY])
    names = filter_spans([s for s in spans if s.label_ in NAME_LABELS])
    rest = filter_spans([s for s in spans if s.label_ not in NAME_LABELS])
    return names, rest


def _after_article(span: Span, data: EntityData, rules: CityRules) -> bool:
    """'die Winzer aus Rüdesheim', 'im Norden': a one-word name after an article is a noun.

    English puts a city before a noun: "the Frankfurt fintech hub".
    """
    if span.start == 0 or len(span) != 1:
        return False
    article = span.doc[span.start - 1].lower_
    if article in ENGLISH_ARTICLES and cue_needed(span, data, rules) is Cue.NONE:
        return False
    return article in ARTICLES


def _after_adjective(span: Span, data: EntityData, rules: CityRules) -> bool:
    """'einer eigenständigen Göttin', 'unserem Norden': a small town's name in a noun phrase is a noun.

    The word before is a determiner, or an inflected word after one; a verb ("waren Arnsberg und Meschede")
    is not.
    """
    if span.start == 0 or len(span) != 1 or span.id_ in data.hub_of_city:
        return False
    doc = span.doc
    prev = doc[span.start - 1]
    small = data.population.get(span.id_, 0) < rules.large_town or span.text in _ambiguous(data, rules)
    if _determiner(prev):
        return small
    if places.land_adjective(prev.lower_):  # "im ostthüringischen Altenburg": a place, not a noun
        return False
    inflected = prev.is_lower and prev.text.endswith(INFLECTIONS) and prev.text not in FUNCTION_WORDS
    before = doc[span.start - 2] if span.start >= 2 else None
    noun_phrase = before is not None and (before.lower_ in ARTICLES or _determiner(before))
    return inflected and noun_phrase and small


def _ambiguous(data: EntityData, rules: CityRules) -> set[str]:
    return data.ambiguous_at(rules.word_town)


def _determiner(token: Token) -> bool:
    return token.is_lower and token.lower_.startswith(DETERMINER_STEMS)


def _adjective_ok(span: Span, rules: CityRules) -> bool:
    """'Leipziger Gründerszene' refers to the city; 'einen Hamburger braucht', 'Frankfurter Buchmesse' not."""
    nxt = span.doc[span.end] if span.end < len(span.doc) else None
    if nxt is None or not nxt.text[:1].isupper() or nxt.is_punct:
        return False
    return not name_rules.adjective_names_something_else(span, institutions=rules.institutions)


def cue_needed(span: Span, data: EntityData, rules: CityRules) -> Cue:
    """A hub city or a large town needs no cue, a small town a weak one, a word-like village or a name
    whose namesake abroad (or a district elsewhere) is far larger a strong one."""
    form, canonical = span.text, span.id_
    if form in data.elsewhere:
        return Cue.STRONG
    ambiguous = _ambiguous(data, rules)
    if canonical in data.hub_of_city and form not in ambiguous:
        return Cue.NONE
    population = data.population.get(canonical, 0)
    if form in ambiguous:
        return Cue.STRONG if population < rules.small_word_town else Cue.WEAK
    if population >= rules.large_town or (len(span) > 1 and not form.startswith(("St.", "Sankt"))):
        return Cue.NONE
    return Cue.WEAK


def _rejected(span: Span, candidates: set[int], sectors: set[int], data: EntityData, rules: CityRules) -> str:
    """Why the span is not the town whatever cue it has ("noun", "name", "abroad", "team"), or ""."""
    if rules.nouns and (_after_article(span, data, rules) or _after_adjective(span, data, rules)):
        return "noun"
    chains, institutions = rules.name_chains, rules.institutions
    if rules.names and name_rules.part_of_a_name(
        span, candidates, sectors, chains=chains, institutions=institutions
    ):
        return "name"
    if rules.abroad and places.abroad(span):
        return "abroad"
    word_like = span.text in data.ambiguous_at(10**9)  # a word, whatever the town's size ("Siegen")
    if rules.coordinated_nouns and word_like and places.beside_a_noun(span, candidates):
        return "noun"
    return "team" if rules.teams and places.a_team(span, candidates) else ""


def _has_cue(span: Span, needed: Cue, accepted: set[int], data: EntityData, rules: CityRules) -> bool:
    if needed is Cue.NONE:
        return True
    if places.strong_cue(span, data):
        return True
    word_like = span.text in _ambiguous(data, rules)
    return needed is Cue.WEAK and places.weak_cue(
        span, accepted if rules.lists else set(), word_like=word_like
    )


def _towns(
    rest: list[Span], names: list[Span], sector_spans: list[Span], data: EntityData, rules: CityRules
) -> list[Span]:
    """The CITY spans that are the towns: in a hub's name always, elsewhere as the cues say.

    Two passes: a town in a list next to an accepted one ("Bergkamen, Unna und Lünen") has a cue.
    """
    in_hub_name = {i for s in names if s.label_ in HUB_NAME_LABELS for i in range(s.start, s.end)}
    spans = [s for s in rest if s.label_ == "CITY"]
    candidates = {s.start for s in spans} | {s.end - 1 for s in spans}
    sectors = {s.end - 1 for s in sector_spans}
    reasons = {
        s.start: _rejected(s, candidates, sectors, data, rules) for s in spans if s.start not in in_hub_name
    }
    ambiguous = _ambiguous(data, rules)
    kept = [(s, cue_needed(s, data, rules)) for s in spans if not reasons.get(s.start)]
    # Towns that are no words cue each other in a list ("betroffen waren Arnsberg und Meschede"); a word-like
    # name needs an accepted town next to it ("Bielefeld und Hamm").
    listed = {
        i for s, needed in kept if needed is not Cue.STRONG and s.text not in ambiguous
        for i in (s.start, s.end - 1)
    }  # fmt: skip
    found: dict[int, Span] = {}
    for _pass in range(2):
        for span, needed in kept:
            if span.start in found:
                continue
            if span.start in in_hub_name or _has_cue(span, needed, listed, data, rules):
                found[span.start] = span
                listed |= {span.start, span.end - 1}
    towns = list(found.values())
    if rules.village:
        towns = [s for s in towns if s.start in in_hub_name or not _unplaced_village(s, towns, data, rules)]
    return [_as_meant(s, data) for s in towns]


def _unplaced_village(span: Span, towns: list[Span], data: EntityData, rules: CityRules) -> bool:
    """A one-word village the text does not place in its region ("bei Geyer", "in Karenz")."""
    if len(span) > 1 or data.population.get(span.id_, 0) >= rules.village:
        return False
    return not document.village_placed(span, towns, data, by_land=rules.village_by_land)


def _as_meant(span: Span, data: EntityData) -> Span:
    """The town the text means of several with one name: the one whose region it names, else the largest."""
    canonical = places.namesake_meant(span, data)
    return Span(span.doc, span.start, span.end, label="CITY", span_id=canonical)


def cities_and_sectors(
    rest: list[Span], data: EntityData, names: list[Span] | None = None, rules: CityRules | None = None
) -> tuple[list[Span], list[Span]]:
    """Accepted CITY spans (label CITY, id = canonical) and SECTOR spans, in text order."""
    rules = rules or current()
    sectors = _sectors(rest, data)
    cities = _towns(rest, names or [], sectors, data, rules)
    for span in rest if rules.adjectives else ():
        if (
            span.label_ == "CITY_ADJ"
            and _adjective_ok(span, rules)
            and not name_rules.part_of_a_name(span, set())
            and not (rules.teams and name_rules.adjective_means_the_team(span))
        ):
            cities.append(Span(span.doc, span.start, span.end, label="CITY_ADJ", span_id=span.id_))
    cities.sort(key=lambda s: s.start)
    return cities, sectors


def _sectors(rest: list[Span], data: EntityData) -> list[Span]:
    """The SECTOR spans that are sectors: no word inside a club's name ("FC Energie Cottbus")."""
    sectors = [s for s in rest if s.label_ == "SECTOR"]
    if not current_hubs().sector_in_names:
        return sectors
    acronyms = set(data.sector_exact)
    return [s for s in sectors if not name_rules.sector_inside_a_name(s, acronyms)]
