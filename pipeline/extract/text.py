"""Main text: the source's CSS selector, else trafilatura, else a recall pass or the densest block;
then boilerplate lines of general kinds (date stamps, cookie notices, share bars, teaser prompts) go."""

from __future__ import annotations

import logging
import re
from copy import deepcopy

import trafilatura
from lxml import etree
from lxml.cssselect import CSSSelector
from lxml.html import HtmlElement

logger = logging.getLogger(__name__)

# below this many characters the fast pass may have missed part of the article: run the full one
FULL_PASS_BELOW = 1000
# below this many characters the generic extraction most likely missed the article
MIN_TEXT_CHARS = 250
_TRAFILATURA_OPTS = {"include_comments": False, "include_tables": True, "include_formatting": False}

_BLOCKS = (
    "address article aside blockquote br dd div dl dt figcaption footer form h1 h2 h3 h4 h5 h6 header "
    "hr li main nav ol p pre section table tbody td tfoot th thead tr ul"
)
BLOCK_TAGS = frozenset(_BLOCKS.split())
DROP_TAGS = ("script", "style", "noscript", "template", "svg", "nav", "form", "button", "iframe", "select")
_SPACES = re.compile(r"[ \t\r\f\v\u00a0\u200b]+")

_DATE = r"\d{1,2}\.\s?(?:\d{1,2}\.|[A-Za-zäÄ]+\.?)\s?\d{2,4}|\d{4}-\d{2}-\d{2}"
_SHARE_WORDS = (
    "teilen|drucken|drucken/pdf|pdf|facebook|twitter|x|linkedin|xing|whatsapp|telegram|e-mail|email|mail|"
    "pinterest|reddit|flipboard|threads|mastodon|bluesky|instagram|share|tweet|print|link kopieren|"
    "link|kopieren|merken|artikel|seite|diese|this|teilen:|share:|auf|on|per|senden|copy"
)
_BOILERPLATE_LINES = [
    # date stamps: the date is metadata, not text
    re.compile(rf"^(?:Stand|Zuletzt aktualisiert|Aktualisiert(?: am)?|Letzte Änderung|Last updated)\s*:?\s*"
               rf"(?:{_DATE})[\s\d:.,Uhr]*$", re.IGNORECASE),
    # datelines: a label and a date, nothing else ("Veröffentlicht am 3. März 2021", "Presse · 21.04.2017")
    re.compile(rf"^(?:[^\W\d_]+[\s:·|,/-]*){{0,3}}(?:{_DATE})(?:[\s,·|-]*\d{{1,2}}[:.]\d{{2}}(?:\s*Uhr)?)?$"),
    # share bars: nothing but share targets
    re.compile(rf"^(?:(?:{_SHARE_WORDS})[\s|,·/•]*)+$", re.IGNORECASE),
    # teaser and follow-up prompts that introduce other articles
    re.compile(r"^(?:Lesen Sie auch|Lesen Sie mehr|Auch lesen|Mehr zum Thema|Weitere (?:Artikel|Meldungen)|"
               r"Das könnte (?:Sie|dich) auch interessieren|Empfohlene (?:Artikel|Beiträge)|Schon gelesen|"
               r"Read (?:more|also)|Related(?: articles| posts| stories)?|See also|More on this|"
               r"(?:À )?lire aussi|Lea (?:también|más)|Vea también|Leggi anche)\b.{0,150}$", re.IGNORECASE),
    # picture credits
    re.compile(r"^(?:Fotos?|Bild(?:quelle)?|Titelbild|Credits?|Photo|Image|Foto-?Credit)\s*:.{0,120}$|^©.{0,120}$",
               re.IGNORECASE),
    # loading placeholders
    re.compile(r"^(?:Wird geladen|Loading|Lädt)\s*(?:\.{3}|…)?$", re.IGNORECASE),
]  # fmt: skip
_COOKIE = re.compile(r"\bcookies?\b", re.IGNORECASE)
_CONSENT = re.compile(
    r"akzeptier|zustimm|einverstanden|einwillig|ablehnen|datenschutzerklärung|cookie-einstellungen|"
    r"\baccept|\bconsent|\bagree|privacy policy|\bdecline",
    re.IGNORECASE,
)


