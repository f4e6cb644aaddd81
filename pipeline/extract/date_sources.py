"""The evidence a page gives of its publication date, one named source each.

Every source reads the parsed page (and its URL) and returns the dates it finds there, best first, or an
empty tuple. Which sources count, and in which order, is `dates.DateRules`' business; a source only
reports. None of them knows a site: each reads a kind of statement any publisher may make.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from copy import deepcopy
from datetime import date
from typing import Any
from urllib.parse import urljoin, urlsplit

from lxml import etree
from lxml.html import HtmlElement

from pipeline.extract.date_parse import (
    DAY_TEXT,
    Day,
    parse_date,
    parse_day_text,
    parse_english_date,
    parse_german_date,
    safe_date,
)

Found = tuple[Day, ...]

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
ARTICLE_TYPES = re.compile(r"Article|Posting|Report|Release|Blog|Review|Story", re.IGNORECASE)


# --- structured data --------------------------------------------------------------------------------


def from_jsonld(tree: HtmlElement, url: str = "", key: str = "datePublished") -> Found:
    """key's dates in the page's JSON-LD, those of article-like @types first."""
    articles: list[str] = []
    others: list[str] = []
    for obj in jsonld_objects(tree):
        value = obj.get(key)
        if not isinstance(value, str):
            continue
        kind = obj.get("@type", "")
        kind = " ".join(kind) if isinstance(kind, list) else str(kind)
        (articles if ARTICLE_TYPES.search(kind) else others).append(value)
    return _parsed(articles + others)


# What htmldate reads of JSON-LD (htmldate/extractors.py, JSON_PUBLISHED, in scripts typed exactly
# "application/ld+json"): an ISO day right after '"datePublished": "'.
HTMLDATE_JSON_PUBLISHED = re.compile(
    r'"datePublished": ?"(?:199\d|20[0-3]\d)-[0-1]?\d-[0-3]?\d', re.IGNORECASE
)


def from_jsonld_unread(tree: HtmlElement, url: str = "") -> Found:
    """JSON-LD datePublished that htmldate cannot read: written in words ("Tue, Sep 15 2020 10:01:41 EDT"),
    not ISO ("15.09.2020"), spaced otherwise ('"datePublished" : "2020-…'), or in a script typed
    "application/ld+json; charset=utf-8". htmldate then falls through to the text, which dates photo captions
    and teasers."""
    values = (obj.get("datePublished") for obj in jsonld_objects(tree, keep=_unread_by_htmldate))
    days = ((parse_date(v) or parse_english_date(v)) if isinstance(v, str) else None for v in values)
    return tuple(day for day in days if day is not None)


def _unread_by_htmldate(script: HtmlElement) -> bool:
    """A script with a datePublished that htmldate's one JSON-LD pattern does not match."""
    text = script.text or ""
    if '"datePublished"' not in text:
        return False
    return script.get("type") != "application/ld+json" or HTMLDATE_JSON_PUBLISHED.search(text) is None


def from_meta(tree: HtmlElement, url: str = "", keys: tuple[str, ...] = PUBLISHED_META) -> Found:
    """Dates of <meta name|property|itemprop=key> in the head, in the order of keys."""
    found: dict[str, list[str]] = {}
    for el in tree.iterfind(".//meta"):
        key = (el.get("property") or el.get("name") or el.get("itemprop") or "").strip().lower()
        if key in keys and el.get("content"):
            found.setdefault(key, []).append(el.get("content", ""))
    return _parsed(value for key in keys for value in found.get(key, ()))


_MICRODATA = etree.XPath(".//body//*[@itemprop='datePublished'][not(self::meta)]")


def from_time(tree: HtmlElement, url: str) -> Found:
    """The article's own date element: microdata datePublished, else the first <time> of the article.

    "The article" is the <article> that holds the page's headline (<h1>), else the page's only
    <article>. A <time> in a nested <article> (a comment, a teaser) or in a link to another page (a
    teaser) dates something else; one marked itemprop=dateModified dates a change. (A class "updated"
    says nothing: blog themes put it on the publication date.)
    """
    marked = _parsed(el.get("datetime") or el.get("content") or el.text_content() for el in _MICRODATA(tree))
    if marked:
        return marked
    article = _the_article(tree)
    if article is None:
        return ()
    for el in article.iter("time"):
        if el.get("itemprop") == "dateModified" or _nested(el, article) or _links_elsewhere(el, url):
            continue
        found = _parsed([el.get("datetime") or el.text_content()])
        if found:
            return found
    return ()


def _the_article(tree: HtmlElement) -> HtmlElement | None:
    articles = tree.xpath(".//article")
    if len(articles) == 1:
        return articles[0]  # type: ignore[no-any-return]
    headline = tree.find(".//h1")
    if headline is None:
        return None
    outer = [a for a in headline.iterancestors() if a.tag == "article"]
    return outer[-1] if outer else None


