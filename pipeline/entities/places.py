"""Is a town's name in a text the town? The context decides, not the gazetteer alone.

Everyday news writes town names inside other names ("Landgericht Köln", "TSV Langenau", "Faber-Castell",
"Hannover 96", "Frankfurter Buchmesse"), as ordinary words ("Löhne", "Wissen", "in eigener Halle"), for a
team ("3:1 gegen Augsburg") and for places abroad ("Salzburg", "Rom") that share a German village's name.
The rules here are cue families, not lists of instances:

- a place cue: a preposition ("in", "aus", "nach" …), a place noun ("Stadt", "Gemeinde", "Standort",
  "Heimatstadt"), a dateline ("Calden (dpa)", "Hamburg, 3. Juni"), a postcode, a list with other towns;
  a strong cue is one a word cannot have ("Stadt Wissen", a dateline, a postcode, its district named);
- abroad: a foreign country's adjective or name next to it ("im österreichischen Linz", "Linz (Österreich)");
- sport: in a sentence with a score or a league word, a bare town without a preposition is the team.

Names that hide a town ("Universität Bonn", "VfB Stuttgart") are in ``names.py``. ``resolve.py`` applies
them: a hub city or a large town needs no cue, a small town a weak one, a word-like
village or a name whose namesake abroad is far larger a strong one.
"""

from __future__ import annotations

import re

from spacy.lang.de.stop_words import STOP_WORDS as GERMAN_STOP_WORDS
from spacy.lang.en.stop_words import STOP_WORDS as ENGLISH_STOP_WORDS
from spacy.tokens import Doc, Span, Token

from pipeline.entities.data import EntityData, Town
from pipeline.entities.sents import cue_pattern, lowered_text, sentence_index, sentence_matches, sentence_text
from pipeline.entities.spans import doc_text

