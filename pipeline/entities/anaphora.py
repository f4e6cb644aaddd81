"""Hub nouns that refer back to the hubs a text has named (``rules.HubRules.hub_anaphora``).

Other writers name a hub once and then write "der Hub", "the hub", "Der Thüringer Hub", "Beide Standorte",
"the two sites": "Der Hub, der innerhalb der Digital Hub Initiative für Künstliche Intelligenz steht, …"
states the focus of the hub named before it. Such a noun is no HUB mention (INTERFACE.md counts names and
places); it gives facts and makes its sentence one about the hub for ``relevant``.
"""

from __future__ import annotations

from spacy.attrs import LOWER
from spacy.tokens import Doc, Span

from pipeline.entities.hubs import OTHER_PROGRAMME, HubRef
from pipeline.entities.sents import sentence_index, sentences_matching

SINGULAR = frozenset({"hub", "standort", "standorts", "site"})
PLURAL = frozenset({"hubs", "standorte", "standorten", "sites"})
ARTICLES = frozenset({"der", "die", "das", "den", "dem", "des", "the", "unser", "unseren", "unserem"})
BOTH = frozenset({"beide", "beiden", "both", "two", "zwei"})  # "Beide Standorte", "the two sites"
INDEFINITE = frozenset({"ein", "eine", "einen", "einem", "einer", "eines", "a", "an"})
MODIFIERS = 2  # tokens between the article and the noun: "Der Thüringer Hub", "der neue Standort"
# Not the hub itself: "der Hub-Agentur", "the Hub Agency", "der Hub Initiative".
NOT_A_HUB = frozenset({"agency", "agentur", "initiative"})
PLACE_AFTER = 2  # "der Hub in Köln", "der Standort Dresden": a place follows, no anaphora


def hub_anaphora(doc: Doc, refs: list[HubRef], cities: list[Span], sectors: list[Span]) -> list[HubRef]:
    """A reference for each hub noun that points back: the hub named last (singular) or the last two hubs
    ("Beide Standorte"), with the sectors inside the phrase ("the insurtech hub"); none before any hub is
    named, in apposition to a hub ("InsurLab Germany, the insurtech hub …"), or where a place or name
    follows the noun."""
    if not refs:
        return []  # nothing to point back to (most everyday news): no scan
    taken = {i for r in refs for i in range(r.start, r.end)}
    places = {i for c in cities for i in range(c.start, c.end)} | taken
    ends = {r.end for r in refs}
    nouns = [i for i in _tokens_among(doc, SINGULAR | PLURAL) if i not in taken]
    other = sentences_matching(doc, OTHER_PROGRAMME)
    # A hub newly introduced ("einen eigenen Digital Hub") is what a later "der Hub" means, not a named one.
    introduced = [i for i in nouns if _determiner(doc, i, taken, INDEFINITE) is not None]
    found = []
    for i in nouns:
        token, lower = doc[i], doc[i].lower_
        head = _determiner(doc, token.i, taken)
        if head is None or _named_after(doc, token.i, places) or _apposition(doc, head, ends):
            continue
        if sentence_index(doc, i) in other or _introduced_since(refs, introduced, head):
            continue
        plural = lower in PLURAL and doc[head].lower_ != "des"  # "Partner des Hubs" is one hub
        if plural != (doc[head].lower_ in BOTH):
            continue  # "die Hubs" is the hubs in general; "beide Standorte" two named ones
        before = _last_hubs(refs, head, 2 if plural else 1)
        inside = tuple(s.id_ for s in sectors if head < s.start and s.end <= token.i + 1)
        found += [HubRef(head, token.i + 1, hub, sectors=inside, anaphor=True) for hub in before]
    return found


def _introduced_since(refs: list[HubRef], introduced: list[int], head: int) -> bool:
    """Another hub was introduced after the last hub named before ``head``: "Das Land plant einen eigenen
    Hub. Der Hub soll …" points to that one."""
    last = max((r.end for r in refs if r.end <= head), default=head)
    return any(last <= i < head for i in introduced)


def _determiner(doc: Doc, i: int, taken: set[int], articles: frozenset[str] = ARTICLES | BOTH) -> int | None:
    """The article or count word before the noun at ``i``, with at most ``MODIFIERS`` words between."""
    for j in range(i - 1, max(i - 2 - MODIFIERS, -1), -1):
        token = doc[j]
        if token.lower_ in articles:
            return j
        if token.is_punct or token.is_space or j in taken:
            return None
    return None


def _apposition(doc: Doc, head: int, ends: set[int]) -> bool:
    """Right after a hub reference, or after it and a comma: "InsurLab Germany, the insurtech hub …"."""
    return head in ends or (head - 1 in ends and doc[head - 1].text == ",")


def _named_after(doc: Doc, i: int, places: set[int]) -> bool:
    """A place, a name or 'Agentur' follows: "der Hub in Köln", "der Hub Nürnberg/Erlangen", "Hub-Agentur"."""
    for token in doc[i + 1 : i + 1 + PLACE_AFTER]:
        if token.i in places or token.lower_ in NOT_A_HUB:
            return True
        if token.text != "-" and token.lower_ not in {"in", "im", "aus", "of", "at", "from"}:
            return False
    return False


def _last_hubs(refs: list[HubRef], before: int, count: int) -> list[str]:
    """The last ``count`` distinct hubs named before token ``before``."""
    hubs: list[str] = []
    for ref in sorted((r for r in refs if r.end <= before), key=lambda r: -r.start):
        if ref.hub not in hubs:
            hubs.append(ref.hub)
        if len(hubs) == count:
            return hubs
    return []


TOPIC_ARTICLES = frozenset({"das", "dieses", "dem", "diesem", "the", "this"})
TOPIC_NOUNS = frozenset({"thema", "topic"})


def topic_anaphora(doc: Doc, sectors: list[Span]) -> list[tuple[int, str]]:
    """(token, sector) for "das Thema", "the topic": the one sector the text's first sentence with a sector
    names ("Das Internet der Dinge taucht … zweimal als Schwerpunkt auf. … Der Smart Systems Hub verbindet
    das Thema mit Mikroelektronik")."""
    if not sectors:
        return []
    first = min(sectors, key=lambda s: s.start)
    sent = first.sent if first.doc is doc else None
    named = {s.id_ for s in sectors if sent is not None and sent.start <= s.start < sent.end}
    if len(named) != 1:
        return []
    topic = named.pop()
    return [
        (i, topic)
        for i in _tokens_among(doc, TOPIC_NOUNS)
        if i >= first.end and i > 0 and doc[i - 1].lower_ in TOPIC_ARTICLES
    ]


def _tokens_among(doc: Doc, words: frozenset[str]) -> list[int]:
    """Indices of the tokens whose lower-case form is one of ``words``, read from the LOWER array (creating
    a Token per word would cost more than the rest of the rule)."""
    wanted = {doc.vocab.strings.add(w) for w in words}
    return [i for i, h in enumerate(doc.to_array(LOWER).tolist()) if h in wanted]
