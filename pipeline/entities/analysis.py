"""One article through the pipeline: spans → cities/sectors → hub references → mentions, facts, relevance."""

from __future__ import annotations

from spacy.tokens import Doc

from pipeline.entities.anaphora import hub_anaphora
from pipeline.entities.data import EntityData, load
from pipeline.entities.facts import facts_of, is_relevant
from pipeline.entities.hubs import HubRef, find_hubs, initiative_context
from pipeline.entities.model import statistical_mentions
from pipeline.entities.newhubs import new_hub_cities
from pipeline.entities.nlp import flatten_lines, parse
from pipeline.entities.result import Analysis, Fact, Mention
from pipeline.entities.rules import current_hubs
from pipeline.entities.sents import sentence_text


class _Parsed:
    """A parsed text (title or body) with its accepted spans and, later, its hub references."""

    def __init__(self, doc: Doc, source: str) -> None:
        self.doc, self.source = doc, source
        self.names = list(doc.spans["hub_names"])
        self.cities, self.sectors = list(doc.spans["cities"]), list(doc.spans["sectors"])
        self.refs: list[HubRef] = []

    def mentions(self, *, in_title: bool) -> list[Mention]:
        """Mentions with offsets into the source text and its text as written there (line breaks kept)."""
        where = [("CITY", s.start, s.end, s.id_) for s in self.cities]
        where += [("SECTOR", s.start, s.end, s.id_) for s in self.sectors]
        where += [("HUB", r.start, r.end, r.hub) for r in self.refs]
        out = []
        for label, first, stop, canonical in where:
            start, last = self.doc[first].idx, self.doc[stop - 1]
            end = last.idx + len(last)
            sentence = sentence_text(self.doc, first)
            out.append(Mention(label, self.source[start:end], canonical, start, end, sentence, in_title))  # type: ignore[arg-type]
        return sorted(out, key=lambda m: (m.start, m.label))


def _title_names_hub(head: _Parsed, refs: list[HubRef], data: EntityData) -> bool:
    """The title names a hub: a reference, or (``title_hub``) a name two hubs share ("Digital Hub
    Logistics: two cities, one network") or every city of a hub the text names ("Nürnberg und Erlangen
    fördern …")."""
    if head.refs:
        return True
    if not current_hubs().title_hub:
        return False
    if any(s.label_ == "HUBNAME" for s in head.names):
        return True
    named = {c.id_ for c in head.cities if c.label_ == "CITY"}
    return any(r.hub in data.hubs and set(data.hubs[r.hub].cities) <= named for r in refs)


def run(text: str, title: str = "") -> Analysis:
    """The implementation behind ``pipeline.entities.analyze``."""
    data, short_lines = load(), current_hubs().list_lines
    body = _Parsed(parse(flatten_lines(text, short_lines=short_lines)), text)
    head = _Parsed(parse(flatten_lines(title, short_lines=short_lines)), title) if title else None
    parts = [body] if head is None else [head, body]
    names = [s for p in parts for s in p.names]
    cities, sectors = [c for p in parts for c in p.cities], [s for p in parts for s in p.sectors]
    context = initiative_context([title, text], names, cities, sectors, data)
    added: dict[str, str] = {}
    for part in parts if context else ():  # only a text about the initiative announces its new hubs
        added.update(new_hub_cities(part.doc, part.cities, data, part.names))
    facts: dict[tuple[str, str, str], Fact] = {}
    rules, body_refs = current_hubs(), []
    for part in parts:
        part.refs = find_hubs(
            part.doc, part.names, part.cities, part.sectors, context=context, data=data, added=added
        )
        refs = part.refs
        if part is body:
            if rules.hub_anaphora:  # "der Hub, der … für KI steht": facts and relevance, no mention
                refs = sorted(
                    [*refs, *hub_anaphora(part.doc, refs, part.cities, part.sectors)], key=lambda r: r.start
                )
            body_refs = refs
        for fact in facts_of(part.doc, refs, part.cities, part.sectors, data, set(added.values())):
            facts.setdefault((fact.hub, fact.kind, fact.value), fact)
    mentions = (head.mentions(in_title=True) if head else []) + body.mentions(in_title=False)
    mentions += statistical_mentions(text)
    titled = _title_names_hub(head, body.refs, data) if head else False
    relevant = is_relevant(body.doc, body_refs, title, titled, context)
    found = {r.hub for p in parts for r in p.refs}
    new_hubs = sorted({hub for hub in added.values() if hub in found})
    return Analysis(mentions=mentions, facts=list(facts.values()), relevant=relevant, new_hubs=new_hubs)
