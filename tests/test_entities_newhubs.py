"""Hubs the initiative adds, end to end: a real run reads the announcement from a local site, table `hubs`
gets a row with `known = 0`, and `hubwatch hubs` marks it unconfirmed until hubs.yaml lists it."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest
from click.testing import CliRunner

from pipeline.cli import cli
from pipeline.entities import analyze, listed_hubs
from pipeline.extract import Article
from pipeline.store.announcements import save_article
from pipeline.store.hubs import sync_known_hubs, unconfirmed_hubs
from pipeline.store.schema import open_db
from pipeline.store.transactions import transaction
from tests.localsite import LocalSite

ADDITION = """<html><head><title>Zwei neue Standorte für die Digital Hub Initiative</title></head><body>
<article><h1>Zwei neue Standorte für die Digital Hub Initiative</h1>
<p>Berlin, 14.03.2025 – Das Bundesministerium für Wirtschaft und Klimaschutz nimmt Lübeck und Rostock
als neue Standorte in die Digital Hub Initiative auf. Damit wächst das Netzwerk der Digital Hubs auf
vierzehn Standorte.</p>
<p>Lübeck bringt die Medizintechnik ein, Rostock die maritime Logistik. Beide Hubs beginnen im Sommer mit
einem ersten Programm für Gründerinnen und Gründer, die mit dem Mittelstand der Region zusammenarbeiten.</p>
<p>Die Hub-Agentur unterstützt die neuen Standorte beim Aufbau. Bewerben konnten sich Städte aus ganz
Deutschland; eine unabhängige Jury hatte die Vorschläge geprüft und zwei von elf Bewerbungen empfohlen.</p>
</article></body></html>"""

STATE_HUB = """<html><head><title>Land eröffnet Gründerzentrum in Kiel</title></head><body>
<article><h1>Land eröffnet Gründerzentrum in Kiel</h1>
<p>Das Land Schleswig-Holstein hat in Kiel einen landeseigenen Digital Hub eröffnet. Auf drei Etagen am
Hafen finden 40 Start-ups Platz; die Miete übernimmt im ersten Jahr das Land. Weitere Zentren sind in
Flensburg und Neumünster geplant, sagte die Ministerin bei der Eröffnung vor rund hundert Gästen.</p>
</article></body></html>"""


def _config(site: LocalSite, tmp_path: Path) -> Path:
    site.add("/presse/neue-hubs.html", ADDITION)
    site.add("/land/kiel.html", STATE_HUB)
    config = tmp_path / "sources.yaml"
    config.write_text(
        f"""settings:
  database: {tmp_path / "hubwatch.db"}
  per_host_delay_s: 0
  allow_networks: ["127.0.0.0/8"]
  timeout_s: 5
sources:
  - id: ministerium
    name: Ministerium Pressemitteilungen
    kind: page
    url: {site.url}/presse/neue-hubs.html
  - id: land
    name: Landesportal
    kind: page
    url: {site.url}/land/kiel.html
""",
        encoding="utf-8",
    )
    return config


def _hubs_rows(db_path: Path) -> dict[str, tuple[int, int | None]]:
    with sqlite3.connect(db_path) as conn:
        return {
            c: (k, a) for c, k, a in conn.execute("SELECT canonical, known, first_announcement_id FROM hubs")
        }


def _announcement_id(db_path: Path, path: str) -> int:
    with sqlite3.connect(db_path) as conn:
        return conn.execute("SELECT id FROM announcements WHERE url LIKE ?", [f"%{path}"]).fetchone()[0]


@pytest.fixture
def ran(site: LocalSite, tmp_path: Path) -> Path:
    config = _config(site, tmp_path)
    result = CliRunner().invoke(cli, ["--config", str(config), "run", "--no-digest"])
    assert result.exit_code == 0, result.stderr
    return config


def test_a_run_records_the_announced_hubs_as_unknown_and_the_listed_ones_as_known(ran: Path) -> None:
    db_path = ran.parent / "hubwatch.db"
    found = _hubs_rows(db_path)
    ann = _announcement_id(db_path, "/presse/neue-hubs.html")
    assert found["Lübeck"] == (0, ann)
    assert found["Rostock"] == (0, ann)
    assert all(found[name][0] == 1 for name in listed_hubs())
    assert "Kiel" not in found  # a state's own hub is none of the initiative's
    assert "Berlin" in found and found["Berlin"][0] == 1  # the dateline's Berlin stays the listed hub


def test_hubwatch_hubs_lists_an_unconfirmed_hub_first(ran: Path) -> None:
    result = CliRunner().invoke(cli, ["--config", str(ran), "hubs", "--format", "json"])
    assert result.exit_code == 0, result.stderr
    rows = json.loads(result.stdout)
    assert [r["hub"] for r in rows[:2]] == ["Lübeck", "Rostock"]
    assert {r["status"] for r in rows[:2]} == {"unconfirmed"}
    lubeck = rows[0]
    assert "Lübeck" in lubeck["cities"] and "Gesundheit" in lubeck["sectors"]
    assert all(r["status"] != "unconfirmed" for r in rows[2:])


def test_a_second_run_keeps_the_first_announcement_and_listing_confirms_the_hub(ran: Path) -> None:
    db_path = ran.parent / "hubwatch.db"
    before = _hubs_rows(db_path)
    result = CliRunner().invoke(cli, ["--config", str(ran), "run", "--no-digest"])
    assert result.exit_code == 0, result.stderr
    assert _hubs_rows(db_path)["Lübeck"] == before["Lübeck"]
    db = open_db(db_path)
    sync_known_hubs(db, [*listed_hubs(), "Lübeck"], at="2025-04-01T06:30:00+00:00")  # the analyst lists it
    assert [h["canonical"] for h in unconfirmed_hubs(db)] == ["Rostock"]
    db.close()
    rows = json.loads(CliRunner().invoke(cli, ["--config", str(ran), "hubs", "--format", "json"]).stdout)
    assert {r["hub"]: r["status"] for r in rows}["Lübeck"] == "listed"


def test_a_found_hub_is_written_with_its_announcement_or_not_at_all(tmp_path: Path) -> None:
    db = open_db(tmp_path / "hubwatch.db")
    text = "Die Digital Hub Initiative nimmt Lübeck als neuen Standort in ihr Netzwerk auf."
    article = Article(url="https://example.org/a", title="Neuer Standort", text=text)
    analysis = analyze(text, article.title)
    assert analysis.new_hubs == ["Lübeck"]
    with pytest.raises(RuntimeError), transaction(db):
        save_article(db, source_id="s", url=article.url, article=article, analysis=analysis)
        raise RuntimeError("crash before the commit")
    assert db.execute("SELECT count(*) FROM hubs").fetchone()[0] == 0
    assert db.execute("SELECT count(*) FROM announcements").fetchone()[0] == 0
    saved = save_article(db, source_id="s", url=article.url, article=article, analysis=analysis)
    row = db.execute("SELECT known, first_announcement_id FROM hubs WHERE canonical = 'Lübeck'").fetchone()
    assert tuple(row) == (0, saved.announcement_id)
