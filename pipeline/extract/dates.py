"""Publication and modification dates: what the publisher states (feed, JSON-LD, meta tags) before heuristics.

htmldate's heuristics guess well on pages that say nothing explicit; a machine-readable statement by the
publisher is better evidence, so it is read first.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Iterable, Iterator
from contextvars import ContextVar
from datetime import date, datetime, timedelta
from functools import lru_cache
from typing import Any

import htmldate.extractors
from dateparser import DateDataParser
from dateparser.data.languages_info import language_order
from htmldate import find_date
from lxml import etree
from lxml.html import HtmlElement

logger = logging.getLogger(__name__)

Day = date | datetime

EARLIEST = date(1995, 1, 1)

PUBLISHED_META = (
    "article:published_time",
    "og:article:published_time",
    "article:published",
    "og:published_time",
    "datepublished",
    "dc.date.issued",
    "dcterms.issued",
    "dc.date.created",
    "dcterms.created",
    "dcterms.date",
    "dc.date",
    "citation_publication_date",
    "citation_date",
    "parsely-pub-date",
    "sailthru.date",
    "pubdate",
    "publishdate",
    "publish-date",
    "publish_date",
    "published_time",
    "date",
)
MODIFIED_META = (
    "article:modified_time",
    "og:article:modified_time",
    "article:modified",
    "og:updated_time",
    "datemodified",
    "dc.date.modified",
    "dcterms.modified",
    "last-modified",
    "lastmod",
)
_ARTICLE_TYPES = re.compile(r"Article|Posting|Report|Release|Blog|Review|Story", re.IGNORECASE)

_ISO = re.compile(
    r"(?P<y>(?:19|20)\d\d)-(?P<m>[01]?\d)-(?P<d>[0-3]?\d)"
    r"(?:[T ](?P<H>[0-2]\d):(?P<M>[0-5]\d)(?::(?P<S>[0-5]\d)(?:\.\d+)?)?(?P<tz>Z|[+-][0-2]\d:?[0-5]\d)?)?"
)
_URL_DATE = re.compile(r"/(?P<y>(?:19|20)\d\d)[/-](?P<m>[01]\d)[/-](?P<d>[0-3]\d)(?:/|[-_]|$)")
_LABELS = (
    "veröffentlicht", "erschienen", "erstellt", "publiziert", "datum",
    "published", "posted", "publié", "publicado", "von ",
)  # fmt: skip
_VISIBLE_TEXT = etree.XPath(".//body//text()[not(ancestor::script) and not(ancestor::style)]")
_LABEL_HINT = re.compile("|".join(_LABELS), re.IGNORECASE)
_DAY_TEXT = r"(\d{1,2}\.\s?(?:\d{1,2}\.|[^\W\d_]+\.?)\s?\d{2,4}|\d{4}-\d\d-\d\d)"
_LABELLED = re.compile(
    r"(?:Veröffentlicht|Erschienen|Erstellt|Publiziert|Datum|Published|Posted|Publié|Publicado)"
    rf"(?:\s+(?:am|on|le|el))?\s*:?\s*{_DAY_TEXT}"
    # a German byline: "von Anna Muster am 20.09.2020", "Von Deutscher Tennis Bund 4. 2. 2022"
    rf"|^\s*von\s+[^\W\d_][^|•·,;:]{{1,49}}?\s+(?:am\s+)?{_DAY_TEXT}",
    re.IGNORECASE,
)
_COMPACT = re.compile(r"^(?P<y>(?:19|20)\d\d)(?P<m>[01]\d)(?P<d>[0-3]\d)$")
GERMAN_MONTHS = {
    "januar": 1, "jänner": 1, "jan": 1, "februar": 2, "feber": 2, "feb": 2, "märz": 3, "maerz": 3, "mär": 3,
    "mrz": 3, "april": 4, "apr": 4, "mai": 5, "juni": 6, "jun": 6, "juli": 7, "jul": 7, "august": 8, "aug": 8,
    "september": 9, "sept": 9, "sep": 9, "oktober": 10, "okt": 10, "november": 11, "nov": 11,
    "dezember": 12, "dez": 12,
}  # fmt: skip
_NUMERIC_DE = re.compile(r"\b(?P<d>[0-3]?\d)\.\s?(?P<m>[01]?\d)\.\s?(?P<y>(?:19|20)?\d\d)\b")
_WORDY_DE = re.compile(
    r"\b(?P<d>[0-3]?\d)\.\s*(?P<mon>" + "|".join(sorted(GERMAN_MONTHS, key=len, reverse=True)) + r")\.?\s+"
    r"(?P<y>(?:19|20)\d\d)\b",
    re.IGNORECASE,
)


def published_date(
    tree: HtmlElement, url: str, *, feed_date: Day | None = None, language: str | None = None
) -> Day | None:
    """The feed's date, else the publisher's metadata, else htmldate's original-date heuristics.

    `language` (the page's, as extract_article detected it) narrows the dates htmldate's last resort
    reads to that language, German and English.
    """
    if feed_date is not None:
        return feed_date
    values = [*_jsonld_values(tree, "datePublished"), *_meta_values(tree, PUBLISHED_META)]
    stated = [d for d in (parse_date(v) for v in values) if d is not None]
    if stated:
        return _local_day_from_url(_prefer_local(stated), url)
    return labelled_date(tree) or _htmldate(tree, url, language)


def _prefer_local(stated: list[Day]) -> Day:
    """The first stated date; but a UTC stamp yields to a local one of the same moment (±1 day).

    A UTC time is the server's clock; the same moment with the publisher's offset, or written as naive
    local time, gives the day the readers saw.
    """
    first = stated[0]
    if not (isinstance(first, datetime) and first.utcoffset() == timedelta(0)):
        return first
    for other in stated[1:]:
        if not isinstance(other, datetime) or other.utcoffset() == timedelta(0):
            continue
        naive_utc = first.replace(tzinfo=None)
        other_utc = other.replace(tzinfo=None) - (other.utcoffset() or timedelta(0))
        if abs(other_utc - naive_utc) <= timedelta(hours=24):
            return other
    return first


def _local_day_from_url(stated: Day, url: str) -> Day:
    """A URL's /YYYY/MM/DD/ is written in the publisher's local time; metadata is often in UTC.

    When the two are a day apart, the URL's day is the one readers saw.
    """
    match = _URL_DATE.search(url)
    day = _safe_date(int(match["y"]), int(match["m"]), int(match["d"])) if match else None
    stated_day = stated.date() if isinstance(stated, datetime) else stated
    if day is not None and day != stated_day and abs((day - stated_day).days) == 1:
        return day
    return stated


def labelled_date(tree: HtmlElement) -> date | None:
    """A date the visible page labels as the publication date ('Veröffentlicht am 21.04.2017')."""
    for node in _VISIBLE_TEXT(tree):
        if len(node) > 300 or not _LABEL_HINT.search(node):
            continue
        holder = node.getparent()
        line = str(node) if node.is_tail or holder is None else holder.text_content()
        if len(line) > 300:  # the label's element is a whole block: read the label's own text only
            line = str(node)
        match = _LABELLED.search(" ".join(line.split()))
        if match:
            day_text = match.group(1) or match.group(2)
            found = _plausible(parse_german_date(day_text) or _plain_iso(day_text))
            if found is not None:
                return found  # type: ignore[return-value]
    return None


def _plain_iso(value: str) -> date | None:
    match = _ISO.search(value)
    return _safe_date(int(match["y"]), int(match["m"]), int(match["d"])) if match else None


_STAMP_WORDS = ("Stand", "Zuletzt aktualisiert", "Aktualisiert", "Letzte Änderung")
_STAMP_XPATH = (
    ".//text()[" + " or ".join(f"starts-with(normalize-space(.), '{w}')" for w in _STAMP_WORDS) + "]"
)
_STAMP = re.compile(
    r"\s*(?:Stand|Zuletzt aktualisiert|Aktualisiert(?: am)?|Letzte Änderung)\s*:?\s*(.{6,40})"
)


def modified_date(tree: HtmlElement) -> Day | None:
    """The modification date where the page states one: JSON-LD, meta tags, or a 'Stand:' line."""
    stated = first_valid(_jsonld_values(tree, "dateModified")) or first_valid(
        _meta_values(tree, MODIFIED_META)
    )
    if stated is not None:
        return stated
    for node in tree.xpath(_STAMP_XPATH)[:5]:
        holder = node.getparent()
        line = str(node) if node.is_tail or holder is None else holder.text_content()
        match = _STAMP.match(line)
        found = parse_date(match.group(1)) if match else None
        if found is not None:
            return found
    return None


def first_valid(values: Iterable[str]) -> Day | None:
    """The first value that parses to a plausible date."""
    for value in values:
        parsed = parse_date(value)
        if parsed is not None:
            return parsed
    return None


def parse_date(value: str) -> Day | None:
    """ISO 8601, compact YYYYMMDD or German ('21.04.2017', '21. April 2017'); None if implausible."""
    value = value.strip()
    match = _ISO.search(value)
    if match:
        return _plausible(_from_iso(match))
    match = _COMPACT.match(value)
    if match:
        return _plausible(_safe_date(int(match["y"]), int(match["m"]), int(match["d"])))
    return _plausible(parse_german_date(value))


def parse_german_date(value: str) -> date | None:
    """The first German-written date in value: '21. April 2017', '21.04.2017', '21.4.17'."""
    match = _WORDY_DE.search(value)
    if match:
        month = GERMAN_MONTHS[match["mon"].lower()]
        return _safe_date(int(match["y"]), month, int(match["d"]))
    match = _NUMERIC_DE.search(value)
    if match:
        year = int(match["y"])
        year = year + 2000 if year < 100 else year
        return _safe_date(year, int(match["m"]), int(match["d"]))
    return None


def _from_iso(match: re.Match[str]) -> Day | None:
    day = _safe_date(int(match["y"]), int(match["m"]), int(match["d"]))
    if day is None or match["H"] is None:
        return day
    stamp = f"{day.isoformat()}T{match['H']}:{match['M']}:{match['S'] or '00'}"
    tz = match["tz"]
    if tz:
        tz = "+00:00" if tz == "Z" else (tz if ":" in tz else f"{tz[:3]}:{tz[3:]}")
        stamp += tz
    try:
        return datetime.fromisoformat(stamp)
    except ValueError:
        return day


def _safe_date(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None


def _plausible(value: Day | None) -> Day | None:
    """Reject dates before the web's news era or more than a day in the future (placeholders, typos)."""
    if value is None:
        return None
    day = value.date() if isinstance(value, datetime) else value
    if day < EARLIEST or day > date.today() + timedelta(days=1):
        return None
    return value


def _meta_values(tree: HtmlElement, keys: tuple[str, ...]) -> Iterator[str]:
    """Values of <meta name|property|itemprop=key> and itemprop elements, in the order of keys."""
    found: dict[str, list[str]] = {}
    for el in tree.iterfind(".//meta"):
        key = (el.get("property") or el.get("name") or el.get("itemprop") or "").strip().lower()
        if key in keys and el.get("content"):
            found.setdefault(key, []).append(el.get("content", ""))
    for el in tree.xpath(".//*[@itemprop='datePublished' or @itemprop='dateModified'][not(self::meta)]"):
        key = el.get("itemprop", "").lower()
        if key in keys:
            found.setdefault(key, []).append(el.get("datetime") or el.get("content") or el.text_content())
    for key in keys:
        yield from found.get(key, ())


def _jsonld_values(tree: HtmlElement, key: str) -> list[str]:
    """key's values in JSON-LD objects, those of article-like types first."""
    articles: list[str] = []
    others: list[str] = []
    for obj in jsonld_objects(tree):
        value = obj.get(key)
        if not isinstance(value, str):
            continue
        kind = obj.get("@type", "")
        kind = " ".join(kind) if isinstance(kind, list) else str(kind)
        (articles if _ARTICLE_TYPES.search(kind) else others).append(value)
    return articles + others


def jsonld_objects(tree: HtmlElement) -> Iterator[dict[str, Any]]:
    """Every JSON object in the page's ld+json scripts, nested @graph and lists included."""
    for script in tree.xpath(".//script[contains(@type, 'ld+json')]"):
        try:
            data = json.loads(script.text or "", strict=False)
        except ValueError:
            continue
        yield from _walk(data, depth=0)


def _walk(node: Any, *, depth: int) -> Iterator[dict[str, Any]]:
    if depth > 6:
        return
    if isinstance(node, list):
        for item in node:
            yield from _walk(item, depth=depth + 1)
    elif isinstance(node, dict):
        yield node
        for child in ("@graph", "mainEntity", "mainEntityOfPage"):
            if isinstance(node.get(child), list | dict):
                yield from _walk(node[child], depth=depth + 1)


def _htmldate(tree: HtmlElement, url: str, language: str | None = None) -> date | None:
    """htmldate's heuristics for the original publication date: the quick search, then the extensive one.

    The extensive search hands date-like text to dateparser, which tries every locale it knows (205
    languages; a string no locale reads costs over a second the first time). The page's own language
    plus German and English read the same dates on the development corpus at a fraction of the cost.
    The quick search answers most pages, and where it answers, the two agreed on the development corpus.
    """
    token = _PAGE_LANGUAGES.set(date_languages(language))
    try:
        for extensive in (False, True):
            found = find_date(tree, url=url, original_date=True, extensive_search=extensive)
            if found:
                return _plausible(date.fromisoformat(found))  # type: ignore[return-value]
    except Exception as exc:  # htmldate is defensive, but a heuristic must never sink the article
        logger.debug("%s: htmldate failed: %s", url, exc)
    finally:
        _PAGE_LANGUAGES.reset(token)
    return None


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


def _scoped_external_parser() -> DateDataParser:
    """Stands in for htmldate's parser factory: the parser for the page being read (all locales outside)."""
    return _dateparser_for(_PAGE_LANGUAGES.get())


if callable(getattr(htmldate.extractors, "get_external_parser", None)):
    # htmldate looks its parser up through this module-level factory on every call; without the hook
    # (another htmldate version) its own all-locale parser is used and only speed differs
    htmldate.extractors.get_external_parser = _scoped_external_parser  # type: ignore[assignment]
