"""Is a town's name in a text the town? The context decides, not the gazetteer alone.

Everyday news writes town names inside other names ("Landgericht Köln", "TSV Langenau", "Faber-Castell",
"Hannover 96", "Frankfurter Buchmesse"), as ordinary words ("Löhne", "Wissen", "in eigener Halle"), for a
team ("3:1 gegen Augsburg") and for places abroad ("Salzburg", "Rom") that share a German village's name.
The rules here are cue families, not lists of instances:

- a name: a town right after a capitalised word that is no place noun ("Universität Bonn", "VfB Stuttgart",
  "Matthias Geyer"), inside a hyphenated name ("Faber-Castell"), before a company suffix or a club number;
- a place cue: a preposition ("in", "aus", "nach" …), a place noun ("Stadt", "Gemeinde", "Standort",
  "Heimatstadt"), a dateline ("Calden (dpa)", "Hamburg, 3. Juni"), a postcode, a list with other towns;
  a strong cue is one a word cannot have ("Stadt Wissen", a dateline, a postcode, its district named);
- abroad: a foreign country's adjective or name next to it ("im österreichischen Linz", "Linz (Österreich)");
- sport: in a sentence with a score or a league word, a bare town without a preposition is the team.

``resolve.py`` applies them: a hub city or a large town needs no cue, a small town a weak one, a word-like
village or a name whose namesake abroad is far larger a strong one.
"""

from __future__ import annotations

import re

from spacy.lang.de.stop_words import STOP_WORDS as GERMAN_STOP_WORDS
from spacy.lang.en.stop_words import STOP_WORDS as ENGLISH_STOP_WORDS
from spacy.tokens import Doc, Span, Token