def _links_elsewhere(node: HtmlElement, url: str) -> bool:
    """node lies in a link to another page than url (its path differs)."""
    link = next((a for a in node.iterancestors("a") if a.get("href")), None)
    if link is None:
        return False
    target = urlsplit(urljoin(url, link.get("href", "").strip()))
    return target.path.rstrip("/") != urlsplit(url).path.rstrip("/")


def _nested(node: HtmlElement, article: HtmlElement) -> bool:
    """node lies in another <article> inside article."""
    for ancestor in node.iterancestors():
        if ancestor is article:
            return False
        if ancestor.tag == "article":
            return True
    return False


# --- visible statements -----------------------------------------------------------------------------


def _quick_start(*alternatives: str) -> str:
    """A lookahead for the first letters of the alternatives: the same matches, but the regex engine skips
    every position that starts none of them instead of trying each alternative there (about twice as fast
    over a page's text nodes)."""
    firsts = sorted({word[0].lower() for words in alternatives for word in words.split("|")})
    if not all(first.isalpha() for first in firsts):
        raise ValueError(f"alternatives must start with a letter: {alternatives}")
    return f"(?=[{''.join(firsts)}])"


_BODY_TEXT = etree.XPath("//body//text()")
_BODY_STRINGS = etree.XPath("//body//text()", smart_strings=False)  # the same texts, without their nodes
_LABELS = (
    r"Veröffentlicht|Erschienen|Erscheinungsdatum|Erstellt|Publiziert|Datum|Published|Posted|Publié"
    r"|Publicado"
)
_WEEKDAYS = (
    r"Montag|Dienstag|Mittwoch|Donnerstag|Freitag|Samstag|Sonnabend|Sonntag|Monday|Tuesday|Wednesday"
    r"|Thursday|Friday|Saturday|Sunday|Mo|Di|Mi|Do|Fr|Sa|So|Mon|Tue|Wed|Thu|Fri|Sat|Sun"
)
_LABEL_HINT = re.compile(rf"{_quick_start(_LABELS, 'von ')}(?:{_LABELS}|von )", re.IGNORECASE)
_DATELINE_HINT = re.compile(r"^\s*[^\W\d_][^,]{0,40},\s+(?:den\s+)?\d")
_BYLINE = re.compile(
    # a label that opens a statement: "Veröffentlicht am 21.04.2017", "…, veröffentlicht am 21.04.2017"
    rf"(?:^|[,|·•/–—-]\s*)(?:{_LABELS})(?:\s+(?:am|on|le|el))?\s*:?\s*{DAY_TEXT}"
    # a German byline: "von Anna Muster am 20.09.2020", "Von Deutscher Tennis Bund 4. 2. 2022"
    rf"|^\s*von\s+[^\W\d_][^|•·,;:]{{1,49}}?\s+(?:am\s+)?{DAY_TEXT}"
    # a dateline: "Berlin, 21.04.2017 –", "Frankfurt am Main, den 3. Mai 2021:"; a weekday is no place
    # ("Freitag, 21. Januar 2022" is as often today's date in the site's header as the article's)
    rf"|^\s*(?!(?:{_WEEKDAYS})\b)(?-i:[A-ZÄÖÜ])[^\W\d_]+(?:[ -][^\W\d_]+){{0,3}},\s+(?:den\s+)?{DAY_TEXT}"
    r"\s*(?:[–—:-]|$)",
    re.IGNORECASE,
)
# words that make the date next to them a modification, not the publication
_MODIFIED = r"Stand|aktualisiert|geändert|Änderung|updated?|modified|revised|mis à jour|actualizado"
_MODIFIED_WORDS = re.compile(rf"\b{_quick_start(_MODIFIED)}(?:{_MODIFIED})\b", re.IGNORECASE)
_STAMP = re.compile(
    r"^\s*(?:Stand|Zuletzt aktualisiert|Aktualisiert(?: am)?|Letzte Änderung|Zuletzt geändert(?: am)?"
    r"|(?:Last )?updated(?: on)?|Last modified)\s*:?\s*(.{6,40})",
    re.IGNORECASE,
)


def from_byline(tree: HtmlElement, url: str = "") -> Found:
    """A date the visible page states as the publication's: a label, a German byline or a dateline."""
    for _, line in _short_lines(tree, _LABEL_HINT, _DATELINE_HINT):
        match = _BYLINE.search(line)
        if match is None or _MODIFIED_WORDS.search(match.group(0)):
            continue
        found = parse_day_text(next(g for g in match.groups() if g))
        if found is not None:
            return (found,)
    return ()


def from_stamp(tree: HtmlElement, url: str = "") -> Found:
    """The date of a visible modification line: 'Stand: 03.02.2024', 'Zuletzt aktualisiert am …'."""
    for _, line in _short_lines(tree, _MODIFIED_WORDS):
        found = _stamp_date(line)
        if found is not None:
            return (found,)
    return ()


