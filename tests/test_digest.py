"""The digest as its recipients and operators see it, delivered to a real SMTP server on 127.0.0.1."""

from __future__ import annotations

import email
import logging
import shutil
import socket
import ssl
import subprocess
from collections.abc import Iterator
from datetime import date, datetime
from email.policy import default as default_policy
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import sqlite_utils
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

from pipeline.config import Settings, parse_config
from pipeline.deliver.digest import send_pending
from pipeline.deliver.items import sentence_changes
from pipeline.deliver.render import Item, render
from pipeline.entities import Analysis, Fact, Mention
from pipeline.errors import ConfigError
from pipeline.extract import Article
from pipeline.lock import run_lock
from pipeline.store.announcements import save_article
from pipeline.store.crawlstate import sync_sources
from pipeline.store.schema import open_db
from tests.mailserver import Inbox, free_port

BERLIN = ZoneInfo("Europe/Berlin")
NOW = datetime(2026, 11, 25, 6, 30, tzinfo=BERLIN)


@pytest.fixture
def db(tmp_path: Path) -> sqlite_utils.Database:
    db = open_db(tmp_path / "hubwatch.db")
    sync_sources(db, [("bmwk", "BMWK Pressemitteilungen", "feed", "https://example.org/feed.xml")])
    return db


def settings_for(port: int, **digest: object) -> Settings:
    values = {"to": ["analysts@hub-agency.example"], "from": "hubwatch@hub-agency.example"}
    values |= {"smtp_host": "127.0.0.1", "smtp_port": port, "smtp_timeout_s": 10} | digest
    return Settings.model_validate({"digest": values})


def add(
    db: sqlite_utils.Database,
    url: str,
    title: str,
    text: str = "Ein Satz über den Hub.",
    *,
    hubs: tuple[str, ...] = (),
    cities: tuple[str, ...] = (),
    sectors: tuple[str, ...] = (),
    relevant: bool = True,
) -> None:
    mentions = [Mention("HUB", h, h, 0, 1) for h in hubs] + [Mention("CITY", c, c, 0, 1) for c in cities]
    facts = [Fact(hubs[0], "sector", s) for s in sectors] if hubs else []
    mentions += [Mention("SECTOR", s, s, 0, 1) for s in sectors] if not hubs else []
    article = Article(url=url, title=title, text=text, published_at=date(2026, 11, 24))
    save_article(
        db,
        source_id="bmwk",
        url=url,
        article=article,
        analysis=Analysis(mentions=mentions, facts=facts, relevant=relevant),
    )


def pending(db: sqlite_utils.Database) -> int:
    return db.execute("SELECT COUNT(*) FROM events WHERE digest_id IS NULL").fetchone()[0]


def digests(db: sqlite_utils.Database) -> list[dict]:
    return [dict(r) for r in db.query("SELECT * FROM digests ORDER BY id")]


# --- content ----------------------------------------------------------------------------------


