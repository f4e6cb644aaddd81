"""The digest: what no earlier digest carried, rendered as one German email per recipient group.

Three steps, apart so each is testable alone: `load_items` reads pending events from the database,
`render(items, now)` turns them into subject, text and HTML (pure, Jinja2 with autoescape), and
`send_pending` hands the message to `pipeline.mailer` and marks events only after the server accepted
it. Scraped text is untrusted: escaped in HTML, kept out of headers, linked only when http(s).
"""

from __future__ import annotations

import email
import email.policy
import logging
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit

import jinja2
import sqlite_utils

from pipeline import mailer
from pipeline.config import DigestSettings, RecipientGroup, Settings
from pipeline.errors import DeliveryError
from pipeline.lock import LockedError, run_lock
from pipeline.store import now_iso

logger = logging.getLogger(__name__)

Status = Literal["sent", "failed", "dry-run", "nothing", "off", "busy"]
MAX_SENTENCES = 8  # per side of a change; the rest is counted, not shown
_CONTROL = re.compile(r"[\x00-\x1f\x7f]+")
_SENTENCE = re.compile(r"(?<=[.!?…:])\s+(?=[\"„“'(\[A-ZÄÖÜ0-9])|\n+")

LABELS: dict[str, dict[str, str]] = {
    "de": {
        "new": "neu", "changed": "geändert", "new_n": "neue", "changed_n": "geänderte",
        "item": "Meldung", "items": "Meldungen", "others": "Weitere Meldungen", "source": "Quelle",
        "date": "Datum", "no_date": "Datum unbekannt", "hubs": "Hubs", "cities": "Städte",
        "sectors": "Branchen", "added": "Neu im Text", "removed": "Entfallen", "more": "weitere",
        "old_title": "Früherer Titel", "also": "Auch bei",
        "intro": "Neu und geändert seit dem letzten Digest",
        "footer": "Erstellt von hubwatch. Titel und Texte stammen unverändert aus den Quellen.",
    },
    "en": {
        "new": "new", "changed": "changed", "new_n": "new", "changed_n": "changed",
        "item": "item", "items": "items", "others": "Other items", "source": "Source",
        "date": "Date", "no_date": "date unknown", "hubs": "Hubs", "cities": "Cities",
        "sectors": "Sectors", "added": "Added", "removed": "Removed", "more": "more",
        "old_title": "Earlier title", "also": "Also at", "intro": "New and changed since the last digest",
        "footer": "Made by hubwatch. Titles and texts are quoted from the sources as found.",
    },
}  # fmt: skip


@dataclass(frozen=True)
class Item:
    """One announcement as the digest shows it; it may carry several events (versions, duplicates)."""

    event_ids: tuple[int, ...]
    kind: Literal["new", "changed"]
    title: str
    url: str
    source: str
    published_at: str | None = None
    hubs: tuple[str, ...] = ()  # most mentioned first: the first is the section it appears in
    cities: tuple[str, ...] = ()
    sectors: tuple[str, ...] = ()
    added: tuple[str, ...] = ()
    removed: tuple[str, ...] = ()
    old_title: str | None = None
    also: tuple[tuple[str, str], ...] = ()  # (source, url) of the same announcement elsewhere

    @property
    def linkable(self) -> bool:
        return is_web_link(self.url)


@dataclass(frozen=True)
class Digest:
    subject: str
    text: str
    html: str
    items: int


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


# --- rendering (pure) -------------------------------------------------------------------------


def is_web_link(url: str) -> bool:
    """Only http(s) URLs become links; `javascript:` and friends stay text."""
    return urlsplit(url).scheme.lower() in ("http", "https") and not _CONTROL.search(url) and " " not in url


def oneline(value: object) -> str:
    """Scraped text shown on one line: CR, LF and other control characters become spaces."""
    return " ".join(_CONTROL.sub(" ", str(value)).split())


def format_date(value: str | date | datetime | None, missing: str) -> str:
    if not value:
        return missing
    try:
        parsed = value if isinstance(value, date) else datetime.fromisoformat(str(value))
    except ValueError:
        return oneline(value)
    return f"{parsed:%d.%m.%Y}"


def subject_for(items: Sequence[Item], now: datetime, *, group: str = "", language: str = "de") -> str:
    """'[hubwatch] 3 neue, 1 geänderte Meldungen – 25.11.2026'; never a CR/LF in it."""
    t = LABELS[language]
    new = sum(i.kind == "new" for i in items)
    changed = len(items) - new
    parts = [f"{n} {label}" for n, label in ((new, t["new_n"]), (changed, t["changed_n"])) if n]
    noun = t["item"] if len(items) == 1 else t["items"]
    suffix = f" ({group})" if group else ""
    return oneline(f"[hubwatch] {', '.join(parts) or '0'} {noun} – {now:%d.%m.%Y}{suffix}")


