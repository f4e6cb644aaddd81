"""HUB references and whether a document is about the initiative (INTERFACE.md "What counts as a mention").

A location is a HUB only where the text ties it to the initiative: a name that says hub ("Smart Systems Hub",
"de:hub Karlsruhe"), a hub city in a sentence about hubs or sites, or a hub city with a focus sector
("Köln für Insurtech", "Potsdam: Medientechnologien"). Another programme's "Digital Hub" (a state's regional
hubs, a company's hub, an EU hub) is not the initiative.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from spacy.tokens import Doc, Span, Token

import pipeline.entities.places as places
from pipeline.entities.data import EntityData, load
from pipeline.entities.rules import HubRules, current_hubs
from pipeline.entities.sents import cue_pattern, list_leads, sentence_index, sentences, sentences_matching
from pipeline.entities.spans import SPANS_KEY

# Cue patterns are lower case and run on the lowered text: case-insensitive regexes cost ~5x more.
INITIATIVE = re.compile(
    r"digital[-\s]hub[-\s]initiative|hub[-\s]initiative|de:hubs?|hub[- ]agency|hub-agentur|twin[- ]hubs?"
    r"|digital\shubs?\s(?:der|des)\sbundes|initiative des bundes|german government's|twelve (?:digital )?hubs"
    r"|zwölf (?:digital )?hubs|12 digital hubs|als digital hub|digital hub for|zuschlag als"
)
INITIATIVE_CASED = re.compile(r"Digital Hubs? für [A-ZÄÖÜ]")  # "Digital Hub für Insurtech", not "für ihre IT"
OTHER_PROGRAMME = cue_pattern(
    r"digital innovation hubs?|\bedih\b|dwnrw|digitale wirtschaft nrw|regionalen? digital hubs"
    r"|(?:eigenen|internen) digital hub|regional digital hubs|(?:own|in-house) digital hub"
)
DIGITAL_HUB = re.compile(r"digital[-\s]hubs?\b")
# ``HubRules.new_hub_words``: the initiative as the network of the Digital Hubs ("Neu im Netzwerk der Digital
# Hubs: Augsburg", "Germany adds Bremen to its network of digital hubs").
NETWORK_OF_HUBS = re.compile(r"netzwerk der digital[-\s]hubs|network of (?:the )?digital[-\s]hubs")
# A sentence about hubs or sites, or about the focus of places ("Während Frankfurt auf Fintech setzt,
# konzentriert sich Köln auf Insurtech"); the initiative's or agency's name alone places no hub ("… lud nach
# Berlin").
HUB_CUE = cue_pattern(
    r"hub(?![- ]?(?:agency|agentur|initiative))|standort|location|ausgewählt|selected|schwerpunkt|fokus"
    r"|focus|konzentrier|spezialisier|speciali[sz]|\bsetz(?:t|en) (?:\w+ )?auf\b|im mittelpunkt"
    r"|\bworks? on\b|\bsteuer(?:t|n) .{0,60}\bbei\b|\bbring(?:t|en) .{0,60}\bein\b"
)
# Verbs that state what a place works on (``HubRules.focus_verbs``): "München kümmert sich um Mobilität",
# "Stuttgart bringt die Future Industries voran", "Berlin, which covers fintech", "is all about logistics".
FOCUS_VERBS = cue_pattern(
    r"kümmer|\bvoran|\bsteh(?:t|en) für\b|bündel|im blick|beisteuer|\barbeite[nt]? (?:\w+ ){0,2}an\b"
    r"|\bförder[nt]\b|befass\w* sich|beschäftig\w* sich|\bdreh\w* sich (?:\w+ )?um\b|zuständig für"
    r"|\bcovers?\b|\ball about\b|dedicated to|devoted to|\bcent(?:re|er)(?:s|d)? on\b|concentrat"
    r"|\bstands? for\b|\bhandles?\b|\blooks? after\b|responsible for"
)
HUB_WORDS = frozenset({"Hub", "hub", "Hubs", "hubs"})
FOCUS_CUES = frozenset(
    {":", "(", "–", "—", "-", "für", "for", "mit", "with", "on", "auf", "schwerpunkt", "schwerpunkten"}
    | {"schwerpunkte", "fokus", "focus", "focuses", "focused", "konzentriert", "konzentrieren"}
    | {"fokussiert", "spezialisieren", "widmen", "widmet", "spezialisiert", "rund", "themen"}
    | {"thema", "bereich", "bereichen", "bereiche", "kompetenzen", "sector", "sectors", "branche"}
    | {"schwerpunkts"}
)
LOCATIVE = frozenset({"in", "im", "nach", "aus", "bei", "von", "zu", "zur", "to", "at", "from", "nahe"})
ARISES = cue_pattern(r"entsteh|eröffne|\bopens?\b|gegründet|startet|\bsitz|ansässig|\bbased\b")
JOINERS = frozenset({",", "und", "sowie", "and", "/", "-", "&", "oder"})
LIST_JOINERS = frozenset({",", "und", "sowie", "and", "oder", "or", "&"})
CONNECTOR_WINDOW = 3  # tokens between a hub city and its sector in "Köln für Insurtech", "Munich on mobility"


@dataclass(slots=True)
class HubRef:
    """One HUB mention: the tokens, the hub, the cities and sectors the reference itself states."""

    start: int
    end: int
    hub: str
    cities: tuple[str, ...] = ()
    sectors: tuple[str, ...] = ()
    anaphor: bool = False  # "der Hub", "Beide Standorte": points back, names no hub (anaphora.py)


def initiative_context(
    texts: list[str], names: list[Span], cities: list[Span], sectors: list[Span], data: EntityData
) -> bool:
    """Is the document about the initiative at all (not another programme's hub)?

    Yes when it says so ("Digital Hub Initiative", "de:hub"), names a hub ("Smart Systems Hub"), names an
    operator next to "Digital Hub", or places a "Digital Hub" in a hub city together with that hub's sector.
    """
    joined = "\n".join(texts)
    if says_initiative(joined) or any(s.label_ == "HUBNAME" for s in names):
        return True
    if current_hubs().new_hub_words and NETWORK_OF_HUBS.search(joined.lower()):
        return True
    if any(s.label_ == "OPERATOR" for s in names) and DIGITAL_HUB.search(joined.lower()):
        return True
    return any(_hub_city_with_its_sector(city, sectors, data) for city in cities)


def says_initiative(text: str) -> bool:
    """Does the text name the initiative itself ("Digital Hub Initiative", "de:hub", "Hub Agency" …)?"""
    return bool(INITIATIVE.search(text.lower()) or INITIATIVE_CASED.search(text))


def initiative_sentences(doc: Doc) -> set[int]:
    """Indices of the sentences that name the initiative itself."""
    return sentences_matching(doc, INITIATIVE) | sentences_matching(doc, INITIATIVE_CASED, lowered=False)


def _hub_city_with_its_sector(city: Span, sectors: list[Span], data: EntityData) -> bool:
    """'Ludwigshafen und Mannheim bilden einen Digital Hub mit den Schwerpunkten Chemie und Gesundheit.'"""
    hub = data.hub_of_city.get(city.id_)
    if hub is None:
        return False
    doc, sent = city.doc, sentence_index(city.doc, city.start)
    if sent not in sentences_matching(doc, DIGITAL_HUB) or sent in sentences_matching(doc, OTHER_PROGRAMME):
        return False
    own = data.hubs[hub].sectors
    return any(s.doc is doc and s.id_ in own and sentence_index(doc, s.start) == sent for s in sectors)


def _hub_sentences(doc: Doc, rules: HubRules) -> set[int]:
    """Sentences that talk about hubs or sites, not about another programme's hubs; with ``list_lines``
    also the lines of a list whose lead does ("Die Hubs laden ein:⏎1. Hamburg: Hackathon …")."""
    found = sentences_matching(doc, HUB_CUE) - sentences_matching(doc, OTHER_PROGRAMME)
    if rules.list_lines:
        found |= {line for line, lead in list_leads(doc).items() if lead in found}
    return found


def _name_refs(names: list[Span], cities: list[Span], context: bool, data: EntityData) -> list[HubRef]:
    """Hub names count anywhere; an operator ('SpinLab') or a generic name ('Mobility Hub') only in a
    document about the initiative; none in a sentence about another programme."""
    refs = []
    for span in names:
        if span.label_ in ("OPERATOR", "HUBNAME_GENERIC") and not context:
            continue
        if sentence_index(span.doc, span.start) in sentences_matching(span.doc, OTHER_PROGRAMME):
            continue
        hubs, _, sectors = span.id_.partition("|")
        hub = _pick_hub(hubs.split(","), span, cities, data)
        if hub:
            refs.append(HubRef(span.start, span.end, hub, (), tuple(s for s in sectors.split("|") if s)))
    return refs


def _pick_hub(hubs: list[str], span: Span, cities: list[Span], data: EntityData) -> str | None:
    """A shared name goes to the hub whose city is named nearest to it, also inside another name
    ("Die Wirtschaftsförderung Dortmund … der Digital Hub Logistics")."""
    if len(hubs) == 1:
        return hubs[0]
    written = [s for s in span.doc.spans[SPANS_KEY] if s.label_ == "CITY"]
    named = [(abs(c.start - span.start), data.hub_of_city.get(c.id_)) for c in [*cities, *written]]
    candidates = sorted((d, h) for d, h in named if h in hubs)
    return candidates[0][1] if candidates else None


def _after_hub_word(city: Span) -> int | None:
    """Start token of 'Digital Hub'/'de:hub'/'Hub' right before a city ('Digital Hub Jena'), else None."""
    doc, i = city.doc, city.start
    if i >= 1 and doc[i - 1].text in HUB_WORDS:
        if i >= 3 and doc[i - 2].text == ":" and doc[i - 3].lower_ == "de":
            return i - 3
        return i - 2 if i >= 2 and doc[i - 2].lower_ == "digital" else i - 1
    return None


def _focus_follows(city: Span, sectors: list[Span]) -> bool:
    """'Köln für Insurtech', 'Potsdam: Medientechnologien', 'Munich on mobility', 'Berlin (Fintech …)';
    also the sector first: 'Für Fintech steht Frankfurt', 'für Insurtech Köln'."""
    doc = city.doc
    window = doc[city.end : city.end + CONNECTOR_WINDOW]
    cue = next((t.i for t in window if t.lower_ in FOCUS_CUES), None)
    if cue is not None and any(cue < s.start <= cue + CONNECTOR_WINDOW for s in sectors):
        return True
    before = [s for s in sectors if city.start - CONNECTOR_WINDOW <= s.end <= city.start]
    return any(s.start > 0 and doc[s.start - 1].lower_ in {"für", "for"} for s in before)


@dataclass(slots=True)
class _Where:
    """What a city reference is read against: the text's towns, its hub names, sectors and the rules (and,
    computed once per text, the tokens inside hub names, the towns by their end, the hub sentences)."""

    cities: list[Span]
    names: list[Span]
    sectors: list[Span]
    added: dict[str, str]
    rules: HubRules
    named: frozenset[int] = frozenset()
    ends: dict[int, Span] = field(default_factory=dict)
    hub_sentences: set[int] | None = None
    own: dict[int, tuple[str, ...]] = field(default_factory=dict)  # _own_sectors_beside, per city

    def __post_init__(self) -> None:
        self.named = frozenset(t for n in self.names for t in range(n.start, n.end))
        self.ends = {c.end: c for c in self.cities}


def _city_refs(
    cities: list[Span], sectors: list[Span], context: bool, data: EntityData, added: dict[str, str],
    names: list[Span] | None = None,
) -> list[HubRef]:  # fmt: skip
    """'Digital Hub Jena' anywhere (an unlisted hub keeps its location as canonical);
    a hub city — or a town the text announces as a new hub (``added``) — where the document is about the
    initiative and the sentence about hubs, or where a focus sector follows. A dateline is no hub."""
    refs = []
    where = _Where(cities, names or [], sectors, added, current_hubs())
    for city in cities:
        hub = data.hub_of_city.get(city.id_) or added.get(city.id_)
        if city.label_ == "CITY_ADJ":
            if hub and context and where.rules.adjective_hub and _adjective_of_hub(city):
                refs.append(HubRef(city.start, city.end, hub, (city.id_,)))
            continue
        named_start = _after_hub_word(city)
        if named_start is not None and city.doc[named_start].lower_ in {"digital", "de"}:
            refs.append(HubRef(named_start, city.end, hub or city.text, (city.id_,)))
        elif hub and context and not _dateline(city, where.rules) and _placed_as_hub(city, where):
            own = _own_sectors_beside(city, where) if where.rules.own_sector_place else ()
            stated = tuple(dict.fromkeys((*_relative_sectors(city, sectors), *own)))
            refs.append(HubRef(city.start, city.end, hub, (city.id_,), stated))
    return refs


SITE_WORDS = HUB_WORDS | {"Standort", "Digital-Hub", "Hub-Standort"}
ADJECTIVE_REACH = (
    4  # tokens between the adjective and "Hub": "Kölner Insurtech - Hub", "Stuttgarter Digital Hub"
)


def _adjective_of_hub(adjective: Span) -> bool:
    """'der Berliner Hub', 'dem Kölner Insurtech-Hub', 'Der Stuttgarter Digital Hub für …': a hub city's
    adjective before a hub word, with only sector words, hyphens and 'Digital' between; not in a sentence
    about another programme."""
    doc = adjective.doc
    if sentence_index(doc, adjective.start) in sentences_matching(doc, OTHER_PROGRAMME):
        return False
    for token in doc[adjective.end : adjective.end + ADJECTIVE_REACH]:
        if token.text in SITE_WORDS:
            return True
        if not (token.text == "-" or token.lower_ == "digital" or _sector_word(token)):
            return False
    return False


def _sector_word(token: Token) -> bool:
    """A token inside a sector span ('Insurtech' of 'Insurtech-Hub')."""
    return any(s.start <= token.i < s.end for s in token.doc.spans.get("sectors", ()))


RELATIVE = frozenset({"wo", "where", "whose", "dessen", "deren"})
RELATIVE_REACH = 5  # tokens after the relative word: "wo der Insurtech - Hub"


def _relative_hub(city: Span) -> int | None:
    """'nach Köln, wo der Insurtech-Hub der Initiative sitzt', 'Darmstadt, whose hub is devoted to …': the
    hub word's token, else None."""
    doc, j = city.doc, city.end
    if j + 1 >= len(doc) or doc[j].text != "," or doc[j + 1].lower_ not in RELATIVE:
        return None
    window = doc[j + 2 : j + 2 + RELATIVE_REACH]
    return next((t.i for t in window if t.text in SITE_WORDS or t.lower_ == "hub"), None)