def test_one_email_grouped_by_hub_with_entities_and_changed_sentences(db, inbox) -> None:
    handler, port = inbox
    settings = settings_for(port)
    add(db, "https://example.org/a", "Hub Hamburg wächst", "Erster Satz. Alter Satz bleibt nicht.",
        hubs=("Hamburg",), cities=("Hamburg",), sectors=("Logistik",))  # fmt: skip
    assert send_pending(db, settings, now=NOW).status == "sent"
    add(db, "https://example.org/a", "Hub Hamburg wächst weiter", "Erster Satz. Ein neuer Partner kommt.",
        hubs=("Hamburg",), cities=("Hamburg",), sectors=("Logistik",))  # fmt: skip
    add(db, "https://example.org/b", "Smart Systems Hub eröffnet", hubs=("Dresden/Leipzig",),
        cities=("Dresden", "Leipzig"), sectors=("Internet of Things", "Energie"))  # fmt: skip
    add(db, "https://example.org/c", "de:hub-Tag in Karlsruhe", hubs=("Karlsruhe",))
    add(db, "https://example.org/d", "Digitalgipfel ohne Hubbezug", sectors=("Künstliche Intelligenz",))

    outcome = send_pending(db, settings, now=NOW)

    assert outcome.status == "sent" and outcome.items == 4
    mail = handler.received[-1]
    assert len(handler.received) == 2
    assert mail.message["Subject"] == "[hubwatch] 3 neue, 1 geänderte Meldungen – 25.11.2026"
    assert mail.message["From"] == "hubwatch@hub-agency.example"
    assert mail.rcpt_tos == ["analysts@hub-agency.example"]
    assert mail.message.get_content_type() == "multipart/alternative"
    text = mail.text
    order = [
        text.index(f"== {s} ==") for s in ("Dresden/Leipzig", "Hamburg", "Karlsruhe", "Weitere Meldungen")
    ]
    assert order == sorted(order)
    assert "Städte: Dresden, Leipzig" in text
    assert "Branchen: Energie, Internet of Things" in text
    assert "Quelle: BMWK Pressemitteilungen · Datum: 24.11.2026" in text
    assert "* Hub Hamburg wächst weiter [geändert]" in text
    assert "+ Ein neuer Partner kommt." in text and "- Alter Satz bleibt nicht." in text
    assert "Früherer Titel: Hub Hamburg wächst" in text
    assert text.index("Digitalgipfel") > text.index("== Weitere Meldungen ==")
    assert '<a href="https://example.org/b">Smart Systems Hub eröffnet</a>' in mail.html
    row = digests(db)[-1]
    assert row["status"] == "sent" and row["message_id"] == mail.message["Message-ID"].strip()
    assert row["items"] == 4 and row["sent_at"]
    assert pending(db) == 0


def test_a_script_in_a_title_is_text_and_odd_links_are_not_links(db, inbox) -> None:
    handler, port = inbox
    add(db, "javascript:alert(1)", '<script>alert("x")</script> & <b>Hub</b>', hubs=("Berlin",))
    send_pending(db, settings_for(port), now=NOW)
    html = handler.received[0].html
    assert "<script" not in html and "<b>Hub" not in html
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; &amp; &lt;b&gt;Hub&lt;/b&gt;" in html
    assert 'href="javascript' not in html and "(javascript:alert(1))" in html
    assert '<script>alert("x")</script> & <b>Hub</b>' in handler.received[0].text


def test_a_title_with_cr_lf_cannot_add_headers_or_recipients(db, inbox) -> None:
    handler, port = inbox
    title = "Neuer Hub\r\nBcc: attacker@evil.example\r\nSubject: gefälscht"
    add(db, "https://example.org/x", title, hubs=("Berlin",))
    group = [{"name": "Berlin\r\nBcc: x@evil.example", "to": ["berlin@hub-agency.example"]}]
    with pytest.raises(Exception, match="name"):
        settings_for(port, groups=group)

    send_pending(db, settings_for(port), now=NOW)

    mail = handler.received[0]
    assert mail.rcpt_tos == ["analysts@hub-agency.example"]
    assert mail.message["Bcc"] is None
    assert mail.message.get_all("Subject") == ["[hubwatch] 1 neue Meldung – 25.11.2026"]
    assert "* Neuer Hub Bcc: attacker@evil.example Subject: gefälscht" in mail.text


# --- delivery ---------------------------------------------------------------------------------


def test_an_outage_leaves_a_failed_row_and_the_next_run_sends_exactly_once(db) -> None:
    port = free_port()  # nothing listens here yet
    settings = settings_for(port)
    add(db, "https://example.org/a", "Hub Berlin", hubs=("Berlin",))

    first = send_pending(db, settings, now=NOW)

    assert first.status == "failed" and "127.0.0.1" in (first.error or "")
    [row] = digests(db)
    assert row["status"] == "failed" and "refused" in row["error"].lower() and row["sent_at"] is None
    assert pending(db) == 1

    handler = Inbox()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        second = send_pending(db, settings, now=NOW)
        third = send_pending(db, settings, now=NOW)
    finally:
        controller.stop()
    assert (second.status, third.status) == ("sent", "nothing")
    assert len(handler.received) == 1 and "Hub Berlin" in handler.received[0].text
    assert pending(db) == 0
    assert [r["status"] for r in digests(db)] == ["failed", "sent"]


