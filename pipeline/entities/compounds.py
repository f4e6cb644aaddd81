"""Closed sector compounds: 'Logistikbranche', 'Fintechszene', 'Mobilitäts-Start-ups', 'Energieunternehmen'.

German glues a sector onto a head noun, so the phrase rulers (which match whole tokens) miss it. One regex
over the text (stems as written, heads in any case) finds them; far cheaper than a Python loop over tokens.
"""

from __future__ import annotations

import re

from spacy.language import Language
from spacy.tokens import Doc, Span

from pipeline.entities.data import load
from pipeline.entities.spans import SPANS_KEY, doc_text


def compound_regex(stems: dict[str, str], heads: tuple[str, ...]) -> re.Pattern[str]:
    """'<Stem>[-]<head>' at a word start, e.g. 'Logistik' + 'branche'; group 1 is the stem."""
    stem_alt = "|".join(map(re.escape, sorted(stems, key=len, reverse=True)))
    head_alt = "|".join(map(re.escape, sorted(heads, key=len, reverse=True)))
    return re.compile(rf"(?<![\w-])({stem_alt})-?(?i:{head_alt})\w*")


@Language.factory("hubwatch_compounds")
def make_compounds(nlp: Language, name: str) -> CompoundSectors:
    return CompoundSectors()


class CompoundSectors:
    """Adds a SECTOR span over each compound; the span covers the tokens the compound spans."""

    def __init__(self) -> None:
        data = load()
        self.stems = data.sector_stems
        self.regex = compound_regex(self.stems, data.compound_heads)

    def __call__(self, doc: Doc) -> Doc:
        found = []
        for match in self.regex.finditer(doc_text(doc)):
            span = doc.char_span(match.start(), match.end(), alignment_mode="expand")
            if span is not None:
                found.append(
                    Span(doc, span.start, span.end, label="SECTOR", span_id=self.stems[match.group(1)])
                )
        if found:
            doc.spans[SPANS_KEY] = [*doc.spans[SPANS_KEY], *found]
        return doc
