"""Closed sector compounds: 'Logistikbranche', 'Fintechszene', 'Mobilitäts-Start-ups', 'KI-Startups'.

German glues a sector onto a head noun, so the phrase rulers (which match whole tokens) miss it. The check
is a dict lookup on a token's first characters, cheap enough to run on every token.
"""

from __future__ import annotations

from spacy.language import Language
from spacy.tokens import Doc, Span

from pipeline.entities.data import load

PREFIX_LEN = 2
SPANS_KEY = "ruler"


def _stems_by_prefix() -> dict[str, list[tuple[str, str]]]:
    index: dict[str, list[tuple[str, str]]] = {}
    for stem, canonical in load().sector_stems.items():
        index.setdefault(stem[:PREFIX_LEN], []).append((stem, canonical))
    return index


def compound_sector(text: str, index: dict[str, list[tuple[str, str]]], heads: tuple[str, ...]) -> str | None:
    """The sector of a compound token, or None: a known stem followed by a known head noun."""
    for stem, canonical in index.get(text[:PREFIX_LEN], ()):
        if text.startswith(stem) and len(text) > len(stem):
            rest = text[len(stem) :].lstrip("-").lower()
            if rest.startswith(heads):
                return canonical
    return None


@Language.factory("hubwatch_compounds")
def make_compounds(nlp: Language, name: str) -> CompoundSectors:
    return CompoundSectors()


class CompoundSectors:
    """Adds SECTOR spans for compound tokens and for 'KI-' + head split over tokens."""

    def __init__(self) -> None:
        self.index = _stems_by_prefix()
        self.heads = load().compound_heads

    def __call__(self, doc: Doc) -> Doc:
        found = []
        for token in doc:
            if len(token.text) > PREFIX_LEN + 2 and token.text[:PREFIX_LEN] in self.index:
                canonical = compound_sector(token.text, self.index, self.heads)
                if canonical:
                    found.append(Span(doc, token.i, token.i + 1, label="SECTOR", span_id=canonical))
        if found:
            doc.spans[SPANS_KEY] = [*doc.spans[SPANS_KEY], *found]
        return doc
