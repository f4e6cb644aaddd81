"""Disambiguation: which ruler matches are cities and sectors.

The rulers over-match on purpose; this module applies the rules of INTERFACE.md: the longest match wins (so
"Dresdner Bank", "TU Dresden" and "Bundesministerium für Wirtschaft und Energie" swallow the city or sector
inside), a name that is also a word ("Essen", "Wetter") needs context, and a city adjective ("Leipziger")
counts only before a noun.
"""

from __future__ import annotations

from spacy.language import Language
from spacy.tokens import Doc, Span, Token
from spacy.util import filter_spans

from pipeline.entities.data import EntityData, load
from pipeline.entities.spans import SPANS_KEY

NAME_LABELS = frozenset({"HUBNAME", "HUBNAME_GENERIC", "OPERATOR"})
# Words before an ambiguous name that make it a place: "in Essen", "Stadt Wetter", "Digital Hub Essen".
PLACE_CONTEXT = frozenset(
    {"in", "aus", "nach", "bei", "von", "zwischen", "Stadt", "Städte", "Region", "Raum"}
    | {"Großraum", "Gemeinde", "Landkreis", "Kreis", "Standort", "Standorte", "Oberbürgermeister"}
    | {"Oberbürgermeisterin", "Bürgermeister", "Bürgermeisterin", "Hub", "hub", "Hubs"}
    | {"Innenstadt", "Umland", "near", "from"}
)
# Capitalised words that may stand before a town's name: "Stadt Emden", "Kreis Unna", "Digital Hub Jena".
PLACE_NOUNS = frozenset(
    {"Stadt", "Städte", "Gemeinde", "Region", "Raum", "Großraum", "Landkreis", "Kreis", "Standort", "Hub"}
    | {"Hubs", "Innenstadt", "Umland", "Landeshauptstadt", "Hansestadt", "Hauptstadt", "Metropolregion"}
    | {"Oberbürgermeister", "Oberbürgermeisterin", "Bürgermeister", "Bürgermeisterin", "Standorte"}
)
INFLECTIONS = ("e", "en", "er", "es", "em")
FUNCTION_WORDS = frozenset(
    {"oder", "aber", "wieder", "neben", "gegen", "hinter", "unter", "zwischen", "wegen", "entlang", "nahe"}
    | {"innerhalb", "außerhalb", "oberhalb", "unterhalb", "sowie", "sieben", "elf", "zwölf", "über", "ohne"}
    | {"the", "are", "were", "where", "here", "there", "like", "whose", "true", "eine"}
)
DETERMINER_STEMS = ("unser", "ihr", "sein", "mein", "dein", "euer", "dies", "jen", "jed", "welch", "kein")
SMALL_TOWN = 100_000  # below this, a name right after another name is more often a surname ("Matthias Geyer")
# A place name takes no article in German: "die Winzer", "das Essen" are nouns, not the towns.
ARTICLES = frozenset(
    {"der", "die", "das", "den", "dem", "des", "ein", "eine", "einen", "einem", "einer", "eines", "the", "a"}
)
LIST_JOINERS = frozenset({"und", "sowie", "oder", ",", "/", "-", "and", "or"})


@Language.component("hubwatch_resolve")
def resolve(doc: Doc) -> Doc:
    """Pipeline component: accepted spans in doc.spans["hub_names"], ["cities"] and ["sectors"]."""
    names, rest = split_layers(doc)
    cities, sectors = cities_and_sectors(rest, load())
    doc.spans["hub_names"], doc.spans["cities"], doc.spans["sectors"] = names, cities, sectors
    return doc


def split_layers(doc: Doc) -> tuple[list[Span], list[Span]]:
    """Hub names and operators form one layer; cities, sectors and blocking names the other."""
    spans = list(doc.spans[SPANS_KEY])
    names = filter_spans([s for s in spans if s.label_ in NAME_LABELS])
    rest = filter_spans([s for s in spans if s.label_ not in NAME_LABELS])
    return names, rest


def _after_article(span: Span) -> bool:
    """'die Winzer aus Rüdesheim': a one-word name after an article is a noun."""
    return span.start > 0 and len(span) == 1 and span.doc[span.start - 1].lower_ in ARTICLES


