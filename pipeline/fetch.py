"""HTTP fetching: async httpx with timeouts, a size cap, per-host politeness and conditional GET.

`Fetcher.fetch(url)` returns a `Response`, or `NotModified` for a 304, and raises `FetchError` for
anything that is not a usable 2xx body. The crawler issue deepens it (robots.txt, retries, charsets).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import defaultdict
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import httpx

from pipeline.config import Settings
from pipeline.errors import FetchError

logger = logging.getLogger(__name__)

MAX_REDIRECTS = 10


@dataclass(frozen=True, slots=True)
class Response:
    url: str  # after redirects
    status_code: int
    content: bytes
    content_type: str = ""
    etag: str | None = None
    last_modified: str | None = None
    elapsed_ms: int = 0

    @property
    def text(self) -> str:
        return self.content.decode("utf-8", errors="replace")


@dataclass(frozen=True, slots=True)
class NotModified:
    url: str
    elapsed_ms: int = 0


def origin(url: str) -> str:
    """Politeness is per origin (scheme, host, port), as robots.txt is."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc.lower()}"


@dataclass
class _Host:
    semaphore: asyncio.Semaphore
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    next_at: float = 0.0


class Fetcher:
    """One shared client for a run: connection reuse, a global and a per-host limit, a minimum gap."""

    def __init__(self, settings: Settings, *, transport: httpx.AsyncBaseTransport | None = None) -> None:
        self.settings = settings
        timeout = httpx.Timeout(settings.timeout_s, connect=min(10.0, settings.timeout_s))
        self.client = httpx.AsyncClient(
            headers={"User-Agent": settings.user_agent, "Accept-Language": "de,en;q=0.5"},
            timeout=timeout,
            follow_redirects=True,
            max_redirects=MAX_REDIRECTS,
            transport=transport,
        )
        self._global = asyncio.Semaphore(settings.global_concurrency)
        self._hosts: dict[str, _Host] = defaultdict(
            lambda: _Host(asyncio.Semaphore(settings.per_host_concurrency))
        )

    async def __aenter__(self) -> Fetcher:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.client.aclose()

    async def fetch(
        self, url: str, *, etag: str | None = None, last_modified: str | None = None
    ) -> Response | NotModified:
        headers = {}
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        host = self._hosts[origin(url)]
        async with self._global, host.semaphore:
            await self._wait_turn(host)
            started = time.monotonic()
            try:
                return await asyncio.wait_for(
                    self._get(url, headers, started), timeout=self.settings.timeout_s * 2
                )
            except TimeoutError as exc:
                raise FetchError("deadline exceeded", url=url) from exc
            except httpx.TooManyRedirects as exc:
                raise FetchError("too many redirects", url=url) from exc
            except httpx.HTTPError as exc:
                raise FetchError(f"{type(exc).__name__}: {exc}".rstrip(": "), url=url) from exc

    async def _wait_turn(self, host: _Host) -> None:
        async with host.lock:
            delay = host.next_at - time.monotonic()
            if delay > 0:
                await asyncio.sleep(delay)
            host.next_at = time.monotonic() + self.settings.per_host_delay_s

    async def _get(self, url: str, headers: dict[str, str], started: float) -> Response | NotModified:
        async with self.client.stream("GET", url, headers=headers) as response:
            elapsed = lambda: int((time.monotonic() - started) * 1000)  # noqa: E731
            if response.status_code == 304:
                return NotModified(str(response.url), elapsed())
            if response.status_code >= 400:
                raise FetchError(f"HTTP {response.status_code}", url=url, status_code=response.status_code)
            body = bytearray()
            async for chunk in response.aiter_bytes():
                body += chunk
                if len(body) > self.settings.max_bytes:
                    raise FetchError(f"larger than max_bytes ({self.settings.max_bytes})", url=url)
            return Response(
                url=str(response.url),
                status_code=response.status_code,
                content=bytes(body),
                content_type=response.headers.get("content-type", ""),
                etag=response.headers.get("etag"),
                last_modified=response.headers.get("last-modified"),
                elapsed_ms=elapsed(),
            )
