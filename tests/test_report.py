"""`hubwatch report`: one self-contained HTML file: map, timelines, heat map, what is new, source health.

Built from the demo database (tests/demodata.py, written through the real store) and read as an analyst
reads it: the HTML parsed, and once opened in a real headless Chromium with the network cut off.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from bs4 import BeautifulSoup
from click.testing import CliRunner

from pipeline.analysts.places import ensure_places
from pipeline.analysts.report import build_report
from pipeline.cli import cli
from pipeline.entities import Analysis, Mention
from pipeline.extract import Article
from pipeline.store.announcements import save_article
from pipeline.store.schema import open_db
from tests.browser import open_browser
from tests.demodata import build_demo_db

TODAY = date(2024, 6, 30)
NOW = datetime(2024, 6, 30, 10, 0, tzinfo=UTC)
SINCE = date(2024, 6, 15)


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = build_demo_db(tmp_path_factory.mktemp("demo") / "hubwatch.db", today=TODAY)
    db = open_db(path)
    ensure_places(db)
    db.close()
    return path


@pytest.fixture(scope="module")
def page(demo: Path) -> BeautifulSoup:
    report = build_report(open_db(demo), since=SINCE, now=NOW)
    assert report.problems == []
    return BeautifulSoup(report.html, "html.parser")


def svg_texts(page: BeautifulSoup, section: str) -> list[str]:
    return [t.get_text() for t in page.select(f"#{section} svg text")]


def test_the_map_shows_every_placed_hub_with_its_count(demo: Path, page: BeautifulSoup) -> None:
    db = open_db(demo)
    counts = dict(db.execute("SELECT DISTINCT hub, announcements FROM hub_locations").fetchall())
    labels = svg_texts(page, "karte")
    for hub, n in counts.items():
        if hub != "Jena":  # in hubs.yaml but without announcements in the demo: labelled "Jena (0)"
            assert n > 0
        assert f"{hub} ({n})" in labels
    assert "Leipzig" in labels  # a twin hub's second city is named too
    svg = page.select_one("#karte svg")
    assert svg["role"] == "img" and svg.title.get_text() == "Die Hubs und ihre Meldungen"
    assert "unbestätigt" in svg.desc.get_text().lower() or "unbestätigte" in svg.desc.get_text()


def test_an_unconfirmed_hub_is_told_apart_without_colour(page: BeautifulSoup) -> None:
    # the legend names the shapes; the data table says it in words
    assert {"bekannt", "unbestätigt"} <= set(svg_texts(page, "karte"))
    rows = [[td.get_text() for td in tr.select("td")] for tr in page.select("#karte table tbody tr")]
    assert ["Magdeburg", "Magdeburg", "unbestätigt"] in [r[:3] for r in rows]
    # two kinds of symbol path: circles for known hubs, triangles for the unconfirmed one
    shapes = {p["d"][:12] for p in page.select("#karte svg g.mark-symbol.role-mark path")}
    assert len(shapes) > 2


def test_timelines_have_one_panel_per_hub_in_german(demo: Path, page: BeautifulSoup) -> None:
    texts = svg_texts(page, "zeitverlauf")
    hubs = [r[0] for r in open_db(demo).execute("SELECT DISTINCT hub FROM hub_months").fetchall()]
    assert set(hubs) <= set(texts)
    assert any(re.fullmatch(r"(Jan|Mai|Sep) 20\d\d", t) for t in texts)  # German month names
    bars = page.select("#zeitverlauf svg g.mark-rect.role-mark path")
    assert len(bars) == len(page.select("#zeitverlauf table tbody tr"))


def test_the_heat_map_prints_its_numbers(demo: Path, page: BeautifulSoup) -> None:
    pairs = open_db(demo).execute("SELECT hub, sector, announcements FROM hub_sectors").fetchall()
    texts = svg_texts(page, "branchen")
    assert {"Hub", "Branche"} <= set(texts)
    cell_numbers = [t for t in texts if t.isdigit()]
    for _, _, n in pairs:
        assert str(n) in cell_numbers
    assert len(page.select("#branchen svg g.mark-rect.role-mark path")) == len(pairs)


def test_what_is_new_is_grouped_by_hub_with_links(demo: Path, page: BeautifulSoup) -> None:
    db = open_db(demo)
    fresh = db.execute(
        """SELECT a.url, m.canonical FROM announcements a JOIN mentions m ON m.announcement_id = a.id
           WHERE m.label = 'HUB' AND a.published_at >= ?""",
        [SINCE.isoformat()],
    ).fetchall()
    old = db.execute("SELECT url FROM announcements WHERE published_at < ?", [SINCE.isoformat()]).fetchall()
    section = page.select_one("#neu")
    links = {a["href"] for a in section.select("a")}
    assert links == {url for url, _ in fresh}
    assert not links & {url for (url,) in old}
    headings = [h.contents[0].strip() for h in section.select("h3")]
    assert set(headings) == {hub for _, hub in fresh}
    for heading in section.select("h3"):
        listed = heading.find_next_sibling("ol").select("a")
        hub = heading.contents[0].strip()
        assert {a["href"] for a in listed} == {url for url, h in fresh if h == hub}


def test_source_health_is_told_in_words(page: BeautifulSoup) -> None:
    rows = {tr.td.get_text(): tr.get_text(" ", strip=True) for tr in page.select("#quellen tbody tr")}
    assert "✖ gestört (2× in Folge)" in rows["Gründerszene (Beispiel)"]
    assert "HTTP 503" in rows["Gründerszene (Beispiel)"]
    assert "✔ ok" in rows["BMWK Pressemitteilungen"]


def test_the_report_is_self_contained(page: BeautifulSoup, demo: Path) -> None:
    assert page.html["lang"] == "de"
    assert not page.select("script, link, img, iframe, object, embed, video, audio")
    assert "@import" not in str(page.style) and "url(" not in str(page.style)
    urls = {u for (u,) in open_db(demo).execute("SELECT url FROM announcements").fetchall()}
    for a in page.select("a[href]"):
        assert a["href"].startswith("#") or a["href"] in urls
    assert not [tag for tag in page.find_all(True) if tag.get("src") or tag.get("xlink:href")]


def test_scraped_text_is_escaped_and_only_web_links_are_links(tmp_path: Path) -> None:
    db = open_db(tmp_path / "hubwatch.db")
    analysis = Analysis(mentions=[Mention("HUB", "Digital Hub Berlin", "Berlin", 0, 18)], relevant=True)
    for url, title in (
        ("javascript:alert(1)", "Klick mich"),
        ("https://evil.example/a", '<script>alert("x")</script><img src=x onerror=alert(2)>'),
    ):
        article = Article(url=url, title=title, text="Digital Hub Berlin eröffnet.", published_at=TODAY)
        save_article(db, source_id="s", url=url, article=article, analysis=analysis)
    ensure_places(db)
    html = build_report(db, since=SINCE, now=NOW).html
    page = BeautifulSoup(html, "html.parser")
    assert not page.select("script, img")
    assert "&lt;script&gt;alert(" in html
    assert '<script>alert("x")</script><img src=x onerror=alert(2)>' in page.select_one("#neu").get_text()
    assert [a["href"] for a in page.select("#neu a")] == ["https://evil.example/a"]
    assert "Klick mich" in page.select_one("#neu").get_text()


def test_an_empty_database_gives_a_report_that_says_so(tmp_path: Path) -> None:
    db = open_db(tmp_path / "hubwatch.db")
    ensure_places(db)
    report = build_report(db, since=SINCE, now=NOW)
    page = BeautifulSoup(report.html, "html.parser")
    assert report.problems == []
    assert "Nichts Neues seit 15.06.2024" in page.select_one("#neu").get_text()
    assert "Noch keine Quelle abgerufen" in page.select_one("#quellen").get_text()
    assert "Noch keine Daten" in page.select_one("#zeitverlauf").get_text()


# --- the command ---------------------------------------------------------------------------------


@pytest.fixture
def live_demo(tmp_path: Path) -> Path:
    """The demo database up to today, so the command's default window (the last 7 days) has news."""
    return build_demo_db(tmp_path / "hubwatch.db", today=date.today())


