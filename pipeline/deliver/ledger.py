"""The delivery ledger: which digest carried which events and new hubs to which receiver.

A receiver is an email recipient group or a notification target (an Apprise URL). Both are rows of
`digests` (`channel` 'email' or 'notify'), with `digest_items` and `digest_hubs` listing what each carried.
A row is written `sending` before the attempt and becomes `sent` or `failed` after it, so a receiver that
failed is retried with the next digest and one that succeeded never receives the same event twice.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal

import sqlite_utils

from pipeline.config import RecipientGroup
from pipeline.deliver.items import build_items, matches
from pipeline.deliver.render import Item, NewHub
from pipeline.store.hubs import unconfirmed_hubs
from pipeline.store.schema import now_iso

Channel = Literal["email", "notify"]


@dataclass(frozen=True)
class Receiver:
    """Who gets a digest: `key` is the group's name ('' for `to`) or a hash of the target's URL."""

    channel: Channel
    key: str
    label: str  # for logs and `status`: the group's name, or the URL with its secrets masked
    recipients: str  # stored in `digests.recipients`: the addresses, or the masked URL
    hubs: list[str] = field(default_factory=list)
    sectors: list[str] = field(default_factory=list)

    @classmethod
    def for_group(cls, group: RecipientGroup) -> Receiver:
        return cls("email", group.name, group.name or "to", ", ".join(group.to), group.hubs, group.sectors)

    def wants(self, item: Item) -> bool:
        return matches(item, hubs=self.hubs, sectors=self.sectors)


def delivered(db: sqlite_utils.Database, receiver: Receiver) -> set[int]:
    """Pending events this receiver already has from a sent digest (another receiver has not yet)."""
    rows = db.execute(
        """SELECT di.event_id FROM digest_items di JOIN digests d ON d.id = di.digest_id
           JOIN events e ON e.id = di.event_id
           WHERE d.status = 'sent' AND d.channel = ? AND d.recipient_group = ? AND e.digest_id IS NULL""",
        [receiver.channel, receiver.key],
    )
    return {row[0] for row in rows}


def new_hubs_for(db: sqlite_utils.Database, receiver: Receiver) -> list[NewHub]:
    """Hubs found announced and not confirmed in hubs.yaml that no sent digest has shown this receiver:
    each appears under "Neue Hubs" once per receiver, and again only if that digest failed."""
    shown = {
        row[0]
        for row in db.execute(
            """SELECT dh.hub FROM digest_hubs dh JOIN digests d ON d.id = dh.digest_id
               WHERE d.status = 'sent' AND d.channel = ? AND d.recipient_group = ?""",
            [receiver.channel, receiver.key],
        )
    }
    return [
        NewHub(row["canonical"], row["first_seen_at"], row["title"], row["url"])
        for row in unconfirmed_hubs(db)
        if row["canonical"] not in shown
    ]


def record(
    db: sqlite_utils.Database,
    receiver: Receiver,
    *,
    status: str,
    subject: str,
    items: Sequence[Item],
    new_hubs: Sequence[NewHub] = (),
    message_id: str | None = None,
    message: bytes | None = None,
) -> int:
    """One `digests` row with what it carries, in one transaction; returns its id."""
    with db.conn:
        cursor = db.execute(
            """INSERT INTO digests (created_at, status, recipients, subject, message_id, items,
               recipient_group, message, channel) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)""",
            [now_iso(), status, receiver.recipients, subject, message_id, len(items), receiver.key,
             message, receiver.channel],
        )  # fmt: skip
        digest_id = int(cursor.lastrowid or 0)
        db.conn.executemany(
            "INSERT INTO digest_items (digest_id, event_id) VALUES (?, ?)",
            [(digest_id, event_id) for item in items for event_id in item.event_ids],
        )
        db.conn.executemany(
            "INSERT OR IGNORE INTO digest_hubs (digest_id, hub) VALUES (?, ?)",
            [(digest_id, hub.canonical) for hub in new_hubs],
        )
    return digest_id


def update(db: sqlite_utils.Database, digest_id: int, **values: str | None) -> None:
    assignments = ", ".join(f"{column} = ?" for column in values)
    with db.conn:
        db.execute(f"UPDATE digests SET {assignments} WHERE id = ?", [*values.values(), digest_id])


def interrupted(db: sqlite_utils.Database, channel: Channel) -> list[tuple]:
    """Rows left `sending` by a process that died mid-send: (id, message_id, recipients, message, key)."""
    return db.execute(
        """SELECT id, message_id, recipients, message, recipient_group FROM digests
           WHERE status = 'sending' AND channel = ?""",
        [channel],
    ).fetchall()


def settle(db: sqlite_utils.Database, rows: list[dict], receivers: Sequence[Receiver], language: str) -> None:
    """Mark an item's events once every receiver that wants it has received them all in sent digests;
    each event gets the id of the last digest that carried it."""
    have = {(r.channel, r.key): delivered(db, r) for r in receivers}
    done: list[int] = []
    for item in build_items(db, rows, language=language):
        wanting = [(r.channel, r.key) for r in receivers if r.wants(item)]
        if wanting and all(set(item.event_ids) <= have[key] for key in wanting):
            done += item.event_ids
    with db.conn:
        db.conn.executemany(
            """UPDATE events SET digest_id = (
                   SELECT MAX(d.id) FROM digest_items di JOIN digests d ON d.id = di.digest_id
                   WHERE di.event_id = events.id AND d.status = 'sent')
               WHERE id = ? AND digest_id IS NULL""",
            [(event_id,) for event_id in done],
        )


def last_deliveries(db: sqlite_utils.Database, channel: Channel) -> list[dict]:
    """Per receiver of a channel: its label, last attempt's status and error, last success."""
    sql = """SELECT recipients AS receiver, recipient_group AS key, status, error, created_at,
                    (SELECT MAX(sent_at) FROM digests s WHERE s.channel = d.channel
                       AND s.recipient_group = d.recipient_group AND s.status = 'sent') AS last_sent_at
             FROM digests d
             WHERE channel = ? AND status != 'dry-run' AND id = (
                 SELECT MAX(id) FROM digests x WHERE x.channel = d.channel
                   AND x.recipient_group = d.recipient_group AND x.status != 'dry-run')
             ORDER BY recipients"""
    return [dict(row) for row in db.query(sql, [channel])]


def status_lines(db: sqlite_utils.Database) -> list[str]:
    """`hubwatch status`: each notification target (masked) with its last attempt and last success."""
    lines = []
    for row in last_deliveries(db, "notify"):
        line = f"notify {row['receiver']}: {row['status']} {row['created_at']}"
        if row["status"] != "sent":
            line += f" ({row['error'] or 'no reason recorded'}); last sent {row['last_sent_at'] or 'never'}"
        lines.append(line)
    return lines
