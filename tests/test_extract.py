"""extract_article as a user of hubwatch sees it: fixture pages, bad input, encodings, options."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest
import yaml

from pipeline.errors import ExtractError
from pipeline.extract import Article, extract_article
from pipeline.extract.boilerplate import is_boilerplate
from pipeline.extract.date_htmldate import date_languages
from pipeline.extract.date_parse import day_of, parse_date, parse_german_date
from pipeline.extract.meta import strip_site_name

FIXTURES = Path(__file__).parent / "fixtures" / "extract"
CASES: list[dict[str, Any]] = yaml.safe_load((FIXTURES / "cases.yaml").read_text(encoding="utf-8"))

PARAGRAPHS = [
    "Die Stadt Köln hat am Montag einen neuen Förderaufruf für junge Unternehmen gestartet. "
    "Gefördert werden Vorhaben, die Versicherungen und Gesundheitswesen digitaler machen.",
    "Bewerben können sich Gründerinnen und Gründer aus ganz Deutschland; die Jury tagt im Frühjahr "
    "und wählt bis zu zehn Teams für ein halbjähriges Programm in der Südstadt aus.",
    "Über die Vergabe entscheidet ein Gremium aus Wirtschaftsförderung, Hochschulen und Unternehmen. "
    "Die Ergebnisse werden im Sommer öffentlich vorgestellt.",
]


def page(
    body: str, *, head: str = "<title>Förderaufruf für Gründer</title>", charset: str | None = None
) -> str:
    """A minimal but complete HTML document around body."""
    meta = f'<meta charset="{charset}">' if charset else ""
    return f"<!DOCTYPE html><html><head>{meta}{head}</head><body>{body}</body></html>"


def article_body(paragraphs: list[str] = PARAGRAPHS) -> str:
    return (
        "<article><h1>Förderaufruf für Gründer</h1>"
        + "".join(f"<p>{p}</p>" for p in paragraphs)
        + "</article>"
    )


def _day(value: date | datetime | None) -> date | None:
    return value.date() if isinstance(value, datetime) else value


# --- the hand-written German pages ----------------------------------------------------------------


@pytest.mark.parametrize("case", CASES, ids=[c["id"] for c in CASES])
def test_fixture_page(case: dict[str, Any]) -> None:
    article = extract_article((FIXTURES / case["file"]).read_bytes(), case["url"])

    assert article.title == case["title"]
    assert _day(article.published_at) == case["published"]
    assert _day(article.modified_at) == case.get("modified")
    assert article.language == case["language"]
    if "canonical" in case:
        assert article.canonical_url == case["canonical"]
    if "author" in case:
        assert article.author == case["author"]
    for snippet in case["must"]:
        assert snippet in article.text
    for snippet in case["must_not"]:
        assert snippet not in article.text
    assert article.text.count("\n") >= 3, "paragraphs are kept on their own lines"


def test_fixture_cases_cover_the_required_kinds() -> None:
    assert len(CASES) >= 4
    assert len({c["id"] for c in CASES}) == len(CASES)


# --- paragraphs, metadata, options ------------------------------------------------------------------


def test_paragraphs_are_separated_by_newlines() -> None:
    article = extract_article(page(article_body()), "https://example.org/a")
    assert article.text.split("\n") == ["Förderaufruf für Gründer", *PARAGRAPHS]  # headings stay, own line


def test_content_selector_overrides_generic_extraction() -> None:
    html = page(
        '<div class="intro"><p>Ein Vorspann, den die generische Extraktion vielleicht nimmt, der Redaktion '
        "aber nicht als Artikel gilt, weil er auf jeder Seite der Rubrik steht und die Rubrik erklärt.</p>"
        "</div>"
        '<div class="body"><p>Nur dieser Absatz ist der Artikel der Quelle.</p></div>'
    )
    article = extract_article(html, "https://example.org/a", content_selector="div.body")
    assert article.text == "Nur dieser Absatz ist der Artikel der Quelle."


@pytest.mark.parametrize("selector", ["div.nothing-here", "div[[[", ""])
def test_unusable_selector_falls_back_to_generic_extraction(selector: str) -> None:
    article = extract_article(page(article_body()), "https://example.org/a", content_selector=selector)
    assert PARAGRAPHS[0] in article.text


def test_the_pages_own_date_beats_the_feed_date() -> None:
    """A feed's date is a hint for pages that state none (tests/fixtures/extract/dates.yaml has both)."""
    head = '<title>x</title><meta property="article:published_time" content="2019-01-02T10:00:00+01:00">'
    article = extract_article(
        page(article_body(), head=head), "https://example.org/a", feed_date=date(2019, 1, 3)
    )
    assert _day(article.published_at) == date(2019, 1, 2)


