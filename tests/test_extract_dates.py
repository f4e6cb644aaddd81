"""Publication dates: hand-written pages, each evidence source, and the rules that weigh them."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
import yaml
from htmldate import find_date
from hypothesis import given, settings
from hypothesis import strategies as st
from lxml.html import HtmlElement, document_fromstring

from pipeline.extract import date_htmldate, date_sources, extract_article
from pipeline.extract.date_htmldate import warm_every_locale
from pipeline.extract.date_parse import Bounds, day_of, parse_english_date
from pipeline.extract.date_sources import from_byline, from_jsonld, from_stamp, from_time, from_url
from pipeline.extract.dates import DEFAULT_RULES, DateRules, decide

CASES: list[dict[str, Any]] = yaml.safe_load(
    (Path(__file__).parent / "fixtures" / "extract" / "dates.yaml").read_text(encoding="utf-8")
)
TEXT = "".join(
    f"<p>{p}</p>"
    for p in (
        "Die Stadt hat am Montag einen neuen Förderaufruf für junge Unternehmen gestartet, die "
        "Versicherungen und das Gesundheitswesen digitaler machen wollen.",
        "Bewerben können sich Gründerinnen und Gründer aus ganz Deutschland; die Jury tagt im Frühjahr "
        "und wählt bis zu zehn Teams für ein halbjähriges Programm aus.",
        "Über die Vergabe entscheidet ein Gremium aus Wirtschaftsförderung, Hochschulen und Unternehmen "
        "der Region.",
    )
)


def _page(case: dict[str, Any]) -> str:
    head = f"<title>Neue Hubs</title>{case.get('head', '')}"
    return (
        f"<!DOCTYPE html><html><head>{head}</head><body>{case['html'].replace('{text}', TEXT)}</body></html>"
    )


def _day(value: date | datetime | None) -> date | None:
    return day_of(value) if value is not None else None


def _tree(body: str) -> HtmlElement:
    return document_fromstring(f"<html><head><title>x</title></head><body>{body}</body></html>")


# --- hand-written pages through extract_article -------------------------------------------------------


@pytest.mark.parametrize("case", CASES, ids=[c["id"] for c in CASES])
def test_date_case(case: dict[str, Any]) -> None:
    article = extract_article(_page(case), case["url"], now=case["now"], feed_date=case.get("feed_date"))
    assert _day(article.published_at) == case["published"]
    if "modified" in case:
        assert _day(article.modified_at) == case["modified"]


@pytest.mark.parametrize("case", CASES, ids=[c["id"] for c in CASES])
def test_what_htmldate_alone_answers_on_the_case(case: dict[str, Any]) -> None:
    """Where this differs from `published`, the case is one only hubwatch's own rules get right."""
    found = find_date(
        _page(case), url=case["url"], extensive_search=True, original_date=True, max_date=str(case["now"])
    )
    assert (date.fromisoformat(found) if found else None) == case["htmldate_alone"]


def test_the_cases_include_pages_htmldate_alone_gets_wrong() -> None:
    beaten = [c["id"] for c in CASES if c["htmldate_alone"] != c["published"]]
    assert len(beaten) >= 8, beaten


# --- the evidence sources -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://blog.example/2019/05/06/titel/", date(2019, 5, 6)),
        ("https://blog.example/2019-05-06-titel.html", date(2019, 5, 6)),
        ("https://blog.example/2023/10/3-fragen-an-die-jury/", None),  # "3-fragen" is no day
        ("https://blog.example/2019/13/45/titel/", None),
        ("https://blog.example/artikel?from=/2019/05/06/", None),  # the query is no path
        ("https://blog.example/2019/05/", None),  # a month is no day
    ],
)
def test_url_dates_need_a_whole_day(url: str, expected: date | None) -> None:
    assert from_url(url) == ((expected,) if expected else ())


