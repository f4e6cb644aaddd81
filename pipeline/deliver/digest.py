"""Delivering the digest: one email per recipient group and one summary per notification target, each
marked sent only after the receiver took it.

Three steps, apart so each is testable alone: `items.load_items` reads pending events, `render` turns
them into subject, text and HTML (or a chat summary), and `send_pending` hands each to `mailer` or
`notify` and records it in the ledger (`ledger.py`); events are marked only once every receiver that
wants them has them. An email cut short is retried with the same Message-ID, a summary with the same text.
"""

from __future__ import annotations

import email
import email.policy
import json
import logging
import re
from dataclasses import dataclass, field
from datetime import datetime
from email.message import EmailMessage
from email.utils import make_msgid
from pathlib import Path
from typing import Literal

import sqlite_utils

from pipeline.config import DigestSettings, RecipientGroup, Settings
from pipeline.deliver import ledger, mailer, notify
from pipeline.deliver.items import build_items, pending_rows
from pipeline.deliver.ledger import Receiver
from pipeline.deliver.render import Digest, Item, NewHub, Summary, compose, render, render_summary
from pipeline.errors import DeliveryError
from pipeline.lock import LockedError, run_lock
from pipeline.store.schema import now_iso

logger = logging.getLogger(__name__)

Status = Literal["sent", "failed", "dry-run", "nothing", "off", "busy"]


@dataclass(frozen=True)
class GroupOutcome:
    group: str
    status: Status
    items: int = 0
    digest_id: int | None = None
    subject: str = ""
    error: str | None = None
    message_id: str | None = None
    channel: str = "email"


@dataclass(frozen=True)
class DigestOutcome:
    status: Status
    items: int = 0
    digest_id: int | None = None
    subject: str = ""
    error: str | None = None
    text: str = ""
    files: list[Path] = field(default_factory=list)
    groups: list[GroupOutcome] = field(default_factory=list)


@dataclass
class _Pass:
    """What one delivery pass shares: the settings, the time, and what it has produced so far."""

    db: sqlite_utils.Database
    cfg: DigestSettings
    now: datetime
    dry_run: bool
    out_dir: Path | None
    rows: list[dict] = field(default_factory=list)
    outcomes: list[GroupOutcome] = field(default_factory=list)
    texts: list[str] = field(default_factory=list)
    files: list[Path] = field(default_factory=list)


def send_pending(
    db: sqlite_utils.Database,
    settings: Settings,
    *,
    now: datetime | None = None,
    dry_run: bool = False,
    out_dir: Path | None = None,
) -> DigestOutcome:
    """Send each recipient group and notification target what it has not received; mark events once
    every receiver that wants them has them. A dry run renders and writes files but never sends or marks."""
    now = (now or datetime.now(settings.tz)).astimezone(settings.tz)  # the date in the subject is local
    groups, targets = settings.digest.recipient_groups, notify.targets(settings)
    if not groups and not targets and not dry_run:
        return DigestOutcome("off")
    run = _Pass(db, settings.digest, now, dry_run, out_dir)
    lock_path = _database_file(db)
    if lock_path is None or dry_run:
        preview = [RecipientGroup.model_construct(name="", to=[], hubs=[], sectors=[])]
        return _deliver(run, groups or ([] if targets else preview), targets)
    try:
        with run_lock(f"{lock_path}.digest"):
            return _deliver(run, groups, targets)
    except LockedError:
        logger.warning("another hubwatch process is sending the digest; leaving it to that one")
        return DigestOutcome("busy", error="another hubwatch process is sending the digest")


def _database_file(db: sqlite_utils.Database) -> str | None:
    """The main database file, for the digest lock beside it; None for an in-memory database."""
    for _seq, name, path in db.execute("PRAGMA database_list"):
        if name == "main" and path:
            return str(path)
    return None


def _deliver(run: _Pass, groups: list[RecipientGroup], targets: list[notify.Target]) -> DigestOutcome:
    if not run.dry_run:  # a preview must not touch a send in progress elsewhere
        _resume_interrupted(run.db, run.cfg)
        _resume_notifications(run.db, targets)
    run.rows = pending_rows(run.db, only_relevant=run.cfg.only_relevant)
    receivers = [Receiver.for_group(g) for g in groups]
    for group, receiver in zip(groups, receivers, strict=True):
        _email_group(run, group, receiver)
    by_target = {t.key: Receiver("notify", t.key, t.label, t.label) for t in targets}
    for target in targets:
        _notify_target(run, target, by_target[target.key])
    if not run.dry_run:
        ledger.settle(run.db, run.rows, [*receivers, *by_target.values()], run.cfg.language)
    return _summary(run.outcomes, run.texts, run.files)