def without_stamps(tree: HtmlElement) -> HtmlElement:
    """A copy of the page without its modification lines, for a second look at what else it dates."""
    copy = deepcopy(tree)
    for node, line in list(_short_lines(copy, _MODIFIED_WORDS)):
        if _stamp_date(line) is None:
            continue
        holder = node.getparent()
        if node.is_tail:
            holder.tail = ""
        elif len(holder.text_content()) <= 300 and holder.getparent() is not None:
            holder.drop_tree()
        else:
            holder.text = ""
    return copy


def _stamp_date(line: str) -> Day | None:
    match = _STAMP.match(line)
    return parse_date(match.group(1)) if match else None


def _short_lines(tree: HtmlElement, *hints: re.Pattern[str]) -> Iterator[tuple[Any, str]]:
    """(text node, its line) for each short visible text of the body that a hint finds.

    The line is the text of the node's element when that is short, else the node's own text. The hints
    are tried on plain strings first (no hint finds blank text); only a page with a hit pays for the
    text nodes that know their element.
    """
    texts = _BODY_STRINGS(tree)
    hits = [
        n
        for n, text in enumerate(texts)
        if len(text) <= 300 and not text.isspace() and any(h.search(text) for h in hints)
    ]
    nodes = _BODY_TEXT(tree) if hits else []
    for n in hits:
        node = nodes[n]
        holder = node.getparent()
        if holder is None or (not node.is_tail and holder.tag in ("script", "style")):
            continue
        line = str(node) if node.is_tail else holder.text_content()
        if len(line) > 300:  # the label's element is a whole block: read the label's own text only
            line = str(node)
        yield node, " ".join(line.split())


# --- wikis -------------------------------------------------------------------------------------------

_WIKI_FOOTER = etree.XPath("//*[@id='footer-lastmod' or @id='footer-info-lastmod']")
_GENERATOR = etree.XPath("//meta[@name='generator']/@content")


def from_wiki_revision(tree: HtmlElement, url: str = "") -> Found:
    """A MediaWiki page's date: that of the revision it shows, as MediaWiki's footer states it ("This page
    was last edited on 7 April 2020, at 05:33", "Diese Seite wurde zuletzt am 29. Januar 2020 … geändert").

    A wiki page is a version, not a publication: its text and a diff's older revisions carry the dates of
    its subject's and its own history, and htmldate's earliest-date preference takes one of those.
    """
    if not any(str(g).startswith("MediaWiki") for g in _GENERATOR(tree)):
        return ()
    for footer in _WIKI_FOOTER(tree):
        text = " ".join(footer.text_content().split())
        day = parse_english_date(text) or parse_german_date(text) or _in_page_language(text, tree)
        if day is not None:
            return (day,)
    return ()


def _in_page_language(text: str, tree: HtmlElement) -> date | None:
    """The first date dateparser finds in text, read in the page's declared language only."""
    from dateparser.data.languages_info import language_order
    from dateparser.search import search_dates

    language = (tree.get("lang") or "").split("-")[0].lower()
    if language not in language_order or language in ("en", "de"):
        return None
    found = search_dates(text, languages=[language], settings={"PREFER_DATES_FROM": "past"})
    return found[0][1].date() if found else None


# --- the address --------------------------------------------------------------------------------------

_URL_DATE = re.compile(r"/(?P<y>(?:19|20)\d\d)[/-](?P<m>[01]\d)[/-](?P<d>[0-3]\d)(?:/|[-_.]|$)")


def from_url(url: str) -> Found:
    """The day of a /YYYY/MM/DD/ (or /YYYY-MM-DD) path: two-digit month and day, nothing looser."""
    match = _URL_DATE.search(url.split("?", 1)[0])
    day = safe_date(int(match["y"]), int(match["m"]), int(match["d"])) if match else None
    return (day,) if day is not None else ()


# --- helpers ------------------------------------------------------------------------------------------


def _parsed(values: Any) -> Found:
    return tuple(d for d in (parse_date(v) for v in values if isinstance(v, str)) if d is not None)


def jsonld_objects(
    tree: HtmlElement, keep: Callable[[HtmlElement], bool] | None = None
) -> Iterator[dict[str, Any]]:
    """Every JSON object in the page's ld+json scripts (those ``keep`` keeps), nested @graph and lists
    included."""
    for script in tree.xpath(".//script[contains(@type, 'ld+json')]"):
        if keep is not None and not keep(script):
            continue
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


def _from_address(tree: HtmlElement, url: str) -> Found:
    return from_url(url)


PAGE_SOURCES: dict[str, Callable[[HtmlElement, str], Found]] = {
    "jsonld": from_jsonld,
    "jsonld_unread": from_jsonld_unread,
    "meta": from_meta,
    "time": from_time,
    "byline": from_byline,
    "stamp": from_stamp,
    "url": _from_address,
    "wiki": from_wiki_revision,
}
