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
ROUTE_HEADS = ("linie", "strecke", "route", "verbindung", "autobahn", "achse", "korridor", "trasse")
# Institutions named after their town, also as "X für/zu Town" and "Townish X": "Handwerkskammer für München
# und Oberbayern", "Universität zu Köln", "Tierschutzverein für Berlin", "Berliner Kammergericht".
INSTITUTION_ENDINGS = (
    "kammer", "gericht", "gerichtshof", "universität", "hochschule", "akademie", "bistum", "verein",
    "verband", "stiftung", "institut",
)  # fmt: skip
INFLECTION_SUFFIXES = ("n", "en", "s", "es")  # "der Frankfurter Allgemeinen", "des Kölner Landgerichts"
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
TEAM_NOUN_ENDINGS = (
    "meister", "gäste", "gast", "mannschaft", "team", "verein", "klub", "club", "aufsteiger", "absteiger",
    "tabellenführer", "spitzenreiter", "titelverteidiger", "gegner", "rivale", "rivalen", "konkurrent",
)  # fmt: skip
# Adjectives that place a town ("im benachbarten Eisenhüttenstadt", "im sauerländischen Meschede"): the town
# after them is no noun.
PLACE_ADJECTIVE_STEMS = (
    "benachbart", "nah", "nahegelegen", "nächstgelegen", "angrenzend", "umliegend", "nördlich", "südlich",
    "östlich", "westlich", "nordöstlich", "nordwestlich", "südöstlich", "südwestlich",
)  # fmt: skip
REGION_ADJECTIVE = re.compile(r"\w+(?:ländisch|isch)(?:e|en|er|es|em)")
LIST_JOINERS = frozenset({",", "und", "sowie", "oder", "/", "and", "or", "&"})
ARTICLE_WORDS = frozenset(
    {"der", "die", "das", "den", "dem", "des", "ein", "eine", "einen", "einem", "einer"}
)
DATELINE_NEXT = frozenset({",", "(", "/", "|", "–", "—", "-", ":"})
DATELINE_JOINERS = frozenset({"/", "|", "&"})
QUALIFIERS = frozenset({"am", "an", "der", "im", "in", "bei", "ob", "vor"})  # "Hofheim am Taunus"
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


def part_of_a_name(
    span: Span,
    cities: set[int],
    sectors: frozenset[int] | set[int] = frozenset(),
    *,
    chains: bool = False,
    institutions: bool = False,
) -> bool:
    """'Universität Bonn', 'VfB Stuttgart', 'Bayer 04 Leverkusen', 'Faber-Castell', 'Berlin Hyp',
    'Hannover 96', 'Karl May'; not a route ('Linie Hamburg-Bielefeld'), an imprint ('Auflage München').

    ``chains``: a hyphenated chain of towns after a name's head is the name ('Universität Duisburg-Essen',
    'Bistum Rottenburg-Stuttgart'); ``institutions``: 'Handwerkskammer für München', 'Universität zu Köln'.
    """
    doc = span.doc
    prev, nxt = _token(doc, span.start - 1), _token(doc, span.end)
    if nxt is not None and (nxt.text in ORG_SUFFIXES or nxt.lower_.endswith(ORG_SUFFIX_ENDINGS)):
        return True
    if nxt is not None and re.fullmatch(r"\d{1,3}\.?", nxt.text):  # "Hannover 96", "Halle 16"
        return True
    if institutions and _institution_for(doc, span.start):
        return True
    if doc[span.start].is_sent_start or prev is None or prev.i in cities or prev.i in sectors:
        return False  # "Insurtech Köln" names the city
    if ACRONYM.fullmatch(prev.text):  # "SSC Hanau-Rodenbach", "TSV Langenau", "OLG Oldenburg"
        return True
    if _imprint(span) or _location_head(prev):
        return False
    if _route(span, cities) and not (chains and _name_head(prev)):
        return False
    if chains and prev.text == "-" and (start := _chain_start(doc, span.start, cities)) < span.start:
        head = _token(doc, start - 1)
        return not doc[start].is_sent_start and head is not None and _name_head(head)
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


def _imprint(span: Span) -> bool:
    """'Auflage München 2021': the town is a place after all."""
    nxt = _token(span.doc, span.end)
    return nxt is not None and re.fullmatch(r"(?:19|20)\d\d\.?", nxt.text) is not None