def _todo(run: _Pass, receiver: Receiver) -> tuple[list[Item], list[NewHub]]:
    """What this receiver has not received yet, shown against what it has: a version it saw is not new."""
    have = ledger.delivered(run.db, receiver)
    items = build_items(run.db, [r for r in run.rows if r["event_id"] not in have], language=run.cfg.language)
    return [item for item in items if receiver.wants(item)], ledger.new_hubs_for(run.db, receiver)


def _email_group(run: _Pass, group: RecipientGroup, receiver: Receiver) -> None:
    items, new_hubs = _todo(run, receiver)
    if not items and not new_hubs:
        run.outcomes.append(GroupOutcome(group.name, "nothing"))
        return
    cfg = run.cfg
    digest = render(items, run.now, group=group.name, language=cfg.language, new_hubs=new_hubs)
    message = compose(digest, sender=cfg.from_, to=group.to, now=run.now, message_id=_message_id(cfg))
    run.texts.append(digest.text)
    if run.out_dir is not None:
        run.files += write_preview(run.out_dir, message, digest, now=run.now, group=group.name)
    if run.dry_run:
        digest_id = ledger.record(run.db, receiver, status="dry-run", subject=digest.subject, items=[],
                                  message_id=message["Message-ID"])  # fmt: skip
        run.outcomes.append(GroupOutcome(group.name, "dry-run", len(items), digest_id, digest.subject))
        return
    run.outcomes.append(_send_email(run, receiver, group.to, items, new_hubs, digest, message))


def _message_id(cfg: DigestSettings) -> str:
    return make_msgid(idstring="hubwatch", domain=cfg.from_.rpartition("@")[2].strip(" >") or None)


def _send_email(
    run: _Pass,
    receiver: Receiver,
    to: list[str],
    items: list[Item],
    new_hubs: list[NewHub],
    digest: Digest,
    message: EmailMessage,
) -> GroupOutcome:
    """Record the attempt first, send, then record the server's answer; events are marked later."""
    digest_id = ledger.record(
        run.db, receiver, status="sending", subject=digest.subject, items=items, new_hubs=new_hubs,
        message_id=message["Message-ID"], message=message.as_bytes(),
    )  # fmt: skip
    name = receiver.key
    try:
        delivery = mailer.send(message, run.cfg, recipients=to)
    except DeliveryError as exc:
        logger.error(
            "digest #%d (%s) not delivered: %s; its items stay pending", digest_id, receiver.label, exc
        )
        ledger.update(run.db, digest_id, status="failed", error=str(exc))
        return GroupOutcome(name, "failed", len(items), digest_id, digest.subject, str(exc))
    refused = "; ".join(f"{k}: {v}" for k, v in delivery.refused.items()) or None
    ledger.update(run.db, digest_id, status="sent", sent_at=now_iso(), error=refused)
    logger.info("digest #%d (%s) sent: %d items to %s", digest_id, receiver.label, len(items),
                delivery.recipients)  # fmt: skip
    return GroupOutcome(name, "sent", len(items), digest_id, digest.subject, refused, message["Message-ID"])


def _notify_target(run: _Pass, target: notify.Target, receiver: Receiver) -> None:
    """The short summary to one Apprise target, with the same ledger as an email group."""
    items, new_hubs = _todo(run, receiver)
    if not items and not new_hubs:
        run.outcomes.append(GroupOutcome(target.label, "nothing", channel="notify"))
        return
    summary = render_summary(items, run.now, language=run.cfg.language, new_hubs=new_hubs)
    if run.dry_run:
        run.texts.append(f"--- {target.label} ---\n{summary.title}\n\n{summary.body}")
        digest_id = ledger.record(run.db, receiver, status="dry-run", subject=summary.title, items=[])
        run.outcomes.append(GroupOutcome(target.label, "dry-run", len(items), digest_id, summary.title,
                                         channel="notify"))  # fmt: skip
        return
    digest_id = ledger.record(
        run.db, receiver, status="sending", subject=summary.title, items=items, new_hubs=new_hubs,
        message=json.dumps({"title": summary.title, "body": summary.body}).encode(),
    )  # fmt: skip
    outcome = _notify_once(run.db, target, digest_id, summary)
    run.outcomes.append(GroupOutcome(target.label, outcome[0], len(items), digest_id, summary.title,
                                     outcome[1], channel="notify"))  # fmt: skip


