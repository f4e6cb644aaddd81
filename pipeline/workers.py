"""Extraction and entity analysis off the event loop, and the per-run context the runner passes around.

trafilatura and the entity analysis are CPU-bound: run in the loop's thread they stall every
download. `Workers` runs them in a small process pool, while database writes stay in the loop's
thread: SQLite has one writer anyway, and one thread owning the connection needs no locking.

What a pass pays for only when a page needs it (docs/performance.md): the extraction and entity
modules are imported, the spaCy pipeline built and the pool started at the first page that must be
extracted, never for a run of 304s. The pool starts in a thread, so downloads go on meanwhile; its
fork server loads and warms extraction once (`pipeline.prefork`) and every worker is forked warm
from it. `Backlog` bounds how many fetched pages wait for extraction, so memory stays flat when the
network is faster than the CPU.
"""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Executor, Future, ProcessPoolExecutor
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import TYPE_CHECKING, TypeVar

import sqlite_utils

from pipeline.charset import decode_body
from pipeline.config import Config, Settings
from pipeline.crawl.fetch import Fetcher
from pipeline.errors import ExtractError, Skip
from pipeline.store import announcements, archive
from pipeline.store.transactions import transaction

if TYPE_CHECKING:  # imported where a page is analysed: an unchanged run never loads them
    from pipeline.entities import Analysis
    from pipeline.extract import Article

logger = logging.getLogger(__name__)

Job = TypeVar("Job")
Result = TypeVar("Result")

POOL_MIN_PAGES = 24  # fewer pages in a run are analysed in the loop's thread: starting workers costs more
BACKLOG_PER_WORKER = 8  # fetched pages that may wait per extraction process before new requests wait
PRELOAD = "pipeline.prefork"  # imported by the fork server before it forks a worker: warms extraction
WARM_UP_PAGE = """<!DOCTYPE html><html lang="de"><head><meta charset="utf-8">
<title>Digital Hub Initiative: Neuer Standort in Leipzig | Warm-up</title>
<meta property="article:published_time" content="2017-04-20T09:00:00+02:00"></head><body>
<nav><a href="/">Startseite</a></nav><article><h1>Digital Hub Initiative: Neuer Standort in Leipzig</h1>
<p>Veröffentlicht am 20. April 2017</p>
<p>Die Digital Hub Initiative des Bundesministeriums für Wirtschaft und Energie wächst: Der Smart
Systems Hub Dresden/Leipzig bündelt Kompetenzen für das Internet der Dinge und Künstliche Intelligenz.</p>
<p>Münchner und Kölner Start-ups arbeiten dort mit Mittelständlern an Mobilität und Logistik.</p>
</article><footer>Impressum</footer></body></html>"""


def analyse_page(
    html: str, url: str, selector: str | None, feed_date: date | datetime | None
) -> tuple[Article, Analysis]:
    """extract → entities for one page; a top-level function so a worker process can run it."""
    from pipeline.entities import analyze
    from pipeline.extract import extract_article

    article = extract_article(html, url, content_selector=selector, feed_date=feed_date)
    return article, analyze(article.text, article.title)


def reanalyse_raw(url: str, selector: str | None, body: bytes) -> tuple[Article, Analysis] | str:
    """decode → extract → entities for one stored page; a page that is no article returns the reason."""
    try:
        return analyse_page(decode_body(body)[0], url, selector, None)
    except ExtractError as exc:  # returned, not raised: the message crosses the process boundary intact
        return str(exc)


def warm_up(*, every_locale: bool = False) -> None:
    """Run one sample page through extraction and entities, so that what they build lazily (spaCy's
    pipeline, dateparser's German and English patterns) exists before the first real page; with
    every_locale (the fork server), dateparser's patterns of every locale too."""
    try:
        analyse_page(WARM_UP_PAGE, "https://warm-up.invalid/artikel", None, None)
        if every_locale:
            from pipeline.extract.date_htmldate import warm_every_locale

            warm_every_locale()
    except Exception:  # a warm-up must never stop the fork server: the workers then warm on their own
        logger.exception("extraction warm-up failed")


def _warm_up() -> None:
    """Each worker's initializer: nothing left to do when it was forked from the warmed fork server."""
    import pipeline.entities
    import pipeline.extract  # noqa: F401


def _ready() -> None:
    """A no-op job: its result says the worker is up."""


