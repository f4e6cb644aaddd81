"""Notifications through Apprise, delivered to a real HTTP endpoint on 127.0.0.1 (`json://`): one POST per
target per digest, nothing when nothing is new, a retry after an outage, never a double, no secret shown."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
import sqlite_utils
from click.testing import CliRunner

from pipeline.cli import cli
from pipeline.config import Settings, parse_config
from pipeline.deliver.digest import send_pending
from pipeline.errors import ConfigError
from pipeline.store.crawlstate import sync_sources
from pipeline.store.hubs import record_found_hub
from pipeline.store.schema import open_db
from pipeline.store.transactions import transaction
from tests.mailserver import free_port
from tests.test_digest import NOW, add, pending
from tests.webhook import Webhook

SECRET = "s3cretT0ken"


@pytest.fixture
def db(tmp_path: Path) -> sqlite_utils.Database:
    db = open_db(tmp_path / "hubwatch.db")
    sync_sources(db, [("bmwk", "BMWK Pressemitteilungen", "feed", "https://example.org/feed.xml")])
    return db


def settings_with(*urls: str, mail_port: int | None = None, **digest: object) -> Settings:
    values: dict = {"from": "hubwatch@hub-agency.example"} | digest
    if mail_port:
        values |= {"to": ["analysts@hub-agency.example"], "smtp_host": "127.0.0.1", "smtp_port": mail_port}
    return Settings.model_validate({"digest": values, "notify": list(urls)})


def hook_url(hook: Webhook, path: str = "hubwatch") -> str:
    return f"json://hubwatch:{SECRET}@127.0.0.1:{hook.port}/{path}"


def rows(database: sqlite_utils.Database, channel: str = "notify") -> list[dict]:
    return [dict(r) for r in database.query("SELECT * FROM digests WHERE channel = ? ORDER BY id", [channel])]


def test_one_post_per_target_with_counts_titles_and_links_and_nothing_on_a_rerun(db, inbox) -> None:
    handler, mail_port = inbox
    add(db, "https://example.org/hh", "Logistik-Hub Hamburg wächst", hubs=("Hamburg",))
    add(db, "https://example.org/hh2", "Hamburg: neuer Partner", hubs=("Hamburg",))
    add(db, "https://example.org/ka", "KI-Hub Karlsruhe eröffnet Labor", hubs=("Karlsruhe",))
    with Webhook() as team, Webhook() as push:
        settings = settings_with(hook_url(team, "teams"), hook_url(push, "push"), mail_port=mail_port)

        first = send_pending(db, settings, now=NOW)
        second = send_pending(db, settings, now=NOW)

    assert first.status == "sent" and second.status == "nothing"
    assert [len(team.received), len(push.received), len(handler.received)] == [1, 1, 1]
    post = team.received[0]
    assert post.path == "/teams" and post.headers["Authorization"].startswith("Basic ")
    assert post.body["title"] == "[hubwatch] 3 neue Meldungen – 25.11.2026"
    message = post.body["message"]
    assert "Hamburg 2 · Karlsruhe 1" in message
    assert "- [KI-Hub Karlsruhe eröffnet Labor](https://example.org/ka) (Karlsruhe)" in message
    assert "https://example.org/hh" in message and "https://example.org/hh2" in message
    assert [r["status"] for r in rows(db)] == ["sent", "sent"] and pending(db) == 0


def test_a_target_that_fails_is_retried_next_run_and_the_email_is_not_doubled(db, inbox) -> None:
    handler, mail_port = inbox
    add(db, "https://example.org/a", "Hub Berlin startet", hubs=("Berlin",))
    with Webhook(status=503) as hook:
        settings = settings_with(hook_url(hook), mail_port=mail_port)

        outage = send_pending(db, settings, now=NOW)
        assert outage.status == "failed" and len(handler.received) == 1  # the email went out
        assert pending(db) == 1  # the target has not got it: the event stays pending
        [failed] = rows(db)
        assert failed["status"] == "failed" and "503" in failed["error"]
        assert SECRET not in failed["error"] and SECRET not in (outage.error or "")

        hook.status = 200
        add(db, "https://example.org/b", "Hub Potsdam wächst", hubs=("Potsdam",))
        retry = send_pending(db, settings, now=NOW)
        again = send_pending(db, settings, now=NOW)

    assert (retry.status, again.status) == ("sent", "nothing")
    assert len(hook.accepted) == 1 and len(hook.received) == 2  # one refused, one taken, no third
    assert "Hub Berlin startet" in hook.accepted[0].body["message"]
    assert "Hub Potsdam wächst" in hook.accepted[0].body["message"]
    mails = [m.text for m in handler.received]
    assert len(mails) == 2 and "Hub Berlin startet" not in mails[1]  # email: Potsdam only, no double
    assert pending(db) == 0 and [r["status"] for r in rows(db)] == ["failed", "sent"]


def test_a_target_that_is_down_fails_without_showing_its_secret(db, caplog) -> None:
    add(db, "https://example.org/a", "Hub Dortmund", hubs=("Dortmund",))
    url = f"json://hubwatch:{SECRET}@127.0.0.1:{free_port()}/hook"  # nothing listens there
    with caplog.at_level(logging.INFO):
        outcome = send_pending(db, settings_with(url), now=NOW)
    assert outcome.status == "failed" and pending(db) == 1
    [row] = rows(db)
    assert row["recipients"] == f"json://hubwatch:****@127.0.0.1:{url.split(':')[3].split('/')[0]}/hook"
    assert SECRET not in caplog.text and SECRET not in str(row) and "127.0.0.1" in row["error"]


def test_notify_alone_works_without_email_and_status_masks_the_secret(db, tmp_path: Path) -> None:
    add(db, "https://example.org/a", "Hub Köln", hubs=("Köln",))
    with Webhook() as hook:
        assert send_pending(db, settings_with(hook_url(hook)), now=NOW).status == "sent"
    assert len(hook.received) == 1 and pending(db) == 0
    result = CliRunner().invoke(cli, ["--db", str(tmp_path / "hubwatch.db"), "status"])
    assert result.exit_code == 0, result.output
    assert f"notify json://hubwatch:****@127.0.0.1:{hook.port}/hubwatch: sent" in result.stderr
    assert SECRET not in result.output + result.stderr


def test_a_new_hub_is_announced_once_per_target(db) -> None:
    add(db, "https://example.org/jena", "Jena wird Digital Hub", hubs=("Jena",))
    with transaction(db):
        record_found_hub(db, "Jena", announcement_id=1, at="2026-11-24T06:30:00+00:00")
    with Webhook() as hook:
        settings = settings_with(hook_url(hook))
        send_pending(db, settings, now=NOW)
        add(db, "https://example.org/b", "Hub Berlin", hubs=("Berlin",))
        send_pending(db, settings, now=NOW)
    first, second = (p.body for p in hook.received)
    assert first["title"] == "[hubwatch] 1 neuer Hub, 1 neue Meldung – 25.11.2026"
    assert "**Neue Hubs:** [Jena](https://example.org/jena)" in first["message"]
    assert "Neue Hubs" not in second["message"] and "Hub Berlin" in second["message"]


def test_a_title_cannot_inject_markdown_links() -> None:
    from pipeline.deliver.render import Item, render_summary

    item = Item((1,), "new", "Klick [hier](https://evil.example) *jetzt*", "https://example.org/a", "x")
    body = render_summary([item], NOW).body
    assert "[hier](https://evil.example)" not in body
    assert "\\[hier\\]\\(https://evil.example\\) \\*jetzt\\*" in body


def test_the_same_url_twice_is_one_target_and_a_dry_run_posts_nothing(db) -> None:
    add(db, "https://example.org/a", "Hub Stuttgart", hubs=("Stuttgart",))
    with Webhook() as hook:
        settings = settings_with(hook_url(hook), hook_url(hook))
        preview = send_pending(db, settings, now=NOW, dry_run=True)
        assert hook.received == [] and "Hub Stuttgart" in preview.text and pending(db) == 1
        send_pending(db, settings, now=NOW)
    assert len(hook.received) == 1


def test_a_notify_url_takes_its_secret_from_the_environment(monkeypatch) -> None:
    monkeypatch.setenv("HUBWATCH_NTFY_TOKEN", SECRET)
    config = parse_config("settings:\n  notify: ['ntfys://${HUBWATCH_NTFY_TOKEN}@ntfy.example/hubs']\n")
    assert config.settings.notify[0].get_secret_value() == f"ntfys://{SECRET}@ntfy.example/hubs"
    assert SECRET not in repr(config.settings)
    monkeypatch.delenv("HUBWATCH_NTFY_TOKEN")
    with pytest.raises(ConfigError, match=r"HUBWATCH_NTFY_TOKEN.*not set"):
        parse_config("settings:\n  notify: ['ntfys://${HUBWATCH_NTFY_TOKEN}@ntfy.example/hubs']\n")
    with pytest.raises(ConfigError, match="notify #1: Apprise cannot use this nosuch:// URL") as error:
        parse_config(f"settings:\n  notify: ['nosuch://{SECRET}@x']\n")
    assert SECRET not in str(error.value)


def test_a_summary_cut_short_by_a_crash_is_sent_again_not_a_second_one(db, caplog) -> None:
    import json

    from pipeline.deliver import ledger, notify
    from pipeline.deliver.items import load_items

    add(db, "https://example.org/a", "Hub Erlangen", hubs=("Nürnberg/Erlangen",))
    with Webhook() as hook:
        settings = settings_with(hook_url(hook))
        [target] = notify.targets(settings)
        receiver = ledger.Receiver("notify", target.key, target.label, target.label)
        stored = json.dumps({"title": "[hubwatch] 1 neue Meldung – 24.11.2026", "body": "- Hub Erlangen"})
        ledger.record(
            db,
            receiver,
            status="sending",
            subject="x",
            items=load_items(db, only_relevant=True),
            message=stored.encode(),
        )  # fmt: skip  (the process died here, before the answer)
        with caplog.at_level(logging.WARNING):
            outcome = send_pending(db, settings, now=NOW)
    assert [p.body["title"] for p in hook.received] == ["[hubwatch] 1 neue Meldung – 24.11.2026"]
    assert "was interrupted while sending" in caplog.text
    assert outcome.status == "nothing" and pending(db) == 0 and [r["status"] for r in rows(db)] == ["sent"]


def test_the_notify_test_command(tmp_path: Path) -> None:
    with Webhook() as up:
        down = f"json://127.0.0.1:{free_port()}/x"
        config = tmp_path / "sources.yaml"
        config.write_text(f"settings:\n  notify: ['{hook_url(up)}', '{down}']\n", encoding="utf-8")
        result = CliRunner().invoke(cli, ["--config", str(config), "notify", "test"])
    assert result.exit_code == 3
    assert f"json://hubwatch:****@127.0.0.1:{up.port}/hubwatch: ok" in result.stderr
    assert "json://127.0.0.1" in result.stderr.splitlines()[-1] and SECRET not in result.stderr
    assert len(up.received) == 1 and "Test" in up.received[0].body["title"]
