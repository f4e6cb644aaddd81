"""The analyst views, `hubwatch hubs`, `hubwatch status` and `hubwatch maintain`, as an analyst reads them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import sqlite_utils
from click.testing import CliRunner

from pipeline.cli import cli
from pipeline.entities import Analysis, Fact, Mention
from pipeline.extract import Article
from pipeline.store import archive
from pipeline.store.announcements import Saved, save_article
from pipeline.store.schema import open_db


def save(db: sqlite_utils.Database, n: int, text: str, analysis: Analysis, day: str) -> Saved:
    url = f"https://presse.example/{n}"
    article = Article(url=url, title=f"Meldung {n}", text=text)
    return save_article(
        db,
        source_id="presse",
        url=url,
        article=article,
        analysis=analysis,
        fetched_at=f"{day}T08:00:00+00:00",
    )


DRESDEN = Analysis(
    mentions=[
        Mention("HUB", "Smart Systems Hub", "Dresden/Leipzig", 0, 17),
        Mention("CITY", "Dresden", "Dresden", 22, 29),
        Mention("CITY", "Leipzig", "Leipzig", 34, 41),
        Mention("SECTOR", "Internet of Things", "Internet of Things", 50, 68),
    ],
    facts=[
        Fact("Dresden/Leipzig", "city", "Dresden", "Der Smart Systems Hub in Dresden und Leipzig …"),
        Fact("Dresden/Leipzig", "city", "Leipzig", "Der Smart Systems Hub in Dresden und Leipzig …"),
        Fact(
            "Dresden/Leipzig", "sector", "Smart Systems", "… Smart Systems, Internet of Things und Energie."
        ),
        Fact("Dresden/Leipzig", "sector", "Internet of Things", "… Smart Systems, Internet of Things …"),
    ],
    relevant=True,
)
KARLSRUHE = Analysis(
    mentions=[
        Mention("HUB", "de:hub Karlsruhe", "Karlsruhe", 0, 16),
        Mention("CITY", "Karlsruhe", "Karlsruhe", 7, 16),
    ],
    facts=[Fact("Karlsruhe", "sector", "Künstliche Intelligenz", "Karlsruhe für Künstliche Intelligenz.")],
    relevant=True,
)


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    path = tmp_path / "hubwatch.db"
    db = open_db(path)
    save(db, 1, "Der Smart Systems Hub in Dresden und Leipzig: Internet of Things.", DRESDEN, "2024-01-10")
    save(db, 2, "de:hub Karlsruhe für Künstliche Intelligenz.", KARLSRUHE, "2024-02-01")
    # version 2 of announcement 2 drops Karlsruhe's sector: the views show only the current version
    edited = Analysis(mentions=KARLSRUHE.mentions, facts=[], relevant=True)
    save(db, 2, "de:hub Karlsruhe eröffnet ein Büro.", edited, "2024-02-05")
    db.close()
    return path


def test_announcements_with_entities_has_one_row_with_entity_columns(db_path: Path) -> None:
    db = open_db(db_path)
    rows = {r["id"]: r for r in db.query("SELECT * FROM announcements_with_entities")}
    assert (rows[1]["hubs"], rows[1]["cities"], rows[1]["sectors"]) == (
        "Dresden/Leipzig",
        "Dresden, Leipzig",
        "Internet of Things",
    )
    assert (rows[2]["hubs"], rows[2]["version"]) == ("Karlsruhe", 2)


def test_hub_timeline_lists_each_hub_by_day(db_path: Path) -> None:
    db = open_db(db_path)
    rows = list(db.query("SELECT hub, day, title, cities, sectors FROM hub_timeline ORDER BY day"))
    assert rows == [
        {
            "hub": "Dresden/Leipzig",
            "day": "2024-01-10",
            "title": "Meldung 1",
            "cities": "Dresden, Leipzig",
            "sectors": "Internet of Things, Smart Systems",
        },
        {"hub": "Karlsruhe", "day": "2024-02-01", "title": "Meldung 2", "cities": None, "sectors": None},
    ]


def test_sector_hub_matrix_counts_current_facts(db_path: Path) -> None:
    db = open_db(db_path)
    (row,) = db.query("SELECT * FROM sector_hub_matrix")
    assert row["hub"] == "Dresden/Leipzig"
    assert (row["Smart Systems"], row["Internet of Things"], row["Energie"], row["other"]) == (1, 1, 0, 0)


def test_hubs_command_prints_evidence_counts_and_last_seen(db_path: Path) -> None:
    result = CliRunner().invoke(cli, ["--db", str(db_path), "hubs", "--format", "json"])
    assert result.exit_code == 0, result.output
    hubs = {h["hub"]: h for h in json.loads(result.stdout)}
    assert hubs["Dresden/Leipzig"] == {
        "hub": "Dresden/Leipzig",
        "status": "listed",
        "cities": "Dresden (1), Leipzig (1)",
        "sectors": "Internet of Things (1), Smart Systems (1)",
        "evidence": 4,
        "mentions": 1,
        "announcements": 1,
        "last_seen": "2024-01-10T08:00:00+00:00",
    }
    assert (
        hubs["Karlsruhe"]["evidence"] == 0 and hubs["Karlsruhe"]["last_seen"] == "2024-02-05T08:00:00+00:00"
    )


def test_status_reports_size_and_last_vacuum(db_path: Path, tmp_path: Path) -> None:
    def status() -> str:
        result = CliRunner().invoke(cli, ["--db", str(db_path), "status"])
        assert result.exit_code == 0, result.output
        return result.stderr

    assert "MB, 2 announcements (0 gone, 0 near-duplicates); last vacuum: never" in status()
    config = tmp_path / "sources.yaml"
    config.write_text("settings:\n  raw_retention_days: 30\nsources: []\n", encoding="utf-8")
    result = CliRunner().invoke(cli, ["--config", str(config), "--db", str(db_path), "maintain", "--vacuum"])
    assert result.exit_code == 0, result.output
    assert "vacuumed" in result.stderr
    assert "last vacuum: never" not in status()


def test_raw_pages_keep_the_latest_and_prune_old_captures(db_path: Path) -> None:
    from datetime import UTC, datetime

    db = open_db(db_path)
    url = "https://presse.example/1"
    for n, day in enumerate(("2024-01-01", "2024-02-01", "2024-02-01", "2024-06-01")):
        body = f"<html>Fassung {min(n, 2)}</html>".encode()
        archive.save_raw(db, url=url, source_id="presse", body=body, content_type="text/html", fetched_at=day)
    assert archive.raw_page(db, url) == b"<html>Fassung 2</html>"
    history = db.execute("SELECT fetched_at, replaced_at FROM raw_page_history ORDER BY id").fetchall()
    assert history == [("2024-01-01", "2024-02-01"), ("2024-02-01", "2024-02-01")]
    assert archive.prune(db, retention_days=0) == 0  # 0 keeps everything
    assert archive.prune(db, retention_days=30, now=datetime(2024, 6, 1, tzinfo=UTC)) == 2
    assert list(archive.load_raw(db)) == [(url, "presse", b"<html>Fassung 2</html>")]


def test_entity_columns_use_the_announcement_index_without_statistics(tmp_path: Path) -> None:
    """Before the first `hubwatch maintain` there are no statistics; the view must not scan by label."""
    db = open_db(tmp_path / "fresh.db")
    plan = " ".join(
        str(row[-1])
        for row in db.execute(
            "EXPLAIN QUERY PLAN SELECT * FROM announcements_with_entities ORDER BY id DESC LIMIT 50"
        )
    )
    assert "idx_mentions_announcement" in plan
    assert "idx_mentions_label_canonical" not in plan