def test_jsonld_prefers_the_articles_date_and_follows_graphs() -> None:
    tree = _tree(
        '<script type="application/ld+json">{"@graph": [{"@type": "WebPage", "datePublished": "2018-01-01"},'
        '{"@type": "NewsArticle", "datePublished": "2021-05-06"}]}</script>'
    )
    assert from_jsonld(tree) == (date(2021, 5, 6), date(2018, 1, 1))


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ("<article><h1>T</h1><time datetime='2020-02-03'>3.2.</time></article>", date(2020, 2, 3)),
        ("<time datetime='2019-01-01'></time><article><h1>T</h1><p>x</p></article>", None),
        ("<article><time datetime='2019-01-01'></time></article><article><h1>T</h1></article>", None),
        (
            "<article><h1>T</h1><article class='comment'><time datetime='2019-01-01'></time></article>"
            "<time datetime='2020-02-03'></time></article>",
            date(2020, 2, 3),
        ),
        (  # a teaser: the date of the page it links to
            "<article><h1>T</h1><a href='/other'><time datetime='2019-01-01'></time></a></article>",
            None,
        ),
        (  # a permalink to the page itself, as blog themes write it
            "<article><h1>T</h1><a href='/post/'><time datetime='2020-02-03'></time></a></article>",
            date(2020, 2, 3),
        ),
        (
            "<article><h1>T</h1><time itemprop='dateModified' datetime='2020-03-01'></time>"
            "<time class='entry-date updated' datetime='2020-02-03'></time></article>",
            date(2020, 2, 3),
        ),
        (
            "<div><span itemprop='datePublished' content='2020-02-03'>3.2.</span></div>"
            "<article><h1>T</h1><time datetime='2019-01-01'></time></article>",
            date(2020, 2, 3),
        ),
    ],
    ids=[
        "in-article",
        "outside",
        "other-article",
        "nested-comment",
        "teaser",
        "permalink",
        "modified",
        "microdata",
    ],
)
def test_time_source_reads_the_articles_own_date(body: str, expected: date | None) -> None:
    found = from_time(_tree(body), "https://blog.example/post")
    assert tuple(day_of(d) for d in found[:1]) == ((expected,) if expected else ())


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("Veröffentlicht am 21.04.2017", date(2017, 4, 21)),
        ("Ein Beitrag von Anna Muster, veröffentlicht am 3. März 2021", date(2021, 3, 3)),
        ("von Anna Muster am 20.09.2020", date(2020, 9, 20)),
        ("Von Deutscher Tennis Bund 4. 2. 2022.", date(2022, 2, 4)),
        ("Berlin, 21.04.2017 – Die Stadt eröffnet", date(2017, 4, 21)),
        ("Frankfurt am Main, den 3. Mai 2021:", date(2021, 5, 3)),
        ("Lübeck, 31. März 2003", date(2003, 3, 31)),
        ("Freitag, 21. Januar 2022", None),  # a weekday is no place
        ("Mi, 18. Oktober 2023", None),
        ("verbunden mit dem Datum 1. Februar 2022", None),  # a label must open the statement
        ("Stand: 03.02.2024", None),
        ("Aktualisiert am Freitag, 03.02.2024", None),
        ("Kommentar von Paul am 22.09.2020", None),
    ],
)
def test_byline_source(line: str, expected: date | None) -> None:
    assert from_byline(_tree(f"<div><p>{line}</p></div>")) == ((expected,) if expected else ())


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("Stand: 03.02.2024", date(2024, 2, 3)),
        ("Zuletzt aktualisiert am 3. Februar 2024", date(2024, 2, 3)),
        ("Last updated: 2024-02-03", date(2024, 2, 3)),
        ("Stand der Dinge ist, dass die Jury noch berät.", None),
    ],
)
def test_stamp_source(line: str, expected: date | None) -> None:
    assert tuple(day_of(d) for d in from_stamp(_tree(f"<p>{line}</p>"))) == ((expected,) if expected else ())