def _relative_sectors(city: Span, sectors: list[Span]) -> tuple[str, ...]:
    """The sectors of 'Köln, wo der Insurtech-Hub …' (between the relative word and the hub word)."""
    hub = _relative_hub(city) if current_hubs().relative_hub else None
    if hub is None:
        return ()
    return tuple(s.id_ for s in sectors if city.end + 1 < s.start <= hub)


DATELINE_DASHES = frozenset({"–", "-", "—", ":", "/"})


def _dateline(city: Span, rules: HubRules) -> bool:
    """A dateline ("Calden (dpa) –"); with ``list_lines`` not a list line "Frankfurt am Main (Fintech)"."""
    if not places.dateline(city):
        return False
    doc = city.doc
    if not rules.list_lines or city.end >= len(doc) or doc[city.end].text != "(":
        return True
    close = next((t.i for t in doc[city.end : city.end + 6] if t.text == ")"), None)
    return close is not None and close + 1 < len(doc) and doc[close + 1].text in DATELINE_DASHES


def _placed_as_hub(city: Span, where: _Where) -> bool:
    """A new hub, a hub city in a sentence about hubs, or one with its focus; never in a sentence about
    another programme ("its own digital hub in Stuttgart for AI startups")."""
    if city.id_ in where.added:
        return True
    if sentence_index(city.doc, city.start) in sentences_matching(city.doc, OTHER_PROGRAMME):
        return False
    if where.rules.own_sector_place and _own_sectors_beside(city, where):
        return True
    return _in_hub_sentence(city, where) or _focus_follows(city, where.sectors)


