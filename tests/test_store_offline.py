"""Raw pages kept in the database are enough to reprocess everything with the network gone."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from click.testing import CliRunner

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
