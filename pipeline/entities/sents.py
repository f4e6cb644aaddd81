"""Sentence lookup by token or character offset, computed once per Doc.

``Span.sent`` and ``Doc.sents`` walk the tokens on every call; the hub and fact rules ask for the sentence of
many spans, so sorted sentence starts (read from the SENT_START array) and a bisect keep ``analyze`` fast.
"""

from __future__ import annotations

import re
from bisect import bisect_right

from spacy.attrs import SENT_START
from spacy.tokens import Doc, Span

from pipeline.entities.spans import doc_text

KEY = "hubwatch_sents"
# A branch that starts with "\b" and a letter: "|\bsetzt", "(?:\bliga".
_LEADING_BOUNDARY = re.compile(r"(^|\||\(\?:)\\b([a-zäöüß])")


def cue_pattern(pattern: str) -> re.Pattern[str]:
    """Compile a cue pattern with each branch's leading ``\\b`` moved behind its first letter ("\\bsetz" →
    "s(?<=\\bs)etz"): the same matches, but a pattern whose branches all start with a letter lets the regex
    engine skip to the places where a branch can begin, about 4x faster on a page (the cue scans are a large
    part of ``analyze`` on texts about the initiative)."""
    return re.compile(_LEADING_BOUNDARY.sub(r"\1\2(?<=\\b\2)", pattern))


class _Index:
    __slots__ = ("char_starts", "leads", "lower", "matches", "one", "spans", "starts", "text", "texts")

    def __init__(self, doc: Doc) -> None:
        self.leads: dict[int, int] | None = None
        self.matches: dict[re.Pattern[str], set[int]] = {}
        self.one: dict[tuple[re.Pattern[str], int], bool] = {}
        self.text = text = doc_text(doc)
        self.lower = text.lower()  # same length as text for German and English: offsets carry over
        self.starts = [0] if len(doc) else []
        flags = doc.to_array(SENT_START).tolist() if len(doc) else []
        self.starts += [i for i, flag in enumerate(flags) if flag == 1 and i > 0]
        self.char_starts = [doc[i].idx for i in self.starts]
        bounds = [*self.starts[1:], len(doc)][: len(self.starts)]
        self.spans = [doc[a:b] for a, b in zip(self.starts, bounds, strict=True)]
        ends = [*self.char_starts[1:], len(text)][: len(self.starts)]
        self.texts = [text[a:b].strip() for a, b in zip(self.char_starts, ends, strict=True)]


_last: tuple[Doc | None, _Index | None] = (None, None)  # the Doc asked about last: most calls are about it


def _index(doc: Doc) -> _Index:
    global _last
    last_doc, last_index = _last  # one read: another thread may replace the pair, never half of it
    if last_doc is doc and last_index is not None:
        return last_index
    index = doc.user_data.get(KEY)
    if index is None:
        index = doc.user_data[KEY] = _Index(doc)
    _last = (doc, index)
    return index


def sentences(doc: Doc) -> list[Span]:
    """The document's sentences, cached on the Doc."""
    return _index(doc).spans


def sentence_index(doc: Doc, token_i: int) -> int:
    """Index into ``sentences(doc)`` of the sentence holding token ``token_i``."""
    return max(bisect_right(_index(doc).starts, token_i) - 1, 0)


def sentence_of(doc: Doc, token_i: int) -> Span:
    return sentences(doc)[sentence_index(doc, token_i)]


def lowered_text(doc: Doc) -> str:
    """The whole text in lower case (same offsets), for the lower-case cue patterns."""
    return _index(doc).lower


def sentence_texts(doc: Doc) -> list[str]:
    """The stripped text of each sentence, in order."""
    return _index(doc).texts


def sentence_text(doc: Doc, token_i: int) -> str:
    """The stripped text of the sentence holding ``token_i`` (the evidence a fact or mention carries)."""
    return _index(doc).texts[sentence_index(doc, token_i)]


def sentences_matching(doc: Doc, regex: re.Pattern[str], *, lowered: bool = True) -> set[int]:
    """Indices of the sentences in which ``regex`` matches (on the lowered text unless ``lowered=False``).

    One scan of the text, cached per pattern, instead of one search per sentence.
    """
    index = _index(doc)
    found = index.matches.get(regex)
    if found is None:
        text = index.lower if lowered else index.text
        found = {max(bisect_right(index.char_starts, m.start()) - 1, 0) for m in regex.finditer(text)}
        index.matches[regex] = found
    return found


def sentence_matches(doc: Doc, k: int, regex: re.Pattern[str]) -> bool:
    """Does ``regex`` match sentence ``k`` (lowered)? Cached; cheaper than ``sentences_matching`` when only
    the sentences of a few spans are asked about (a rare pattern over a long text costs a full scan)."""
    index = _index(doc)
    found = index.matches.get(regex)
    if found is not None:
        return k in found
    key = (regex, k)
    hit = index.one.get(key)
    if hit is None:
        start = index.char_starts[k]
        end = index.char_starts[k + 1] if k + 1 < len(index.char_starts) else len(index.lower)
        hit = index.one[key] = regex.search(index.lower, start, end) is not None
    return hit


# A list line opens with a bullet or number ("• Köln", "1. Hamburg") or has no full stop ("Köln (Insurtech)").
LIST_MARK = re.compile(r"[•*–—-]|\d{1,2}[.)]\s|[a-z]\)\s")


def list_leads(doc: Doc) -> dict[int, int]:
    """Sentence index of each list line → the lead sentence ending in ":" the list hangs from.

    "Die Hubs der Initiative laden zu drei Terminen ein:⏎1. Hamburg: Hackathon …⏎2. Potsdam: …": a list
    line says what its lead says it is about; the list ends at the first line that is no list line.
    """
    index = _index(doc)
    if index.leads is None:
        index.leads = _leads(doc, index)
    return index.leads


def _leads(doc: Doc, index: _Index) -> dict[int, int]:
    leads: dict[int, int] = {}
    texts = index.texts
    for k, text in enumerate(texts):
        if not text.endswith(":"):
            continue
        for j in range(k + 1, len(texts)):
            if not _at_line_start(doc, index.starts[j]) or not _list_line(texts[j]):
                break
            leads[j] = k
    return leads


def _at_line_start(doc: Doc, i: int) -> bool:
    if i == 0:
        return True
    prev = doc[i - 1]
    return "\n" in (prev.text if prev.is_space else prev.whitespace_)


def _list_line(text: str) -> bool:
    return bool(LIST_MARK.match(text)) or text[-1:] not in (".", "!", "?")


def list_groups(doc: Doc) -> list[set[int]]:
    """The sentences of each list: its lead and its lines."""
    groups: dict[int, set[int]] = {}
    for line, lead in list_leads(doc).items():
        groups.setdefault(lead, {lead}).add(line)
    return list(groups.values())