def _route(span: Span, cities: set[int]) -> bool:
    """'Linie Hamburg-Bielefeld': two towns joined are a route, the towns are places."""
    doc = span.doc
    nxt, after = _token(doc, span.end), _token(doc, span.end + 1)
    return nxt is not None and nxt.text in {"-", "/"} and after is not None and after.i in cities


def _name_head(token: Token) -> bool:
    """A word that starts a name: 'Universität', 'Bistum', 'VfB'; not a place, route or location noun."""
    if token.is_punct or is_place_noun(token) or _location_head(token) or token.lower_.endswith(ROUTE_HEADS):
        return False
    return ACRONYM.fullmatch(token.text) is not None or _capitalised_name_part(token)


def _chain_start(doc: Doc, i: int, cities: set[int]) -> int:
    """The first town of a hyphenated chain of towns ending at token ``i`` ('Braunschweig-Lüneburg-Stade')."""
    while i >= 2 and doc[i - 1].text == "-" and "\n" not in doc[i - 1].whitespace_ and i - 2 in cities:
        i -= 2
    return i


def _institution_for(doc: Doc, i: int) -> bool:
    """'Handwerkskammer für München', 'Universität zu Köln', 'Tierschutzverein für Berlin'."""
    prev, before = _token(doc, i - 1), _token(doc, i - 2)
    return (
        prev is not None
        and prev.lower_ in {"für", "zu"}
        and before is not None
        and before.text[:1].isupper()
        and before.lower_.endswith(INSTITUTION_ENDINGS)
    )


def adjective_names_something_else(span: Span, *, institutions: bool = False) -> bool:
    """'Frankfurter Buchmesse', 'Augsburger Allgemeine', 'Dresdner SC': the adjective is part of a name.

    ``institutions``: also an institution ('Berliner Kammergericht') and an inflected name ('der Frankfurter
    Allgemeinen', 'des Kölner Landgerichts').
    """
    doc = span.doc
    nxt, after = _token(doc, span.end), _token(doc, span.end + 1)
    if nxt is None:
        return False
    if nxt.text in ADJECTIVE_NAME_WORDS or nxt.lower_.endswith(ADJECTIVE_NAME_ENDINGS):
        return True
    if institutions and nxt.text[:1].isupper():
        word = nxt.lower_
        stems = [word, *(word.removesuffix(s) for s in INFLECTION_SUFFIXES if word.endswith(s))]
        if any(stem.endswith(ADJECTIVE_NAME_ENDINGS + INSTITUTION_ENDINGS) for stem in stems):
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


