"""The one exception tree of hubwatch.

    HubwatchError
    ├── ConfigError      sources.yaml or the environment is wrong (exit 2)
    ├── FetchError       a request failed for good (keeps .url; wraps httpx errors)
    ├── ExtractError     a page has no usable article (keeps .url)
    ├── StoreError       the database refused a write
    └── DeliveryError    the mail server refused or could not be reached
    Skip                 a deliberate drop (robots.txt, excluded URL); logged at INFO, not an error

The runner catches these at the per-item and per-source boundary and records them; the CLI turns
them into one clear line and a documented exit code.
"""

from __future__ import annotations


class HubwatchError(Exception):
    """Base of every error hubwatch raises on purpose."""


class ConfigError(HubwatchError):
    """The configuration is invalid; names the source, the key and the line where known."""

    def __init__(
        self,
        message: str,
        *,
        source_id: str | None = None,
        key: str | None = None,
        line: int | None = None,
    ) -> None:
        self.source_id = source_id
        self.key = key
        self.line = line
        where = []
        if line is not None:
            where.append(f"line {line}")
        if source_id:
            where.append(f"source {source_id!r}")
        if key:
            where.append(f"key {key!r}")
        prefix = ", ".join(where)
        super().__init__(f"{prefix}: {message}" if prefix else message)


class FetchError(HubwatchError):
    """A URL could not be fetched (after retries where they apply)."""

    def __init__(self, message: str, *, url: str, status_code: int | None = None) -> None:
        self.url = url
        self.status_code = status_code
        self.reason = message
        super().__init__(f"{url}: {message}")


class ExtractError(HubwatchError):
    """A page holds no usable article: empty, binary, not HTML, or no main text."""

    def __init__(self, message: str, *, url: str = "") -> None:
        self.url = url
        super().__init__(f"{url}: {message}" if url else message)


class StoreError(HubwatchError):
    """The database could not be opened or written."""


class DeliveryError(HubwatchError):
    """A digest could not be delivered; its events stay pending."""


class Skip(Exception):  # noqa: N818 - a signal, not an error
    """A deliberate drop of one item (robots.txt, an exclude rule); logged at INFO."""

    def __init__(self, reason: str) -> None:
        self.reason = reason
        super().__init__(reason)
