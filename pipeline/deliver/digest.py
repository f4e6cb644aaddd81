"""Delivering the digest: one email per recipient group, marked sent only after the server took it.

Three steps, apart so each is testable alone: `items.load_items` reads pending events, `render.render`
turns them into subject, text and HTML, and `send_pending` hands the message to `mailer` and marks the
events only after the server accepted it; a send cut short is retried with the same Message-ID.
"""

from __future__ import annotations

import email
import email.policy
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
from pipeline.deliver import mailer
from pipeline.deliver.items import build_items, pending_rows, wanted_by
from pipeline.deliver.render import Digest, Item, compose, render
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


def send_pending(
    db: sqlite_utils.Database,
    settings: Settings,
    *,
    now: datetime | None = None,
    dry_run: bool = False,
    out_dir: Path | None = None,
) -> DigestOutcome:
    """Send each recipient group what it has not received; mark events once every group that wants
    them has them. A dry run renders and writes files but never sends or marks."""
    now = (now or datetime.now(settings.tz)).astimezone(settings.tz)  # the date in the subject is local
    cfg = settings.digest
    groups = cfg.recipient_groups
    if not groups and not dry_run:
        return DigestOutcome("off")
    lock_path = _database_file(db)
    if lock_path is None or dry_run:
        preview = [RecipientGroup.model_construct(name="", to=[], hubs=[], sectors=[])]
        return _deliver(db, cfg, groups or preview, now, dry_run, out_dir)
    try:
        with run_lock(f"{lock_path}.digest"):
            return _deliver(db, cfg, groups, now, dry_run, out_dir)
    except LockedError:
        logger.warning("another hubwatch process is sending the digest; leaving it to that one")
        return DigestOutcome("busy", error="another hubwatch process is sending the digest")


def _database_file(db: sqlite_utils.Database) -> str | None:
    """The main database file, for the digest lock beside it; None for an in-memory database."""
    for _seq, name, path in db.execute("PRAGMA database_list"):
        if name == "main" and path:
            return str(path)
    return None


def _deliver(
    db: sqlite_utils.Database,
    cfg: DigestSettings,
    groups: list[RecipientGroup],
    now: datetime,
    dry_run: bool,
    out_dir: Path | None,
) -> DigestOutcome:
    if not dry_run:  # a preview must not touch a send in progress elsewhere
        _resume_interrupted(db, cfg)
    rows = pending_rows(db, only_relevant=cfg.only_relevant)
    outcomes: list[GroupOutcome] = []
    texts: list[str] = []
    files: list[Path] = []
    for group in groups:
        todo = _items_for(db, rows, group, cfg.language)
        if not todo:
            outcomes.append(GroupOutcome(group.name, "nothing"))
            continue
        digest = render(todo, now, group=group.name, language=cfg.language)
        message = compose(digest, sender=cfg.from_, to=group.to, now=now, message_id=_message_id(cfg))
        texts.append(digest.text)
        if out_dir is not None:
            files += write_preview(out_dir, message, digest, now=now, group=group.name)
        deliver = _record_dry_run if dry_run else _send_one
        outcomes.append(deliver(db, cfg, group, todo, digest, message))
    if not dry_run:
        _settle(db, rows, groups, cfg.language)
    return _summary(outcomes, texts, files)


def _message_id(cfg: DigestSettings) -> str:
    return make_msgid(idstring="hubwatch", domain=cfg.from_.rpartition("@")[2].strip(" >") or None)


def _delivered(db: sqlite_utils.Database, group: str) -> set[int]:
    """Pending events this group already received in a sent digest (another group has not yet)."""
    return {
        row[0]
        for row in db.execute(
            """SELECT di.event_id FROM digest_items di JOIN digests d ON d.id = di.digest_id
               JOIN events e ON e.id = di.event_id
               WHERE d.status = 'sent' AND d.recipient_group = ? AND e.digest_id IS NULL""",
            [group],
        )
    }


def _items_for(
    db: sqlite_utils.Database, rows: list[dict], group: RecipientGroup, language: str
) -> list[Item]:
    """What this group has not received yet, shown against what it has: a version it saw is not new."""
    delivered = _delivered(db, group.name)
    todo = build_items(db, [r for r in rows if r["event_id"] not in delivered], language=language)
    return [item for item in todo if wanted_by(item, group)]