ORIGIN = frozenset({"aus", "from", "stammen", "stammt"})


def _origin(city: Span) -> bool:
    """Where someone comes from or is based, not a hub: "Preisträger stammen aus Berlin, München und
    Leipzig", "a Karlsruhe-based startup" (the first town of a list decides for the list)."""
    doc, i = city.doc, city.start
    while i >= 2 and doc[i - 1].text in {",", "und", "and", "sowie", "or", "oder"}:
        i -= 2  # back over a list: "aus Berlin, München und Leipzig"
    before = doc[i - 1].lower_ if i >= 1 else ""
    after = city.doc[city.end : city.end + 2].text.lower()
    return before in ORIGIN or after.startswith(("-based", "- based", "-basiert"))


def _own_sectors_beside(city: Span, where: _Where) -> tuple[str, ...]:
    """In a text about the initiative, the sectors of a hub city's own hub (hubs.yaml) in the city's
    sentence: "Berlin covers fintech and the Internet of Things", "Logistics startups are best served in
    Hamburg or Dortmund", "Cologne is the centre for insurtech" — they place the hub and are its focus. A
    sector two hubs own goes to the nearer one ("Cologne for insurtech, Munich for mobility")."""
    if city.start in where.own:
        return where.own[city.start]
    data = load()
    hub = data.hub_of_city.get(city.id_)
    found: list[str] = []
    own = data.hubs[hub].sectors if hub else ()
    candidates = [s for s in where.sectors if s.id_ in own and s.doc is city.doc]
    if candidates and not _origin(city):
        doc, k = city.doc, sentence_index(city.doc, city.start)
        candidates = [s for s in candidates if sentence_index(doc, s.start) == k]
        rivals = [
            (c.start, data.hubs[h].sectors)
            for c in where.cities
            if c.doc is doc and c.start != city.start and (h := data.hub_of_city.get(c.id_)) and h != hub
            and sentence_index(doc, c.start) == k
        ] if candidates else []  # fmt: skip
        for s in candidates:
            distance = abs(s.start - city.start)
            if not any(s.id_ in sectors and abs(s.start - start) < distance for start, sectors in rivals):
                found.append(s.id_)
    where.own[city.start] = tuple(dict.fromkeys(found))
    return where.own[city.start]


