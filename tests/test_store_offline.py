"""Raw pages kept in the database are enough to reprocess everything with the network gone."""

from __future__ import annotations

import sqlite3
import zlib
from pathlib import Path

import pytest
from click.testing import CliRunner

from pipeline import workers
from pipeline.cli import cli
from tests.germansite import ARTICLES


def test_reprocess_needs_no_network(site_config: Path, tmp_path: Path) -> None:
    assert CliRunner().invoke(cli, ["--config", str(site_config), "run", "--no-digest"]).exit_code == 0
    db = tmp_path / "hubwatch.db"
    offline = tmp_path / "offline.yaml"
    offline.write_text(
        f"settings:\n  database: {db}\nsources:\n  - id: region-feed\n    kind: feed\n"
        "    url: http://127.0.0.1:9/feed.xml\n",
        encoding="utf-8",
    )
    with sqlite3.connect(db) as conn:
        conn.execute("DELETE FROM mentions")
        before = conn.execute("SELECT count(*) FROM events").fetchone()[0]
    result = CliRunner().invoke(cli, ["--config", str(offline), "reprocess"])
    assert result.exit_code == 0, result.output
    assert f"reprocessed {len(ARTICLES)} pages, 0 errors" in result.stderr
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT count(DISTINCT announcement_id) FROM mentions").fetchone()[0] > 0
        assert conn.execute("SELECT count(*) FROM events").fetchone()[0] == before
        assert conn.execute("SELECT count(*) FROM raw_pages WHERE sha256 IS NULL").fetchone()[0] == 0


def _offline_config(tmp_path: Path, workers: int) -> Path:
    config = tmp_path / f"offline-{workers}.yaml"
    config.write_text(
        f"settings:\n  database: {tmp_path / 'hubwatch.db'}\n  extract_workers: {workers}\n"
        "sources:\n  - id: region-feed\n    kind: feed\n    url: http://127.0.0.1:9/feed.xml\n",
        encoding="utf-8",
    )
    return config


def _mentions(db: Path) -> list[tuple[object, ...]]:
    with sqlite3.connect(db) as conn:
        return conn.execute(
            "SELECT announcement_id, label, canonical, start FROM mentions ORDER BY 1, 4, 2, 3"
        ).fetchall()


def test_reprocess_in_worker_processes_gives_the_same_entities_and_reports_a_broken_page(
    site_config: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    assert CliRunner().invoke(cli, ["--config", str(site_config), "run", "--no-digest"]).exit_code == 0
    db = tmp_path / "hubwatch.db"
    with sqlite3.connect(db) as conn:  # one stored page is now a PDF: reported, the others go on
        broken = conn.execute("SELECT url FROM raw_pages ORDER BY url LIMIT 1").fetchone()[0]
        conn.execute("UPDATE raw_pages SET body = ? WHERE url = ?", [zlib.compress(b"%PDF-1.7\n..."), broken])
        conn.execute("DELETE FROM mentions")
    in_process = CliRunner().invoke(cli, ["--config", str(_offline_config(tmp_path, 0)), "reprocess"])
    assert in_process.exit_code == 3, in_process.output  # 3: some pages failed
    assert f"reprocessed {len(ARTICLES) - 1} pages, 1 errors" in in_process.stderr
    expected = _mentions(db)
    assert expected

    monkeypatch.setattr(workers, "POOL_MIN_PAGES", 1)  # the pool starts from 24 pages; the site has fewer
    with sqlite3.connect(db) as conn:
        conn.execute("DELETE FROM mentions")
    pooled = CliRunner().invoke(cli, ["--config", str(_offline_config(tmp_path, 2)), "reprocess"])
    assert pooled.exit_code == 3, pooled.output
    assert f"reprocessed {len(ARTICLES) - 1} pages, 1 errors" in pooled.stderr
    assert any(f"{broken}: not HTML but a PDF" in r.getMessage() for r in caplog.records)
    assert _mentions(db) == expected
