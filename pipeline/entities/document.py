"""What the whole text says about a town's name: its region named, a text about a place abroad.

Why: a sentence alone often cannot tell "bei Geyer" (a reporter) or "Freistadt Rust" (in Austria) from the
German village; the rest of the text can. A municipality this small is rarely what a text means by its name
(the name is also a district of a city, a surname, a word, a place abroad), so a village needs its region:
the text names its Kreis or Land, or another town of its Land, or gives an address or a dateline. "Stadt" or
"Gemeinde" before it counts only in a text that is not about Austria or Switzerland (their places and words
outnumber Germany's): "die Freistadt Rust" is in the Burgenland.
"""

from __future__ import annotations

import re

from spacy.tokens import Doc, Span

import pipeline.entities.places as places
from pipeline.entities.data import EntityData, Town
from pipeline.entities.sents import lowered_text

FOREIGN_MARKERS = re.compile(
    r"\b(?:österreich\w*|schweiz\w*|kanton\w*|eidgenöss\w*|wien(?:er)?\b|graz\b|linz\b|salzburg\w*|innsbruck"
    r"|klagenfurt|bregenz|zürich\w*|bern\b|basel\b|genf\b|luzern\b|burgenland\w*|tirol\w*|steiermark"
    r"|steirisch\w*|kärnt\w*|vorarlberg\w*|niederösterreich\w*|oberösterreich\w*)"
)
GERMAN_MARKERS = re.compile(
    r"\b(?:deutschland\w*|deutsch(?:e|en|er|es|em)?\b|bundesrepublik|bundesl[aä]nd\w*|baden-württemberg|bayern"
    r"|bayerisch\w*|brandenburg|hessen|hessisch\w*|niedersachsen|nordrhein-westfalen|nrw\b|rheinland-pfalz"
    r"|saarland|sachsen|sächsisch\w*|thüringen|schleswig-holstein|mecklenburg-vorpommern|sachsen-anhalt)"
)
FOREIGN_MIN = 3  # markers of Austria or Switzerland that make a text one about a place abroad
KEY = "hubwatch_foreign"


def foreign_text(doc: Doc) -> bool:
    """Is the text about Austria or Switzerland (their places and words outnumber Germany's)?"""
    found = doc.user_data.get(KEY)
    if found is None:
        text = lowered_text(doc)
        foreign = len(FOREIGN_MARKERS.findall(text))
        found = doc.user_data[KEY] = foreign >= FOREIGN_MIN and foreign > len(GERMAN_MARKERS.findall(text))
    return bool(found)


def village_placed(span: Span, accepted: list[Span], data: EntityData, *, by_land: bool = False) -> bool:
    """Does the text place this village: its Kreis or Land named, another town of its Kreis (``by_land``: of
    its Land), an address, a dateline?"""
    towns = data.namesakes.get(span.text) or (places.town_of(span, data),)
    for town in towns:
        if town is None:
            continue
        if _region_in_text(span.doc, town) or _neighbour(town, span, accepted, data, by_land=by_land):
            return True
    if places.postcode_before(span) or places.dateline(span):
        return True
    return places.strong_place_noun_before(span) and not foreign_text(span.doc)


def _region_in_text(doc: Doc, town: Town) -> bool:
    text = lowered_text(doc)
    kreis = town.kreis.split(" (")[0].lower()
    if kreis == town.canonical.split(" (")[0].lower():  # "Kelheim" names the town and its Kreis alike
        kreis = ""
    words = [kreis, town.land.lower(), places.LAND_ADJECTIVES.get(town.land, "~")]
    return any(word and places.word_in(word, text) for word in words)


def _neighbour(town: Town, span: Span, accepted: list[Span], data: EntityData, *, by_land: bool) -> bool:
    """Another town the text names lies in the same Kreis ("Kinheim … Ürzig") or, ``by_land``, Land."""
    where = (town.land, town.land) if by_land else (town.land, town.kreis)
    for other in accepted:
        if other is span or other.id_ == town.canonical:
            continue
        land, kreis = data.region_of.get(other.id_, ("", ""))
        if (land, land if by_land else kreis) == where:
            return True
    return False
