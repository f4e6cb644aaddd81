"""The digest of pending events (first version: rendered as text to a file or stdout).

The schedule-and-digest issue replaces this with Jinja2 templates, an HTML part and sending.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Literal

import sqlite_utils

from pipeline.config import Settings
from pipeline.store import now_iso


@dataclass(frozen=True)
class DigestOutcome:
    status: Literal["sent", "failed", "dry-run", "nothing", "off"]
    items: int = 0
    digest_id: int | None = None
    subject: str = ""
    error: str | None = None
    text: str = ""
    files: list[Path] = field(default_factory=list)


def pending_events(db: sqlite_utils.Database, *, only_relevant: bool) -> list[dict]:
    sql = """SELECT e.id, e.kind, e.version, a.title, a.url, a.source_id, a.published_at
             FROM events e JOIN announcements a ON a.id = e.announcement_id
             WHERE e.digest_id IS NULL""" + (" AND a.relevant = 1" if only_relevant else "")
    return [dict(r) for r in db.query(sql + " ORDER BY e.id")]


def send_pending(
    db: sqlite_utils.Database,
    settings: Settings,
    *,
    now: datetime | None = None,
    dry_run: bool = False,
    out_dir: Path | None = None,
) -> DigestOutcome:
    """Render what no digest has carried; this first version never sends, it only renders."""
    now = now or datetime.now(settings.tz)
    events = pending_events(db, only_relevant=settings.digest.only_relevant)
    if not events:
        return DigestOutcome("nothing")
    new = sum(e["kind"] == "new" for e in events)
    subject = f"[hubwatch] {new} neue, {len(events) - new} geänderte Meldungen – {now:%d.%m.%Y}"
    lines = [subject, ""] + [f"- {e['title']} ({e['source_id']}) {e['url']}" for e in events]
    text = "\n".join(lines) + "\n"
    files = []
    if out_dir is not None:
        out_dir.mkdir(parents=True, exist_ok=True)
        files.append(out_dir / f"digest-{now:%Y%m%d-%H%M}.txt")
        files[0].write_text(text, encoding="utf-8")
    with db.conn:
        db.execute(
            "INSERT INTO digests (created_at, status, recipients, subject, items) VALUES (?,?,?,?,?)",
            [now_iso(), "dry-run", ", ".join(settings.digest.to), subject, len(events)],
        )
    return DigestOutcome("dry-run", items=len(events), subject=subject, text=text, files=files)