def test_jsonld_date_comes_before_visible_dates() -> None:
    head = (
        '<title>x</title><script type="application/ld+json">'
        '{"@type": "NewsArticle", "datePublished": "2021-05-06T08:00:00+02:00"}</script>'
    )
    body = "<p>Termin: 01.02.2020</p>" + article_body()
    article = extract_article(page(body, head=head), "https://example.org/a")
    assert _day(article.published_at) == date(2021, 5, 6)


def test_labelled_german_date_in_the_page_is_found() -> None:
    body = "<article><h1>Förderaufruf</h1><p>Veröffentlicht am 3. März 2021</p>" + "".join(
        f"<p>{p}</p>" for p in PARAGRAPHS
    )
    article = extract_article(page(body + "</article>"), "https://example.org/a")
    assert article.published_at == date(2021, 3, 3)
    assert "Veröffentlicht am" not in article.text


@pytest.mark.parametrize(
    "byline",
    [
        "von <a href='/u/anna'>Anna Muster</a> am 20.09.2020",
        "Von Stadtverwaltung Leipzig 20. 9. 2020",
        "<span>Veröffentlicht am</span> <time>20. September 2020</time>",
    ],
)
def test_byline_dates_are_found(byline: str) -> None:
    body = f"<article><h1>Förderaufruf</h1><p class='meta'>{byline}</p>" + "".join(
        f"<p>{p}</p>" for p in PARAGRAPHS
    )
    html = page(body + "<p>Kommentar von Paul am 22.09.2020</p></article>")
    assert extract_article(html, "https://example.org/a").published_at == date(2020, 9, 20)


SPANISH = (
    "El ayuntamiento de Sevilla ha presentado hoy un nuevo programa para las empresas jóvenes del sector "
    "digital y de la logística en la región, con ayudas para los primeros años de actividad."
)


def test_a_written_out_date_in_the_pages_own_language_is_read() -> None:
    """Only dateparser reads "miércoles, 3 de marzo de 2021"; it now tries the page's language first."""
    html = (
        "<html><head><title>Programa</title></head><body><main><h1>Programa digital</h1>"
        "<div class='meta'><span class='date'>miércoles, 3 de marzo de 2021</span></div>"
        + f"<p>{SPANISH} {SPANISH}</p><p>{SPANISH}</p></main></body></html>"
    )
    article = extract_article(html, "https://example.org/noticias/programa")
    assert article.language == "es"
    assert article.published_at == date(2021, 3, 3)


@pytest.mark.parametrize(
    ("language", "expected"),
    [("es", ("es", "de", "en")), ("de", ("de", "en")), ("en", ("en", "de")), (None, None), ("xx", None)],
)
def test_dates_are_read_in_the_pages_language_german_and_english(
    language: str | None, expected: tuple[str, ...] | None
) -> None:
    assert date_languages(language) == expected


def test_stand_line_gives_the_modified_date_and_leaves_the_text() -> None:
    body = article_body()[: -len("</article>")] + "<p>Stand: 07.08.2022</p></article>"
    article = extract_article(page(body), "https://example.org/a")
    assert article.modified_at == date(2022, 8, 7)
    assert "Stand" not in article.text


def test_canonical_url_is_made_absolute() -> None:
    head = '<title>x</title><link rel="canonical" href="/artikel/1">'
    article = extract_article(page(article_body(), head=head), "https://example.org/artikel/1?ref=rss")
    assert article.canonical_url == "https://example.org/artikel/1"


