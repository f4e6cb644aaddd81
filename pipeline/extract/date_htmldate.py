"""htmldate as one evidence source: its options, and its dateparser scoped to the page's language.

htmldate's extensive search hands date-like text to dateparser, which by default tries every locale it
knows (205 languages; a string no locale reads costs over a second the first time). The page's own
language plus German and English read the dates of the development corpora at a fraction of the cost.
"""

from __future__ import annotations

import logging
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import date, datetime, time
from functools import lru_cache
from typing import Any

import htmldate.extractors
from dateparser import DateDataParser
from dateparser.data.languages_info import language_order
from htmldate import find_date
from lxml.html import HtmlElement

from pipeline.extract.date_parse import Bounds

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class HtmldateOptions:
    """How htmldate is called; each switch was measured (docs/extraction.md, "Publication dates")."""

    # the extensive search (text patterns, dateparser) when markup gives nothing; else the quick one
    extensive: bool = True
    # the quick search first, the extensive one only when the quick one finds nothing
    quick_first: bool = False
    # htmldate's URL date after the page's metadata, not before it
    deferred_url: bool = False
    # htmldate parses the page itself (comments kept, as htmldate alone does), not hubwatch's tree
    own_parse: bool = True
    # dateparser reads the page's language, German and English only (faster; see module docstring)
    scoped_languages: bool = True

    @property
    def name(self) -> str:
        """A short label for reports: the switches that differ from htmldate alone."""
        parts = [
            "quick" if not self.extensive else "",
            "quick-first" if self.quick_first else "",
            "deferred-url" if self.deferred_url else "",
            "" if self.own_parse else "shared-tree",
            "" if self.scoped_languages else "all-locales",
        ]
        return "+".join(p for p in parts if p) or "extensive"


def htmldate_day(
    tree: HtmlElement,
    url: str,
    *,
    html: str | None = None,
    options: HtmldateOptions,
    bounds: Bounds,
    language: str | None = None,
) -> date | None:
    """htmldate's original (publication) date of the page, within bounds; None when it finds none.

    With options.own_parse and the decoded html, htmldate reads the page as it would alone (its own
    parse keeps comments, whose dates its text search reads); but its first stage reads no text, so it
    runs on the shared tree and the second parse happens only on pages that stage leaves undated.
    """
    token = _PAGE_LANGUAGES.set(date_languages(language) if options.scoped_languages else None)
    earliest = datetime.combine(bounds.earliest, time.min)
    latest = datetime.combine(bounds.latest, time.max)
    try:
        own = html is not None and options.own_parse
        found = _first_stage(tree, url, options=options, min_date=earliest, max_date=latest) if own else None
        if found is None:
            found = _find_date(html if own and html is not None else tree, url, options, earliest, latest)
        return bounds.admit(date.fromisoformat(found)) if found else None  # type: ignore[return-value]
    except Exception as exc:  # htmldate is defensive, but a heuristic must never sink the article
        logger.debug("%s: htmldate failed: %r", url, exc)
    finally:
        _PAGE_LANGUAGES.reset(token)
    return None


def _find_date(
    page: str | HtmlElement, url: str, options: HtmldateOptions, earliest: datetime, latest: datetime
) -> str | None:
    """find_date with options: the quick search first when asked, the extensive one otherwise."""
    modes = (False, True) if options.quick_first and options.extensive else (options.extensive,)
    for extensive in modes:
        found = find_date(
            page,
            url=url,
            original_date=True,
            extensive_search=extensive,
            deferred_url_extractor=options.deferred_url,
            min_date=earliest,
            max_date=latest,
        )
        if found:
            return found
    return None


def _first_stage(
    tree: HtmlElement, url: str, *, options: HtmldateOptions, min_date: datetime, max_date: datetime
) -> str | None:
    """find_date's first stage as find_date runs it: the URL's date, the <meta> header, JSON-LD.

    These read attributes and scripts, never text or comments, so they answer alike on any parse of
    the page. None when they find nothing, or when this htmldate lacks the functions (another version).
    """
    if _STAGE is None:
        return None
    extractor_class, url_date, header, json_search = _STAGE
    extractor = extractor_class(options.extensive, max_date, min_date, True, "%Y-%m-%d")
    from_url = url_date(url, extractor)
    if from_url is not None and not options.deferred_url:
        return from_url  # type: ignore[no-any-return]
    return header(tree, extractor) or json_search(tree, extractor) or from_url  # type: ignore[no-any-return]


def _stage_functions() -> tuple[Any, Any, Any, Any] | None:
    try:
        from htmldate.core import examine_header
        from htmldate.extractors import extract_url_date, json_search
        from htmldate.utils import Extractor
    except ImportError:
        return None
    return Extractor, extract_url_date, examine_header, json_search


_STAGE = _stage_functions()


# --- dateparser, scoped to the page's language ----------------------------------------------------

_PAGE_LANGUAGES: ContextVar[tuple[str, ...] | None] = ContextVar("page_languages", default=None)
_ALWAYS = ("de", "en")  # hubwatch reads German sources; English dates turn up on every kind of page
# htmldate's own dateparser settings (htmldate.extractors.get_external_parser), kept identical
_DATEPARSER_SETTINGS = {
    "NORMALIZE": True,
    "PARSERS": ["custom-formats", "absolute-time"],
    "PREFER_DATES_FROM": "past",
    "PREFER_LOCALE_DATE_ORDER": True,
    "RETURN_AS_TIMEZONE_AWARE": False,
    "STRICT_PARSING": True,
}


def date_languages(language: str | None) -> tuple[str, ...] | None:
    """The languages dateparser tries for a page: its own plus German and English; None (all) if unknown."""
    if not language or language not in language_order:
        return None
    return tuple(dict.fromkeys((language, *_ALWAYS)))


@lru_cache(maxsize=32)
def _dateparser_for(languages: tuple[str, ...] | None) -> DateDataParser:
    return DateDataParser(languages=list(languages) if languages else None, settings=_DATEPARSER_SETTINGS)


def warm_every_locale() -> None:
    """Build dateparser's word lists and patterns of every locale now, as the first page of unknown
    language otherwise does when it reaches dateparser (about 1.25 s of CPU and 35 MB). Called in the
    extraction pool's fork server, so its workers share them instead of each building its own."""
    _dateparser_for(None).get_date_data("zzzyx 15 qqqq 2016")  # no locale reads it: every one is tried


def _scoped_external_parser() -> DateDataParser:
    """Stands in for htmldate's parser factory: the parser for the page being read (all locales outside)."""
    return _dateparser_for(_PAGE_LANGUAGES.get())


if callable(getattr(htmldate.extractors, "get_external_parser", None)):
    # htmldate looks its parser up through this module-level factory on every call; without the hook
    # (another htmldate version) its own all-locale parser is used and only speed differs
    htmldate.extractors.get_external_parser = _scoped_external_parser  # type: ignore[assignment]
