"""Main text: the source's CSS selector, else trafilatura, else JSON-LD articleBody, a recall pass or the
densest block; then boilerplate lines of general kinds go (see boilerplate.py)."""

from __future__ import annotations

import html
import logging
import re
from copy import deepcopy
from functools import lru_cache

import trafilatura
from lxml import etree
from lxml.cssselect import CSSSelector
from lxml.html import HtmlElement, fragment_fromstring

from pipeline.extract import comparison
from pipeline.extract.boilerplate import TEASER_HEADING, is_boilerplate
from pipeline.extract.date_sources import ARTICLE_TYPES, jsonld_objects
from pipeline.extract.meta import meta_content

logger = logging.getLogger(__name__)
comparison.install()  # readability only where it can change trafilatura's answer (same text, less CPU)

# below this many characters the generic extraction most likely missed the article
MIN_TEXT_CHARS = 250
# below this many, a JSON-LD articleBody more than twice as long is taken instead (script-rendered pages)
ARTICLE_BODY_BELOW = 1000

_BLOCKS = (
    "address article aside blockquote br dd div dl dt figcaption footer form h1 h2 h3 h4 h5 h6 header "
    "hr li main nav ol p pre section table tbody td tfoot th thead tr ul"
)
BLOCK_TAGS = frozenset(_BLOCKS.split())
DROP_TAGS = ("script", "style", "noscript", "template", "svg", "nav", "form", "button", "iframe", "select")
_SPACES = re.compile(r"[ \t\r\f\v\u00a0\u200b]+")


def main_text(tree: HtmlElement, url: str, *, selector: str | None = None) -> str:
    """The article's text, paragraphs separated by newlines, boilerplate lines removed."""
    text = selected_text(tree, selector, url) if selector else ""
    return clean_lines(text or _generic(tree, url))


def selected_text(tree: HtmlElement, selector: str, url: str) -> str:
    """Text of the elements the source's CSS selector names; empty when it matches nothing."""
    try:
        found = _compiled(selector)(tree)
    except Exception as exc:  # cssselect raises several types for a bad expression
        logger.warning("%s: content selector %r unusable: %s", url, selector, exc)
        return ""
    if not found:
        logger.info("%s: content selector %r matched nothing; generic extraction", url, selector)
        return ""
    return "\n".join(render_blocks(el) for el in found).strip()


@lru_cache(maxsize=256)
def _compiled(selector: str) -> CSSSelector:
    """A source's selector is used on every page of it: translate it to XPath once."""
    return CSSSelector(selector)


def _generic(tree: HtmlElement, url: str) -> str:
    """trafilatura's full pass; the JSON-LD articleBody when that is poor; recall mode or densest block.

    The full pass (with its readability/jusText comparison) costs about 40 % more than the fast one and
    gained 0.002 F1 on the development corpus, so it runs on every page (docs/extraction.md).
    """
    text = _trafilatura(tree, url)
    stated = article_body(tree)
    if len(text) < ARTICLE_BODY_BELOW and len(stated) > 2 * len(text):
        logger.debug("%s: JSON-LD articleBody (%d chars) instead of %d", url, len(stated), len(text))
        text = stated  # the publisher's own statement of the text beats a poor guess from the layout
    if len(text) >= MIN_TEXT_CHARS:
        return text
    candidates = [text, _trafilatura(tree, url, favor_recall=True), densest_block(tree)]
    best = max(candidates, key=len)
    if best is not text:
        logger.debug("%s: fallback gave %d chars instead of %d", url, len(best), len(text))
    return best


def _trafilatura(tree: HtmlElement, url: str, *, favor_recall: bool = False) -> str:
    """trafilatura's full pass (readability/jusText comparison included), comments off, tables on."""
    try:
        doc = trafilatura.bare_extraction(
            tree,
            url=url,
            favor_recall=favor_recall,
            include_comments=False,
            include_tables=True,
            include_formatting=False,
        )
    except (RecursionError, ValueError, TypeError, etree.LxmlError) as exc:
        logger.debug("%s: trafilatura failed: %s", url, exc)
        return ""
    return (getattr(doc, "text", None) or "").strip() if doc is not None else ""


def article_body(tree: HtmlElement) -> str:
    """The longest JSON-LD articleBody or text: pages rendered by scripts often state their text there."""
    bodies: list[str] = []
    for obj in jsonld_objects(tree):
        value = obj.get("articleBody") or obj.get("text")
        if isinstance(value, str):
            bodies.append(value)
    body = html.unescape(max(bodies, key=len, default="")).strip()
    if "<" in body and ">" in body:  # some sites put HTML there
        try:
            return render_blocks(fragment_fromstring(body, create_parent="div"))
        except (etree.LxmlError, ValueError):
            return re.sub(r"<[^>]+>", " ", body)
    return body


def stated_summary(tree: HtmlElement) -> str:
    """An article page's own summary (og:description, description, JSON-LD description), for a page whose
    body its scripts render: what the publisher says of the article, where the markup holds no text.

    Only for a page that declares itself an article (og:type "article", an article-like JSON-LD @type):
    a consent wall, a search page or an error page describes the site, not an announcement.
    """
    articles = [obj for obj in jsonld_objects(tree) if ARTICLE_TYPES.search(str(obj.get("@type", "")))]
    if not articles and (meta_content(tree, "og:type") or "").lower() != "article":
        return ""
    summaries = [
        meta_content(tree, "og:description", "description", "twitter:description"),
        *(obj.get("description") for obj in articles),
    ]
    return max((html.unescape(s).strip() for s in summaries if isinstance(s, str)), key=len, default="")


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


def clean_lines(text: str) -> str:
    """Drop boilerplate lines and a trailing teaser block; keep paragraphs one per line.

    In-article headings, the title included, stay: on the development corpus, dropping a copy of the title
    lost more wanted text than it removed boilerplate.
    """
    lines = [_SPACES.sub(" ", line).strip() for line in text.splitlines()]
    lines = [line for line in lines if line]
    for n, line in enumerate(lines):
        if n >= len(lines) / 2 and TEASER_HEADING.match(line):
            lines = lines[
                :n
            ]  # "Mehr zum Thema", "Related articles" … in the second half: the rest are teasers
            break
    return "\n".join(line for line in lines if not is_boilerplate(line))