def test_result_is_an_article() -> None:
    article = extract_article(page(article_body()), "https://example.org/a")
    assert isinstance(article, Article)
    assert article.url == "https://example.org/a"
    assert article.language == "de"


# --- titles, dates and boilerplate rules ------------------------------------------------------------


@pytest.mark.parametrize(
    ("title", "site", "expected"),
    [
        ("Neue Hubs ausgewählt | BMWK", None, "Neue Hubs ausgewählt"),
        ("Smart City Tag im Rathaus - Stadt Leipzig", None, "Smart City Tag im Rathaus"),
        ("Stadt Leipzig - Smart City Tag im Rathaus", "Stadt Leipzig", "Smart City Tag im Rathaus"),
        ("heise online: Ein Titel ohne Trenner", None, "heise online: Ein Titel ohne Trenner"),
        ("Dresden/Leipzig: Smart Systems Hub", None, "Dresden/Leipzig: Smart Systems Hub"),
        ("Hub-Tag in Köln -", None, "Hub-Tag in Köln"),
    ],
)
def test_site_names_are_stripped_from_titles(title: str, site: str | None, expected: str) -> None:
    assert strip_site_name(title, site) == expected


def test_title_prefers_the_visible_headline() -> None:
    head = "<title>Förderaufruf für Gründer – Wirtschaftsförderung Köln</title>"
    article = extract_article(page(article_body(), head=head), "https://example.org/a")
    assert article.title == "Förderaufruf für Gründer"


def test_title_skips_a_blog_name_heading() -> None:
    head = "<title>Was die neuen Hubs bringen – Notizen aus Sachsen</title>"
    body = "<header><h1>Notizen aus Sachsen</h1></header>" + article_body()
    body = body.replace("<h1>Förderaufruf für Gründer</h1>", "<h1>Was die neuen Hubs bringen</h1>")
    article = extract_article(page(body, head=head), "https://example.org/a")
    assert article.title == "Was die neuen Hubs bringen"


def test_site_name_heading_alone_is_not_the_title() -> None:
    head = "<title>Sommerfest 2019 › Verein für Stadtgeschichte</title>"
    body = "<h1>Verein für Stadtgeschichte</h1>" + "".join(f"<p>{p}</p>" for p in PARAGRAPHS)
    article = extract_article(page(body, head=head), "https://example.org/a")
    assert article.title == "Sommerfest 2019"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("21. April 2017", date(2017, 4, 21)),
        ("21.04.2017", date(2017, 4, 21)),
        ("Stand: 1.3.2019", date(2019, 3, 1)),
        ("am 3. März 2020 in Berlin", date(2020, 3, 3)),
        ("12. Dez. 2018", date(2018, 12, 12)),
        ("31.02.2017", None),
        ("keine Angabe", None),
    ],
)
def test_german_dates(text: str, expected: date | None) -> None:
    assert parse_german_date(text) == expected


def test_iso_datetimes_keep_their_offset() -> None:
    parsed = parse_date("2017-04-21T10:15:00+02:00")
    assert isinstance(parsed, datetime)
    assert parsed.isoformat() == "2017-04-21T10:15:00+02:00"


@pytest.mark.parametrize(
    "line",
    [
        "Stand: 21.04.2017",
        "Zuletzt aktualisiert: 3. Mai 2021, 14:05 Uhr",
        "Teilen Facebook Twitter E-Mail",
        "Lesen Sie auch: Was die Hubs bisher erreicht haben",
        "Foto: Stadt Leipzig",
        "Wir verwenden Cookies. Mit Klick auf Akzeptieren stimmen Sie zu.",
    ],
)
def test_boilerplate_lines(line: str) -> None:
    assert is_boilerplate(line)


@pytest.mark.parametrize(
    "line",
    [
        "Die Stadt teilt mit, dass der Hub im Mai eröffnet.",
        "Cookies sind ein Thema für Datenschützer, sagte sie.",
        "Stand der Dinge ist, dass die Jury noch berät.",
    ],
)
def test_article_lines_are_not_boilerplate(line: str) -> None:
    assert not is_boilerplate(line)