def test_nothing_pending_sends_nothing_and_no_recipients_is_off(db, inbox) -> None:
    handler, port = inbox
    assert send_pending(db, settings_for(port), now=NOW).status == "nothing"
    add(db, "https://example.org/a", "Nur Rauschen", relevant=False)
    assert send_pending(db, settings_for(port), now=NOW).status == "nothing"
    add(db, "https://example.org/b", "Hub Köln", hubs=("Köln",))
    assert send_pending(db, settings_for(port, to=[]), now=NOW).status == "off"
    assert handler.received == [] and digests(db) == []


def test_irrelevant_items_are_included_when_only_relevant_is_off(db, inbox) -> None:
    handler, port = inbox
    add(db, "https://example.org/a", "Nur Rauschen", relevant=False)
    assert send_pending(db, settings_for(port, only_relevant=False), now=NOW).items == 1
    assert "Nur Rauschen" in handler.received[0].text


def test_dry_run_writes_previews_and_marks_nothing(db, inbox, tmp_path: Path) -> None:
    handler, port = inbox
    add(db, "https://example.org/a", "Hub München", hubs=("München",))

    outcome = send_pending(db, settings_for(port), now=NOW, dry_run=True, out_dir=tmp_path / "out")

    assert outcome.status == "dry-run" and "Hub München" in outcome.text
    assert sorted(p.name for p in outcome.files) == ["digest-20261125-0630.eml", "digest-20261125-0630.html"]
    eml = email.message_from_bytes(outcome.files[0].read_bytes(), policy=default_policy)
    assert eml["Subject"] == "[hubwatch] 1 neue Meldung – 25.11.2026"
    assert "Hub München" in outcome.files[1].read_text(encoding="utf-8")
    assert handler.received == [] and pending(db) == 1
    assert send_pending(db, settings_for(port), now=NOW).status == "sent"
    assert len(handler.received) == 1


def test_dry_run_previews_even_without_recipients(db) -> None:
    add(db, "https://example.org/a", "Hub München", hubs=("München",))
    outcome = send_pending(db, settings_for(1, to=[]), now=NOW, dry_run=True)
    assert outcome.status == "dry-run" and "Hub München" in outcome.text and pending(db) == 1


def test_an_interrupted_send_is_sent_again_with_a_warning(db, inbox, caplog) -> None:
    handler, port = inbox
    add(db, "https://example.org/a", "Hub Potsdam", hubs=("Potsdam",))
    with db.conn:
        db.execute("INSERT INTO digests (created_at, status, items) VALUES ('2026-11-24', 'sending', 1)")
    with caplog.at_level(logging.WARNING, logger="pipeline.deliver.digest"):
        assert send_pending(db, settings_for(port), now=NOW).status == "sent"
    assert "interrupted while sending" in caplog.text
    assert [r["status"] for r in digests(db)] == ["failed", "sent"] and len(handler.received) == 1


# --- recipient groups -------------------------------------------------------------------------


def test_groups_receive_only_their_hubs_and_a_failed_group_is_retried_alone(db, inbox) -> None:
    handler, port = inbox
    groups = [
        {"name": "Hamburg", "to": ["hamburg@hub-agency.example"], "hubs": ["Hamburg"]},
        {"name": "Energie", "to": ["energie@hub-agency.example"], "sectors": ["Energie"]},
    ]
    settings = settings_for(port, groups=groups)
    add(db, "https://example.org/hh", "Logistik in Hamburg", hubs=("Hamburg",), sectors=("Logistik",))
    add(db, "https://example.org/dd", "Energie in Dresden", hubs=("Dresden/Leipzig",), sectors=("Energie",))
    handler.refuse = {"energie@hub-agency.example"}

    first = send_pending(db, settings, now=NOW)

    assert first.status == "failed" and "energie@hub-agency.example" in (first.error or "")
    by_rcpt = {tuple(m.rcpt_tos): m for m in handler.received}
    assert set(by_rcpt) == {("analysts@hub-agency.example",), ("hamburg@hub-agency.example",)}
    hamburg = by_rcpt[("hamburg@hub-agency.example",)]
    assert "Logistik in Hamburg" in hamburg.text and "Energie in Dresden" not in hamburg.text
    assert hamburg.message["Subject"] == "[hubwatch] 1 neue Meldung – 25.11.2026 (Hamburg)"
    assert pending(db) == 1  # the Dresden item: the Energie group has not had it yet

    handler.refuse = set()
    handler.received.clear()
    assert send_pending(db, settings, now=NOW).status == "sent"
    assert [m.rcpt_tos for m in handler.received] == [["energie@hub-agency.example"]]
    assert "Energie in Dresden" in handler.received[0].text
    assert pending(db) == 0


