"""Closed sector compounds: 'Logistikbranche', 'Fintechszene', 'Mobilitäts-Start-ups', 'Energieunternehmen'.

German glues a sector onto a head noun, so the phrase rulers (which match whole tokens) miss it. One regex
over the text (stems as written, heads in any case) finds them; far cheaper than a Python loop over tokens.
"""

from __future__ import annotations

import re
from collections.abc import Collection

from spacy.language import Language
from spacy.tokens import Doc, Span

from pipeline.entities.data import load
from pipeline.entities.rules import current_hubs
from pipeline.entities.spans import SPANS_KEY, doc_text


def compound_regex(stems: dict[str, str], heads: tuple[str, ...]) -> re.Pattern[str]:
    """'<Stem>[-]<head>' at a word start, e.g. 'Logistik' + 'branche'; group 1 is the stem."""
    stem_alt = "|".join(map(re.escape, sorted(stems, key=len, reverse=True)))
    head_alt = "|".join(map(re.escape, sorted(heads, key=len, reverse=True)))
    return re.compile(rf"(?<![\w-])({stem_alt})-?(?i:{head_alt})\w*")


def acronym_compound_regex(acronyms: dict[str, str]) -> re.Pattern[str]:
    """'<ACRONYM>-<any word>' at a word start, e.g. 'KI-gestützte', 'IoT-Sensoren'; group 1 is the acronym.

    An acronym written before a hyphen is the technology itself: every independent writer of the press sets
    labelled "KI-gestützte Analyse" as Künstliche Intelligenz.
    """
    alt = "|".join(map(re.escape, sorted(acronyms, key=len, reverse=True)))
    return re.compile(rf"(?<![\w-])({alt})-(?:(?=[^\W\d_])\w+|(?=\s+(?:und|oder|bzw\.|sowie|and|or)\s))")


@Language.factory("hubwatch_compounds")
def make_compounds(nlp: Language, name: str) -> CompoundSectors:
    return CompoundSectors()


class CompoundSectors:
    """Adds a SECTOR span over each compound; the span covers the tokens the compound spans."""

    def __init__(self) -> None:
        data = load()
        self.stems = data.sector_stems
        self.regex = compound_regex(self.stems, data.compound_heads)
        self.acronyms = data.sector_exact
        self.acronym_regex = acronym_compound_regex(self.acronyms)

    def __call__(self, doc: Doc) -> Doc:
        found: list[Span] = []
        text = doc_text(doc)
        for match in self.regex.finditer(text):
            self._add(doc, match, self.stems, found)
        if current_hubs().sector_acronym_compounds:
            taken = {span.start for span in found}
            for match in self.acronym_regex.finditer(text):
                self._add(doc, match, self.acronyms, found, taken)
        if found:
            doc.spans[SPANS_KEY] = [*doc.spans[SPANS_KEY], *found]
        return doc

    @staticmethod
    def _add(
        doc: Doc,
        match: re.Match[str],
        canonical: dict[str, str],
        found: list[Span],
        taken: Collection[int] = (),
    ) -> None:
        span = doc.char_span(match.start(), match.end(), alignment_mode="expand")
        if span is not None and span.start not in taken:
            found.append(Span(doc, span.start, span.end, label="SECTOR", span_id=canonical[match.group(1)]))