# --- encodings --------------------------------------------------------------------------------------

UMLAUTS = "Größere Förderung für Gründerinnen: Die Jury wählt Bewerbungen aus, übermorgen läuft die Frist ab."


@pytest.mark.parametrize(
    ("encoding", "declared"),
    [
        ("utf-8", True),
        ("utf-8", False),
        ("iso-8859-1", True),
        ("iso-8859-1", False),
        ("cp1252", True),
        ("cp1252", False),
        ("utf-8-sig", False),
        ("utf-16", False),
    ],
)
def test_umlauts_survive_any_encoding(encoding: str, declared: bool) -> None:
    paragraphs = [UMLAUTS, *PARAGRAPHS]
    html = page(article_body(paragraphs), charset=encoding.replace("-sig", "") if declared else None)
    article = extract_article(html.encode(encoding), "https://example.org/a")
    assert UMLAUTS in article.text
    assert article.title == "Förderaufruf für Gründer"


def test_page_wrongly_declared_utf8_is_decoded_by_its_bytes() -> None:
    html = page(article_body([UMLAUTS, *PARAGRAPHS]), charset="utf-8")
    article = extract_article(html.encode("cp1252"), "https://example.org/a")
    assert UMLAUTS in article.text


def test_windows_1252_quotes_are_decoded() -> None:
    text = "„Wir sind bereit“, sagte die Bürgermeisterin – und meinte den Hub."
    html = page(article_body([text, *PARAGRAPHS]), charset="iso-8859-1")
    assert text in extract_article(html.encode("cp1252"), "https://example.org/a").text


def test_str_input_with_xml_declaration() -> None:
    html = '<?xml version="1.0" encoding="iso-8859-1"?>' + page(article_body())
    assert PARAGRAPHS[1] in extract_article(html, "https://example.org/a").text


# --- bad input --------------------------------------------------------------------------------------

BAD_INPUT = {
    "empty-bytes": b"",
    "empty-str": "",
    "whitespace": b"  \n\t ",
    "binary": bytes(range(256)) * 40,
    "pdf": b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\nendobj\n",
    "png": b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR",
    "gzip": b"\x1f\x8b\x08\x00\x00\x00\x00\x00",
    "plain-text": b"Dies ist kein HTML, sondern nur ein Satz.",
    "only-navigation": page("<nav><a href='/'>Start</a> <a href='/a'>Aktuelles</a></nav>").encode(),
    "nested-divs-5mb": ("<html><body>" + "<div>" * 450_000 + "<p>Tief</p>" + "</div>" * 10).encode(),
    "huge-flat-page": page("<p>Ein kurzer Absatz.</p>" * 150_000).encode(),
}


@pytest.mark.parametrize("raw", BAD_INPUT.values(), ids=BAD_INPUT.keys())
def test_bad_input_is_a_clear_extract_error(raw: bytes | str) -> None:
    with pytest.raises(ExtractError) as info:
        extract_article(raw, "https://example.org/bad")
    assert info.value.url == "https://example.org/bad"
    assert str(info.value).startswith("https://example.org/bad: ")


def test_pdf_is_named_in_the_error() -> None:
    with pytest.raises(ExtractError, match="PDF"):
        extract_article(b"%PDF-1.4 ...", "https://example.org/file.pdf")


def test_truncated_page_still_gives_its_text() -> None:
    html = page(article_body()).encode()
    cut = html[: html.index(b"Die Ergebnisse werden")]
    article = extract_article(cut, "https://example.org/a")
    assert PARAGRAPHS[1] in article.text


def test_truncated_utf8_sequence_is_not_an_error() -> None:
    html = page(article_body([UMLAUTS, *PARAGRAPHS])).encode("utf-8")
    cut = html[: html.index("übermorgen".encode()) + 1]  # ends inside the two bytes of "ü"
    article = extract_article(cut, "https://example.org/a")
    assert "Größere Förderung" in article.text


