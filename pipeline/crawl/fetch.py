"""HTTP fetching: polite, bounded, cache-aware.

`Fetcher.fetch(url)` returns a `Response`, or `NotModified` for a 304; it raises `FetchError` for
anything that is not a usable 2xx body and `Skip` for a URL robots.txt disallows or a content type we
do not read. Around each request:

- robots.txt, once per origin per run (`pipeline.crawl.robots`), whose Crawl-delay can widen the host gap;
- a global and a per-origin concurrency limit and a minimum gap between requests to one origin;
- retries with capped exponential backoff and jitter on connect errors, timeouts, 429 and 5xx,
  honouring Retry-After; never on other 4xx;
- connect and read timeouts and a deadline for the whole request, a decoded-size cap read while
  streaming (`pipeline.crawl.inflate`), and redirects followed by hand: a limit, loop detection, and
  robots.txt asked again for each hop's origin.

Every request, including robots.txt, each redirect hop and each retry, is handed to the `recorder`
(the runner writes it to the `fetches` table).
"""

from __future__ import annotations

import asyncio
import logging
import random
import time
from collections import defaultdict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from urllib.parse import urljoin

import httpx

from pipeline.charset import decode_body
from pipeline.config import Settings
from pipeline.crawl.inflate import TooLarge, UnknownEncoding, read_bounded
from pipeline.crawl.netguard import check_url, parse_networks
from pipeline.crawl.robots import RobotsCache
from pipeline.crawl.urls import origin
from pipeline.errors import FetchError, Skip

logger = logging.getLogger(__name__)

REDIRECTS = {301, 302, 303, 307, 308}
DRAIN_BYTES = 64 * 1024
HTML_TYPES = ("text/html", "application/xhtml+xml")
FEED_TYPES = (*HTML_TYPES, "xml", "json", "text/plain")  # "xml" also matches rss+xml, atom+xml
SITEMAP_TYPES = (*FEED_TYPES, "gzip", "octet-stream")


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
        """The body decoded by header, BOM, XML declaration, meta charset, then detection."""
        return decode_body(self.content, self.content_type)[0]


@dataclass(frozen=True, slots=True)
class NotModified:
    url: str
    elapsed_ms: int = 0


@dataclass(slots=True)
class FetchRecord:
    """One HTTP request as the `fetches` table keeps it."""

    source_id: str
    url: str
    status_code: int | None
    not_modified: bool = False
    error: str | None = None
    elapsed_ms: int | None = None
    size: int | None = None


Recorder = Callable[[FetchRecord], None]
Gate = Callable[[], Awaitable[None]]  # awaited before each request: the runner's backlog of pages


