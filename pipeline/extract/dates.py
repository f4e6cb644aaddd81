"""Publication and modification dates: named evidence sources, weighed in an order that was measured.

The sources (date_sources.py) each report what one kind of evidence says: `jsonld`, `meta`, `time`,
`byline` are the publisher's own statements; `htmldate` is htmldate's heuristics; `url` is the address's
date path; the caller may add a hint (a feed's or sitemap's date). `DateRules` says which statements
override htmldate and which corrections apply; `DEFAULT_RULES` is what 5-fold cross-validation over the
development corpora kept (docs/extraction.md, "Publication dates"; scripts/eval_extraction.py --folds 5).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from lxml.html import HtmlElement

from pipeline.extract.date_htmldate import HtmldateOptions, htmldate_day
from pipeline.extract.date_parse import Bounds, Day, day_of
from pipeline.extract.date_sources import (
    MODIFIED_META,
    PAGE_SOURCES,
    Found,
    from_jsonld,
    from_meta,
    from_stamp,
    without_stamps,
)

logger = logging.getLogger(__name__)

Evidence = Mapping[str, Found]

# the page's explicit statements of its publication date, in the order they are trusted
STATED = ("jsonld", "meta", "time", "byline")


@dataclass(frozen=True, slots=True)
class DateRules:
    """Which evidence decides a publication date; every switch is one rule that cross-validation weighs.

    The defaults are htmldate alone; DEFAULT_RULES switches on what cross-validation kept.
    """

    # stated sources that override htmldate's answer, in this order (the others are not consulted)
    stated: tuple[str, ...] = ()
    htmldate: HtmldateOptions = field(default_factory=HtmldateOptions)
    # when the candidates disagree, the one whose day the URL's date path names wins
    url_tiebreak: bool = False
    # a stated day one day off the URL's day yields to it (URLs are made in the publisher's local time)
    url_shift: bool = False
    # a UTC stamp yields to a stated stamp of the same moment written in local time
    local_day: bool = False
    # htmldate's day yields to the page's next date when all the page says of it is a 'Stand:' line
    stamp_yields: bool = False
    # htmldate's 1 January that nothing on the page names as a day is its year-only fallback (a copyright
    # line, "2020" alone), no publication date: refused
    year_only_refused: bool = False
    # JSON-LD's datePublished that htmldate cannot read (words, German digits, other spacing, a charset-typed
    # script) comes before htmldate
    unread_jsonld: bool = False
    # a MediaWiki page is dated by the revision it shows (its footer's "last edited on"), before all else
    wiki_revision: bool = False

    def describe(self) -> str:
        """One line for reports: the order of evidence and the corrections in force."""
        order = ">".join((*self.stated, f"htmldate[{self.htmldate.name}]"))
        flags = [n for n in FLAGS if getattr(self, n)]
        return " ".join((order, *(f"+{f.replace('_', '-')}" for f in flags)))


FLAGS = (
    "url_tiebreak",
    "url_shift",
    "local_day",
    "stamp_yields",
    "year_only_refused",
    "unread_jsonld",
    "wiki_revision",
)

# what 5-fold cross-validation kept: the article's own <time> and the visible byline before htmldate; and
# three reading fixes of htmldate, each chosen in 4 of 5 folds and never a loss (docs/extraction.md says why
# they stay): no year-only fallback as a day, the JSON-LD datePublished htmldate cannot read, read, and a
# MediaWiki page dated by the revision it shows
DEFAULT_RULES = DateRules(
    stated=("time", "byline"), year_only_refused=True, unread_jsonld=True, wiki_revision=True
)


def published_date(
    tree: HtmlElement,
    url: str,
    *,
    html: str | None = None,
    hint: Day | None = None,
    language: str | None = None,
    now: Day | None = None,
    rules: DateRules = DEFAULT_RULES,
) -> Day | None:
    """The page's publication date by rules; hint (a feed's date) counts only where the page states none.

    html is the decoded page for htmldate to parse itself; `now` bounds the dates accepted (default: the
    current time in Europe/Berlin), and dates before 1995 are refused too.
    """
    bounds = Bounds.until(now)
    evidence: dict[str, Found] = {}
    if rules.wiki_revision:
        evidence.update(collect(tree, url, bounds=bounds, names=("wiki",)))
        if evidence["wiki"]:
            return decide(evidence, rules)
    if rules.unread_jsonld:
        evidence.update(collect(tree, url, bounds=bounds, names=("jsonld_unread",)))
    for name in rules.stated:  # in order: the first answer decides unless a correction weighs them all
        evidence.update(collect(tree, url, bounds=bounds, names=(name,)))
        if evidence[name] and not (rules.local_day or rules.url_tiebreak or rules.url_shift):
            return decide(evidence, rules)
    if evidence.get("jsonld_unread") and not (rules.url_tiebreak or rules.url_shift):
        return decide(evidence, rules)
    # with a hint: does the page state a date in a way these rules do not consult?
    others = [n for n in STATED if n not in evidence] if hint is not None else []
    evidence.update(
        collect(tree, url, bounds=bounds, names=(*others, "url", *(("stamp",) if rules.stamp_yields else ())))
    )
    if rules.url_tiebreak or not any(evidence[name] for name in rules.stated):
        evidence.update(
            heuristic_evidence(
                tree,
                url,
                html=html,
                language=language,
                bounds=bounds,
                options=rules.htmldate,
                stamp=evidence.get("stamp", ()),
            )
        )
    if rules.year_only_refused and _new_year(evidence.get("htmldate", ())):  # does the page name that day?
        evidence.update(collect(tree, url, bounds=bounds, names=[n for n in STATED if n not in evidence]))
    return decide(evidence, rules, hint=bounds.admit(hint))


NEW_YEAR_TEMPLATE = (
    r"(?<!\d)(?:0?1\.\s?0?1\.\s?YYYY|YYYY[-/.]01[-/.]01|0?1/0?1/YYYY|0?1\.?\s+(?:januar|jänner|january|jan\.?)\s+YYYY"
    r"|(?:januar|january|jan\.?)\s+0?1(?:st)?,?\s+YYYY)(?!\d)"
)


def _new_year(found: Found) -> bool:
    return bool(found) and (day_of(found[0]).month, day_of(found[0]).day) == (1, 1)


def collect(tree: HtmlElement, url: str, *, bounds: Bounds, names: Iterable[str]) -> dict[str, Found]:
    """The named page sources' dates within bounds (htmldate apart: see heuristic_evidence)."""
    evidence: dict[str, Found] = {}
    for name in dict.fromkeys(names):
        found = PAGE_SOURCES[name](tree, url)
        evidence[name] = tuple(d for d in found if bounds.admit(d) is not None)
    return evidence