def test_bounds_refuse_the_future_and_the_time_before_the_web() -> None:
    bounds = Bounds.until(date(2024, 6, 1))
    assert bounds.admit(date(2024, 6, 2)) == date(2024, 6, 2), "a day of slack for time zones"
    assert bounds.admit(date(2024, 6, 3)) is None
    assert bounds.admit(date(1994, 12, 31)) is None
    assert Bounds.until(datetime(2024, 6, 1, 23, 0, tzinfo=UTC)).latest == date(2024, 6, 1)


# --- the rules: each switch decides what it says -------------------------------------------------------

A, B, C = date(2021, 3, 3), date(2021, 3, 4), date(2021, 3, 5)
ALONE = DateRules()
CET = timezone(timedelta(hours=1))
NEW_YEAR = date(2020, 1, 1)

RULE_CASES: list[tuple[str, DateRules, dict[str, Any], dict[str, Any], date | None]] = [
    ("htmldate alone", ALONE, {"time": (A,), "htmldate": (B,)}, {}, B),
    ("a stated source first", DateRules(stated=("time",)), {"time": (A,), "htmldate": (B,)}, {}, A),
    ("in their order", DateRules(stated=("byline", "time")), {"time": (A,), "byline": (C,)}, {}, C),
    ("htmldate when none states", DateRules(stated=("time",)), {"time": (), "htmldate": (B,)}, {}, B),
    (
        "url breaks a tie",
        DateRules(stated=("time",), url_tiebreak=True),
        {"time": (A,), "htmldate": (B,), "url": (B,)},
        {},
        B,
    ),
    (
        "no tie without url_tiebreak",
        DateRules(stated=("time",)),
        {"time": (A,), "htmldate": (B,), "url": (B,)},
        {},
        A,
    ),
    (
        "url shifts a day",
        DateRules(stated=("time",), url_shift=True),
        {"time": (B,), "htmldate": (B,), "url": (A,)},
        {},
        A,
    ),
    (
        "a utc stamp yields to local time",
        DateRules(stated=("meta",), local_day=True),
        {
            "meta": (datetime(2021, 3, 4, 23, 30, tzinfo=UTC), datetime(2021, 3, 5, 0, 30, tzinfo=CET)),
            "htmldate": (),
        },
        {},
        C,
    ),
    (
        "a utc stamp yields to the stated local stamp of the same moment",
        DateRules(stated=("meta",), local_day=True),
        {
            "meta": (
                datetime(2021, 3, 5, 0, 30, tzinfo=UTC),
                datetime(2021, 3, 4, 19, 30, tzinfo=timezone(timedelta(hours=-5))),
            )
        },
        {},
        B,
    ),
    (
        "a stand date yields to the page's next date",
        DateRules(stamp_yields=True),
        {"htmldate": (C,), "stamp": (C,), "htmldate_unstamped": (A,)},
        {},
        A,
    ),
    (
        "a stand date stands when it is the only one",
        DateRules(stamp_yields=True),
        {"htmldate": (C,), "stamp": (C,), "htmldate_unstamped": ()},
        {},
        C,
    ),
    (
        "a stand date a stated source confirms is kept",
        DateRules(stated=("byline",), stamp_yields=True),
        {"byline": (), "time": (), "url": (C,), "htmldate": (C,), "stamp": (C,), "htmldate_unstamped": (A,)},
        {},
        C,
    ),
    ("year-only 1 January: no day", DateRules(year_only_refused=True), {"htmldate": (NEW_YEAR,)}, {}, None),
    (
        "a feed's date then stands",
        DateRules(year_only_refused=True),
        {"htmldate": (NEW_YEAR,), "url": ()},
        {"hint": A},
        A,
    ),
    (
        "1 January stated on the page is a day",
        DateRules(year_only_refused=True),
        {"htmldate": (NEW_YEAR,), "meta": (NEW_YEAR,)},
        {},
        NEW_YEAR,
    ),
    (
        "or written in its text",
        DateRules(year_only_refused=True),
        {"htmldate": (NEW_YEAR,), "written": (NEW_YEAR,)},
        {},
        NEW_YEAR,
    ),
    ("without the rule htmldate's 1 January stands", ALONE, {"htmldate": (NEW_YEAR,)}, {}, NEW_YEAR),
    ("the hint where the page states none", ALONE, {"time": (), "url": (), "htmldate": (B,)}, {"hint": A}, A),
    ("not where the page states a date", ALONE, {"time": (C,), "url": (), "htmldate": (B,)}, {"hint": A}, B),
    ("nor where its url does", ALONE, {"url": (B,), "htmldate": (B,)}, {"hint": A}, B),
    ("nothing at all", ALONE, {"htmldate": ()}, {}, None),
]