@pytest.mark.parametrize(
    ("language", "paragraphs"),
    [
        (
            "en",
            [
                "The city council has approved a new funding programme for start-ups that work on "
                "insurance and health care, and it will be open to teams from all over the country.",
                "Applications are due in spring; the jury will then choose up to ten teams for a "
                "six-month programme that is run by the local business development agency.",
            ],
        ),
        (
            "fr",
            [
                "La ville a lancé un nouveau programme de soutien pour les jeunes entreprises qui "
                "travaillent dans le domaine de la santé et des assurances, ouvert à toutes les équipes.",
                "Les candidatures sont attendues au printemps et le jury choisira ensuite dix équipes "
                "pour un programme de six mois dans les locaux de la chambre de commerce.",
            ],
        ),
    ],
)
def test_page_in_another_language_has_its_language_set(language: str, paragraphs: list[str]) -> None:
    html = page("<article>" + "".join(f"<p>{p}</p>" for p in paragraphs) + "</article>")
    article = extract_article(html.replace("<html>", '<html lang="de">'), "https://example.org/a")
    assert article.language == language


def test_jsonld_article_body_stands_in_for_a_script_rendered_page() -> None:
    body_text = " ".join(PARAGRAPHS)
    head = (
        '<title>x</title><script type="application/ld+json">'
        f'{{"@type": "NewsArticle", "articleBody": "{body_text}"}}</script>'
    )
    html = page('<div id="app"><p>Bitte aktivieren Sie JavaScript.</p></div>', head=head)
    assert extract_article(html, "https://example.org/a").text == body_text


def test_url_day_wins_over_utc_metadata_one_day_off() -> None:
    head = '<title>x</title><meta property="article:published_time" content="2019-01-01T00:30:00+00:00">'
    url = "https://blog.example/2018/12/31/silvester/"
    assert _day(extract_article(page(article_body(), head=head), url).published_at) == date(2018, 12, 31)


def test_malformed_metadata_is_ignored_not_fatal() -> None:
    head = (
        "<title>x</title><link rel='canonical' href='http://[::1'>"
        "<meta property='article:published_time' content='2017-02-30'>"
        "<meta name='date' content='0000-00-00'>"
        '<script type="application/ld+json">{"@graph": [[{"datePublished": 5}]], "articleBody": [1]</script>'
        "<time datetime='9999-99-99'></time>"
    )
    article = extract_article(page(article_body(), head=head), "https://example.org/a")
    assert article.canonical_url is None
    assert article.published_at != date(2017, 2, 3), "an impossible day is not read as a nearby one"
    assert PARAGRAPHS[2] in article.text


def test_wrong_input_type_is_an_extract_error() -> None:
    with pytest.raises(ExtractError):
        extract_article(12345, "https://example.org/a")  # type: ignore[arg-type]


SCRIPT_RENDERED = (
    "<!DOCTYPE html><html lang='de'><head><title>Neuer Hub in Jena | Stadtportal</title>{head}"
    "<meta property='og:description' content='Die Stadt Jena eröffnet im Frühjahr einen Digital Hub für "
    "Optik und Photonik; Bewerbungen sind ab sofort möglich.'>"
    "<meta property='article:published_time' content='2024-03-05T09:30:00+01:00'></head>"
    "<body><div id='app'></div><script src='/bundle.js'></script></body></html>"
)


def test_an_article_its_scripts_render_is_kept_with_its_own_summary() -> None:
    article = extract_article(
        SCRIPT_RENDERED.format(head="<meta property='og:type' content='article'>"), "https://example.org/hub"
    )
    assert article.text.startswith("Die Stadt Jena eröffnet im Frühjahr einen Digital Hub")
    assert article.published_at is not None and day_of(article.published_at) == date(2024, 3, 5)
    assert article.language == "de"


def test_a_page_that_is_no_article_and_has_no_text_stays_an_error() -> None:
    with pytest.raises(ExtractError, match="no main text"):
        extract_article(
            SCRIPT_RENDERED.format(head="<meta property='og:type' content='website'>"), "https://example.org/"
        )
