"""What a text states of a hub: its city and its focus sectors, and whether the text is about the initiative.

Sector facts come from the forms the press uses: "X für Y", "X: Y, Z", "X (Y und Z)", "• X – Y",
"X mit dem Schwerpunkt Y", "X soll sich auf Y konzentrieren", "der Y-Standort X",
"als Digital Hub für Y hat X", a sector in the hub's name, and "Schwerpunkte sind Y und Z" in a text about
a single hub. In a list ("Dortmund und Hamburg für Logistik") a hub with nothing of its own shares the next
hub's sectors.
"""

from __future__ import annotations

import re
from collections.abc import Collection

from spacy.tokens import Doc, Span, Token

import pipeline.entities.clauses as clauses
from pipeline.entities.anaphora import topic_anaphora
from pipeline.entities.data import EntityData
from pipeline.entities.hubs import (
    FOCUS_CUES,
    FOCUS_VERBS,
    JOINERS,
    OTHER_PROGRAMME,
    HubRef,
    initiative_sentences,
    says_initiative,
)
from pipeline.entities.result import Fact
from pipeline.entities.rules import HubRules, current_hubs
from pipeline.entities.sents import (
    cue_pattern,
    list_groups,
    lowered_text,
    sentence_index,
    sentence_texts,
    sentences,
    sentences_matching,
)

# Words by which a sentence without a hub name states the focus of the one hub a text is about
# ("Schwerpunkte sind Energie und Smart City.", "Der Twin Hub soll die Bereiche Energie … voranbringen.").
FOCUS_SENTENCE_CUES = (
    "schwerpunkt",
    "fokus",
    "focus",
    "konzentr",  # stems: "soll sich auf Energie konzentrieren", "widmen sich", "specialises"
    "widm",
    "speziali",
    "speciali",
    "bereich",
    "mittelpunkt",
)


def _cue_holds(token: Token, sector_starts: set[int]) -> bool:
    """A preposition is a focus cue only right before a sector ("für Insurtech", "on mobility"), not in
    "looking for startups working on insurance, AI …"; the colon of "de:hub" is none, nor the hyphen of a
    compound ("die Fintech-Szene"); other cues are."""
    if token.lower_ == ":":
        return token.i + 1 >= len(token.doc) or not token.doc[token.i + 1].lower_.startswith("hub")
    if token.text == "-" and token.i > 0 and not token.doc[token.i - 1].whitespace_:
        return False
    return token.lower_ not in WEAK_CUES or any(
        token.i < s <= token.i + WEAK_CUE_REACH for s in sector_starts
    )


def _scope_sectors(
    doc: Doc, start: int, end: int, sectors: list[Span], *, elliptic: bool = False, verbs: bool = False
) -> list[str] | None:
    """Sectors after a focus cue in tokens [start, end); None when the scope holds only a list joiner.

    A focus word in the scope ("wo die Mobilität im Mittelpunkt steht", "bringt maritime Logistik ein") takes
    every sector in it; so does a scope without any cue in a sentence that has one ("Kiel bringt Logistik
    ein, Saarbrücken KI und Cybersicherheit").
    """
    tokens = doc[start:end]
    if all(t.text in JOINERS or t.is_space for t in tokens):
        return None
    inside = [s.id_ for s in sectors if start <= s.start and s.end <= end]
    last = doc[end - 1]
    lowered = lowered_text(doc)[doc[start].idx : last.idx + len(last)]  # no Span.text: it joins tokens
    if STRONG_FOCUS.search(lowered) or (verbs and FOCUS_VERBS.search(lowered)):
        return inside
    starts = {s.start for s in sectors}
    cue = next((t.i for t in tokens if t.lower_ in FOCUS_CUES and _cue_holds(t, starts)), None)
    if VERB_FINAL_FOCUS.search(lowered):  # "soll sich auf … konzentrieren": the cue is "auf"
        auf = next((t.i for t in tokens if t.lower_ == "auf"), None)
        cue = auf if cue is None or auf is None else min(cue, auf)
    if cue is None:
        return inside if elliptic else []
    return [s.id_ for s in sectors if cue < s.start and s.end <= end]