@pytest.mark.parametrize(
    ("rules", "evidence", "kwargs", "expected"), [c[1:] for c in RULE_CASES], ids=[c[0] for c in RULE_CASES]
)
def test_decide(
    rules: DateRules, evidence: dict[str, Any], kwargs: dict[str, Any], expected: date | None
) -> None:
    found = decide(evidence, rules, **kwargs)
    assert (day_of(found) if found is not None else None) == expected


def test_default_rules_are_what_cross_validation_kept() -> None:
    assert DEFAULT_RULES.stated == ("time", "byline")
    assert DEFAULT_RULES.htmldate == ALONE.htmldate
    assert replace(DEFAULT_RULES, stated=()) == replace(
        ALONE, year_only_refused=True, unread_jsonld=True, wiki_revision=True
    )
    assert DEFAULT_RULES.describe() == (
        "time>byline>htmldate[extensive] +year-only-refused +unread-jsonld +wiki-revision"
    )


# The publisher's JSON-LD after the article, as on many news sites; htmldate dates the photo's alt text first.
ENGLISH_JSONLD = """<html><head><title>Stores</title></head><body><article><h1>Luxury stores open online</h1>
<figure><img src="shop.jpg" alt="NEW YORK - MAY 20: A closed shop on May 20, 2020 in New York City."></figure>
<p>The retailer opened its new online boutique for fashion houses this week, with more brands to follow.</p>
<p>Shoppers can order from a dozen labels, and returns are free for the first month of the programme.</p>
</article><script type="application/ld+json">
{{"@type": "NewsArticle", "headline": "Luxury stores open online", "datePublished": "{published}"}}
</script></body></html>"""


@pytest.mark.parametrize(
    ("published", "expected"),
    [("Tue, Sep 15 2020 10:01:41 EDT", date(2020, 9, 15)), ("September 15th, 2020", date(2020, 9, 15))],
)
def test_jsonld_written_in_english_words_beats_a_photo_date(published: str, expected: date) -> None:
    html = ENGLISH_JSONLD.format(published=published)
    assert find_date(html, extensive_search=True, original_date=True) == "2020-05-20"  # htmldate: the photo
    article = extract_article(html.encode(), "https://shop.example/stores", now=date(2021, 1, 1))
    assert (day_of(article.published_at) if article.published_at else None) == expected


COPYRIGHT_ONLY = """<html><head><title>Vereinsfest</title></head><body><article><h1>Sommerfest im Park</h1>
<p>{text}</p><p>Der Verein lädt alle Nachbarn ein, es gibt Kuchen, Musik und ein Kinderprogramm am Teich.</p>
</article><footer>© 2020 Heimatverein Musterdorf</footer></body></html>"""


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Das Fest findet wieder im Sommer statt, wie jedes Jahr seit langer Zeit.", None),
        ("Geschrieben am 1. Januar 2020 von der Redaktion des Vereins.", date(2020, 1, 1)),
    ],
    ids=["copyright-year-only", "new-years-day-written"],
)
def test_a_copyright_year_is_no_publication_day(text: str, expected: date | None) -> None:
    html = COPYRIGHT_ONLY.format(text=text)
    assert find_date(html, extensive_search=True, original_date=True) == "2020-01-01"  # htmldate's fallback
    article = extract_article(html.encode(), "https://verein.example/fest", now=date(2024, 6, 1))
    assert (day_of(article.published_at) if article.published_at else None) == expected


