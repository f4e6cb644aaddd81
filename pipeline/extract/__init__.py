"""Extract: main text and metadata of one article page.

In: a fetched page (bytes or text) and its URL. Out: an `Article` (title, main text, dates, language,
canonical URL, author), or `ExtractError` when the page holds no article.

Order of work: decode bytes (BOM, UTF-8, declared charset, charset-normalizer) and refuse non-HTML;
parse once with lxml; title, canonical URL and author from the publisher's metadata; main text from the
source's CSS selector, else trafilatura with fallbacks, then boilerplate lines removed; the language from
the text; the publication date from the article's <time>, a byline, else htmldate (the feed's date where
the page states none). See docs/extraction.md.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from datetime import date, datetime

import trafilatura.utils
from lxml import etree
from lxml import html as lxml_html
from lxml.html import HtmlElement
from trafilatura.utils import load_html

from pipeline.errors import ExtractError
from pipeline.extract.dates import modified_date, published_date
from pipeline.extract.decode import to_text
from pipeline.extract.meta import canonical_url, detect_language, find_author, find_title
from pipeline.extract.text import main_text, stated_summary

__all__ = ["Article", "ExtractError", "extract_article"]

logger = logging.getLogger(__name__)

# fewer characters of main text than this is no article (a login wall, an empty shell), unless the page
# declares itself an article and states its summary (text.stated_summary: a body its scripts render)
MIN_ARTICLE_CHARS = 40
# more tags than this is no article page (the largest in the development corpus has 13,000); the
# extraction's cost grows with the tree, so such a page is refused instead of blocking the run
MAX_TAGS = 100_000
_XML_DECLARATION = re.compile(r"^\s*<\?xml[^>]*>")


def _element_classes_in_c() -> None:
    """Let lxml pick the element classes of the pages trafilatura parses in C, not in a Python callback.

    lxml.html's parser calls `HtmlElementClassLookup.lookup` (Python) for every element any step
    touches, about 5 million calls for 1,000 pages; the same classes picked in C save about 0.7 ms a
    page (2 %). Only lxml.html's form classes (FormElement, InputElement …) become plain HtmlElements,
    which neither trafilatura nor any step here uses: extract_article gives the same Article on all 947
    corpus pages. The parser is trafilatura's own (load_html's), so its copies of the tree follow.
    """
    parser = getattr(trafilatura.utils, "HTML_PARSER", None)
    if isinstance(parser, lxml_html.HTMLParser):
        parser.set_element_class_lookup(
            etree.ElementDefaultClassLookup(
                element=lxml_html.HtmlElement,
                comment=lxml_html.HtmlComment,
                pi=lxml_html.HtmlProcessingInstruction,
                entity=lxml_html.HtmlEntity,
            )
        )


_element_classes_in_c()


@dataclass(frozen=True, slots=True)
class Article:
    """What hubwatch keeps of one page; everything later sees only this."""

    url: str
    title: str
    text: str
    published_at: date | datetime | None = None
    modified_at: date | datetime | None = None
    language: str | None = None
    canonical_url: str | None = None
    author: str | None = None


def extract_article(
    html: bytes | str,
    url: str,
    *,
    content_selector: str | None = None,
    feed_date: date | datetime | None = None,
    now: date | datetime | None = None,
) -> Article:
    """Extract the article of one page; raise ExtractError when there is none.

    feed_date is what a feed (or sitemap) says of the page: it counts only where the page itself states
    no date. Dates after `now` (default: the current time) are refused.
    """
    try:
        page = read_page(html, url, content_selector=content_selector)
        return Article(
            url=url,
            title=page.title,
            text=page.text,
            published_at=published_date(
                page.tree, url, html=page.html, hint=feed_date, language=page.language, now=now
            ),
            modified_at=modified_date(page.tree, now=now),
            language=page.language,
            canonical_url=canonical_url(page.tree, url),
            author=find_author(page.tree),
        )
    except (ValueError, TypeError, RecursionError, MemoryError, etree.LxmlError) as exc:
        # a library tripping over one malformed page is that page's problem, reported like any other
        logger.warning("%s: extraction failed: %r", url, exc)
        raise ExtractError(f"extraction failed: {type(exc).__name__}: {exc}", url=url) from exc


@dataclass(frozen=True, slots=True)
class Page:
    """A page read as far as its main text: what the metadata steps and the evaluation start from."""

    html: str
    tree: HtmlElement
    title: str
    text: str
    language: str | None


def read_page(html: bytes | str, url: str, *, content_selector: str | None = None) -> Page:
    """Decode, parse, find title, main text and language; ExtractError when the page holds no article."""
    decoded = to_text(html, url)
    tree = parse(decoded, url)
    title = find_title(tree)
    text = main_text(tree, url, selector=content_selector)
    if len(text) < MIN_ARTICLE_CHARS:
        summary = stated_summary(tree)
        if len(summary) < MIN_ARTICLE_CHARS:
            raise ExtractError(f"no main text found ({len(text)} characters)", url=url)
        logger.info("%s: no main text in the markup (rendered by scripts?): the article's summary kept", url)
        text = summary
    return Page(decoded, tree, title, text, detect_language(text, tree))


def parse(html: str, url: str) -> HtmlElement:
    """One lxml tree for every later step; ExtractError when it is not HTML at all."""
    if not html.strip():
        raise ExtractError("empty page", url=url)
    tags = html.count("<")
    if tags > MAX_TAGS:
        raise ExtractError(f"page too large to be an article ({tags} tags)", url=url)
    html = _XML_DECLARATION.sub("", html, count=1)  # lxml refuses str with an encoding declaration
    try:
        tree = load_html(html)
    except (ValueError, TypeError, etree.LxmlError) as exc:
        raise ExtractError(f"unparseable HTML: {exc}", url=url) from exc
    if tree is None or len(tree) == 0:
        raise ExtractError("not HTML (no document tree)", url=url)
    return tree
