"""SIGKILL `hubwatch run` at random points, then run again: nothing lost, nothing doubled, no corruption.

A slow local site (every article answers after a delay) makes each pass last long enough that the kills
land in discovery, in fetching, in extraction and in the middle of database writes.
"""

from __future__ import annotations

import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from http.server import BaseHTTPRequestHandler
from pathlib import Path

import pytest

from tests.germansite import ARTICLES, article_html, sources_yaml
from tests.localsite import LocalSite
from tests.mailserver import Inbox

REPO = Path(__file__).resolve().parents[1]
TRIALS = 20
ARTICLE_DELAY_S = 0.15


def slow_page(body: bytes):
    def handler(request: BaseHTTPRequestHandler) -> None:
        time.sleep(ARTICLE_DELAY_S)
        request.send_response(200)
        request.send_header("Content-Type", "text/html; charset=utf-8")
        request.send_header("Content-Length", str(len(body)))
        request.end_headers()
        request.wfile.write(body)

    return handler


def publish(site: LocalSite, trial: int) -> None:
    """Every third trial edits one article, so kills also land in the `changed` path."""
    for index, article in enumerate(ARTICLES):
        extra = f"Nachtrag {trial}: Die Angaben wurden ergänzt." if index == trial % len(ARTICLES) else None
        html = article_html(article, extra_paragraph=extra if trial % 3 == 0 else None)
        site.pages[f"/artikel/{article['slug']}.html"] = slow_page(html.encode())


def hubwatch(config: Path, *args: str, stderr: int = subprocess.DEVNULL) -> subprocess.Popen[bytes]:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    return subprocess.Popen(
        [sys.executable, "-m", "pipeline", "--config", str(config), *args],
        stdout=subprocess.DEVNULL,
        stderr=stderr,
        env=env,
        cwd=REPO,
    )


def check_invariants(db: Path) -> None:
    with sqlite3.connect(db) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
        dupes = conn.execute("SELECT url FROM announcements GROUP BY url HAVING count(*) > 1").fetchall()
        assert dupes == []
        for ann_id, version in conn.execute("SELECT id, version FROM announcements").fetchall():
            versions = [
                v
                for (v,) in conn.execute(
                    "SELECT version FROM announcement_versions WHERE announcement_id = ? ORDER BY version",
                    [ann_id],
                )
            ]
            events = conn.execute(
                "SELECT kind, version FROM events WHERE announcement_id = ? ORDER BY version", [ann_id]
            ).fetchall()
            assert versions == list(range(1, version + 1))
            assert events == [("new", 1)] + [("changed", v) for v in range(2, version + 1)]


@pytest.mark.slow
def test_random_kills_lose_and_double_nothing(
    german_site: LocalSite, tmp_path: Path, inbox: tuple[Inbox, int]
) -> None:
    seed = int(os.environ.get("HUBWATCH_CRASH_SEED", "20261125"))
    rng = random.Random(seed)
    db = tmp_path / "hubwatch.db"
    config = tmp_path / "sources.yaml"
    digest = (
        f"  digest:\n    to: [team@hub-agency.example]\n    smtp_host: 127.0.0.1\n    smtp_port: {inbox[1]}\n"
    )
    config.write_text(
        sources_yaml(german_site.url, db).replace("sources:\n", digest + "sources:\n", 1), "utf-8"
    )
    killed = 0
    for trial in range(TRIALS):
        publish(german_site, trial)
        process = hubwatch(config, "run")
        try:
            process.wait(timeout=rng.uniform(0.2, 4.0))
        except subprocess.TimeoutExpired:
            process.send_signal(signal.SIGKILL)
            process.wait()
            killed += 1
        if db.exists():
            check_invariants(db)
    publish(german_site, TRIALS)
    final = hubwatch(config, "run", stderr=subprocess.PIPE)
    _, err = final.communicate(timeout=300)
    assert final.returncode == 0, err.decode()
    check_invariants(db)
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT count(*) FROM announcements").fetchone()[0] == len(ARTICLES)
        running = conn.execute("SELECT count(*) FROM runs WHERE status = 'running'").fetchone()[0]
    assert killed >= TRIALS // 2, f"only {killed} of {TRIALS} runs were killed (seed {seed})"
    assert running == 0, "a killed run is left as `running` instead of being closed as failed"
    check_digests(db, inbox[0])


def check_digests(db: Path, inbox: Inbox) -> None:
    """Nothing lost: every relevant event was carried. Nothing twice: each event in one sent digest, and
    every message the server holds is a sent digest (a resend after a crash reuses its Message-ID)."""
    received = {mail.message["Message-ID"].strip() for mail in inbox.received}
    with sqlite3.connect(db) as conn:
        lost = conn.execute(
            "SELECT count(*) FROM events e JOIN announcements a ON a.id = e.announcement_id "
            "WHERE a.relevant AND e.digest_id IS NULL"
        ).fetchone()[0]
        doubled = conn.execute(
            "SELECT di.event_id FROM digest_items di JOIN digests d ON d.id = di.digest_id "
            "WHERE d.status = 'sent' GROUP BY di.event_id, d.recipient_group HAVING count(*) > 1"
        ).fetchall()
        sent = {row[0] for row in conn.execute("SELECT message_id FROM digests WHERE status = 'sent'")}
    assert lost == 0 and doubled == []
    assert received and received <= sent
