"""Rendering a digest (pure): items in, subject, plain text and HTML out; the email composed from them;
and the short Markdown summary that goes to chat and push targets.

Jinja2 with autoescape: scraped text is escaped in HTML, kept on one line in headers, linked only when
http(s), and escaped as Markdown in a summary. Pure, so tests read exactly what a recipient reads.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from email.message import EmailMessage
from email.utils import format_datetime
from typing import Literal
from urllib.parse import urlsplit

import jinja2

_CONTROL = re.compile(r"[\x00-\x1f\x7f]+")

LABELS: dict[str, dict[str, str]] = {
    "de": {
        "new": "neu", "changed": "geändert", "new_n": "neue", "changed_n": "geänderte",
        "item": "Meldung", "items": "Meldungen", "others": "Weitere Meldungen", "source": "Quelle",
        "date": "Datum", "no_date": "Datum unbekannt", "hubs": "Hubs", "cities": "Städte",
        "sectors": "Branchen", "added": "Neu im Text", "removed": "Entfallen", "more": "weitere",
        "old_title": "Früherer Titel", "also": "Auch bei", "other_hubs": "Auch über",
        "new_hubs": "Neue Hubs", "new_hub_1": "neuer Hub", "new_hub_n": "neue Hubs",
        "new_hub_note": "Noch nicht in der Hub-Liste (entities/hubs.yaml) – bitte prüfen.",
        "first_report": "Zuerst gemeldet", "and_more": "und {n} weitere",
        "intro": "Neu und geändert seit dem letzten Digest",
        "footer": "Erstellt von hubwatch. Titel und Texte stammen unverändert aus den Quellen.",
    },
    "en": {
        "new": "new", "changed": "changed", "new_n": "new", "changed_n": "changed",
        "item": "item", "items": "items", "others": "Other items", "source": "Source",
        "date": "Date", "no_date": "date unknown", "hubs": "Hubs", "cities": "Cities",
        "sectors": "Sectors", "added": "Added", "removed": "Removed", "more": "more",
        "old_title": "Earlier title", "also": "Also at", "other_hubs": "Also about",
        "new_hubs": "New hubs", "new_hub_1": "new hub", "new_hub_n": "new hubs",
        "new_hub_note": "Not yet in the hub list (entities/hubs.yaml): please check.",
        "first_report": "First reported", "and_more": "and {n} more",
        "intro": "New and changed since the last digest",
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
    hubs: tuple[str, ...] = ()  # the main hub first (named in the title, else most mentioned): its section
    cities: tuple[str, ...] = ()
    sectors: tuple[str, ...] = ()
    added: tuple[str, ...] = ()
    removed: tuple[str, ...] = ()
    old_title: str | None = None
    also: tuple[tuple[str, str], ...] = ()  # (source, url) of the same announcement elsewhere
    lead: str = ""  # the sentence that names the main hub (else the first), cut at LEAD_CHARS

    @property
    def linkable(self) -> bool:
        return is_web_link(self.url)

    @property
    def other_hubs(self) -> tuple[str, ...]:
        return self.hubs[1:]


@dataclass(frozen=True)
class NewHub:
    """A hub hubwatch found announced (table `hubs`, known = 0), with the announcement that said so."""

    canonical: str
    first_seen_at: str | None = None
    title: str | None = None
    url: str | None = None


@dataclass(frozen=True)
class Summary:
    """The short form for chat and push targets: a title line and a Markdown body."""

    title: str
    body: str
    items: int


@dataclass(frozen=True)
class Digest:
    subject: str
    text: str
    html: str
    items: int


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


def subject_for(
    items: Sequence[Item],
    now: datetime,
    *,
    group: str = "",
    language: str = "de",
    new_hubs: int = 0,
) -> str:
    """'[hubwatch] 1 neuer Hub, 3 neue, 1 geänderte Meldungen – 25.11.2026'; never a CR/LF in it."""
    t = LABELS[language]
    new = sum(i.kind == "new" for i in items)
    changed = len(items) - new
    parts = [f"{n} {label}" for n, label in ((new, t["new_n"]), (changed, t["changed_n"])) if n]
    noun = t["item"] if len(items) == 1 else t["items"]
    counts = f"{', '.join(parts)} {noun}" if parts else ("" if new_hubs else f"0 {noun}")
    hubs = f"{new_hubs} {t['new_hub_1'] if new_hubs == 1 else t['new_hub_n']}" if new_hubs else ""
    suffix = f" ({group})" if group else ""
    return oneline(f"[hubwatch] {', '.join(p for p in (hubs, counts) if p)} – {now:%d.%m.%Y}{suffix}")


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
        loader=jinja2.PackageLoader("pipeline.deliver", "templates"),
        autoescape=jinja2.select_autoescape(enabled_extensions=("html",), default=False),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["oneline"] = oneline
    return env


_ENV = _environment()


def render(
    items: Sequence[Item],
    now: datetime,
    *,
    group: str = "",
    language: str = "de",
    new_hubs: Sequence[NewHub] = (),
) -> Digest:
    """Subject, plain text and HTML of one digest; pure, so tests read exactly what a recipient reads.
    "Neue Hubs" comes first, then the items under their main hub."""
    t = LABELS[language]
    subject = subject_for(items, now, group=group, language=language, new_hubs=len(new_hubs))
    context = {
        "subject": subject,
        "new_hubs": list(new_hubs),
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


SUMMARY_ITEMS = 15  # titles listed in a chat summary; the rest is counted


def render_summary(
    items: Sequence[Item], now: datetime, *, language: str = "de", new_hubs: Sequence[NewHub] = ()
) -> Summary:
    """The chat/push form: counts per hub, the new hubs, then one linked title per item (at most
    SUMMARY_ITEMS). Markdown, with scraped text escaped so a title cannot inject links or markup."""
    t = LABELS[language]
    lines: list[str] = []
    if new_hubs:
        found = ", ".join(_md_link(h.canonical, h.url) for h in new_hubs)
        lines += [f"**{t['new_hubs']}:** {found}", ""]
    counts = [f"{md_escape(title)} {len(group)}" for title, group in sections(items, others=t["others"])]
    if counts:
        lines += [" · ".join(counts), ""]
    for item in items[:SUMMARY_ITEMS]:
        where = f" ({md_escape(item.hubs[0])})" if item.hubs else ""
        changed = f" [{t['changed']}]" if item.kind == "changed" else ""
        lines.append(f"- {_md_link(item.title or item.url, item.url)}{where}{changed}")
    if len(items) > SUMMARY_ITEMS:
        lines.append(f"- … {t['and_more'].format(n=len(items) - SUMMARY_ITEMS)}")
    title = subject_for(items, now, language=language, new_hubs=len(new_hubs))
    return Summary(title=title, body="\n".join(lines).strip() + "\n", items=len(items))


_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()<>#+!|~])")


def md_escape(value: object) -> str:
    """Scraped text in Markdown: one line, every character with a Markdown meaning backslash-escaped."""
    return _MD_SPECIAL.sub(r"\\\1", oneline(value))


def _md_link(text: object, url: str | None) -> str:
    if url and is_web_link(url):
        return f"[{md_escape(text)}]({url.replace('(', '%28').replace(')', '%29')})"
    return md_escape(text)


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
