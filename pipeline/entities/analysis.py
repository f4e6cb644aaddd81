"""One article through the pipeline: spans → cities/sectors → hub references → mentions, facts, relevance."""

from __future__ import annotations

from spacy.tokens import Doc, Span

from pipeline.entities import Analysis, Mention
from pipeline.entities.data import EntityData, load
from pipeline.entities.facts import facts_of, is_relevant
from pipeline.entities.hubs import HubRef, find_hubs, initiative_context
from pipeline.entities.model import statistical_mentions
from pipeline.entities.nlp import flatten_lines, get_nlp
from pipeline.entities.resolve import cities_and_sectors, split_layers


class _Parsed:
    """A parsed text with its accepted spans."""

    def __init__(self, doc: Doc) -> None:
        self.doc = doc
        self.names, rest = split_layers(doc)
        self.cities, self.sectors = cities_and_sectors(rest)
        self.refs: list[HubRef] = []


def _mentions(parsed: _Parsed, source: str, *, in_title: bool) -> list[Mention]:
    """Mentions with offsets into ``source`` and its text as written there (line breaks kept)."""
    doc = parsed.doc
    spans: list[tuple[str, Span | tuple[int, int], str]] = [("CITY", s, s.id_) for s in parsed.cities]
    spans += [("SECTOR", s, s.id_) for s in parsed.sectors]
    spans += [("HUB", (r.start, r.end), r.hub) for r in parsed.refs]
    out = []
    for label, where, canonical in spans:
        span = doc[where[0] : where[1]] if isinstance(where, tuple) else where
        out.append(
            Mention(
                label, span.text, canonical, span.start_char, span.end_char, span.sent.text.strip(), in_title
            )  # type: ignore[arg-type]
        )
    return sorted(out, key=lambda m: (m.in_title is False, m.start, m.label))


def run(text: str, title: str = "") -> Analysis:
    """The implementation behind ``pipeline.entities.analyze``."""
    nlp, data = get_nlp(), load()
    body = _Parsed(nlp(flatten_lines(text)))
    head = _Parsed(nlp(flatten_lines(title))) if title else None
    parts = [body] if head is None else [head, body]
    names = [s for p in parts for s in p.names]
    context = initiative_context([title, text], names, [c for p in parts for c in p.cities], data)
    for part in parts:
        part.refs = find_hubs(part.doc, part.names, part.cities, part.sectors, context=context, data=data)
    facts = facts_of(body.doc, body.refs, body.cities, body.sectors, data)
    if head is not None:
        facts += [f for f in facts_of(head.doc, head.refs, head.cities, head.sectors, data) if f not in facts]
    mentions = (_mentions(head, title, in_title=True) if head else []) + _mentions(body, text, in_title=False)
    mentions += statistical_mentions(text)
    relevant = is_relevant(body.doc, body.refs, title, len(head.refs) if head else 0, context)
    return Analysis(mentions=mentions, facts=_dedupe(facts), relevant=relevant)


def _dedupe(facts: list) -> list:  # type: ignore[type-arg]
    seen: dict[tuple[str, str, str], object] = {}
    for fact in facts:
        seen.setdefault((fact.hub, fact.kind, fact.value), fact)
    return list(seen.values())


__all__ = ["EntityData", "run"]