def _in_hub_sentence(city: Span, where: _Where) -> bool:
    """A hub city in a sentence about hubs or sites, or the subject of one naming the initiative.

    "Darmstadt joined the Digital Hub Initiative" places a hub; "stellte in Berlin die Digital Hub Initiative
    vor" and "lud nach Berlin ein" name only where something happened.
    """
    doc, k = city.doc, sentence_index(city.doc, city.start)
    attached = _preposition_attaches(city, where) if where.rules.attached_place else None
    if where.rules.relative_hub and _relative_hub(city) is not None:
        return True
    if attached is False:
        return False
    if where.hub_sentences is None:
        where.hub_sentences = _hub_sentences(doc, where.rules)
    if k in where.hub_sentences:
        return not _where_something_happened(city)
    if k not in initiative_sentences(doc) or k in sentences_matching(doc, OTHER_PROGRAMME):
        return False
    return attached is True or city.start == 0 or doc[city.start - 1].lower_ not in LOCATIVE


PLACE_PREPOSITIONS = LOCATIVE | {"near", "vom", "ins", "beim"}
# Words a place after a preposition may belong to and still name a hub: "die Hubs in Frankfurt", "der Hub
# aus Dresden", "Standorte in", "Hubs der Digital Hub Initiative in", "Digital Hubs des Bundes, etwa in".
HUB_HEADS = (
    "hub", "hubs", "standort", "standorte", "standorten", "standorts", "location", "locations",
    "initiative", "netzwerk", "network", "bundes",
)  # fmt: skip
LOOK_BACK = 4  # tokens before the preposition: "Digital Hubs des Bundes, etwa in"
# A place compared with or ranked after another stands where that one stands: "der Standort Berlin, gefolgt
# von München", "Im Vergleich zu Potsdam, das …".
COMPARISONS = frozenset(
    {"gefolgt", "followed", "vergleich", "verglichen", "compared", "gegenüber", "ahead", "gegensatz"}
    | {"unterschied", "contrast", "als", "wie", "than", "as"}  # "Anders als in Köln", "Im Gegensatz zu Köln"
)