# Prepositions before a place: "in Essen", "aus Bonn", "near Munich".
PREPOSITIONS = frozenset(
    {"in", "im", "aus", "nach", "bei", "von", "vom", "zwischen", "nahe", "ab", "bis", "über", "via"}
    | {"richtung", "near", "from", "to"}
)
# A name that is also a word ("Waren", "Lage", "Norden") is a place only right after one of these:
# "von Waren", "nach epidemiologischer Lage" are the words.
WORD_PREPOSITIONS = frozenset({"in", "aus", "nach", "bei", "nahe", "near", "from"})
LOCATIVE = frozenset({"in", "im", "aus", "nach", "bei", "nahe", "near", "from", "to"})
# Capitalised words that designate a place, so the town after them is the place: "Stadt Ahlen",
# "Heimatstadt Flörsheim", "Standort Frankfurt", "Metropolregion Nürnberg", "Smart Systems Hub Dresden".
PLACE_NOUN_ENDINGS = (
    "stadt", "städte", "gemeinde", "gemeinden", "standort", "standorte", "sitz", "metropole", "region",
    "raum", "heimat", "wohnort", "geburtsort", "umland", "hub", "hubs",
)  # fmt: skip
PLACE_NOUNS = frozenset(
    {"Ort", "Orte", "Oberbürgermeister", "Oberbürgermeisterin", "Bürgermeister", "Bürgermeisterin", "OB"}
    | {"Innenstadt", "Stadtzentrum", "City", "Nord", "Süd", "Ost", "West", "Groß", "Alt", "Neu"}
    | {"Land", "Bundesland", "Stadtstaat", "Norden", "Süden", "Osten", "Westen", "Nordosten", "Nordwesten"}
    | {"Südosten", "Südwesten", "Herzen", "Rand", "Stadtrand", "Umgebung", "Nähe"}
)
NOT_PLACE_NOUN_PARTS = ("kirch", "pfarr")  # "Gesamtkirchengemeinde Ulm" is a parish
STRONG_PLACE_NOUN_ENDINGS = ("stadt", "gemeinde", "bürgermeister", "bürgermeisterin")
# Function words a sentence may open with before a town ("Unlike Berlin, …"), missing from spaCy's lists.
STOP_WORDS = frozenset(
    GERMAN_STOP_WORDS
    | ENGLISH_STOP_WORDS
    | {"gestern", "sowohl", "trotz", "laut", "samt", "anstelle"}
    | {"unlike", "despite", "including", "alongside", "near", "like", "versus"}
)
FOREIGN_ADJECTIVE = re.compile(
    r"(?:österreich|schweiz|italien|französ|polni|tschech|niederländ|holländ|belgi|luxemburg|däni|spani"
    r"|portugies|engli|briti|schott|iri|amerikan|kanad|ungari|slowak|sloweni|kroati|rumäni|russi|ukraini"
    r"|schwedi|norwegi|finni|griechi|türki|tirol|steiri|kärntn|vorarlberg|elsäss|südtirol|liechtenstein)"
    r"\w*(?:e|en|er|es|em)$"
)
FOREIGN_NAMES = frozenset(
    {"Österreich", "Schweiz", "Italien", "Frankreich", "Polen", "Tschechien", "Niederlande", "Belgien"}
    | {"Luxemburg", "Dänemark", "Spanien", "Portugal", "England", "Großbritannien", "USA", "Ungarn"}
    | {"Slowakei", "Slowenien", "Kroatien", "Rumänien", "Russland", "Ukraine", "Schweden", "Norwegen"}
    | {"Tirol", "Südtirol", "Steiermark", "Kärnten", "Vorarlberg", "Elsass", "Austria", "Switzerland"}
    | {"Italy", "France", "Poland", "Netherlands", "Belgium", "Denmark", "Spain", "UK", "Liechtenstein"}
)
SPORT = cue_pattern(  # a score ("3:1", not "10:30 Uhr") or a word of the league
    r"\d(?<![\d:.]\d)\d?:\d{1,2}(?![\d:]| ?uhr)|bundesliga|\bliga\b|spieltag|tabelle|heimspiel|auswärts"
    r"|derby|torschütze|pokal|rekordmeister|tabellenführer|aufsteiger|absteiger|oberliga"
    r"|regionalliga|play-?offs?\b|handball|fußball|eishockey|basketball|meisterschaft"
)
LIST_JOINERS = frozenset({",", "und", "sowie", "oder", "/", "and", "or", "&"})
ARTICLE_WORDS = frozenset(
    {"der", "die", "das", "den", "dem", "des", "ein", "eine", "einen", "einem", "einer"}
)
DATELINE_NEXT = frozenset({",", "(", "/", "|", "–", "—", "-", ":"})
MONTHS = frozenset(
    {"januar", "februar", "märz", "april", "mai", "juni", "juli", "august", "september", "oktober"}
    | {"november", "dezember", "jan", "feb", "mär", "apr", "jun", "jul", "aug", "sep", "sept", "okt", "nov"}
    | {"dez", "january", "february", "march", "may", "june", "july", "october", "december"}
)
LAND_ADJECTIVES = {
    "Baden-Württemberg": "baden-württembergisch",
    "Bayern": "bayerisch",
    "Brandenburg": "brandenburgisch",
    "Hessen": "hessisch",
    "Mecklenburg-Vorpommern": "mecklenburg",
    "Niedersachsen": "niedersächsisch",
    "Nordrhein-Westfalen": "nordrhein-westfälisch",
    "Rheinland-Pfalz": "rheinland-pfälzisch",
    "Saarland": "saarländisch",
    "Sachsen": "sächsisch",
    "Sachsen-Anhalt": "sachsen-anhaltisch",
    "Schleswig-Holstein": "schleswig-holsteinisch",
    "Thüringen": "thüringisch",
}


def token_at(doc: Doc, i: int) -> Token | None:
    return doc[i] if 0 <= i < len(doc) else None


def is_place_noun(token: Token) -> bool:
    """'Stadt', 'Heimatstadt', 'Standort', 'Metropolregion', 'Hub': the town after it is the place.

    Not in a hyphenated name ("St.-Georgs-Gemeinde Ulm") or a parish ("Gesamtkirchengemeinde").
    """
    lower = token.lower_
    if token.text in PLACE_NOUNS:
        return True
    if not lower.endswith(PLACE_NOUN_ENDINGS) or any(part in lower for part in NOT_PLACE_NOUN_PARTS):
        return False
    return lower != "gemeinde" or token.i == 0 or token.doc[token.i - 1].text != "-"


def abroad(span: Span) -> bool:
    """'im österreichischen Linz', 'ins schweizerische Langenthal', 'Linz (Österreich)', 'Bern, Schweiz'."""
    doc = span.doc
    prev = token_at(doc, span.start - 1)
    if prev is not None and prev.is_lower and FOREIGN_ADJECTIVE.match(prev.lower_):
        return True
    nxt = token_at(doc, span.end)
    if nxt is None or nxt.text not in {"(", ",", "in", "im"}:
        return False
    return any(
        (t := token_at(doc, i)) is not None and t.text in FOREIGN_NAMES for i in (span.end + 1, span.end + 2)
    )


