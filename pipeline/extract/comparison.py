"""trafilatura's readability comparison, skipped on pages where it provably cannot change the text.

trafilatura's full pass runs readability on every page and takes readability's text instead of its own
only when its own is empty, when readability's is more than twice as long, or when its own body has no
paragraph text or more tables than paragraphs (`trafilatura.external._prefer_readability`, balanced
mode). readability returns part of the page's text, never more: the page's text outside scripts and
styles (which readability drops first), whitespace collapsed, plus the "VIDEO" it writes into a video
<iframe>. So where trafilatura's own text is non-empty and at least half that bound, and its body has
paragraph text and no more tables than paragraphs, readability cannot win: it is not run, and
trafilatura's jusText check and everything after it run as before. On the development corpus the bound
holds on half the pages and saves 3.6 ms on each; the output of all 947 pages is unchanged
(docs/performance.md).

Only for the trafilatura versions whose comparison was read (`VERIFIED`): with another version its
comparison runs untouched, and only the speed differs.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from contextvars import ContextVar
from typing import Any

import trafilatura
import trafilatura.core
import trafilatura.external
from lxml import etree
from lxml.html import HtmlElement

logger = logging.getLogger(__name__)

VERIFIED = ("2.3.1",)  # trafilatura versions whose compare_extraction and _prefer_readability were read
VIDEO = len("VIDEO") + 1  # what readability writes into a video <iframe>, and a separator
_TEXTS = etree.XPath("//text()", smart_strings=False)
_DROPPED = etree.XPath("//script/text()|//style/text()", smart_strings=False)  # readability drops these
_SKIP: ContextVar[bool] = ContextVar("skip_readability", default=False)


def readability_bound(tree: HtmlElement) -> int:
    """The most characters readability's text of this tree can have, after trafilatura's trim: the words
    of every text outside scripts and styles, each with a separator (pieces of text never make more words
    than they hold apart), and the "VIDEO" of each <iframe>."""
    texts = _TEXTS(tree)
    for dropped in _DROPPED(tree):
        texts.remove(dropped)  # one equal string less: the same words, whichever copy goes
    words = " ".join(texts).split()
    return len("".join(words)) + len(words) + VIDEO * sum(1 for _ in tree.iter("iframe"))


def readability_cannot_win(raw_tree: HtmlElement, body: etree._Element, text: str, options: Any) -> bool:
    """True where trafilatura's balanced comparison would keep its own text whatever readability says."""
    if options.focus != "balanced" or not text or not body.xpath(".//p//text()"):
        return False
    return len(body.findall(".//table")) <= len(body.findall(".//p")) and 2 * len(text) >= readability_bound(
        raw_tree
    )


def _guarded(compare: Callable[..., Any]) -> Callable[..., Any]:
    def compare_extraction(
        cleaned_tree: HtmlElement, raw_tree: HtmlElement, body: etree._Element, text: str, options: Any
    ) -> Any:
        token = _SKIP.set(readability_cannot_win(raw_tree, body, text, options))
        try:
            return compare(cleaned_tree, raw_tree, body, text, options)
        finally:
            _SKIP.reset(token)

    return compare_extraction


def _readability_unless_skipped(
    readability: Callable[[HtmlElement], HtmlElement],
) -> Callable[..., HtmlElement]:
    def try_readability(htmlinput: HtmlElement) -> HtmlElement:
        # an empty result is what trafilatura's comparison reads as "readability found nothing"
        return HtmlElement() if _SKIP.get() else readability(htmlinput)

    return try_readability


def install() -> bool:
    """Put the guard around trafilatura's comparison (once); False where this version is not verified."""
    core, external = trafilatura.core, trafilatura.external
    if getattr(core.compare_extraction, "hubwatch_guard", False):
        return True
    if trafilatura.__version__ not in VERIFIED or not callable(getattr(external, "try_readability", None)):
        logger.debug("trafilatura %s: its readability comparison runs on every page", trafilatura.__version__)
        return False
    guarded = _guarded(core.compare_extraction)
    guarded.hubwatch_guard = True  # type: ignore[attr-defined]
    core.compare_extraction = guarded
    external.try_readability = _readability_unless_skipped(external.try_readability)
    return True