def test_a_duplicate_is_one_item_with_its_other_source(db, inbox) -> None:
    handler, port = inbox
    add(db, "https://example.org/a", "Hub Stuttgart startet", hubs=("Stuttgart",))
    add(db, "https://news.example/b", "Hub Stuttgart startet", hubs=("Stuttgart",))
    with db.conn:
        db.execute("UPDATE announcements SET duplicate_of = 1 WHERE id = 2")
    outcome = send_pending(db, settings_for(port), now=NOW)
    assert outcome.items == 1 and pending(db) == 0
    assert "Auch bei: BMWK Pressemitteilungen https://news.example/b" in handler.received[0].text


# --- TLS and login ----------------------------------------------------------------------------


@pytest.fixture
def tls_inbox(self_signed) -> Iterator[tuple[Inbox, int, list[str]]]:
    cert, key = self_signed
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    logins: list[str] = []

    def authenticator(server, session, envelope, mechanism, auth_data):
        ok = isinstance(auth_data, LoginPassword) and auth_data.password == b"s3cret"
        if ok:
            logins.append(auth_data.login.decode())
        return AuthResult(success=ok)

    handler, port = Inbox(), free_port()
    controller = Controller(
        handler, hostname="127.0.0.1", port=port, tls_context=context, require_starttls=True,
        authenticator=authenticator, auth_required=True,
    )  # fmt: skip
    controller.start()
    yield handler, port, logins
    controller.stop()


def test_starttls_with_a_trusted_self_signed_certificate_and_login(db, tls_inbox, self_signed, monkeypatch):
    handler, port, logins = tls_inbox
    monkeypatch.setenv("HUBWATCH_SMTP_PASSWORD", "s3cret")
    config = parse_config(
        f"""settings:
  digest:
    to: [analysts@hub-agency.example]
    from: hubwatch@hub-agency.example
    smtp_host: 127.0.0.1
    smtp_port: {port}
    smtp_security: starttls
    smtp_user: hubwatch
    smtp_cafile: {self_signed[0]}
"""
    )
    add(db, "https://example.org/a", "Hub Nürnberg", hubs=("Nürnberg/Erlangen",))
    assert send_pending(db, config.settings, now=NOW).status == "sent"
    assert logins == ["hubwatch"] and len(handler.received) == 1 and pending(db) == 0


def test_an_untrusted_certificate_is_refused_and_the_items_stay(db, tls_inbox) -> None:
    handler, port, _ = tls_inbox
    add(db, "https://example.org/a", "Hub Nürnberg", hubs=("Nürnberg/Erlangen",))
    outcome = send_pending(db, settings_for(port, smtp_security="starttls"), now=NOW)
    assert outcome.status == "failed" and "certificate verify failed" in (outcome.error or "").lower()
    assert handler.received == [] and pending(db) == 1


def test_a_missing_password_is_a_failure_that_names_the_variable(db, tls_inbox, self_signed) -> None:
    _, port, _ = tls_inbox
    add(db, "https://example.org/a", "Hub Nürnberg", hubs=("Nürnberg/Erlangen",))
    settings = settings_for(
        port, smtp_security="starttls", smtp_user="hubwatch", smtp_cafile=str(self_signed[0])
    )
    outcome = send_pending(db, settings, now=NOW)
    assert outcome.status == "failed" and "HUBWATCH_SMTP_PASSWORD" in (outcome.error or "")


# --- pure parts -------------------------------------------------------------------------------