def sections(items: Iterable[Item], *, others: str) -> list[tuple[str, list[Item]]]:
    """Items under their most mentioned hub (hubs alphabetically), then the rest."""
    by_hub: dict[str, list[Item]] = {}
    rest: list[Item] = []
    for item in items:
        (by_hub.setdefault(item.hubs[0], []) if item.hubs else rest).append(item)
    ordered = [(hub, by_hub[hub]) for hub in sorted(by_hub, key=str.casefold)]
    return ordered + ([(others, rest)] if rest else [])


def _environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("pipeline", "templates"),
        autoescape=jinja2.select_autoescape(enabled_extensions=("html",), default=False),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["oneline"] = oneline
    return env


_ENV = _environment()


def render(items: Sequence[Item], now: datetime, *, group: str = "", language: str = "de") -> Digest:
    """Subject, plain text and HTML of one digest; pure, so tests read exactly what a recipient reads."""
    t = LABELS[language]
    subject = subject_for(items, now, group=group, language=language)
    context = {
        "subject": subject,
        "sections": sections(items, others=t["others"]),
        "t": t,
        "language": language,
        "day": f"{now:%d.%m.%Y}",
        "date": lambda value: format_date(value, t["no_date"]),
        "is_web_link": is_web_link,
    }
    text = _ENV.get_template("digest.txt").render(context)
    html = _ENV.get_template("digest.html").render(context)
    return Digest(subject=subject, text=text, html=html, items=len(items))


def compose(
    digest: Digest, *, sender: str, to: Sequence[str], now: datetime, message_id: str
) -> EmailMessage:
    """A multipart/alternative message; header values are checked by the email policy as well."""
    message = EmailMessage()
    message["Subject"] = oneline(digest.subject)
    message["From"] = sender
    message["To"] = ", ".join(to) if to else "undisclosed-recipients:;"
    message["Date"] = format_datetime(now)
    message["Message-ID"] = message_id
    message["Auto-Submitted"] = "auto-generated"
    message.set_content(digest.text, cte="quoted-printable")  # 7-bit safe, no overlong lines
    message.add_alternative(digest.html, subtype="html", cte="quoted-printable")
    return message


# --- reading pending events -------------------------------------------------------------------


def split_sentences(text: str) -> list[str]:
    return [s for s in (oneline(part) for part in _SENTENCE.split(text or "")) if s]


def sentence_changes(old: str, new: str) -> tuple[list[str], list[str]]:
    """Sentences added and removed between two versions, in text order (a moved sentence is neither)."""
    before, after = split_sentences(old), split_sentences(new)
    before_set, after_set = set(before), set(after)
    added = list(dict.fromkeys(s for s in after if s not in before_set))
    removed = list(dict.fromkeys(s for s in before if s not in after_set))
    return added, removed


def _capped(sentences: list[str], more: str) -> tuple[str, ...]:
    if len(sentences) <= MAX_SENTENCES:
        return tuple(sentences)
    return (*sentences[:MAX_SENTENCES], f"… {len(sentences) - MAX_SENTENCES} {more}")


def pending_rows(db: sqlite_utils.Database, *, only_relevant: bool) -> list[dict]:
    """Events no digest has carried, with the title of their version; tolerates no `duplicate_of`."""
    dup = "a.duplicate_of" if "duplicate_of" in db["announcements"].columns_dict else "NULL"
    sql = f"""SELECT e.id AS event_id, e.kind, e.version, e.announcement_id, a.url, a.published_at,
                 COALESCE(v.title, a.title) AS title, COALESCE(s.name, a.source_id) AS source,
                 {dup} AS duplicate_of
              FROM events e JOIN announcements a ON a.id = e.announcement_id
              LEFT JOIN announcement_versions v ON v.announcement_id = e.announcement_id
                   AND v.version = e.version
              LEFT JOIN sources s ON s.id = a.source_id
              WHERE e.digest_id IS NULL {"AND a.relevant = 1" if only_relevant else ""}
              ORDER BY e.id"""
    return [dict(row) for row in db.query(sql)]


