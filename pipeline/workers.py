"""Extraction and entity analysis off the event loop, and the per-run context the runner passes around.

trafilatura and the entity analysis are CPU-bound: run in the loop's thread they stall every
download. `Workers` runs them in a small process pool (started on first use, so an unchanged run
never pays for it), while database writes stay in the loop's thread: SQLite has one writer anyway,
and one thread owning the connection needs no locking.
"""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Executor, Future, ProcessPoolExecutor
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import TypeVar

import sqlite_utils

from pipeline.charset import decode_body
from pipeline.config import Settings
from pipeline.crawl.fetch import Fetcher
from pipeline.entities import Analysis, analyze
from pipeline.errors import ExtractError, Skip
from pipeline.extract import Article, extract_article

logger = logging.getLogger(__name__)

Job = TypeVar("Job")
Result = TypeVar("Result")

POOL_MIN_PAGES = 24  # fewer pages in a run are analysed in the loop's thread: starting workers costs more


def analyse_page(
    html: str, url: str, selector: str | None, feed_date: date | datetime | None
) -> tuple[Article, Analysis]:
    """extract → entities for one page; a top-level function so a worker process can run it."""
    article = extract_article(html, url, content_selector=selector, feed_date=feed_date)
    return article, analyze(article.text, article.title)


def reanalyse_raw(url: str, selector: str | None, body: bytes) -> tuple[Article, Analysis] | str:
    """decode → extract → entities for one stored page; a page that is no article returns the reason."""
    try:
        return analyse_page(decode_body(body)[0], url, selector, None)
    except ExtractError as exc:  # returned, not raised: the message crosses the process boundary intact
        return str(exc)


def _warm_up() -> None:
    """Import the heavy modules in each worker before the first page arrives."""
    import pipeline.entities
    import pipeline.extract  # noqa: F401


class Workers:
    """A process pool of `size` workers, started lazily; size 0 runs everything in the caller."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._pool: Executor | None = None

    def pool(self, pending: int) -> Executor | None:
        """The pool, once `pending` pages justify starting it (a start costs about a second)."""
        if self._pool is None and (not self.size or pending < POOL_MIN_PAGES):
            return None
        if self._pool is None:
            # forkserver: workers forked from a clean server, not from this multi-threaded process
            context = multiprocessing.get_context("forkserver")
            self._pool = ProcessPoolExecutor(self.size, mp_context=context, initializer=_warm_up)
        return self._pool

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
        pool = self.workers.pool(self.pending)
        if pool is None:
            return analyse_page(html, url, selector, feed_date)
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(pool, analyse_page, html, url, selector, feed_date)