def test_report_command_writes_the_file(live_demo: Path, tmp_path: Path, monkeypatch: Any) -> None:
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(cli, ["--db", str(live_demo), "report"])
    assert result.exit_code == 0, result.stderr
    written = tmp_path / f"hubwatch-report-{datetime.now(UTC).date().isoformat()}.html"
    assert written.exists() and f"report: {written.name}" in result.stderr
    page = BeautifulSoup(written.read_text(encoding="utf-8"), "html.parser")
    assert len(page.select("svg")) == 3 and page.select("#neu h3")
    assert not list(tmp_path.glob("*.partial"))


def test_report_command_since_and_stdout(live_demo: Path) -> None:
    result = CliRunner().invoke(
        cli, ["--db", str(live_demo), "report", "--out", "-", "--since", "2000-01-01"]
    )
    assert result.exit_code == 0
    page = BeautifulSoup(result.stdout, "html.parser")
    assert "Neu seit 01.01.2000" in page.select_one("#neu h2").get_text()
    berlin = next(h for h in page.select("#neu h3") if h.contents[0].strip() == "Berlin")
    assert "(36 Meldungen)" in berlin.get_text()  # every demo announcement is newer than 2000
    assert len(berlin.find_next_sibling("ol").select("li")) == 25  # NEW_PER_HUB, then a count
    assert "… und 11 weitere." in berlin.find_next_sibling("p").get_text()