def heuristic_evidence(
    tree: HtmlElement,
    url: str,
    *,
    html: str | None,
    language: str | None,
    bounds: Bounds,
    options: HtmldateOptions,
    stamp: Found = (),
) -> dict[str, Found]:
    """htmldate's day; when that is the day of the page's 'Stand:' line, also a look without such lines."""
    found = htmldate_day(tree, url, html=html, options=options, bounds=bounds, language=language)
    evidence: dict[str, Found] = {"htmldate": (found,) if found is not None else ()}
    if found is not None and _new_year((found,)) and _written_new_year(found.year, tree):
        evidence["written"] = (found,)  # the text names 1 January: no year-only fallback
    if found is not None and stamp and day_of(stamp[0]) == found:
        again = htmldate_day(without_stamps(tree), url, options=options, bounds=bounds, language=language)
        evidence["htmldate_unstamped"] = (again,) if again is not None else ()
    return evidence


def decide(evidence: Evidence, rules: DateRules, *, hint: Day | None = None) -> Day | None:
    """The publication date the evidence supports under rules; None when there is none."""
    if rules.wiki_revision and evidence.get("wiki"):
        return evidence["wiki"][0]
    stated = [evidence[name] for name in rules.stated if evidence.get(name)]
    if rules.unread_jsonld and evidence.get("jsonld_unread"):
        stated.append(evidence["jsonld_unread"])
    ranked = [_local(found[0], stated) if rules.local_day else found[0] for found in stated]
    if hint is not None and not any(evidence.get(n) for n in (*STATED, "url")):
        ranked.append(hint)
    heuristic = evidence.get("htmldate", ())
    if rules.stamp_yields and _stamp_only(evidence, rules):
        heuristic = evidence.get("htmldate_unstamped") or heuristic
    if heuristic and not (rules.year_only_refused and _year_only(heuristic[0], evidence)):
        ranked.append(heuristic[0])
    if not ranked:
        return None
    best = ranked[0]
    url_day = evidence.get("url", ())
    if url_day:
        days = {day_of(d) for d in ranked}
        if rules.url_tiebreak and len(days) > 1 and day_of(url_day[0]) in days:
            best = next(d for d in ranked if day_of(d) == day_of(url_day[0]))
        elif rules.url_shift and abs(day_of(best) - day_of(url_day[0])) == timedelta(days=1):
            best = url_day[0]
    return best