def _preposition_attaches(city: Span, where: _Where) -> bool | None:
    """After a preposition (not opening the sentence), does the place belong to a hub word?

    "die Hubs in Frankfurt, Köln und Jena", "der Smart Systems Hub aus Dresden", "InsurLab Germany in Köln":
    yes; "die Hub Agency in Berlin", "zum Summit nach Berlin", "founders from Berlin", "insurance groups in
    Düsseldorf and Munich": no, the place says where something else is. None: no preposition before it, or
    one after a comparison ("gefolgt von München").
    """
    doc, named = city.doc, where.named
    based = _based(city, named)
    if based is not None:
        return based
    i = _first_of_list(city, where.ends).start
    if i == 0 or doc[i - 1].lower_ not in PLACE_PREPOSITIONS or doc[i - 1].is_sent_start:
        return None
    if i >= 2 and doc[i - 2].lower_ in COMPARISONS:
        return None
    start = sentences(doc)[sentence_index(doc, i)].start
    for token in reversed(doc[max(start, i - 1 - LOOK_BACK) : i - 1]):
        if token.i in named or token.lower_.endswith(HUB_HEADS):
            return True
        if where.rules.partner_place and token.lower_ in PARTNERS:
            return True  # "its partner in Dortmund", "der zweite befindet sich in Hamburg"
        if where.rules.partner_place and token.lower_ in LOCATED:
            continue
        if not (token.is_punct or token.is_space or token.lower_ in places.STOP_WORDS):
            return False
    return None if i - 1 - LOOK_BACK < start else False  # "Auch in Karlsruhe …" opens the sentence