from pipeline.entities.data import EntityData, Town
from pipeline.entities.sents import lowered_text, sentence_index, sentence_matches, sentence_text

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
STOP_WORDS = frozenset(GERMAN_STOP_WORDS | ENGLISH_STOP_WORDS | {"gestern", "sowohl", "trotz", "laut"})
# After a town: "Duesenfeld GmbH", "Berlin Hyp", "Munich Re", "Hannover Messe", "Horka e.V.".
ORG_SUFFIXES = frozenset(
    {"GmbH", "mbH", "AG", "SE", "KG", "KGaA", "eG", "e.V.", "e.", "Ltd", "Ltd.", "Inc", "Inc.", "Hyp", "Re"}
    | {"Messe", "Airport", "Marathon", "Open", "Verlag", "Fachmedien", "Towers", "Kliniken", "Werke"}
)
ACRONYM = re.compile(r"[A-ZÄÖÜ][A-Za-zÄÖÜäöü]{0,4}[A-ZÄÖÜ][A-Za-z]{0,2}")  # "VfB", "OLG", "SpVgg", "HTWK"
LOCATION_HEADS = ("bahnhof", "park", "hafen", "flughafen", "airport")
ORG_SUFFIX_ENDINGS = ("schule", "gymnasium", "kaserne", "stiftung", "universität", "hochschule")
# Capitalised words after a city adjective that make it a name: "Frankfurter Buchmesse", "Augsburger
# Allgemeine", "Frankfurter Allee", "Dresdner Kreuzchor", "Aachener Vertrag", "Weimarer Republik".
ADJECTIVE_NAME_ENDINGS = (
    "zeitung", "allgemeine", "rundschau", "nachrichten", "anzeiger", "morgenpost", "merkur", "kurier",
    "abendblatt", "tagblatt", "presse", "messe", "allee", "straße", "strasse", "platz", "chaussee", "ufer",
    "gasse", "bank", "sparkasse", "versicherung", "versicherungen", "verein", "institut", "universität",
    "hochschule", "chor", "philharmonie", "philharmoniker", "symphoniker", "orchester", "verkehrsbetriebe",
    "reinigung", "vertrag", "verträge", "abkommen", "republik", "dokumente", "erklärung",
    "allerlei", "würstchen", "ehrennadel", "schule", "gymnasium", "kickers",
)  # fmt: skip
ADJECTIVE_NAME_WORDS = frozenset(
    {"Post", "Echo", "Blatt", "Str.", "Ring", "Weg", "Damm", "Tor", "Rück", "Kranz", "Lerche", "Stör"}
    | {"Preis", "Land", "Bucht", "Becken", "See", "Kreis", "Hymnus"}
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
SPORT = re.compile(
    r"(?<![\d:.])\d{1,2}:\d{1,2}(?![\d:]| ?uhr)|bundesliga|\bliga\b|spieltag|tabelle|heimspiel|auswärts"
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


def _token(doc: Doc, i: int) -> Token | None:
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


def _capitalised_name_part(token: Token) -> bool:
    """A capitalised word that is not a function word at a sentence start ('Auch', 'In', 'The')."""
    text = token.text
    return text[:1].isupper() and token.is_alpha is not False and token.lower_ not in STOP_WORDS


def part_of_a_name(span: Span, cities: set[int], sectors: frozenset[int] | set[int] = frozenset()) -> bool:
    """'Universität Bonn', 'VfB Stuttgart', 'Bayer 04 Leverkusen', 'Faber-Castell', 'Berlin Hyp',
    'Hannover 96', 'Karl May'; not a route ('Linie Hamburg-Bielefeld'), an imprint ('Auflage München')."""
    doc = span.doc
    prev, nxt = _token(doc, span.start - 1), _token(doc, span.end)
    if nxt is not None and (nxt.text in ORG_SUFFIXES or nxt.lower_.endswith(ORG_SUFFIX_ENDINGS)):
        return True
    if nxt is not None and re.fullmatch(r"\d{1,3}\.?", nxt.text):  # "Hannover 96", "Halle 16"
        return True
    if doc[span.start].is_sent_start or prev is None or prev.i in cities or prev.i in sectors:
        return False  # "Insurtech Köln" names the city
    if ACRONYM.fullmatch(prev.text):  # "SSC Hanau-Rodenbach", "TSV Langenau", "OLG Oldenburg"
        return True
    if _route_or_imprint(span, cities) or _location_head(prev):
        return False
    if re.fullmatch(r"\d{2}", prev.text):  # "Bayer 04 Leverkusen", "SFD 75 Düsseldorf"
        return True
    if not prev.is_punct and not is_place_noun(prev) and _capitalised_name_part(prev):
        return True
    if prev.text == "-" and "\n" not in prev.whitespace_:
        before = _token(doc, span.start - 2)
        if before is not None and before.i not in cities and _capitalised_name_part(before):
            return not is_place_noun(before)
    return False


def _location_head(token: Token) -> bool:
    """'Hauptbahnhof Münster', 'Chemiepark Leverkusen', 'Hafen Hamburg': a location, so the town counts."""
    return token.lower_.endswith(LOCATION_HEADS)


def _route_or_imprint(span: Span, cities: set[int]) -> bool:
    """'Linie Hamburg-Bielefeld', 'Auflage München 2021': the town is a place after all."""
    doc = span.doc
    nxt, after = _token(doc, span.end), _token(doc, span.end + 1)
    if nxt is not None and re.fullmatch(r"(?:19|20)\d\d\.?", nxt.text):
        return True
    return nxt is not None and nxt.text in {"-", "/"} and after is not None and after.i in cities


def adjective_names_something_else(span: Span) -> bool:
    """'Frankfurter Buchmesse', 'Augsburger Allgemeine', 'Dresdner SC': the adjective is part of a name."""
    doc = span.doc
    nxt, after = _token(doc, span.end), _token(doc, span.end + 1)
    if nxt is None:
        return False
    if nxt.text in ADJECTIVE_NAME_WORDS or nxt.lower_.endswith(ADJECTIVE_NAME_ENDINGS):
        return True
    return nxt.text.isupper() and len(nxt.text) > 1 and (after is None or after.text != "-")  # "Dresdner SC"


def abroad(span: Span) -> bool:
    """'im österreichischen Linz', 'ins schweizerische Langenthal', 'Linz (Österreich)', 'Bern, Schweiz'."""
    doc = span.doc
    prev = _token(doc, span.start - 1)
    if prev is not None and prev.is_lower and FOREIGN_ADJECTIVE.match(prev.lower_):
        return True
    nxt = _token(doc, span.end)
    if nxt is None or nxt.text not in {"(", ",", "in", "im"}:
        return False
    return any(
        (t := _token(doc, i)) is not None and t.text in FOREIGN_NAMES for i in (span.end + 1, span.end + 2)
    )


def preposition_before(span: Span, *, word_like: bool = False) -> bool:
    """'in Essen', 'aus Bonn', 'im benachbarten Eisenhüttenstadt', 'im politischen Berlin'.

    A word-like name needs the preposition right before it ("nach Löhne", not "nach epidemiologischer Lage").
    """
    doc = span.doc
    if word_like:
        prev = _token(doc, span.start - 1)
        return prev is not None and prev.lower_ in WORD_PREPOSITIONS
    for back in (1, 2, 3):
        prev = _token(doc, span.start - back)
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
    prev = _token(span.doc, span.start - 1)
    return prev is not None and prev.lower_ in LOCATIVE


def weak_cue(span: Span, cities: set[int], *, word_like: bool = False) -> bool:
    """A place cue that an ordinary noun can also have: a preposition, a place noun, '(', a list of towns."""
    doc = span.doc
    prev, nxt = _token(doc, span.start - 1), _token(doc, span.end)
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


def strong_cue(span: Span, data: EntityData) -> bool:
    """A cue a word cannot have: 'Stadt Wissen', a dateline, a postcode, or its district or state named."""
    doc = span.doc
    prev = _token(doc, span.start - 1)
    if prev is not None and (
        prev.lower_.endswith(STRONG_PLACE_NOUN_ENDINGS) or re.fullmatch(r"\d{5}", prev.text)
    ):
        return True
    return dateline(span) or region_named(span, town_of(span, data))


def dateline(span: Span) -> bool:
    """'Calden (dpa) –', 'Hamburg, 3. Juni 2024 –', 'Berlin, 29.04.2024', 'Bockenem. Die Polizei …': a town
    opening a text or a line."""
    doc = span.doc
    prev, nxt = _token(doc, span.start - 1), _token(doc, span.end)
    if prev is not None and not prev.is_space and "\n" not in prev.whitespace_:
        return False
    after = _token(doc, span.end + 1)
    if (
        nxt is not None and nxt.text == "." and after is not None and after.is_title
    ):  # "Bockenem. Die Polizei"
        return True
    if nxt is None or nxt.text not in DATELINE_NEXT:
        return False
    if nxt.text == "(":
        return True
    return after is not None and (after.text[:1].isdigit() or after.lower_ in MONTHS)


def town_of(span: Span, data: EntityData) -> Town | None:
    found = data.namesakes.get(span.text)
    if found:
        return next((t for t in found if t.canonical == span.id_), found[0])
    land, kreis = data.region_of.get(span.id_, ("", ""))
    return Town(span.id_, data.population.get(span.id_, 0), land, kreis)


def region_named(span: Span, town: Town | None) -> bool:
    """The text names the town's district, or its sentence the state ("Linz … Kreis Neuwied",
    "im bayerischen Haag"); a state named elsewhere in the text is too weak a hint."""
    if town is None or not town.land:
        return False
    doc = span.doc
    kreis = town.kreis.split(" (")[0]
    if kreis and kreis != span.text and _word_in(kreis.lower(), lowered_text(doc)):
        return True
    sentence = sentence_text(doc, span.start).lower()
    return any(_word_in(w, sentence) for w in (town.land.lower(), LAND_ADJECTIVES.get(town.land, "~")))


def _word_in(word: str, text: str) -> bool:
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
    prev = _token(doc, span.start - 1)
    return not locative_before(span) and not (prev is not None and is_place_noun(prev))