def load_items(db: sqlite_utils.Database, *, only_relevant: bool, language: str = "de") -> list[Item]:
    """Pending events as digest items: one per announcement (its latest version), duplicates merged."""
    return build_items(db, pending_rows(db, only_relevant=only_relevant), language=language)


def build_items(db: sqlite_utils.Database, pending: list[dict], *, language: str = "de") -> list[Item]:
    per_announcement: dict[int, list[dict]] = {}
    for row in pending:
        per_announcement.setdefault(row["announcement_id"], []).append(row)
    items: dict[int, Item] = {}
    for ann_id, rows in per_announcement.items():
        item = _item(db, rows, more=LABELS[language]["more"])
        root = rows[-1]["duplicate_of"] or ann_id
        items[root] = _merge(items[root], item) if root in items else item
    return list(items.values())


def _item(db: sqlite_utils.Database, rows: list[dict], *, more: str) -> Item:
    """The latest pending version of one announcement; a change is shown against the last one sent."""
    first, last = rows[0], rows[-1]
    kind: Literal["new", "changed"] = "new" if any(r["kind"] == "new" for r in rows) else "changed"
    hubs, cities, sectors = _entities(db, last["announcement_id"], last["version"])
    item = Item(
        event_ids=tuple(r["event_id"] for r in rows),
        kind=kind,
        title=last["title"] or "",
        url=last["url"],
        source=last["source"],
        published_at=last["published_at"],
        hubs=hubs,
        cities=cities,
        sectors=sectors,
    )
    return _with_changes(db, item, first["announcement_id"], first["version"] - 1, last["version"], more)


def _with_changes(
    db: sqlite_utils.Database, item: Item, ann_id: int, old_version: int, new_version: int, more: str
) -> Item:
    if item.kind == "new" or old_version < 1:
        return item
    texts = dict(
        (row[0], (row[1] or "", row[2] or ""))
        for row in db.execute(
            "SELECT version, title, text FROM announcement_versions WHERE announcement_id = ? "
            "AND version IN (?, ?)",
            [ann_id, old_version, new_version],
        )
    )
    if old_version not in texts or new_version not in texts:
        return item
    (old_title, old_text), (new_title, new_text) = texts[old_version], texts[new_version]
    added, removed = sentence_changes(old_text, new_text)
    return replace(
        item,
        added=_capped(added, more),
        removed=_capped(removed, more),
        old_title=old_title if oneline(old_title) != oneline(new_title) else None,
    )


def _entities(
    db: sqlite_utils.Database, ann_id: int, version: int
) -> tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]:
    """Hubs, cities and sectors of one version, from its mentions and hub facts, most frequent first."""
    counts: dict[str, Counter[str]] = {"HUB": Counter(), "CITY": Counter(), "SECTOR": Counter()}
    for label, canonical in db.execute(
        "SELECT label, canonical FROM mentions WHERE announcement_id = ? AND version = ?", [ann_id, version]
    ):
        if label in counts and canonical:
            counts[label][canonical] += 1
    for hub, kind, value in db.execute(
        "SELECT hub, kind, value FROM hub_facts WHERE announcement_id = ? AND version = ?", [ann_id, version]
    ):
        counts["HUB"][hub] += 1
        counts["CITY" if kind == "city" else "SECTOR"][value] += 1

    def ranked(counter: Counter[str]) -> tuple[str, ...]:
        return tuple(sorted(counter, key=lambda name: (-counter[name], name.casefold())))

    return ranked(counts["HUB"]), ranked(counts["CITY"]), ranked(counts["SECTOR"])


def _merge(primary: Item, duplicate: Item) -> Item:
    """A duplicate is shown once: the first item, with the other source listed under 'Auch bei'."""
    return replace(
        primary,
        event_ids=primary.event_ids + duplicate.event_ids,
        also=(*primary.also, (duplicate.source, duplicate.url), *duplicate.also),
        hubs=tuple(dict.fromkeys(primary.hubs + duplicate.hubs)),
        cities=tuple(dict.fromkeys(primary.cities + duplicate.cities)),
        sectors=tuple(dict.fromkeys(primary.sectors + duplicate.sectors)),
    )


def wanted_by(item: Item, group: RecipientGroup) -> bool:
    """A group's filters: any of its hubs and any of its sectors (an empty filter passes all)."""

    def hit(wanted: list[str], found: tuple[str, ...]) -> bool:
        return not wanted or bool({w.casefold() for w in wanted} & {f.casefold() for f in found})

    return hit(group.hubs, item.hubs) and hit(group.sectors, item.sectors)


# --- delivery ---------------------------------------------------------------------------------


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