def _verb_sentences(doc: Doc, rules: HubRules) -> set[int]:
    """Sentences with a verb that states a focus (``focus_verbs``)."""
    return sentences_matching(doc, FOCUS_VERBS) if rules.focus_verbs else set()


def _focused(doc: Doc, rules: HubRules) -> set[int]:
    """Sentences that state a focus; with ``list_lines`` every line of a list one of whose lines (or its
    lead) does ("• Karlsruhe bringt KI ein,⏎• Darmstadt die Cybersicherheit,")."""
    found = sentences_matching(doc, STRONG_FOCUS) | _verb_sentences(doc, rules)
    if rules.list_lines:
        for group in list_groups(doc):
            if group & found:
                found = found | group
    return found


def _sector_facts(doc: Doc, refs: list[HubRef], sectors: list[Span], rules: HubRules) -> list[Fact]:
    """Per sentence: each hub's sectors from its scope (up to the next hub), a list sharing the next hub's,
    a sector led by "für" ("Für Fintech steht Frankfurt"), or a sector named before "hub" ("the Frankfurt
    fintech hub")."""
    facts = []
    focused = _focused(doc, rules)
    verbs = _verb_sentences(doc, rules)
    for k, sent in enumerate(sentences(doc)):
        in_sent = [r for r in refs if sent.start <= r.start < sent.end]
        if not in_sent:
            continue
        evidence = sentence_texts(doc)[k]
        here = [s for s in sectors if sent.start <= s.start < sent.end]
        led = _led_sectors(doc, in_sent, here)
        free = [s for s in here if s.start not in led]
        found: list[list[str] | None] = []
        for i, ref in enumerate(in_sent):
            stop = in_sent[i + 1].start if i + 1 < len(in_sent) else sent.end
            named = _named_before_hub(doc, ref, stop, free)
            scope = _scope_sectors(doc, ref.end, stop, free, elliptic=k in focused, verbs=k in verbs)
            found.append(named or scope)
        inherited: list[str] = []
        for ref, own in reversed(list(zip(in_sent, found, strict=True))):
            inherited = inherited if own is None else own
            facts += [Fact(ref.hub, "sector", s, evidence) for s in [*ref.sectors, *inherited]]
        facts += [Fact(in_sent[i].hub, "sector", s.id_, evidence) for s in here for i in led.get(s.start, ())]
    return facts


def _led_sectors(doc: Doc, refs: list[HubRef], sectors: list[Span]) -> dict[int, list[int]]:
    """'Für Fintech steht Frankfurt, für Logistik stehen Hamburg und Dortmund': sector start → the hubs it
    leads (the next hub within reach and those joined to it). Not "Köln für Insurtech, Berlin …"."""
    led: dict[int, list[int]] = {}
    ends = {r.end for r in refs}
    after_hub_word = current_hubs().hub_word_for
    for s in sectors:
        if s.start == 0 or doc[s.start - 1].lower_ not in LEADING_CUES or s.start - 1 in ends:
            continue
        if after_hub_word and _after_hub_of(doc, s.start - 2, ends):
            continue  # "der Stuttgarter Hub für Future Industries": the sector is that hub's
        first = next((i for i, r in enumerate(refs) if s.end <= r.start <= s.end + LEAD_REACH), None)
        if first is None or any(s.end <= o.start < refs[first].start for o in sectors):
            continue
        led[s.start] = [first]
        for i in range(first + 1, len(refs)):
            if not all(t.text in JOINERS for t in doc[refs[i - 1].end : refs[i].start]):
                break
            led[s.start].append(i)
    return led


def _after_hub_of(doc: Doc, i: int, ends: set[int]) -> bool:
    """Token ``i`` is a hub word right after a hub reference ("Stuttgarter Hub", "Kölner Digital Hub"); not
    "Als der Hub für Cybersicherheit in Darmstadt", where the place comes after."""
    if i < 1 or not doc[i].lower_.endswith(HUB_WORD_ENDINGS):
        return False
    return any(end in ends for end in range(i - 2, i + 1))