def place_adjective(token: Token) -> bool:
    """'benachbarten', 'nahen', 'sauerländischen', 'oberbayerischen': an adjective that places a town."""
    lower = token.lower_
    return token.is_lower and (
        lower.startswith(PLACE_ADJECTIVE_STEMS) or REGION_ADJECTIVE.fullmatch(lower) is not None
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


def place_preposition_before(span: Span) -> bool:
    """'in Unna', 'nach Kassel': prepositions a person's name does not take ('bei Geyer', 'von Geyer' may)."""
    prev = _token(span.doc, span.start - 1)
    return prev is not None and prev.lower_ in {"in", "nach"}


def locative_before(span: Span) -> bool:
    prev = _token(span.doc, span.start - 1)
    return prev is not None and prev.lower_ in LOCATIVE


def weak_cue(span: Span, cities: set[int], *, word_like: bool = False, imprints: bool = False) -> bool:
    """A place cue that an ordinary noun can also have: a preposition, a place noun, '(', a list of towns;
    ``imprints``: a publisher's imprint ('Tübingen 2012', 'Tübingen, 1991')."""
    doc = span.doc
    prev, nxt = _token(doc, span.start - 1), _token(doc, span.end)
    if preposition_before(span, word_like=word_like) or (prev is not None and is_place_noun(prev)):
        return True
    if nxt is not None and nxt.text == "(" and not word_like:  # "Bergkamen (Kreis Unna)", not "Wetter (…)"
        return True
    if imprints and not word_like and _imprint_year(doc, span.end):
        return True
    return in_a_list(span, cities)


def _imprint_year(doc: Doc, i: int) -> bool:
    """'Tübingen 2012, Kerns Verlag', 'Band 10, Tübingen, 1991, S. 147': a year right after the town."""
    nxt = _token(doc, i + 1) if (t := _token(doc, i)) is not None and t.text == "," else _token(doc, i)
    return nxt is not None and re.fullmatch(r"(?:1[89]|20)\d\d", nxt.text) is not None


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


def strong_cue(span: Span, data: EntityData, *, dateline_lists: bool = False) -> bool:
    """A cue a word cannot have: 'Stadt Wissen', a dateline, a postcode, or its district or state named."""
    if strong_place_noun_before(span) or postcode_before(span):
        return True
    return dateline(span, lists=dateline_lists) or region_named(span, town_of(span, data))


def strong_place_noun_before(span: Span) -> bool:
    """'Stadt Wissen', 'Gemeinde Calden', 'Bürgermeister von Lotte' is not: right before the name."""
    prev = _token(span.doc, span.start - 1)
    return prev is not None and prev.lower_.endswith(STRONG_PLACE_NOUN_ENDINGS)


def postcode_before(span: Span) -> bool:
    """'31167 Bockenem': an address."""
    prev = _token(span.doc, span.start - 1)
    return prev is not None and re.fullmatch(r"\d{5}", prev.text) is not None


def dateline(span: Span, *, lists: bool = False) -> bool:
    """'Calden (dpa) –', 'Hamburg, 3. Juni 2024 –', 'Berlin, 29.04.2024', 'Bockenem. Die Polizei …': a town
    opening a text or a line; ``lists``: the last of several ('Hofheim am Taunus | Wiesbaden, 11. Nov…')."""
    doc = span.doc
    prev, nxt = _token(doc, span.start - 1), _token(doc, span.end)
    if not (_opens_line(prev) or (lists and _after_dateline_towns(doc, span.start))):
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
    return after is not None and (after.text[:1].isdigit() or _month_and_number(doc, after.i))


def _month_and_number(doc: Doc, i: int) -> bool:
    """'Juni 2024', 'April 29': a month is a date with a number after it; 'Karl-May-Spiele' is none."""
    nxt = _token(doc, i + 1)
    return doc[i].lower_ in MONTHS and nxt is not None and nxt.text[:1].isdigit()


def _opens_line(prev: Token | None) -> bool:
    return prev is None or prev.is_space or "\n" in prev.whitespace_


def _after_dateline_towns(doc: Doc, i: int) -> bool:
    """Only capitalised words (and 'am', 'an der' …) joined by '/', '|' or '&' since the line began."""
    prev = _token(doc, i - 1)
    if prev is None or prev.text not in DATELINE_JOINERS:
        return False
    for j in range(i - 2, max(i - 8, -1), -1):
        token = doc[j]
        if not (token.text[:1].isupper() or token.text in DATELINE_JOINERS or token.lower_ in QUALIFIERS):
            return False
        if _opens_line(_token(doc, j - 1)):
            return True
    return False


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
    if kreis and kreis != span.text and word_in(kreis.lower(), lowered_text(doc)):
        return True
    sentence = sentence_text(doc, span.start).lower()
    return any(word_in(w, sentence) for w in (town.land.lower(), LAND_ADJECTIVES.get(town.land, "~")))


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


def a_team(span: Span, cities: set[int], *, origin: bool = False) -> bool:
    """'3:1 gegen Augsburg', 'Balingen empfängt Göppingen': a bare town in a sentence about a match;
    ``origin``: also 'der Rekordmeister aus Kiel', 'die Gäste aus Wetzlar'."""
    doc = span.doc
    if not sentence_matches(doc, sentence_index(doc, span.start), SPORT):
        return False
    prev, before = _token(doc, span.start - 1), _token(doc, span.start - 2)
    if origin and _from_a_team(prev, before):
        return True
    return not locative_before(span) and not (prev is not None and is_place_noun(prev))


def _from_a_team(prev: Token | None, before: Token | None) -> bool:
    """'der Rekordmeister aus Kiel', 'die Gäste aus Wetzlar'."""
    if prev is None or before is None or prev.lower_ not in {"aus", "from"}:
        return False
    return before.lower_.endswith(TEAM_NOUN_ENDINGS)
