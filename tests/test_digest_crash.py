"""A digest cut short after the server took the message is sent again as the same message, never as a
second digest: one Message-ID per item, which mail systems deduplicate."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from aiosmtpd.controller import Controller

from pipeline.entities import Analysis, Mention
from pipeline.extract import Article
from pipeline.store.announcements import save_article
from pipeline.store.schema import open_db
from tests.mailserver import Inbox, free_port

REPO = Path(__file__).resolve().parents[1]


@dataclass
class KillingInbox(Inbox):
    """Keeps the message, then kills the sending hubwatch before it hears "250": the crash window."""

    victim: int = 0

    async def handle_DATA(self, server, session, envelope):  # noqa: N802
        answer = await super().handle_DATA(server, session, envelope)
        if self.victim:
            os.kill(self.victim, signal.SIGKILL)
            self.victim = 0
        return answer


def test_a_send_killed_after_the_server_took_it_is_resent_with_the_same_message_id(tmp_path: Path) -> None:
    db_path = tmp_path / "hubwatch.db"
    db = open_db(db_path)
    text = "Der Digital Hub Potsdam für Medientechnologien eröffnet ein Studio."
    article = Article(
        url="https://example.org/potsdam", title="MediaTech Hub Potsdam eröffnet Studio", text=text
    )
    hub = Mention("HUB", "Digital Hub Potsdam", "Potsdam", 4, 23)
    save_article(db, source_id="x", url=article.url, article=article, analysis=Analysis([hub], [], True))
    db.close()
    handler, port = KillingInbox(), free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    config = tmp_path / "sources.yaml"
    config.write_text(
        f"settings:\n  database: {db_path}\n  digest:\n    to: [team@hub-agency.example]\n"
        f"    from: hubwatch@hub-agency.example\n    smtp_host: 127.0.0.1\n    smtp_port: {port}\n"
        "sources: []\n",
        encoding="utf-8",
    )
    command = [sys.executable, "-m", "pipeline", "--config", str(config), "digest"]
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    try:
        first = subprocess.Popen(command, cwd=REPO, env=env, stderr=subprocess.DEVNULL)
        handler.victim = first.pid
        assert first.wait(timeout=120) == -signal.SIGKILL
        second = subprocess.run(command, cwd=REPO, env=env, capture_output=True, text=True, timeout=120)
    finally:
        controller.stop()
    assert second.returncode == 0, second.stderr
    assert "interrupted while sending; sending it again" in second.stderr
    ids = [mail.message["Message-ID"].strip() for mail in handler.received]
    assert len(ids) == 2 and ids[0] == ids[1], "the retry must be the same message, not a second digest"
    db = open_db(db_path)
    assert [tuple(r) for r in db.execute("SELECT status, message_id FROM digests")] == [("sent", ids[0])]
    assert db.execute("SELECT count(*) FROM events WHERE digest_id IS NULL").fetchone()[0] == 0