def _named_before_hub(doc: Doc, ref: HubRef, stop: int, sectors: list[Span]) -> list[str]:
    """'the Frankfurt fintech hub', "Munich's mobility hub", "Karlsruhe, the initiative's AI hub"."""
    window = doc[ref.end : min(stop, ref.end + NAMED_HUB_REACH)]
    hub = next((t.i for t in window if t.lower_ in {"hub", "hubs"}), None)
    if hub is None:
        return []
    return [s.id_ for s in sectors if ref.end <= s.start < hub]  # "Insurtech-Hub" is one sector span


WEAK_CUES = frozenset({"für", "for", "on", "mit", "with", "auf"})
LEADING_CUES = frozenset({"für", "for"})
HUB_WORD_ENDINGS = ("hub", "hubs", "standort", "standorts")  # "Hub für", "Digital-Hub für", "Standort für"
LEAD_REACH = 3  # tokens from a leading sector to its hub: "für Logistik stehen Hamburg"
NAMED_HUB_REACH = 7  # tokens from a hub to "hub": "Karlsruhe, the initiative's AI hub"
# Words that state a focus, wherever the sectors stand: "wo die Mobilität im Mittelpunkt steht".
STRONG_FOCUS = cue_pattern(
    r"schwerpunkt|fokus|focus|konzentrier|spezialisier|speciali[sz]|mittelpunkt|widm|\bsetz\w* auf\b"
    r"|\bbring\w* .{0,60}\bein\b|\bsteuer\w* .{0,60}\bbei\b|\bworks? on\b"
)
WEAK_CUE_REACH = 2  # tokens: "für die Logistik", "on mobility"
# German puts the focus verb last: "soll sich auf Raumfahrt und Logistik konzentrieren".
VERB_FINAL_FOCUS = cue_pattern(r"\bauf\b.*\b(?:konzentrier|spezialisier|fokussier|ausgerichtet|setz)")
SITE_HEADS = ("hub", "standort", "netzwerk", "cluster", "zentrum")
# A sector glued to a lower-case head is a modifier, German orthography's adjective or participle: "mit
# KI-gestützten Werkzeugen", "AI-driven claims": how a team works, not what a hub is about.
MODIFIER_COMPOUND = re.compile(r"\w+-[a-zäöüß]\w*")


def _site_compound_facts(doc: Doc, refs: list[HubRef], sectors: list[Span]) -> list[Fact]:
    """'der Fintech-Standort Frankfurt', 'die Logistik-Hubs … in Hamburg und Dortmund'.

    The compound's sector goes to the hubs named after it in the sentence, up to the next such compound.
    """
    sites = [s for s in sectors if s.text.lower().rstrip("es").endswith(SITE_HEADS)]
    facts = []
    for i, site in enumerate(sites):
        k = sentence_index(doc, site.start)
        stop = sites[i + 1].start if i + 1 < len(sites) else len(doc)
        for ref in refs:
            if site.end <= ref.start < stop and sentence_index(doc, ref.start) == k:
                facts.append(Fact(ref.hub, "sector", site.id_, sentence_texts(doc)[k]))
    return facts


HUB_FOR = cue_pattern(r"\bhubs? (?:für|for) ")


def _hub_for_sector(doc: Doc, refs: list[HubRef], sectors: list[Span]) -> list[Fact]:
    """'Als Digital Hub für Künstliche Intelligenz hat Karlsruhe …': the sector before the hub's name."""
    facts = []
    ends = {m.end(): m for m in HUB_FOR.finditer(lowered_text(doc))}
    for s in sectors:
        if s.start_char not in ends:
            continue
        k = sentence_index(doc, s.start)
        hubs = {r.hub for r in refs if sentence_index(doc, r.start) == k}
        if len(hubs) == 1:
            facts.append(Fact(hubs.pop(), "sector", s.id_, sentence_texts(doc)[k]))
    return facts