def retry_after_s(value: str | None, *, now: datetime | None = None) -> float | None:
    """Retry-After as seconds from now: delta-seconds or an HTTP date; None when absent or unreadable."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


def backoff_s(attempt: int, *, base: float, cap: float) -> float:
    """Full-jitter exponential backoff (AWS's): uniform in [base/2, min(cap, base * 2**attempt)]."""
    high = min(cap, base * 2**attempt)
    return random.uniform(min(base / 2, high), high)


@dataclass
class _Host:
    semaphore: asyncio.Semaphore
    delay: float
    client: httpx.AsyncClient
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    next_at: float = 0.0


@dataclass(frozen=True, slots=True)
class _Redirect:
    location: str


class _Retryable(Exception):  # noqa: N818 - internal signal
    def __init__(self, reason: str, status_code: int | None = None, wait: float | None = None) -> None:
        super().__init__(reason)
        self.reason, self.status_code, self.wait = reason, status_code, wait


class Fetcher:
    """One shared client for a run: connection reuse, a global and a per-host limit, a minimum gap."""

    def __init__(
        self,
        settings: Settings,
        *,
        recorder: Recorder | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        gate: Gate | None = None,
    ) -> None:
        self.settings = settings
        self.recorder = recorder or (lambda record: None)
        self.gate = gate
        self._transport = transport
        self._ssl = httpx.create_ssl_context()  # built once: loading the CA bundle costs ~70 ms
        self._global = asyncio.Semaphore(settings.global_concurrency)
        self._hosts: dict[str, _Host] = defaultdict(self._new_host)
        self._allowed = parse_networks(settings.allow_networks)
        self._refused: dict[str, str | None] = {}  # origin -> why it is refused (checked once per run)
        self.robots = RobotsCache(self)

    def _new_host(self) -> _Host:
        """One client (connection pool) per origin, shared by every source on it: httpcore's pool scans
        every queued request against every connection on each change, so one shared pool for 40
        connections costs more CPU than the 304s it serves; per origin it holds at most
        per_host_concurrency connections, and keeps each of them alive (httpx keeps 20 by default)."""
        s = self.settings
        client = httpx.AsyncClient(
            headers={
                "User-Agent": s.user_agent,
                "Accept-Language": "de,en;q=0.5",
                "Accept-Encoding": "gzip, deflate, br",
            },
            timeout=httpx.Timeout(s.timeout_s, connect=min(s.connect_timeout_s, s.timeout_s)),
            limits=httpx.Limits(
                max_connections=s.per_host_concurrency,
                max_keepalive_connections=s.per_host_concurrency,
            ),
            follow_redirects=False,
            verify=self._ssl,
            transport=self._transport,
            trust_env=False,
        )
        return _Host(asyncio.Semaphore(s.per_host_concurrency), s.per_host_delay_s, client)

    async def __aenter__(self) -> Fetcher:
        return self

    async def __aexit__(self, *exc: object) -> None:
        for host in self._hosts.values():
            await host.client.aclose()

    def set_crawl_delay(self, url: str, delay: float) -> None:
        """robots.txt asked for a gap: the larger of it and per_host_delay_s wins, up to the cap."""
        if delay > self.settings.max_crawl_delay_s:
            logger.info(
                "%s: Crawl-delay %.0f s capped at %.0f s", origin(url), delay, self.settings.max_crawl_delay_s
            )
        host = self._hosts[origin(url)]
        host.delay = max(self.settings.per_host_delay_s, min(delay, self.settings.max_crawl_delay_s))

    async def fetch(
        self,
        url: str,
        *,
        source_id: str = "",
        etag: str | None = None,
        last_modified: str | None = None,
        accept: tuple[str, ...] = HTML_TYPES,
        robots: bool = True,
    ) -> Response | NotModified:
        """GET one URL politely, following redirects by hand; see the module docstring."""
        headers = {}
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        visited: list[str] = []
        current = url
        while True:
            await self._guard(current, source_id)
            if robots and self.settings.respect_robots:
                await self.robots.check(current, source_id=source_id)
            result = await self._with_retries(current, headers, source_id, accept)
            if not isinstance(result, _Redirect):
                return result
            visited.append(current)
            current = urljoin(current, result.location)
            if current in visited:
                raise FetchError(f"redirect loop via {current}", url=url)
            if len(visited) > self.settings.max_redirects:
                raise FetchError(f"more than {self.settings.max_redirects} redirects", url=url)

    async def _guard(self, url: str, source_id: str) -> None:
        """The SSRF guard (pipeline.crawl.netguard) for every hop, resolved once per origin per run."""
        key = origin(url)
        if key not in self._refused:
            try:
                await check_url(url, self._allowed)
                self._refused[key] = None
            except FetchError as exc:
                self._refused[key] = exc.reason
        reason = self._refused[key]
        if reason:
            self.recorder(FetchRecord(source_id, url, None, error=reason))
            raise FetchError(reason, url=url)

    async def _with_retries(
        self, url: str, headers: dict[str, str], source_id: str, accept: tuple[str, ...]
    ) -> Response | NotModified | _Redirect:
        settings = self.settings
        for attempt in range(settings.max_retries + 1):
            try:
                return await self._attempt(url, headers, source_id, accept)
            except _Retryable as exc:
                if attempt == settings.max_retries:
                    raise FetchError(exc.reason, url=url, status_code=exc.status_code) from exc
                wait = backoff_s(attempt, base=settings.retry_backoff_s, cap=settings.retry_backoff_max_s)
                if exc.wait is not None:
                    wait = min(exc.wait, settings.retry_after_max_s)
                if exc.status_code is not None:  # the server said it is overloaded: spare the whole host
                    self._push_back(url, wait)
                logger.info("%s: %s, retry %d in %.1f s", url, exc.reason, attempt + 1, wait)
                await asyncio.sleep(wait)
        raise AssertionError("unreachable")

    def _push_back(self, url: str, wait: float) -> None:
        """A 429/5xx speaks for the whole host: nobody else asks it again before `wait` is over."""
        host = self._hosts[origin(url)]
        host.next_at = max(host.next_at, time.monotonic() + wait)

    async def _attempt(
        self, url: str, headers: dict[str, str], source_id: str, accept: tuple[str, ...]
    ) -> Response | NotModified | _Redirect:
        host = self._hosts[origin(url)]
        async with host.semaphore, self._global:  # host first: a busy host must not hold global slots
            if self.gate is not None:  # inside the slots: at most global_concurrency bodies past it
                await self.gate()
            await self._wait_turn(host)
            started = time.monotonic()
            record = FetchRecord(source_id, url, None)
            try:
                async with asyncio.timeout(self.settings.request_deadline_s):
                    return await self._get(host.client, url, headers, accept, record, started)
            except _Retryable as exc:
                record.error, record.status_code = exc.reason, exc.status_code or record.status_code
                raise
            except (FetchError, Skip) as exc:
                record.error = exc.reason
                raise
            except TimeoutError as exc:
                record.error = f"deadline of {self.settings.request_deadline_s:g} s exceeded"
                raise FetchError(record.error, url=url, status_code=record.status_code) from exc
            except httpx.TimeoutException as exc:
                record.error = f"timeout ({type(exc).__name__})"
                raise _Retryable(record.error) from exc
            except httpx.TransportError as exc:
                record.error = f"{type(exc).__name__}: {exc}".rstrip(": ")
                raise _Retryable(record.error) from exc
            except httpx.HTTPError as exc:
                record.error = f"{type(exc).__name__}: {exc}".rstrip(": ")
                raise FetchError(record.error, url=url) from exc
            finally:
                record.elapsed_ms = _ms(started)
                self.recorder(record)

    async def _wait_turn(self, host: _Host) -> None:
        async with host.lock:
            delay = host.next_at - time.monotonic()
            if delay > 0:
                await asyncio.sleep(delay)
            host.next_at = time.monotonic() + host.delay

    async def _get(
        self,
        client: httpx.AsyncClient,
        url: str,
        headers: dict[str, str],
        accept: tuple[str, ...],
        record: FetchRecord,
        started: float,
    ) -> Response | NotModified | _Redirect:
        async with client.stream("GET", url, headers=headers) as response:
            code = record.status_code = response.status_code
            if not 200 <= code < 300:
                await _drain(response)
            if code in REDIRECTS and response.headers.get("location"):
                return _Redirect(response.headers["location"])
            if code == 304:
                record.not_modified = True
                return NotModified(url, _ms(started))
            if code == 429 or code >= 500:
                raise _Retryable(f"HTTP {code}", code, retry_after_s(response.headers.get("retry-after")))
            if code >= 400 or code < 200:
                raise FetchError(f"HTTP {code}", url=url, status_code=code)
            content_type = response.headers.get("content-type", "")
            _check_type(content_type, accept, url)
            body = await self._read(response, url)
            record.size = len(body)
            return Response(
                url=url,
                status_code=code,
                content=body,
                content_type=content_type,
                etag=response.headers.get("etag"),
                last_modified=response.headers.get("last-modified"),
                elapsed_ms=_ms(started),
            )

    async def _read(self, response: httpx.Response, url: str) -> bytes:
        limit = self.settings.max_bytes
        try:
            return await read_bounded(
                response.aiter_raw(), response.headers.get("content-encoding", ""), limit
            )
        except TooLarge as exc:
            raise FetchError(f"larger than max_bytes ({limit}) decoded", url=url) from exc
        except UnknownEncoding as exc:
            raise FetchError(f"unreadable Content-Encoding: {exc}", url=url) from exc


async def _drain(response: httpx.Response) -> None:
    """Read a small non-200 body (304, redirect, error page) so its connection can be reused."""
    size = 0
    async for chunk in response.aiter_raw():
        size += len(chunk)
        if size > DRAIN_BYTES:
            break  # not worth it: httpx closes the connection instead


def _check_type(content_type: str, accept: tuple[str, ...], url: str) -> None:
    """A PDF in a listing is recorded as unsupported, not downloaded; no header is given the benefit."""
    mime = content_type.split(";")[0].strip().lower()
    if mime and accept and not any(kind in mime for kind in accept):
        raise Skip(f"unsupported content type {mime}")


def _ms(started: float) -> int:
    return int((time.monotonic() - started) * 1000)