def _after_a_name(span: Span, data: EntityData) -> bool:
    """'Matthias Geyer', 'Jen Wang', 'Rio Grande': a small town's name after a capitalised word is a name.

    Not after a place noun ("Kreis Unna") or a capitalised preposition ("In Emden"); hub cities and large
    cities are exempt.
    """
    if span.start == 0 or len(span) != 1 or span.id_ in data.hub_of_city:
        return False
    prev = span.doc[span.start - 1]
    if not prev.is_title or prev.text in PLACE_NOUNS or prev.lower_ in PLACE_CONTEXT:
        return False
    return data.population.get(span.id_, 0) < SMALL_TOWN


def _after_adjective(span: Span, data: EntityData) -> bool:
    """'einer eigenständigen Göttin', 'unserem Norden': a small town's name in a noun phrase is a noun.

    The word before is a determiner, or an inflected word after one; a verb ("waren Arnsberg und Meschede")
    is not.
    """
    if span.start == 0 or len(span) != 1 or span.id_ in data.hub_of_city:
        return False
    doc = span.doc
    prev = doc[span.start - 1]
    if _determiner(prev):
        return data.population.get(span.id_, 0) < SMALL_TOWN
    inflected = prev.is_lower and prev.text.endswith(INFLECTIONS) and prev.text not in FUNCTION_WORDS
    before = doc[span.start - 2] if span.start >= 2 else None
    noun_phrase = before is not None and (before.lower_ in ARTICLES or _determiner(before))
    return inflected and noun_phrase and data.population.get(span.id_, 0) < SMALL_TOWN


def _determiner(token: Token) -> bool:
    return token.is_lower and token.lower_.startswith(DETERMINER_STEMS)


def _adjective_ok(span: Span) -> bool:
    """'Leipziger Gründerszene' refers to the city; 'einen Hamburger braucht' does not."""
    nxt = span.doc[span.end] if span.end < len(span.doc) else None
    return nxt is not None and nxt.text[:1].isupper() and not nxt.is_punct


def _has_place_context(span: Span, cities: set[int]) -> bool:
    """An ambiguous name is a place after 'in'/'Stadt'…, before '(', or in a list with another city."""
    doc = span.doc
    prev = doc[span.start - 1] if span.start > 0 else None
    nxt = doc[span.end] if span.end < len(doc) else None
    if prev is not None and (prev.text in PLACE_CONTEXT or prev.lower_ in PLACE_CONTEXT):  # "In Essen"
        return True
    if nxt is not None and nxt.text == "(":
        return True
    if prev is not None and prev.text in LIST_JOINERS and span.start - 2 in cities:
        return True
    return nxt is not None and nxt.text in LIST_JOINERS and span.end + 1 < len(doc) and span.end + 1 in cities


def cities_and_sectors(rest: list[Span], data: EntityData) -> tuple[list[Span], list[Span]]:
    """Accepted CITY spans (label CITY, id = canonical) and SECTOR spans, in text order."""
    surnames = {s.text for s in rest if s.label_ == "CITY" and _after_a_name(s, data)}
    plain = [
        s
        for s in rest
        if s.label_ == "CITY"
        and s.text not in surnames  # "Matthias Geyer … sagt Geyer": the name throughout the text
        and not _after_article(s)
        and not _after_adjective(s, data)
    ]
    # Token positions of the accepted cities' first and last tokens, for "Bielefeld und Hamm".
    city_tokens = {s.start for s in plain} | {s.end - 1 for s in plain}
    cities = list(plain)
    for span in rest:
        if span.label_ == "CITY_ADJ" and _adjective_ok(span):
            cities.append(Span(span.doc, span.start, span.end, label="CITY_ADJ", span_id=span.id_))
        elif span.label_ == "CITY_AMB" and _has_place_context(span, city_tokens):
            cities.append(Span(span.doc, span.start, span.end, label="CITY", span_id=span.id_))
    cities.sort(key=lambda s: s.start)
    sectors = [s for s in rest if s.label_ == "SECTOR"]
    return cities, sectors