def _single_hub_focus(
    doc: Doc, refs: list[HubRef], sectors: list[Span], new_hubs: Collection[str], rules: HubRules
) -> list[Fact]:
    """'Schwerpunkte sind Energie und Smart City.' in a text about one hub states that hub's focus; with
    ``new_hub_focus``, in a text that announces new hubs, such a sentence naming no hub states theirs
    ("Der gemeinsame Hub soll sich auf Energie konzentrieren")."""
    hubs = {r.hub for r in refs}
    about, named = hubs, set()
    if len(hubs) != 1:
        about = hubs & set(new_hubs) if rules.new_hub_focus else set()
        if not about:
            return []
        named = {sentence_index(doc, r.start) for r in refs if not r.anaphor}  # "Der gemeinsame Hub …"
    facts = []
    for s in sectors:
        k = sentence_index(doc, s.start)
        evidence = sentence_texts(doc)[k]
        if k not in named and any(c in evidence.lower() for c in FOCUS_SENTENCE_CUES):
            facts += [Fact(hub, "sector", s.id_, evidence) for hub in sorted(about)]
    return facts


def _city_facts(doc: Doc, refs: list[HubRef], cities: list[Span], data: EntityData) -> list[Fact]:
    """The city a hub is placed in: named in the reference or, for a hub's own city, in the same sentence."""
    facts = []
    for ref in refs:
        k = sentence_index(doc, ref.start)
        stated = set(ref.cities)
        own = data.hubs[ref.hub].cities if ref.hub in data.hubs else ()
        stated |= {
            c.id_ for c in cities if c.label_ == "CITY" and c.id_ in own and sentence_index(doc, c.start) == k
        }
        facts += [Fact(ref.hub, "city", c, sentence_texts(doc)[k]) for c in sorted(stated)]
    return facts


def facts_of(
    doc: Doc,
    refs: list[HubRef],
    cities: list[Span],
    sectors: list[Span],
    data: EntityData,
    new_hubs: Collection[str] = (),
) -> list[Fact]:
    """All facts, one per (hub, kind, value), with the first sentence that states it as evidence."""
    if not refs:
        return []
    rules = current_hubs()
    if rules.modifier_no_focus:
        sectors = [s for s in sectors if not _modifier(s, data)]
    every = _city_facts(doc, refs, cities, data) + _sector_facts(doc, refs, sectors, rules)
    every += _single_hub_focus(doc, refs, sectors, new_hubs, rules) + _hub_for_sector(doc, refs, sectors)
    every += _site_compound_facts(doc, refs, sectors)
    if rules.topic_anaphora:
        every += _topic_facts(doc, refs, sectors)
    if rules.sector_hub_phrase:
        every += [
            Fact(refs[i].hub, "sector", sector, sentence_texts(doc)[sentence_index(doc, refs[i].start)])
            for i, sector in clauses.sector_hub_phrase(doc, refs, sectors)
        ]
    unique: dict[tuple[str, str, str], Fact] = {}
    for fact in every:
        unique.setdefault((fact.hub, fact.kind, fact.value), fact)
    return list(unique.values())


def _modifier(sector: Span, data: EntityData) -> bool:
    """'KI-gestützte', 'AI-based': a lower-case head that is none of the compound heads ('KI-startups')."""
    if not MODIFIER_COMPOUND.fullmatch(sector.text):
        return False
    head = sector.text.partition("-")[2]
    return not head.startswith(data.compound_heads)


def _topic_facts(doc: Doc, refs: list[HubRef], sectors: list[Span]) -> list[Fact]:
    """'Der Hub Ludwigshafen/Mannheim kombiniert das Thema mit Chemie': the text's topic sector goes to the
    hub named before "das Thema" in its sentence."""
    facts = []
    for i, topic in topic_anaphora(doc, sectors):
        k = sentence_index(doc, i)
        before = [r for r in refs if r.end <= i and sentence_index(doc, r.start) == k]
        if before:
            facts.append(Fact(before[-1].hub, "sector", topic, sentence_texts(doc)[k]))
    return facts


def is_relevant(doc: Doc, refs: list[HubRef], title: str, titled: bool, context: bool) -> bool:
    """About the initiative or a hub: said in the title (``titled``: it names a hub), the lead, or at least
    two sentences."""
    if not context or OTHER_PROGRAMME.search(title.lower()):
        return False
    if titled or says_initiative(title):
        return True
    cues = initiative_sentences(doc) | {sentence_index(doc, r.start) for r in refs}
    cues -= sentences_matching(doc, OTHER_PROGRAMME)
    return len(cues) >= 2 or 0 in cues