def _notify_once(
    db: sqlite_utils.Database, target: notify.Target, digest_id: int, summary: Summary
) -> tuple[Status, str | None]:
    try:
        notify.send(target, summary)
    except DeliveryError as exc:
        logger.error("notification #%d (%s) not delivered: %s; its items stay pending", digest_id,
                     target.label, exc)  # fmt: skip
        ledger.update(db, digest_id, status="failed", error=str(exc))
        return "failed", str(exc)
    ledger.update(db, digest_id, status="sent", sent_at=now_iso())
    logger.info("notification #%d (%s) sent: %d items", digest_id, target.label, summary.items)
    return "sent", None


def _resume_interrupted(db: sqlite_utils.Database, cfg: DigestSettings) -> None:
    """A 'sending' row left by a crash: the server may already have the message. Send that same message
    again — same Message-ID, which mail systems deduplicate — rather than lose it or send a different
    digest with the same items. If that fails, the row is failed and its items stay pending."""
    for digest_id, message_id, recipients, raw, _key in ledger.interrupted(db, "email"):
        logger.warning(
            "digest #%d (%s) was interrupted while sending; sending it again", digest_id, message_id
        )
        try:
            if not raw:
                raise DeliveryError("interrupted before the message was stored")
            message = email.message_from_bytes(raw, _class=EmailMessage, policy=email.policy.SMTP)
            mailer.send(
                message, cfg, recipients=[r.strip() for r in (recipients or "").split(",") if r.strip()]
            )
        except DeliveryError as exc:
            ledger.update(db, digest_id, status="failed", error=f"interrupted while sending; {exc}")
            continue
        ledger.update(db, digest_id, status="sent", sent_at=now_iso(), error="resent after an interruption")


def _resume_notifications(db: sqlite_utils.Database, targets: list[notify.Target]) -> None:
    """A summary cut short by a crash is sent again, the same text (chat services keep no Message-ID:
    the one window where a target may show it twice); a target no longer configured fails it."""
    by_key = {t.key: t for t in targets}
    for digest_id, _mid, label, raw, key in ledger.interrupted(db, "notify"):
        logger.warning("notification #%d (%s) was interrupted while sending; sending it again", digest_id,
                       label)  # fmt: skip
        target = by_key.get(key)
        if target is None or not raw:
            ledger.update(db, digest_id, status="failed", error="interrupted; the target is no longer set")
            continue
        stored = json.loads(raw)
        _notify_once(db, target, digest_id, Summary(stored["title"], stored["body"], 0))


def _summary(outcomes: list[GroupOutcome], texts: list[str], files: list[Path]) -> DigestOutcome:
    """One outcome for the CLI: failed if any group failed (exit 3), else sent, dry-run or nothing."""
    active = [o for o in outcomes if o.status != "nothing"]
    if not active:
        return DigestOutcome("nothing", groups=outcomes)
    failed = [o for o in active if o.status == "failed"]
    status: Status = "failed" if failed else active[0].status
    return DigestOutcome(
        status,
        items=sum(o.items for o in active if o.status != "failed"),
        digest_id=active[-1].digest_id,
        subject=active[0].subject,
        error="; ".join(f"{o.group or 'to'}: {o.error}" for o in failed) or None,
        text="\n\n".join(texts),
        files=files,
        groups=outcomes,
    )


def write_preview(
    out_dir: Path, message: EmailMessage, digest: Digest, *, now: datetime, group: str = ""
) -> list[Path]:
    """The .eml (open it in a mail client) and the .html (open it in a browser) of one digest."""
    out_dir.mkdir(parents=True, exist_ok=True)
    slug = re.sub(r"[^a-z0-9]+", "-", group.casefold()).strip("-")
    stem = f"digest-{now:%Y%m%d-%H%M}" + (f"-{slug}" if slug else "")
    eml, html = out_dir / f"{stem}.eml", out_dir / f"{stem}.html"
    eml.write_bytes(message.as_bytes())
    html.write_text(digest.html, encoding="utf-8")
    return [eml, html]