def test_sentences_added_and_removed() -> None:
    old = "Der Hub startet 2026. Partner ist die Stadt. Mehr folgt."
    new = "Der Hub startet 2026. Partner sind Stadt und Land. Mehr folgt."
    assert sentence_changes(old, new) == (["Partner sind Stadt und Land."], ["Partner ist die Stadt."])


def test_render_is_pure_and_counts_in_german() -> None:
    item = Item((1,), "changed", "Titel", "https://example.org/a", "BMWK")
    digest = render([item], NOW)
    assert digest.subject == "[hubwatch] 1 geänderte Meldung – 25.11.2026"
    assert render([item], NOW) == digest
    assert render([item], NOW, language="en").subject == "[hubwatch] 1 changed item – 25.11.2026"


def test_implicit_tls_with_a_trusted_certificate(db, self_signed) -> None:
    cert, key = self_signed
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    handler, port = Inbox(), free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port, ssl_context=context)
    controller.start()
    try:
        add(db, "https://example.org/a", "Hub Darmstadt", hubs=("Darmstadt",))
        settings = settings_for(port, smtp_security="ssl", smtp_cafile=str(cert))
        assert send_pending(db, settings, now=NOW).status == "sent"
    finally:
        controller.stop()
    assert len(handler.received) == 1 and pending(db) == 0


def test_a_second_sender_leaves_the_digest_to_the_first(db, inbox, tmp_path: Path) -> None:
    handler, port = inbox
    add(db, "https://example.org/a", "Hub Dortmund", hubs=("Dortmund",))
    with run_lock(f"{tmp_path / 'hubwatch.db'}.digest"):
        outcome = send_pending(db, settings_for(port), now=NOW)
    assert outcome.status == "busy" and handler.received == [] and pending(db) == 1


def test_group_names_must_be_unique() -> None:
    groups = [{"name": "HH", "to": ["a@example.org"]}, {"name": "HH", "to": ["b@example.org"]}]
    with pytest.raises(ConfigError, match="each recipient group needs a name of its own"):
        parse_config(f"settings:\n  digest:\n    groups: {groups}\n")


def test_the_subject_date_is_the_local_date(db, inbox) -> None:
    handler, port = inbox
    add(db, "https://example.org/a", "Hub Mannheim", hubs=("Ludwigshafen/Mannheim",))
    late_evening_utc = datetime(2026, 11, 25, 23, 30, tzinfo=ZoneInfo("UTC"))  # 00:30 on the 26th in Berlin
    send_pending(db, settings_for(port), now=late_evening_utc)
    assert handler.received[0].message["Subject"] == "[hubwatch] 1 neue Meldung – 26.11.2026"


def test_a_group_that_saw_the_first_version_gets_the_change_and_a_late_group_the_whole(db, inbox) -> None:
    handler, port = inbox
    groups = [{"name": "Köln", "to": ["koeln@hub-agency.example"], "hubs": ["Köln"]}]
    settings = settings_for(port, groups=groups)
    add(db, "https://example.org/k", "InsurLab Köln", "Der Hub startet. Partner folgen.", hubs=("Köln",))
    handler.refuse = {"koeln@hub-agency.example"}
    assert send_pending(db, settings, now=NOW).status == "failed"  # `to` has it, Köln not yet
    add(
        db,
        "https://example.org/k",
        "InsurLab Köln",
        "Der Hub startet. Zehn Partner sind dabei.",
        hubs=("Köln",),
    )
    handler.refuse = set()
    handler.received.clear()

    assert send_pending(db, settings, now=NOW).status == "sent"

    by_rcpt = {m.rcpt_tos[0]: m for m in handler.received}
    assert (
        by_rcpt["analysts@hub-agency.example"].message["Subject"].startswith("[hubwatch] 1 geänderte Meldung")
    )
    assert "+ Zehn Partner sind dabei." in by_rcpt["analysts@hub-agency.example"].text
    assert by_rcpt["koeln@hub-agency.example"].message["Subject"].startswith("[hubwatch] 1 neue Meldung")
    assert "Neu im Text" not in by_rcpt["koeln@hub-agency.example"].text  # all new to them: no diff
    assert pending(db) == 0