WORDS = ["Veröffentlicht", "ERSCHIENEN", "datum", "Posted", "publié", "von ", "Stand", "ÄNDERUNG", "Updated"]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(WORDS) | st.text(max_size=12), max_size=6).map(" ".join))
def test_the_quick_hints_find_exactly_what_the_plain_patterns_find(text: str) -> None:
    """The hints skip ahead by their first letters (speed only): they find the same lines as before."""
    label = re.compile(rf"{date_sources._LABELS}|von ", re.IGNORECASE)
    modified = re.compile(rf"\b(?:{date_sources._MODIFIED})\b", re.IGNORECASE)
    assert bool(date_sources._LABEL_HINT.search(text)) == bool(label.search(text))
    assert bool(date_sources._MODIFIED_WORDS.search(text)) == bool(modified.search(text))


def test_the_fork_servers_warm_up_builds_the_parser_pages_of_unknown_language_use() -> None:
    """warm_every_locale (run once in the extraction pool's fork server) must warm the very parser that
    htmldate is handed for a page whose language is unknown, or every worker builds its own again."""
    warm_every_locale()
    token = date_htmldate._PAGE_LANGUAGES.set(date_htmldate.date_languages(None))
    try:
        parser = date_htmldate._scoped_external_parser()
    finally:
        date_htmldate._PAGE_LANGUAGES.reset(token)
    assert parser is date_htmldate._dateparser_for(None)
    assert parser.get_date_data("15 августа 2016").date_obj.date() == date(2016, 8, 15)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("Tue, Sep 15 2020 10:01:41 EDT", date(2020, 9, 15)),
        ("15 Sept. 2020", date(2020, 9, 15)),
        ("March 3rd, 2021", date(2021, 3, 3)),
        ("Sep 2020", None),  # a month names no day
        ("30 Feb 2020", None),  # no such day: never a nearby one
        ("Mayday 3 2020", None),  # no month name
    ],
)
def test_a_day_in_english_words(value: str, expected: date | None) -> None:
    assert parse_english_date(value) == expected


def _jsonld_page(published: str, script_type: str = "application/ld+json") -> HtmlElement:
    return document_fromstring(
        f'<html><head><script type="{script_type}">{{"@type": "NewsArticle", "datePublished": "{published}"}}'
        "</script></head><body><p>Text.</p></body></html>"
    )


@pytest.mark.parametrize(
    ("published", "script_type", "expected"),
    [
        ("2020-09-15T10:01:41+02:00", "application/ld+json", ()),  # htmldate reads it itself
        ("Tue, Sep 15 2020 10:01:41 EDT", "application/ld+json", (date(2020, 9, 15),)),
        ("15.09.2020", "application/ld+json", (date(2020, 9, 15),)),
        ("2020-09-15", "application/ld+json; charset=utf-8", (date(2020, 9, 15),)),
        ("soon", "application/ld+json", ()),
    ],
    ids=["iso", "english", "german", "charset-typed-script", "no-date"],
)
def test_jsonld_dates_htmldate_cannot_read(
    published: str, script_type: str, expected: tuple[date, ...]
) -> None:
    found = date_sources.from_jsonld_unread(_jsonld_page(published, script_type))
    assert tuple(day_of(d) for d in found) == expected


def test_a_wiki_footer_in_another_language_is_read_in_the_page_language() -> None:
    page = document_fromstring(
        '<html lang="fr"><head><meta name="generator" content="MediaWiki 1.40.1"></head><body><p>Texte</p>'
        '<ul><li id="footer-info-lastmod">Cette page a été modifiée pour la dernière fois le 3 mars 2020'
        " à 10:01.</li></ul></body></html>"
    )
    assert date_sources.from_wiki_revision(page) == (date(2020, 3, 3),)
    page.set("lang", "xx")  # a language dateparser does not know: no guess
    assert date_sources.from_wiki_revision(page) == ()
