"""The spaCy pipeline: a blank German tokenizer with hub-friendly rules, two span rulers and a sentencizer.

Built once per process (``get_nlp()``). Everything is rule-based on ``spacy.blank("de")`` because no German
model can be installed from PyPI; a statistical model is an optional extra (see ``model.py``).

Span labels written to ``doc.spans["ruler"]`` (the ``resolve`` module decides what they mean):
CITY (a municipality's written form), CITY_ADJ ("Leipziger"), SECTOR, HUBNAME, HUBNAME_GENERIC
("Mobility Hub"), OPERATOR, ORG and BLOCK (names in which a city or sector is not one: organisations,
states and districts, "viel Energie").
"""

from __future__ import annotations

import re
from functools import cache
from typing import Any

import spacy
from spacy.language import Language
from spacy.tokens import Doc
from spacy.util import compile_infix_regex, compile_suffix_regex

import pipeline.entities.compounds
import pipeline.entities.resolve  # noqa: F401  registers the "hubwatch_resolve" component
from pipeline.entities.data import EntityData, load
from pipeline.entities.spans import SPANS_KEY, TEXT_KEY, doc_text

MAX_CHARS = 5_000_000  # spaCy refuses texts over 1,000,000 characters by default; pages may be up to 5 MB
HYPHEN_BEFORE_CAPITAL = r"(?<=[\w.])-(?=[A-ZÄÖÜ])"  # "Frankfurt-Darmstadt", not "Start-ups"
HYPHEN_BASED = r"(?<=[A-Za-z])-(?=(?:based|born|headquartered)\b)"  # "Cologne-based"
POSSESSIVE = r"(?<=[A-Za-zÄÖÜäöüß])['’]s"  # "Dresden's Smart Systems Hub"
STOP_AFTER_ACRONYM = r"(?<=[a-zäöü][A-ZÄÖÜ])\."  # "im Bereich IoT." (spaCy keeps "IoT." whole)
STOP_AFTER_VERSION = r"(?<=[0-9]\.[0-9])\."  # "Industrie 4.0."
NEWLINES = re.compile(r"\n\s*")
SINGLE_NEWLINE = re.compile(r"(?<![\n:])\n(?!\n)")
# "^" with MULTILINE: ``match(text, pos)`` then checks the line starting at pos (a plain "^" never matches).
LIST_LINE = re.compile(r"^\s*(?:[•*–-]\s*|[A-ZÄÖÜ][\w/.-]*(?: [A-ZÄÖÜ][\w/.-]*)?\s*:)", re.MULTILINE)


def _patterns(nlp: Language, label: str, forms: dict[str, str]) -> list[dict[str, Any]]:
    return [{"label": label, "pattern": form, "id": canonical} for form, canonical in forms.items()]


def _orth_patterns(nlp: Language, data: EntityData) -> list[dict[str, Any]]:
    """Case-sensitive patterns: places, hub names, organisations and acronyms."""
    names = {n.text: f"{','.join(n.hubs)}|{'|'.join(n.sectors)}" for n in data.hub_names if not n.generic}
    generic = {n.text: f"{','.join(n.hubs)}|{'|'.join(n.sectors)}" for n in data.hub_names if n.generic}
    operators = {op: hub.canonical for hub in data.hubs.values() for op in hub.operators}
    blocks = {b: b for b in [*data.sector_blockers, *data.not_cities, *data.regions]}
    return [
        *_patterns(nlp, "CITY", data.city_forms),
        *_patterns(nlp, "CITY_ADJ", data.adjectives),
        *_patterns(nlp, "HUBNAME", names),
        *_patterns(nlp, "HUBNAME_GENERIC", generic),
        *_patterns(nlp, "OPERATOR", operators),
        *_patterns(nlp, "ORG", {o: o for o in data.organisations}),
        *_patterns(nlp, "BLOCK", blocks),
        *_patterns(nlp, "SECTOR", data.sector_exact),
    ]


def _lower_patterns(nlp: Language, data: EntityData) -> list[dict[str, Any]]:
    """Case-insensitive sector forms, also as written in lower case ('e-health' is one token there)."""
    forms = dict(data.sector_forms)
    forms.update({f.lower(): c for f, c in data.sector_forms.items()})
    forms.update({f"{f}-": c for f, c in data.sector_forms.items() if " " not in f})  # "Chemie- und Pharma…"
    return _patterns(nlp, "SECTOR", forms)