def preposition_before(span: Span, *, word_like: bool = False) -> bool:
    """'in Essen', 'aus Bonn', 'im benachbarten Eisenhüttenstadt', 'im politischen Berlin'.

    A word-like name needs the preposition right before it ("nach Löhne", not "nach epidemiologischer Lage").
    """
    doc = span.doc
    if word_like:
        prev = token_at(doc, span.start - 1)
        return prev is not None and prev.lower_ in WORD_PREPOSITIONS
    for back in (1, 2, 3):
        prev = token_at(doc, span.start - back)
        if prev is None:
            return False
        if prev.lower_ in PREPOSITIONS:
            return True
        if (
            not (prev.is_lower and prev.is_alpha)
            or prev.lower_ in ARTICLE_WORDS
            or FOREIGN_ADJECTIVE.match(prev.lower_)
        ):
            return False  # only adjectives may stand between: "im benachbarten", not "in der gekachelten"
    return False


def locative_before(span: Span) -> bool:
    prev = token_at(span.doc, span.start - 1)
    return prev is not None and prev.lower_ in LOCATIVE


def weak_cue(span: Span, cities: set[int], *, word_like: bool = False) -> bool:
    """A place cue that an ordinary noun can also have: a preposition, a place noun, '(', a list of towns."""
    doc = span.doc
    prev, nxt = token_at(doc, span.start - 1), token_at(doc, span.end)
    if preposition_before(span, word_like=word_like) or (prev is not None and is_place_noun(prev)):
        return True
    if nxt is not None and nxt.text == "(" and not word_like:  # "Bergkamen (Kreis Unna)", not "Wetter (…)"
        return True
    return in_a_list(span, cities)


def in_a_list(span: Span, cities: set[int]) -> bool:
    """'Bergkamen, Unna und Lünen', 'Bern, Zürich, Donaueschingen, und Ulm', 'zwischen Grosbliederstroff und
    Kleinblittersdorf': next to another accepted town, or the second of two places after a preposition."""
    doc = span.doc
    i = span.start - 1
    while i >= 0 and doc[i].text in LIST_JOINERS and i > span.start - 3:
        i -= 1
    between = i > 0 and doc[i].text[:1].isupper() and doc[i - 1].lower_ == "zwischen"
    if 0 <= i < span.start - 1 and (i in cities or between):
        return True
    j = span.end
    while j < len(doc) and doc[j].text in LIST_JOINERS and j < span.end + 2:
        j += 1
    return j > span.end and j in cities


COORDINATORS = frozenset({"und", "oder", "sowie"})
# Nouns a town is joined to as a place: "in Essen und Umgebung", "Wetter und Umland"
PLACE_COMPANIONS = frozenset({"Umgebung", "Umland", "Region", "Umkreis", "Nachbarorte", "Nachbargemeinden"})


def beside_a_noun(span: Span, candidates: set[int]) -> bool:
    """'nach Siegen und Titeln', 'Löhne und Gehälter': joined to a capitalised word that is no town and no
    place (nor a place's companion, 'in Essen und Umgebung'): the words are nouns of one kind."""
    doc = span.doc
    for joiner, other in ((span.end, span.end + 1), (span.start - 1, span.start - 2)):
        word, noun = token_at(doc, joiner), token_at(doc, other)
        if word is None or noun is None or word.lower_ not in COORDINATORS or other in candidates:
            continue
        capitalised = noun.is_alpha and noun.text[:1].isupper() and not noun.is_sent_start
        named = capitalised and noun.lower_ not in STOP_WORDS and noun.text not in PLACE_COMPANIONS
        if named and not is_place_noun(noun):
            return True
    return False


def strong_cue(span: Span, data: EntityData) -> bool:
    """A cue a word cannot have: 'Stadt Wissen', a dateline, a postcode, or its district or state named."""
    if strong_place_noun_before(span) or postcode_before(span) or address_after(span):
        return True
    return dateline(span) or region_named(span, town_of(span, data))


def strong_place_noun_before(span: Span) -> bool:
    """'Stadt Wissen', 'Gemeinde Calden', 'Bürgermeister von Lotte' is not: right before the name."""
    prev = token_at(span.doc, span.start - 1)
    return prev is not None and prev.lower_.endswith(STRONG_PLACE_NOUN_ENDINGS)


def postcode_before(span: Span) -> bool:
    """'31167 Bockenem': an address."""
    prev = token_at(span.doc, span.start - 1)
    return prev is not None and re.fullmatch(r"\d{5}", prev.text) is not None


# "(Rathausstr. 71)", "(Bahnhofstraße 2)", "(Am Markt 3)": a street and its number in brackets after a town.
ADDRESS_IN_BRACKETS = re.compile(r"\(\s*[A-ZÄÖÜ][\w.-]*(?:\s[\w.-]+){0,3}\s\d{1,4}[a-z]?\s*[,)]")


