"""The whole path on a real local site: sources.yaml → discover → fetch → extract → entities → SQLite."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from pipeline.cli import cli
from tests.germansite import ARTICLES, BOILERPLATE, article_html, sources_yaml
from tests.localsite import LocalSite
from tests.mailserver import Inbox

BY_SLUG = {a["slug"]: a for a in ARTICLES}


def run_cli(config: Path, *args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, ["--config", str(config), *args])
    return result.exit_code, result.stdout, result.stderr


def rows(db: Path, sql: str, *params: object) -> list[tuple]:
    with sqlite3.connect(db) as conn:
        return conn.execute(sql, params).fetchall()


def slug_of(url: str) -> str:
    return url.rsplit("/", 1)[-1].removesuffix(".html")


@pytest.fixture
def first_run(site_config: Path) -> Path:
    code, _, err = run_cli(site_config, "run")
    assert code == 0, err
    return site_config.parent / "hubwatch.db"


def test_every_article_is_stored_once_with_a_canonical_url(first_run: Path) -> None:
    stored = rows(first_run, "SELECT url, version FROM announcements ORDER BY url")
    assert sorted(slug_of(u) for u, _ in stored) == sorted(BY_SLUG)
    assert all("utm_" not in u and "#" not in u for u, _ in stored)
    assert {v for _, v in stored} == {1}
    assert rows(first_run, "SELECT kind, count(*) FROM events GROUP BY kind") == [("new", len(ARTICLES))]


def test_main_text_keeps_the_article_and_drops_the_boilerplate(first_run: Path) -> None:
    for url, title, text in rows(first_run, "SELECT url, title, text FROM announcements"):
        article = BY_SLUG[slug_of(url)]
        assert title == article["title"]
        assert article["paragraphs"][0][:60] in text
        assert article["paragraphs"][-1][-60:] in text
        for phrase in BOILERPLATE:
            assert phrase not in text, f"{phrase!r} leaked into {url}"


def test_published_dates_come_from_the_pages_or_the_feed(first_run: Path) -> None:
    for url, published in rows(first_run, "SELECT url, published_at FROM announcements"):
        assert published is not None and published[:10] == BY_SLUG[slug_of(url)]["date"]


@pytest.mark.parametrize("slug", list(BY_SLUG))
def test_hubs_cities_and_sectors_are_found(first_run: Path, slug: str) -> None:
    expect = BY_SLUG[slug]["expect"]
    ((ann_id, relevant),) = rows(
        first_run, "SELECT id, relevant FROM announcements WHERE url LIKE ?", f"%/{slug}.html"
    )
    found = {
        label: {
            c
            for (c,) in rows(
                first_run,
                "SELECT DISTINCT canonical FROM mentions WHERE announcement_id = ? AND label = ?",
                ann_id,
                label,
            )
        }
        for label in ("HUB", "CITY", "SECTOR")
    }
    assert found["HUB"] == set(expect["hubs"])
    assert found["CITY"] >= set(expect["cities"])
    assert found["SECTOR"] >= set(expect["sectors"])
    facts = set(rows(first_run, "SELECT hub, kind, value FROM hub_facts WHERE announcement_id = ?", ann_id))
    assert facts >= {tuple(f) for f in expect["facts"]}
    assert bool(relevant) is expect["relevant"]


def test_a_second_run_adds_nothing(first_run: Path, site_config: Path) -> None:
    before = (
        rows(first_run, "SELECT count(*) FROM announcements")[0][0],
        rows(first_run, "SELECT count(*) FROM events"),
    )
    code, _, err = run_cli(site_config, "run")
    assert code == 0, err
    assert (
        rows(first_run, "SELECT count(*) FROM announcements")[0][0],
        rows(first_run, "SELECT count(*) FROM events"),
    ) == before
    assert rows(first_run, "SELECT max(version) FROM announcements") == [(1,)]


def test_an_edited_article_becomes_version_2_with_one_changed_event(
    first_run: Path, site_config: Path, german_site: LocalSite
) -> None:
    article = BY_SLUG["karlsruhe-ki"]
    added = "Am Mittwoch stellte der Hub zudem ein neues Förderprogramm für Gründerteams vor."
    german_site.add(f"/artikel/{article['slug']}.html", article_html(article, extra_paragraph=added))
    code, _, err = run_cli(site_config, "run")
    assert code == 0, err
    ((ann_id, version, text),) = rows(
        first_run, "SELECT id, version, text FROM announcements WHERE url LIKE '%karlsruhe-ki.html'"
    )
    assert version == 2 and added in text
    assert rows(
        first_run, "SELECT kind, version FROM events WHERE announcement_id = ? ORDER BY id", ann_id
    ) == [("new", 1), ("changed", 2)]
    ((diff,),) = rows(
        first_run, "SELECT diff FROM announcement_versions WHERE announcement_id = ? AND version = 2", ann_id
    )
    assert f"+{added}" in diff
    assert rows(first_run, "SELECT count(*) FROM events WHERE kind = 'changed'") == [(1,)]


def test_a_failing_source_is_reported_and_the_others_are_stored(
    german_site: LocalSite, tmp_path: Path
) -> None:
    config = tmp_path / "sources.yaml"
    from tests.germansite import sources_yaml

    broken = "  - id: broken\n    kind: feed\n    url: http://127.0.0.1:9/nothing.xml\n"
    config.write_text(sources_yaml(german_site.url, tmp_path / "hubwatch.db") + broken, encoding="utf-8")
    code, _, err = run_cli(config, "run", "--no-digest")
    assert code == 3
    assert "broken" in err and "Traceback" not in err
    db = tmp_path / "hubwatch.db"
    assert rows(db, "SELECT count(*) FROM announcements") == [(len(ARTICLES),)]
    ((failures, error),) = rows(
        db, "SELECT consecutive_failures, last_error FROM sources WHERE id = 'broken'"
    )
    assert failures == 1 and error
    assert rows(db, "SELECT status, sources_failed FROM runs") == [("partial", 1)]
    code, out, _ = run_cli(config, "status", "--format", "json")
    assert code == 0 and '"broken"' in out


def test_python_dash_m_runs_the_same_command(site_config: Path) -> None:
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "pipeline",
            "--config",
            str(site_config),
            "run",
            "--no-digest",
            "--source",
            "region-feed",
        ],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=Path(__file__).parents[1],
    )
    assert done.returncode == 0, done.stderr
    assert "region-feed" in done.stderr and "new 3" in done.stderr


def test_the_run_mails_one_digest_of_the_relevant_news(
    german_site: LocalSite, tmp_path: Path, inbox: tuple[Inbox, int]
) -> None:
    handler, port = inbox
    digest = (
        "  digest:\n    to: [analysts@hub-agency.example]\n    from: hubwatch@hub-agency.example\n"
        f"    smtp_host: 127.0.0.1\n    smtp_port: {port}\n"
    )
    config = tmp_path / "sources.yaml"
    text = sources_yaml(german_site.url, tmp_path / "hubwatch.db").replace(
        "sources:\n", digest + "sources:\n", 1
    )
    config.write_text(text, encoding="utf-8")
    code, _, err = run_cli(config, "run")
    assert code == 0, err
    assert len(handler.received) == 1
    mail = handler.received[0]
    relevant = [a for a in ARTICLES if a["expect"]["relevant"]]
    assert f"{len(relevant)} neue" in mail.message["Subject"]
    for article in relevant:
        assert article["title"] in mail.text
    assert "Stadtbibliothek" not in mail.text
    code, _, err = run_cli(config, "run")
    assert code == 0 and len(handler.received) == 1, "a second run with nothing new must send nothing"


def _rendered_by_scripts(og_type: str, description: str) -> str:
    """A page whose body a script bundle fills in: only its head says what it is."""
    return (
        "<!DOCTYPE html><html lang='de'><head><meta charset='utf-8'>"
        f"<title>Digital Hub Jena | Stadtportal</title><meta property='og:type' content='{og_type}'>"
        f"<meta property='og:description' content='{description}'>"
        "<meta property='article:published_time' content='2024-03-05T09:30:00+01:00'></head>"
        "<body><div id='app'></div><script src='/bundle.js'></script></body></html>"
    )


def test_an_article_its_scripts_render_is_stored_with_its_summary_and_a_consent_wall_is_an_error(
    german_site: LocalSite, tmp_path: Path
) -> None:
    german_site.add(
        "/app/digital-hub-jena",
        _rendered_by_scripts(
            "article",
            "Die Stadt Jena eröffnet einen Digital Hub für Optik und Photonik; Bewerbungen ab sofort.",
        ),
    )
    german_site.add(
        "/app/einwilligung",
        _rendered_by_scripts("website", "Wir verwenden Cookies, um unser Angebot zu verbessern."),
    )
    items = "".join(
        f"<item><title>{t}</title><link>{german_site.url}/app/{p}</link></item>"
        for t, p in (("Digital Hub Jena", "digital-hub-jena"), ("Einwilligung", "einwilligung"))
    )
    german_site.add(
        "/app/feed.xml",
        f"<rss version='2.0'><channel><title>App</title>{items}</channel></rss>",
        "application/rss+xml",
    )
    config = tmp_path / "sources.yaml"
    app = f"  - id: app-feed\n    kind: feed\n    url: {german_site.url}/app/feed.xml\n"
    config.write_text(sources_yaml(german_site.url, tmp_path / "hubwatch.db") + app, encoding="utf-8")
    _, _, err = run_cli(config, "run", "--no-digest")
    assert "Traceback" not in err
    db = tmp_path / "hubwatch.db"
    ((text, published),) = rows(db, "SELECT text, published_at FROM announcements WHERE url LIKE '%/app/%'")
    assert text.startswith("Die Stadt Jena eröffnet einen Digital Hub") and published.startswith("2024-03-05")
    assert "einwilligung: no main text found" in " ".join(err.split())  # the run's summary names the page
    assert rows(db, "SELECT errors FROM runs") == [(1,)]