def _customise_tokenizer(nlp: Language) -> None:
    """Split a hyphen before a capital so 'Frankfurt-Darmstadt' gives two cities; keep 'Start-ups'."""
    tokenizer: Any = nlp.tokenizer
    infixes = [*(nlp.Defaults.infixes or ()), HYPHEN_BEFORE_CAPITAL, HYPHEN_BASED]
    tokenizer.infix_finditer = compile_infix_regex(infixes).finditer
    suffixes = [*(nlp.Defaults.suffixes or ()), POSSESSIVE, STOP_AFTER_ACRONYM, STOP_AFTER_VERSION]
    tokenizer.suffix_search = compile_suffix_regex(suffixes).search


def flatten_lines(text: str, *, short_lines: bool = False) -> str:
    """Join wrapped lines (same length, so offsets hold) but keep list lines ('• Köln: Insurtech') apart.

    A name broken over a line ("Digital Hub\\nMobility") must still match the rulers, which see whitespace
    tokens; a list line must still start its own sentence. With ``short_lines``, the line break after a
    line of a list under a lead ending in ":" is kept too when the line is much shorter than the text's
    longest: a wrapped line fills the width, a list line ("Köln (Insurtech)", "1. Hamburg: Hackathon")
    does not.
    """
    if "\n" not in text:
        return text
    short = _short_line_ends(text) if short_lines else frozenset()
    return SINGLE_NEWLINE.sub(
        lambda m: "\n" if m.start() in short or LIST_LINE.match(text, m.end()) else " ", text
    )


SHORT_LINE = 0.6  # of the longest line: shorter lines are not wrapped prose
WRAP_WIDTH = 60  # characters: in a text whose lines are all shorter, every line of a list is a list line


def _short_line_ends(text: str) -> frozenset[int]:
    """Offsets of the line breaks that end a short line of a list hanging from a lead ending in ":"."""
    lines = text.split("\n")
    width = max(len(line) for line in lines)
    ends, pos, in_list = set(), 0, False
    for line in lines:
        pos += len(line)
        stripped = line.strip()
        short = bool(stripped) and (width < WRAP_WIDTH or len(stripped) < SHORT_LINE * width)
        if in_list and short:
            ends.add(pos)
        in_list = stripped.endswith(":") or (in_list and short)
        pos += 1
    return frozenset(ends)


def parse(text: str) -> Doc:
    """Run the pipeline on ``text`` with its string cached on the Doc for the components."""
    nlp = get_nlp()
    doc = nlp.make_doc(text)
    doc.user_data[TEXT_KEY] = text
    for _name, component in nlp.pipeline:
        doc = component(doc)
    return doc


@Language.component("hubwatch_line_breaks")
def line_breaks(doc: Doc) -> Doc:
    """Start a sentence after each line break that ``flatten_lines`` kept: paragraphs and list lines.

    The press writes list lines ('• Köln: Insurtech') and headings without full stops; spaCy's
    ``sentencizer``, which runs next, keeps these starts and adds its own at '.', '!' and '?'.
    """
    text = doc_text(doc)
    if "\n" not in text:
        return doc
    for newline in NEWLINES.finditer(text):
        span = doc.char_span(newline.end(), newline.end() + 1, alignment_mode="expand")
        if span is not None and span.start > 0:
            doc[span.start].is_sent_start = True
    return doc


@cache
def get_nlp() -> Language:
    """The shared pipeline, built on first use (a few hundred ms: ~11,000 gazetteer patterns)."""
    data = load()
    nlp = spacy.blank("de")
    nlp.max_length = MAX_CHARS
    _customise_tokenizer(nlp)
    orth = nlp.add_pipe(
        "span_ruler",
        name="ruler_orth",
        config={"spans_key": SPANS_KEY, "phrase_matcher_attr": "ORTH", "overwrite": False, "validate": False},
    )
    orth.add_patterns(_orth_patterns(nlp, data))  # type: ignore[attr-defined]
    lower = nlp.add_pipe(
        "span_ruler",
        name="ruler_lower",
        config={
            "spans_key": SPANS_KEY,
            "phrase_matcher_attr": "LOWER",
            "overwrite": False,
            "validate": False,
        },
    )
    lower.add_patterns(_lower_patterns(nlp, data))  # type: ignore[attr-defined]
    # Tokenising ~11,000 patterns filled the tokenizer cache, which makes it ~70x slower on new text
    # (measured: 12,000 → 170 docs/s); resetting the rules empties the cache.
    nlp.tokenizer.rules = dict(nlp.tokenizer.rules or {})  # type: ignore[union-attr]
    nlp.add_pipe("hubwatch_line_breaks")
    nlp.add_pipe("sentencizer")
    nlp.add_pipe("hubwatch_compounds")
    nlp.add_pipe("hubwatch_resolve")
    return nlp