def _send_one(
    db: sqlite_utils.Database,
    cfg: DigestSettings,
    group: RecipientGroup,
    items: list[Item],
    digest: Digest,
    message: EmailMessage,
) -> GroupOutcome:
    """Record the attempt first, send, then record the server's answer; events are marked later."""
    digest_id = _insert_digest(db, group, digest, message, status="sending", items=items)
    label = group.name or "to"
    try:
        delivery = mailer.send(message, cfg, recipients=group.to)
    except DeliveryError as exc:
        logger.error("digest #%d (%s) not delivered: %s; its items stay pending", digest_id, label, exc)
        _update_digest(db, digest_id, status="failed", error=str(exc))
        return GroupOutcome(group.name, "failed", len(items), digest_id, digest.subject, str(exc))
    refused = "; ".join(f"{k}: {v}" for k, v in delivery.refused.items()) or None
    _update_digest(db, digest_id, status="sent", sent_at=now_iso(), error=refused)
    logger.info("digest #%d (%s) sent: %d items to %s", digest_id, label, len(items), delivery.recipients)
    return GroupOutcome(
        group.name, "sent", len(items), digest_id, digest.subject, refused, message["Message-ID"]
    )


def _record_dry_run(
    db: sqlite_utils.Database,
    cfg: DigestSettings,
    group: RecipientGroup,
    items: list[Item],
    digest: Digest,
    message: EmailMessage,
) -> GroupOutcome:
    """A preview leaves a `dry-run` row for the record and carries no events."""
    digest_id = _insert_digest(db, group, digest, message, status="dry-run", items=[])
    return GroupOutcome(group.name, "dry-run", len(items), digest_id, digest.subject)


def _insert_digest(
    db: sqlite_utils.Database,
    group: RecipientGroup,
    digest: Digest,
    message: EmailMessage,
    *,
    status: str,
    items: list[Item],
) -> int:
    with db.conn:
        cursor = db.execute(
            """INSERT INTO digests (created_at, status, recipients, subject, message_id, items,
               recipient_group, message) VALUES (?, ?, ?, ?, ?, ?, ?, ?)""",
            [now_iso(), status, ", ".join(group.to), digest.subject, message["Message-ID"], digest.items,
             group.name, message.as_bytes() if status == "sending" else None],
        )  # fmt: skip
        digest_id = int(cursor.lastrowid or 0)
        db.conn.executemany(
            "INSERT INTO digest_items (digest_id, event_id) VALUES (?, ?)",
            [(digest_id, event_id) for item in items for event_id in item.event_ids],
        )
    return digest_id


def _update_digest(db: sqlite_utils.Database, digest_id: int, **values: str | None) -> None:
    assignments = ", ".join(f"{column} = ?" for column in values)
    with db.conn:
        db.execute(f"UPDATE digests SET {assignments} WHERE id = ?", [*values.values(), digest_id])


def _resume_interrupted(db: sqlite_utils.Database, cfg: DigestSettings) -> None:
    """A 'sending' row left by a crash: the server may already have the message. Send that same message
    again — same Message-ID, which mail systems deduplicate — rather than lose it or send a different
    digest with the same items. If that fails, the row is failed and its items stay pending."""
    rows = db.execute("SELECT id, message_id, recipients, message FROM digests WHERE status = 'sending'")
    for digest_id, message_id, recipients, raw in rows.fetchall():
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
            _update_digest(db, digest_id, status="failed", error=f"interrupted while sending; {exc}")
            continue
        _update_digest(db, digest_id, status="sent", sent_at=now_iso(), error="resent after an interruption")


def _settle(db: sqlite_utils.Database, rows: list[dict], groups: list[RecipientGroup], language: str) -> None:
    """Mark an item's events once every group that wants it has received them all in sent digests;
    each event gets the id of the last digest that carried it."""
    delivered = {g.name: _delivered(db, g.name) for g in groups}
    done: list[int] = []
    for item in build_items(db, rows, language=language):
        wanting = [g.name for g in groups if wanted_by(item, g)]
        if wanting and all(set(item.event_ids) <= delivered[name] for name in wanting):
            done += item.event_ids
    with db.conn:
        db.conn.executemany(
            """UPDATE events SET digest_id = (
                   SELECT MAX(d.id) FROM digest_items di JOIN digests d ON d.id = di.digest_id
                   WHERE di.event_id = events.id AND d.status = 'sent')
               WHERE id = ? AND digest_id IS NULL""",
            [(event_id,) for event_id in done],
        )


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
