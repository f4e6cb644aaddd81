"""Sending a digest's short summary to chat and push services through Apprise: the only module that
touches Apprise.

`settings.notify` lists Apprise URLs (Teams, Slack, Matrix, ntfy, mailto, json …). A URL usually holds a
secret (a token, a password, a webhook path), so it is shown only as Apprise's privacy form (`mask`),
stored as that form and a hash (`key`), and scrubbed from every error message.
"""

from __future__ import annotations

import hashlib
import logging
import re
from dataclasses import dataclass
from urllib.parse import unquote

from pipeline.config import Settings
from pipeline.deliver.render import Summary
from pipeline.errors import DeliveryError

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Target:
    """One notification target; `url` is the secret, `key` and `label` are safe to store and show."""

    url: str
    key: str
    label: str

    def __repr__(self) -> str:
        return f"Target({self.label!r})"


def targets(settings: Settings) -> list[Target]:
    """The configured targets, each once (the same URL twice would be notified twice)."""
    urls = dict.fromkeys(secret.get_secret_value() for secret in settings.notify)
    return [Target(url, target_key(url), mask(url)) for url in urls]


def target_key(url: str) -> str:
    """The ledger's name for a target: a hash, so the database never holds the secret."""
    return "apprise:" + hashlib.sha256(url.encode()).hexdigest()[:16]


def mask(url: str) -> str:
    """Apprise's own privacy form of the URL (it knows which parts are secret for each service), without
    the query of defaults it appends."""
    import apprise

    plugin = apprise.Apprise.instantiate(url)
    if plugin is None:
        return url.split("://", 1)[0] + "://…"
    return str(plugin.url(privacy=True)).split("?", 1)[0]


def send(target: Target, summary: Summary) -> None:
    """Deliver the summary as Markdown (Apprise converts it for each service); raise DeliveryError with
    Apprise's reason, secrets scrubbed, when the service did not accept it."""
    import apprise

    notifier = apprise.Apprise()
    if not notifier.add(target.url):
        raise DeliveryError(f"{target.label}: Apprise cannot use this URL")
    with apprise.LogCapture(level=logging.WARNING, fmt="%(message)s") as captured:
        accepted = notifier.notify(
            body=summary.body, title=summary.title, body_format=apprise.NotifyFormat.MARKDOWN
        )
    if not accepted:
        reason = "; ".join(line for line in captured.getvalue().splitlines() if line.strip())
        raise DeliveryError(f"{target.label}: {scrub(reason, target.url) or 'not delivered'}")


def scrub(text: str, url: str) -> str:
    """Remove from a message every part of the URL that Apprise's privacy form hides (tokens,
    passwords, webhook paths): whatever the service, what `mask` would not show is not shown."""
    shown = mask(url)
    parts = {unquote(p) for p in re.split(r"[/?&=#:@,]+", url.split("://", 1)[-1])}
    secrets = sorted((p for p in parts if len(p) >= 4 and p not in shown), key=len, reverse=True)
    for secret in secrets:
        text = text.replace(secret, "****")
    return text


def send_test(settings: Settings) -> list[tuple[Target, str | None]]:
    """A test message to every target, recorded nowhere: (target, None) when it arrived, else the reason."""
    message = Summary("[hubwatch] Testnachricht / test message", "hubwatch can reach this target.\n", 0)
    results: list[tuple[Target, str | None]] = []
    for target in targets(settings):
        try:
            send(target, message)
        except DeliveryError as exc:
            results.append((target, str(exc)))
            continue
        results.append((target, None))
    return results