class Workers:
    """A process pool of `size` workers, started lazily; size 0 runs everything in the caller."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._pool: Executor | None = None
        self._starting: asyncio.Future[Executor] | None = None
        self.pooled = 0  # pages analysed in the pool this run
        self.in_process = 0  # pages analysed in the caller's thread

    @property
    def started(self) -> bool:
        return self._pool is not None or self._starting is not None

    def wanted(self, pending: int) -> bool:
        """The pool pays off once `pending` pages justify its start (about a second of CPU)."""
        return self._pool is not None or (self.size > 0 and pending >= POOL_MIN_PAGES)

    def pool(self, pending: int) -> Executor | None:
        """The pool, started here (blocking) once `pending` pages justify it; for batch work."""
        if not self.wanted(pending):
            return None
        return self._pool or self._start()

    async def ready(self, pending: int) -> Executor | None:
        """The pool for the event loop: started in a thread, so downloads go on while it warms."""
        if not self.wanted(pending):
            return None
        if self._pool is not None:
            return self._pool
        if self._starting is None:
            self._starting = asyncio.ensure_future(asyncio.to_thread(self._start))
        return await asyncio.shield(self._starting)

    def _start(self) -> Executor:
        began = time.monotonic()
        # forkserver: workers forked from a clean (and warmed) server, not from this multi-threaded process
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload(["__main__", PRELOAD])  # takes effect when the server starts
        pool = ProcessPoolExecutor(self.size, mp_context=context, initializer=_warm_up)
        for started in [pool.submit(_ready) for _ in range(self.size)]:
            started.result()  # one job per worker: each submit starts a process
        self._pool = pool
        logger.info("extraction: %d worker processes ready in %.1f s", self.size, time.monotonic() - began)
        return pool

    def map_ordered(
        self, fn: Callable[..., Result], jobs: Iterable[tuple[Job, tuple[object, ...]]], pending: int
    ) -> Iterator[tuple[Job, Result]]:
        """fn(*args) for each (key, args) in order, up to 4 jobs per worker in flight (memory stays flat).

        For batch work outside the event loop (`hubwatch reprocess`); `pending` is how many jobs there
        will be, which decides whether the pool is worth starting.
        """
        pool = self.pool(pending)
        if pool is None:
            yield from ((key, fn(*args)) for key, args in jobs)
            return
        in_flight: deque[tuple[Job, Future[Result]]] = deque()
        for key, args in jobs:
            in_flight.append((key, pool.submit(fn, *args)))
            if len(in_flight) >= 4 * self.size:
                done_key, future = in_flight.popleft()
                yield done_key, future.result()
        while in_flight:
            done_key, future = in_flight.popleft()
            yield done_key, future.result()

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None


def reprocess(
    db: sqlite_utils.Database, config: Config, *, progress: Callable[[str, int], None] | None = None
) -> dict[str, int]:
    """Re-run extraction and entities over stored raw pages; replace mentions and facts, no events.

    Extraction runs on `extract_workers` processes (it is CPU-bound: about 60 ms a page), the writes stay
    here, one transaction per announcement.
    """
    selectors = {s.id: s.content for s in config.sources}
    counts = {"reprocessed": 0, "errors": 0}
    workers = Workers(config.settings.extract_workers)
    jobs = (
        (row, (url, selectors.get(source_id), body))
        for url, source_id, body in archive.load_raw(db)
        if (row := db.execute("SELECT id, version FROM announcements WHERE url = ?", [url]).fetchone())
    )
    results = workers.map_ordered(reanalyse_raw, jobs, archive.count_raw(db))
    try:
        for (ann_id, version), outcome in results:
            if isinstance(outcome, str):
                logger.warning("reprocess: %s", outcome)
                counts["errors"] += 1
            else:
                _save_entities(db, ann_id, version, outcome[1])
                counts["reprocessed"] += 1
            if progress:
                progress("done", 1)
    finally:
        workers.close()
    return counts


def _save_entities(db: sqlite_utils.Database, ann_id: int, version: int, analysis: Analysis) -> None:
    """Mentions, facts and the relevance flag of one stored version, together or not at all."""
    with transaction(db):
        announcements.write_entities(db, ann_id, version, analysis)
        db.execute("UPDATE announcements SET relevant = ? WHERE id = ?", [int(analysis.relevant), ann_id])


class Backlog:
    """Pages fetched and not yet stored. While it is full, new requests wait (`Fetcher(gate=...)`), so a
    run whose extraction is slower than its downloads holds a bounded number of pages in memory."""

    def __init__(self, limit: int) -> None:
        self.limit, self.size, self.peak = limit, 0, 0
        self._room = asyncio.Event()
        self._room.set()

    async def wait(self) -> None:
        while self.size >= self.limit:
            self._room.clear()
            await self._room.wait()

    def enter(self) -> None:
        self.size += 1
        self.peak = max(self.peak, self.size)
        if self.size >= self.limit:
            self._room.clear()

    def leave(self) -> None:
        self.size -= 1
        if self.size < self.limit:
            self._room.set()


def backlog_limit(workers: int) -> int:
    return BACKLOG_PER_WORKER * max(1, workers)


@dataclass
class Context:
    """What every source and article of one pass shares."""

    db: sqlite_utils.Database
    run_id: int
    fetcher: Fetcher
    settings: Settings
    workers: Workers
    progress: Callable[[str, int], None] | None
    now: datetime
    backlog: Backlog = field(default_factory=lambda: Backlog(BACKLOG_PER_WORKER))
    seen: Callable[[str], None] = lambda url: None  # a 304 for this announcement URL (batched writes)
    claimed: dict[str, str] = field(default_factory=dict)  # canonical URL -> source id, this run
    pending: int = 0  # links found so far in this run

    def claim(self, url: str, source_id: str) -> None:
        """One article, one fetch per run: a second source listing the same URL skips it."""
        owner = self.claimed.setdefault(url, source_id)
        if owner != source_id:
            raise Skip(f"also listed by {owner}")

    async def analyse(
        self, html: str, url: str, selector: str | None, feed_date: date | datetime | None
    ) -> tuple[Article, Analysis]:
        pool = await self.workers.ready(self.pending)
        if pool is None:
            self.workers.in_process += 1
            return analyse_page(html, url, selector, feed_date)
        self.workers.pooled += 1
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(pool, analyse_page, html, url, selector, feed_date)