def main_text(tree: HtmlElement, url: str, *, selector: str | None = None, title: str = "") -> str:
    """The article's text, paragraphs separated by newlines, boilerplate lines removed."""
    text = selected_text(tree, selector, url) if selector else ""
    return clean_lines(text or _generic(tree, url), title=title)


def selected_text(tree: HtmlElement, selector: str, url: str) -> str:
    """Text of the elements the source's CSS selector names; empty when it matches nothing."""
    try:
        found = CSSSelector(selector)(tree)
    except Exception as exc:  # cssselect raises several types for a bad expression
        logger.warning("%s: content selector %r unusable: %s", url, selector, exc)
        return ""
    if not found:
        logger.info("%s: content selector %r matched nothing; generic extraction", url, selector)
        return ""
    return "\n".join(render_blocks(el) for el in found).strip()


def _generic(tree: HtmlElement, url: str) -> str:
    """trafilatura's fast pass; if short, its full pass; if still too little, recall mode or densest block.

    The full pass (with its readability/jusText comparison) costs three times the fast one and gains only
    on short results, so most pages skip it (docs/extraction.md has the figures).
    """
    text = _trafilatura(tree, url, fast=True)
    if len(text) < FULL_PASS_BELOW:
        text = _trafilatura(tree, url) or text
    if len(text) >= MIN_TEXT_CHARS:
        return text
    candidates = [text, _trafilatura(tree, url, favor_recall=True), densest_block(tree)]
    best = max(candidates, key=len)
    if best is not text:
        logger.debug("%s: fallback gave %d chars instead of %d", url, len(best), len(text))
    return best


def _trafilatura(tree: HtmlElement, url: str, **options: bool) -> str:
    try:
        doc = trafilatura.bare_extraction(tree, url=url, **_TRAFILATURA_OPTS, **options)
    except (RecursionError, ValueError, TypeError, etree.LxmlError) as exc:
        logger.debug("%s: trafilatura failed: %s", url, exc)
        return ""
    return (getattr(doc, "text", None) or "").strip() if doc is not None else ""


def densest_block(tree: HtmlElement) -> str:
    """Readability-style: the element whose own <p> children hold the most text."""
    best, best_len = None, 0
    for el in tree.iter("div", "article", "section", "main", "td"):
        own = sum(len(p.text_content()) for p in el.iterchildren("p"))
        if own > best_len:
            best, best_len = el, own
    return render_blocks(best) if best is not None else ""


def render_blocks(root: HtmlElement) -> str:
    """Text of root with one line per block element; scripts, navigation and forms left out."""
    root = deepcopy(root)
    etree.strip_elements(root, *DROP_TAGS, with_tail=False)
    parts: list[str] = []
    for event, el in etree.iterwalk(root, events=("start", "end")):
        tag = el.tag if isinstance(el.tag, str) else ""
        if event == "start":
            if tag in BLOCK_TAGS:
                parts.append("\n")
            if el.text and tag:
                parts.append(el.text)
        else:
            if tag in BLOCK_TAGS:
                parts.append("\n")
            if el.tail and el is not root:
                parts.append(el.tail)
    lines = (_SPACES.sub(" ", line).strip() for line in "".join(parts).split("\n"))
    return "\n".join(line for line in lines if line)


def clean_lines(text: str, *, title: str = "") -> str:
    """Drop boilerplate lines and a leading repeat of the title; keep paragraphs one per line."""
    lines = [_SPACES.sub(" ", line).strip() for line in text.splitlines()]
    kept = [line for line in lines if line and not is_boilerplate(line)]
    if title:  # the title is a field of its own; a copy of it at the top of the text is noise
        head = [line for line in kept[:3] if line.casefold() != title.casefold()]
        kept = head + kept[3:]
    return "\n".join(kept)


def is_boilerplate(line: str) -> bool:
    """A line of a general boilerplate kind: date stamp, share bar, teaser prompt, credit, cookie notice."""
    if any(rule.match(line) for rule in _BOILERPLATE_LINES):
        return True
    return len(line) < 600 and bool(_COOKIE.search(line)) and bool(_CONSENT.search(line))