def test_a_bad_date_or_no_database_is_one_line(tmp_path: Path) -> None:
    bad = CliRunner().invoke(cli, ["--db", str(tmp_path / "x.db"), "report", "--since", "gestern"])
    assert bad.exit_code == 2 and "not a date" in bad.stderr
    missing = CliRunner().invoke(cli, ["--db", str(tmp_path / "x.db"), "report"])
    assert missing.exit_code == 1 and missing.stderr.startswith("hubwatch: no database")


def test_a_chart_that_cannot_be_drawn_leaves_a_note_and_exit_3(
    live_demo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from pipeline.analysts import charts

    real = charts.svg

    def broken_heat_map(spec: dict[str, Any], *, title: str, description: str) -> str:
        if title == "Branchen × Hubs":
            raise ValueError("no engine")
        return real(spec, title=title, description=description)

    monkeypatch.setattr(charts, "svg", broken_heat_map)
    out = tmp_path / "r.html"
    result = CliRunner().invoke(cli, ["--db", str(live_demo), "report", "--out", str(out)])
    assert result.exit_code == 3
    assert "picture 'branchen' not drawn: ValueError: no engine" in result.stderr
    page = BeautifulSoup(out.read_text(encoding="utf-8"), "html.parser")
    assert "konnte nicht gezeichnet werden" in page.select_one("#branchen .note").get_text()
    assert page.select("#branchen table tbody tr")  # the data is still there
    assert page.select_one("#karte svg") and page.select_one("#zeitverlauf svg")


# --- a real browser --------------------------------------------------------------------------------


def test_the_report_opens_offline_in_chromium_with_its_charts_drawn(demo: Path, tmp_path: Path) -> None:
    out = tmp_path / "report.html"
    out.write_text(build_report(open_db(demo), since=SINCE, now=NOW).html, encoding="utf-8")
    with open_browser() as browser:
        tab = browser.new_page(viewport={"width": 1100, "height": 900})
        errors: list[str] = []
        requests: list[str] = []
        tab.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        tab.on("pageerror", lambda e: errors.append(str(e)))
        tab.on("request", lambda r: requests.append(r.url))
        tab.goto(out.as_uri())
        marks = {
            key: tab.locator(f"#{key} svg g.role-mark path").count()
            for key in ("karte", "zeitverlauf", "branchen")
        }
        box = tab.locator("#karte svg").bounding_box()
        tab.screenshot(path=str(tmp_path / "report.png"), full_page=True)
    assert errors == []
    assert requests == [out.as_uri()]  # nothing loaded from anywhere else
    assert all(n > 10 for n in marks.values()), marks
    assert box and box["width"] > 300 and box["height"] > 300
    assert (tmp_path / "report.png").stat().st_size > 20_000
