"""A town's name inside another name is no town: the rules that find such names.

"Landgericht Köln", "VfB Stuttgart", "Matthias Geyer", "Bayer 04 Leverkusen", "Faber-Castell", "Berlin Hyp",
"Hannover 96", "Universität Duisburg-Essen", "Handwerkskammer für München", "Frankfurter Buchmesse",
"Berliner Kammergericht": a town right after a capitalised word that is no place noun, after an acronym or a
club's number, inside a hyphenated name or a chain of towns after a name's head, before a company suffix,
after an institution and "für"/"zu"; a city adjective before a word that makes it a name. Not a route
("Linie Hamburg-Bielefeld"), an imprint ("Auflage München 2021") or a location ("Hauptbahnhof Münster").
"""

from __future__ import annotations

import re

from spacy.tokens import Doc, Span, Token

from pipeline.entities.places import STOP_WORDS, is_place_noun, token_at

# After a town: "Duesenfeld GmbH", "Berlin Hyp", "Munich Re", "Hannover Messe", "Horka e.V.".
ORG_SUFFIXES = frozenset(
    {"GmbH", "mbH", "AG", "SE", "KG", "KGaA", "eG", "e.V.", "e.", "Ltd", "Ltd.", "Inc", "Inc.", "Hyp", "Re"}
    | {"Messe", "Airport", "Marathon", "Open", "Verlag", "Fachmedien", "Towers", "Kliniken", "Werke"}
)
CLUB_NUMBER = re.compile(r"^\d{1,2}\.")  # "1.FC Kaiserslautern" is one token
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
    prev, nxt = token_at(doc, span.start - 1), token_at(doc, span.end)
    if nxt is not None and (nxt.text in ORG_SUFFIXES or nxt.lower_.endswith(ORG_SUFFIX_ENDINGS)):
        return True
    if nxt is not None and re.fullmatch(r"\d{1,3}\.?", nxt.text):  # "Hannover 96", "Halle 16"
        return True
    if institutions and _institution_for(doc, span.start):
        return True
    if doc[span.start].is_sent_start or prev is None or prev.i in sectors:
        return False  # "Insurtech Köln" names the city; "Karl Lauterbach" does not, though Karl is a town too
    if ACRONYM.fullmatch(CLUB_NUMBER.sub("", prev.text)):  # "TSV Langenau", "OLG Oldenburg", "1.FC Köln"
        return True
    if _imprint(span) or _location_head(prev):
        return False
    if _route(span, cities) and not (chains and _name_head(prev)):
        return False
    if chains and prev.text == "-" and (start := _chain_start(doc, span.start, cities)) < span.start:
        head = token_at(doc, start - 1)
        return not doc[start].is_sent_start and head is not None and _name_head(head)
    if re.fullmatch(r"\d{2}", prev.text):  # "Bayer 04 Leverkusen", "SFD 75 Düsseldorf"
        return True
    if not prev.is_punct and not is_place_noun(prev) and _capitalised_name_part(prev):
        return True
    if prev.text == "-" and "\n" not in prev.whitespace_:
        before = token_at(doc, span.start - 2)
        if before is not None and before.i not in cities and _capitalised_name_part(before):
            return not is_place_noun(before)
    return False


def _location_head(token: Token) -> bool:
    """'Hauptbahnhof Münster', 'Chemiepark Leverkusen', 'Hafen Hamburg': a location, so the town counts."""
    return token.lower_.endswith(LOCATION_HEADS)


def _imprint(span: Span) -> bool:
    """'Auflage München 2021': the town is a place after all."""
    nxt = token_at(span.doc, span.end)
    return nxt is not None and re.fullmatch(r"(?:19|20)\d\d\.?", nxt.text) is not None


def _route(span: Span, cities: set[int]) -> bool:
    """'Linie Hamburg-Bielefeld': two towns joined are a route, the towns are places."""
    doc = span.doc
    nxt, after = token_at(doc, span.end), token_at(doc, span.end + 1)
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
    prev, before = token_at(doc, i - 1), token_at(doc, i - 2)
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
    nxt, after = token_at(doc, span.end), token_at(doc, span.end + 1)
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


# A city adjective before these is the club: "bei einem Mannheimer Sieg", "den früheren Bremer Trainer".
TEAM_WORDS = frozenset(
    {"sieg", "siege", "siegen", "niederlage", "niederlagen", "trainer", "trainers", "elf", "stürmer"}
    | {"torwart", "keeper", "kapitän", "profis", "abwehr", "mannschaft", "fans", "anhänger", "coach"}
)


def adjective_means_the_team(span: Span) -> bool:
    """'Mannheimer Sieg', 'Bremer Trainer', 'Kölner Fans': the city's club, not the city."""
    nxt = token_at(span.doc, span.end)
    return nxt is not None and nxt.lower_ in TEAM_WORDS


def sector_inside_a_name(span: Span, acronyms: frozenset[str] | set[str]) -> bool:
    """'FC Energie Cottbus', 'BSG Chemie Leipzig': a one-word sector between a club's or company's acronym
    and a capitalised name is part of that name, as a town is in 'VfB Stuttgart'."""
    doc = span.doc
    prev, nxt = token_at(doc, span.start - 1), token_at(doc, span.end)
    if len(span) != 1 or prev is None or nxt is None or span[0].is_sent_start:
        return False
    named = nxt.text in ORG_SUFFIXES or (_capitalised_name_part(nxt) and nxt.is_alpha)
    return named and prev.text not in acronyms and ACRONYM.fullmatch(prev.text) is not None