def address_after(span: Span) -> bool:
    """'in Wissen (Rathausstr. 71)': an address in brackets right after the name places it."""
    nxt = token_at(span.doc, span.end)
    return (
        nxt is not None
        and nxt.text == "("
        and ADDRESS_IN_BRACKETS.match(doc_text(span.doc), nxt.idx) is not None
    )


OPENING_QUOTES = frozenset({"„", "»", "«", '"', "‚", "“"})


def dateline(span: Span) -> bool:
    """'Calden (dpa) –', 'Hamburg, 3. Juni 2024 –', 'Berlin, 29.04.2024', 'Bockenem. Die Polizei …': a town
    opening a text or a line."""
    doc = span.doc
    prev, nxt = token_at(doc, span.start - 1), token_at(doc, span.end)
    if prev is not None and not prev.is_space and "\n" not in prev.whitespace_:
        return False
    after = token_at(doc, span.end + 1)
    if (
        nxt is not None
        and nxt.text == "."
        and after is not None
        and (after.is_title or after.text in OPENING_QUOTES)
    ):  # "Bockenem. Die Polizei", "Westerkappeln. „Der Grundsatz …"
        return True
    if nxt is None or nxt.text not in DATELINE_NEXT:
        return False
    if nxt.text == "(":
        return True
    return after is not None and (after.text[:1].isdigit() or _month_and_number(doc, after.i))


def _month_and_number(doc: Doc, i: int) -> bool:
    """'Juni 2024', 'April 29': a month is a date with a number after it; 'Karl-May-Spiele' is none."""
    nxt = token_at(doc, i + 1)
    return doc[i].lower_ in MONTHS and nxt is not None and nxt.text[:1].isdigit()


def town_of(span: Span, data: EntityData) -> Town | None:
    found = data.namesakes.get(span.text)
    if found:
        return next((t for t in found if t.canonical == span.id_), found[0])
    land, kreis = data.region_of.get(span.id_, ("", ""))
    return Town(span.id_, data.population.get(span.id_, 0), land, kreis)


# A Land's adjective, also after compass words: "bayerisch", "ostthüringischen", "nordhessische"
COMPASS = r"(?:(?:nord|süd|ost|west|mittel|ober|nieder)-?)*"
LAND_ADJECTIVE_WORD = {
    land: re.compile(rf"(?<![\w-]){COMPASS}{re.escape(adjective)}")
    for land, adjective in LAND_ADJECTIVES.items()
}
ANY_LAND_ADJECTIVE = re.compile(
    rf"{COMPASS}(?:{'|'.join(map(re.escape, sorted(LAND_ADJECTIVES.values(), key=len, reverse=True)))})\w*"
)


def region_named(span: Span, town: Town | None) -> bool:
    """The text names the town's district, or its sentence the state ("Linz … Kreis Neuwied",
    "im bayerischen Haag"); a state named elsewhere in the text is too weak a hint."""
    if town is None or not town.land:
        return False
    doc = span.doc
    kreis = town.kreis.split(" (")[0]
    if kreis and kreis != span.text and word_in(kreis.lower(), lowered_text(doc)):
        return True
    sentence = sentence_text(doc, span.start).lower()
    if word_in(town.land.lower(), sentence):
        return True
    adjective = LAND_ADJECTIVE_WORD.get(town.land)
    return adjective is not None and adjective.search(sentence) is not None


def land_adjective(word: str) -> bool:
    """'bayerischen', 'ostthüringischen', 'nordhessische': a Land's adjective (lower case)."""
    return ANY_LAND_ADJECTIVE.fullmatch(word) is not None


def word_in(word: str, text: str) -> bool:
    return word in text and re.search(rf"(?<!\w){re.escape(word)}", text) is not None


def namesake_meant(span: Span, data: EntityData) -> str:
    """Of several towns of one name, the one whose district or state the text names, else the largest."""
    found = data.namesakes.get(span.text)
    if not found:
        return span.id_
    for town in found:
        if region_named(span, town):
            return town.canonical
    return span.id_


def a_team(span: Span, cities: set[int]) -> bool:
    """'3:1 gegen Augsburg', 'Balingen empfängt Göppingen': a bare town in a sentence about a match."""
    doc = span.doc
    if not sentence_matches(doc, sentence_index(doc, span.start), SPORT):
        return False
    prev = token_at(doc, span.start - 1)
    if dateline(span):  # "Dortmund (dpa) – Der BVB hat …": the report's place, not a team
        return False
    return not locative_before(span) and not (prev is not None and is_place_noun(prev))