# ``HubRules.partner_place``: a noun for the other hub of a pair, or an ordinal standing for a hub noun,
# and the verbs that place a subject ("der zweite befindet sich in Hamburg").
PARTNERS = frozenset({"partner", "pendant", "counterpart", "zweite", "second", "other", "andere"})
LOCATED = frozenset({"befindet", "sitzt", "liegt", "located", "situated"})
BASED = frozenset({"based", "born", "headquartered"})
NOT_A_HUB = frozenset({"agency", "agentur", "initiative"})  # "Hub Agency", "Hub-Agentur"


def _based(city: Span, named: frozenset[int]) -> bool | None:
    """'the Frankfurt-based fintech hub', 'Cologne-based InsurLab Germany': a hub; 'the Berlin-based Hub
    Agency': the agency's seat. None: no '-based' after the town."""
    doc, j = city.doc, city.end
    if j + 1 >= len(doc) or doc[j].text != "-" or doc[j + 1].lower_ not in BASED:
        return None
    for token in doc[j + 2 : j + 2 + LOOK_BACK]:
        if token.lower_ in NOT_A_HUB:
            return False
        if token.lower_.endswith(HUB_HEADS) or token.i in named:
            nxt = doc[token.i + 1] if token.i + 1 < len(doc) else None
            return nxt is None or nxt.lower_ not in NOT_A_HUB
    return False


def _first_of_list(city: Span, ends: dict[int, Span]) -> Span:
    """The first town of a list the town ends: "Frankfurt" for "Jena" in "Frankfurt, Köln und Jena"
    (``ends``: the text's towns by their end)."""
    doc, span = city.doc, city
    while span.start >= 2 and doc[span.start - 1].lower_ in LIST_JOINERS and span.start - 1 in ends:
        span = ends[span.start - 1]
    return span


def _where_something_happened(city: Span) -> bool:
    """'In Berlin gab das Ministerium bekannt, dass …': a sentence opening with a place names where, not a
    hub; "In Dortmund entsteht ein Hub" and "die Hubs in Frankfurt (Fintech)" place one."""
    doc, i = city.doc, city.start
    if i == 0 or doc[i - 1].lower_ not in {"in", "im"} or not doc[i - 1].is_sent_start:
        return False
    return sentence_index(doc, i) not in sentences_matching(doc, ARISES)


def _merge_twins(refs: list[HubRef], doc: Doc) -> list[HubRef]:
    """'Dresden/Leipzig' is one reference to the twin hub, stating both cities."""
    merged: list[HubRef] = []
    for ref in sorted(refs, key=lambda r: r.start):
        prev = merged[-1] if merged else None
        if prev and prev.hub == ref.hub and ref.start == prev.end + 1 and doc[prev.end].text == "/":
            merged[-1] = HubRef(
                prev.start, ref.end, ref.hub, prev.cities + ref.cities, prev.sectors + ref.sectors
            )
        elif prev and ref.start < prev.end:  # overlapping: keep the wider
            if ref.end - ref.start > prev.end - prev.start:
                merged[-1] = ref
        else:
            merged.append(ref)
    return merged


def find_hubs(
    doc: Doc,
    names: list[Span],
    cities: list[Span],
    sectors: list[Span],
    *,
    context: bool,
    data: EntityData,
    added: dict[str, str] | None = None,
) -> list[HubRef]:
    """All HUB references in a document, in text order; ``added`` maps towns announced as new hubs."""
    refs = _name_refs(names, cities, context, data)
    refs += _city_refs(cities, sectors, context, data, added or {}, names)
    return _merge_twins(refs, doc)