def _local(stamp: Day, stated: list[Found]) -> Day:
    """A UTC stamp's local counterpart: another stated stamp of the same moment (±24 h) with an offset.

    A UTC time is the server's clock; the same moment with the publisher's offset, or written as naive
    local time, gives the day the readers saw.
    """
    if not (isinstance(stamp, datetime) and stamp.utcoffset() == timedelta(0)):
        return stamp
    naive_utc = stamp.replace(tzinfo=None)
    for found in stated:
        for other in found:
            if not isinstance(other, datetime) or other.utcoffset() == timedelta(0):
                continue
            other_utc = other.replace(tzinfo=None) - (other.utcoffset() or timedelta(0))
            if abs(other_utc - naive_utc) <= timedelta(hours=24):
                return other
    return stamp


def _year_only(day: Day, evidence: Evidence) -> bool:
    """htmldate answered 1 January and no statement of the page (nor its URL) names that day.

    htmldate falls back to a copyright year or a lone year as YYYY-01-01 (htmldate/core.py, "using copyright
    year as default", "switching to one component"); a real New Year's Day post states its day somewhere.
    """
    if not _new_year((day,)):
        return False
    named = (*STATED, "url", "written")
    return not any(day_of(d) == day_of(day) for n in named for d in evidence.get(n, ()))


def _written_new_year(year: int, tree: HtmlElement) -> bool:
    """The page's text writes 1 January of that year as a day: '01.01.2020', '1. Januar 2020', '2020-01-01',
    'January 1, 2020', '1 Jan 2020'."""
    pattern = NEW_YEAR_TEMPLATE.replace("YYYY", str(year))
    return re.search(pattern, tree.text_content(), re.IGNORECASE) is not None


def _stamp_only(evidence: Evidence, rules: DateRules) -> bool:
    """htmldate's day is the date of a visible modification line, and no statement of publication names it."""
    stamp, heuristic = evidence.get("stamp", ()), evidence.get("htmldate", ())
    if not stamp or not heuristic or day_of(stamp[0]) != day_of(heuristic[0]):
        return False
    day = day_of(heuristic[0])
    return not any(day_of(d) == day for n in (*rules.stated, "url") for d in evidence.get(n, ()))


def modified_date(tree: HtmlElement, *, now: Day | None = None) -> Day | None:
    """The modification date where the page states one: JSON-LD, meta tags, or a 'Stand:' line."""
    bounds = Bounds.until(now)
    for found in (
        from_jsonld(tree, key="dateModified"),
        from_meta(tree, keys=MODIFIED_META),
        from_stamp(tree),
    ):
        for value in found:
            if bounds.admit(value) is not None:
                return value
    return None