def test_a_server_that_never_answers_times_out_and_the_items_stay(db) -> None:
    with socket.socket() as silent:  # accepts connections (backlog) but never says hello
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        add(db, "https://example.org/a", "Hub Erlangen", hubs=("Nürnberg/Erlangen",))
        settings = settings_for(silent.getsockname()[1], smtp_timeout_s=0.5)
        outcome = send_pending(db, settings, now=NOW)
    assert outcome.status == "failed" and "timed out" in (outcome.error or "")
    assert digests(db)[0]["status"] == "failed" and pending(db) == 1


# --- a digest people read: leads, one section per item, new hubs first ---------------------------


def add_with_mentions(db: sqlite_utils.Database, url: str, title: str, text: str, mentions: list) -> None:
    article = Article(url=url, title=title, text=text, published_at=date(2026, 11, 24))
    analysis = Analysis(mentions=mentions, facts=[], relevant=True)
    save_article(db, source_id="bmwk", url=url, article=article, analysis=analysis)


def test_each_item_once_under_its_main_hub_with_its_lead_and_the_other_hubs(db, inbox) -> None:
    handler, port = inbox
    first = "Die Bundesregierung stellt das Programm vor."
    naming = "Der Digital Hub Logistics in Hamburg bekommt zwei neue Partner aus Berlin und Köln."
    long = "Berlin " + "sehr " * 80 + "lang."
    title = "Hamburg: Logistik-Hub wächst"
    add_with_mentions(db, "https://example.org/hh", title, f"{first} {naming} {long}", [
        Mention("HUB", "Hamburg", "Hamburg", 0, 7, in_title=True),
        Mention("HUB", "Digital Hub Logistics", "Hamburg", 50, 70, sentence=naming),
        *[Mention("HUB", "Berlin", "Berlin", 100 + i, 106 + i, sentence=long) for i in range(3)],
        Mention("HUB", "Köln", "Köln", 90, 94, sentence=naming),
    ])  # fmt: skip
    add_with_mentions(db, "https://example.org/b", "Berliner Startups", long, [
        Mention("HUB", "Berlin", "Berlin", 0, 6, sentence=long),
    ])  # fmt: skip

    send_pending(db, settings_for(port), now=NOW)

    text = handler.received[0].text.replace("\r\n", "\n")
    hamburg = text[text.index("== Hamburg ==") :]
    assert "Hamburg: Logistik-Hub wächst" in hamburg  # the hub in the title, though Berlin has more mentions
    assert text.count("Hamburg: Logistik-Hub wächst") == 1  # filed once
    assert f"  {naming}\n" in hamburg  # the lead: the sentence naming the main hub, not the first one
    assert "Auch über: Berlin, Köln" in hamburg
    berlin_lead = next(line for line in text.splitlines() if line.startswith("  Berlin sehr"))
    assert len(berlin_lead.strip()) <= 240 and berlin_lead.endswith("sehr …")
    assert f'<div class="lead" style="margin: 4px 0;">{naming}</div>' in handler.received[0].html


def test_the_lead_is_the_first_sentence_when_no_hub_is_named(db, inbox) -> None:
    handler, port = inbox
    add(db, "https://example.org/x", "Digitalgipfel", "Erster Satz zum Gipfel. Zweiter Satz.")
    send_pending(db, settings_for(port), now=NOW)
    assert "  Erster Satz zum Gipfel.\r\n" in handler.received[0].text


def test_new_hubs_come_first_once_per_group_and_again_after_a_failure(db, inbox) -> None:
    from pipeline.store.hubs import record_found_hub
    from pipeline.store.transactions import transaction

    handler, port = inbox
    groups = [{"name": "Hamburg", "to": ["hamburg@hub-agency.example"], "hubs": ["Hamburg"]}]
    settings = settings_for(port, groups=groups)
    add(db, "https://example.org/jena", "Jena wird neuer Digital Hub", hubs=("Jena",))
    add(db, "https://example.org/hh", "Hub Hamburg", hubs=("Hamburg",))
    with transaction(db):
        record_found_hub(db, "Jena", announcement_id=1, at="2026-11-24T06:30:00+00:00")
    handler.refuse = {"hamburg@hub-agency.example"}

    send_pending(db, settings, now=NOW)

    text = handler.received[0].text.replace("\r\n", "\n")
    assert handler.received[0].message["Subject"] == "[hubwatch] 1 neuer Hub, 2 neue Meldungen – 25.11.2026"
    assert text.index("== Neue Hubs ==") < text.index("== Hamburg ==") < text.index("== Jena ==")
    assert "* Jena\n  Zuerst gemeldet: Jena wird neuer Digital Hub (24.11.2026)" in text
    assert '<h2 class="new-hubs"' in handler.received[0].html
    handler.refuse, handler.received = set(), []

    send_pending(db, settings, now=NOW)  # the Hamburg team failed: it gets the hub now, `to` not again

    [hamburg] = handler.received
    assert hamburg.rcpt_tos == ["hamburg@hub-agency.example"] and "== Neue Hubs ==" in hamburg.text
    assert "Jena wird neuer Digital Hub" not in hamburg.text.split("== Hamburg ==")[1]
    handler.received = []
    add(db, "https://example.org/hh2", "Hub Hamburg wächst", hubs=("Hamburg",))
    send_pending(db, settings, now=NOW)
    assert all("Neue Hubs" not in m.text for m in handler.received) and len(handler.received) == 2


def test_german_and_english_templates_stay_in_step() -> None:
    from pipeline.deliver.render import LABELS, NewHub

    assert LABELS["de"].keys() == LABELS["en"].keys()
    item = Item((1,), "changed", "Titel", "https://example.org/a", "BMWK", hubs=("Berlin", "Köln"),
                cities=("Berlin",), sectors=("Fintech",), added=("Neu.",), removed=("Alt.",),
                old_title="Alt", lead="Der Hub Berlin wächst.")  # fmt: skip
    hub = NewHub("Jena", "2026-11-24T06:30:00+00:00", "Jena wird Hub", "https://example.org/j")
    de, en = (render([item], NOW, language=lang, new_hubs=[hub]) for lang in ("de", "en"))
    for word in ("Neue Hubs", "Auch über", "Neu im Text", "Entfallen", "Früherer Titel", "Zuerst gemeldet"):
        assert word in de.text and word not in en.text and word in de.html and word not in en.html
    for word in ("New hubs", "Also about", "Added", "Removed", "Earlier title", "First reported"):
        assert word in en.text and word in en.html
    assert [line.count("  ") for line in de.text.splitlines()] == [
        line.count("  ") for line in en.text.splitlines()
    ]  # the same structure, line by line


CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.mark.skipif(CHROMIUM is None, reason="Chromium is not installed")
def test_a_real_browser_shows_new_hubs_first_and_scraped_markup_as_text(db, tmp_path: Path) -> None:
    from pipeline.store.hubs import record_found_hub
    from pipeline.store.transactions import transaction

    add(db, "https://example.org/jena", "Jena wird neuer Digital Hub", "Jena kommt dazu.", hubs=("Jena",))
    add(db, "https://example.org/x", "<script>document.title='pwned'</script>Hub Berlin", hubs=("Berlin",))
    with transaction(db):
        record_found_hub(db, "Jena", announcement_id=1, at="2026-11-24T06:30:00+00:00")
    outcome = send_pending(db, settings_for(1, to=[]), now=NOW, dry_run=True, out_dir=tmp_path / "out")
    html = next(p for p in outcome.files if p.suffix == ".html")
    done = subprocess.run(
        [str(CHROMIUM), "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run",
         f"--user-data-dir={tmp_path / 'profile'}", "--dump-dom", html.as_uri()],
        capture_output=True, text=True, timeout=90,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    dom = done.stdout
    assert dom.index('class="new-hubs"') < dom.index("Jena wird neuer Digital Hub</a> (24.11.2026)")
    assert dom.index("Jena wird neuer Digital Hub</a> (24.11.2026)") < dom.index('class="item item-new"')
    assert "<title>[hubwatch] 1 neuer Hub, 2 neue Meldungen – 25.11.2026</title>" in dom  # no script ran
    assert "&lt;script&gt;document.title='pwned'&lt;/script&gt;Hub Berlin" in dom
