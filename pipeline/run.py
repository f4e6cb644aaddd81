"""One full pass — discover → fetch → extract → entities → store → digest — for the CLI and the scheduler.

Errors are caught at the per-item and per-source boundary, recorded (fetches, sources, runs), and the
pass goes on (STYLE.md rule 2).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

import sqlite_utils

from pipeline import store
from pipeline.config import Config, Source
from pipeline.digest import DigestOutcome, send_pending
from pipeline.entities import analyze
from pipeline.errors import ConfigError, ExtractError, FetchError, HubwatchError
from pipeline.extract import extract_article
from pipeline.fetch import Fetcher, NotModified
from pipeline.lock import run_lock
from pipeline.sources import Link, canonical_url, discover

logger = logging.getLogger(__name__)

ItemStatus = Literal["new", "changed", "unchanged", "not_modified", "skipped", "error"]
EXIT_OK, EXIT_PARTIAL = 0, 3


@dataclass
class ArticleRun:
    """The state of one article in this pass; an error is captured here, never raised past it."""

    source_id: str
    url: str
    status: ItemStatus = "skipped"
    error: str | None = None
    fetch_failed: bool = False  # the article could not be fetched: the source counts as failed


@dataclass
class SourceRun:
    source: Source
    found: int = 0
    items: list[ArticleRun] = field(default_factory=list)
    error: str | None = None

    def count(self, status: ItemStatus) -> int:
        return sum(item.status == status for item in self.items)

    @property
    def failed(self) -> bool:
        """A source failed when its entry point, its parsing or any of its article fetches failed."""
        return self.error is not None or any(item.fetch_failed for item in self.items)

    @property
    def problem(self) -> str:
        """The first thing an operator should read about this source."""
        return self.error or next((i.error for i in self.items if i.error), "")


@dataclass
class RunResult:
    run_id: int
    sources: list[SourceRun]
    digest: DigestOutcome | None = None

    def total(self, status: ItemStatus) -> int:
        return sum(s.count(status) for s in self.sources)

    @property
    def counts(self) -> dict[str, int]:
        return {
            "sources_ok": sum(not s.failed for s in self.sources),
            "sources_failed": sum(s.failed for s in self.sources),
            "new": self.total("new"),
            "changed": self.total("changed"),
            "unchanged": self.total("unchanged") + self.total("not_modified"),
            "errors": self.total("error") + sum(s.error is not None for s in self.sources),
        }

    @property
    def status(self) -> Literal["ok", "partial", "failed"]:
        """`failed` when no source could be read at all: the health check then warns."""
        counts = self.counts
        if self.sources and counts["sources_ok"] == 0:
            return "failed"
        return "partial" if counts["errors"] or counts["sources_failed"] else "ok"

    @property
    def exit_code(self) -> int:
        failed_digest = self.digest is not None and self.digest.status == "failed"
        return EXIT_PARTIAL if self.counts["sources_failed"] or failed_digest else EXIT_OK


Progress = Callable[[str, int], None]  # (event, amount): "found" n, "done" 1


def run_daily(
    config: Config,
    *,
    now: datetime | None = None,
    source_ids: Sequence[str] = (),
    digest: bool = True,
    progress: Progress | None = None,
) -> RunResult:
    """The daily pass, holding the single-instance lock for its length."""
    sources = _select(config, source_ids)
    with run_lock(config.settings.database):
        db = store.open_db(config.settings.database)
        try:
            result = asyncio.run(run_pass(config, db, sources, progress=progress))
            if digest and (config.settings.digest.to or _has_groups(config)):
                result.digest = send_pending(db, config.settings, now=now)
            return result
        finally:
            db.close()


def _has_groups(config: Config) -> bool:
    return bool(getattr(config.settings.digest, "groups", None))


def _select(config: Config, source_ids: Sequence[str]) -> list[Source]:
    unknown = set(source_ids) - {s.id for s in config.sources}
    if unknown:
        raise ConfigError(f"no such source: {', '.join(sorted(unknown))}", key="--source")
    if source_ids:
        return [s for s in config.sources if s.id in source_ids]
    return config.enabled_sources


async def run_pass(
    config: Config, db: sqlite_utils.Database, sources: list[Source], *, progress: Progress | None = None
) -> RunResult:
    """Run every source concurrently; one failing source never stops the others."""
    store.sync_sources(db, [(s.id, s.name, s.kind, s.url) for s in config.sources])
    run_id = store.start_run(db)
    result = RunResult(run_id, [SourceRun(s) for s in sources])
    try:
        async with Fetcher(config.settings) as fetcher:
            await asyncio.gather(*(_run_source(sr, fetcher, db, run_id, progress) for sr in result.sources))
    except BaseException:
        store.finish_run(db, run_id, status="failed", counts=result.counts)
        raise
    store.finish_run(db, run_id, status=result.status, counts=result.counts)
    return result


async def _run_source(
    sr: SourceRun, fetcher: Fetcher, db: sqlite_utils.Database, run_id: int, progress: Progress | None
) -> None:
    source = sr.source
    try:
        discovery = await discover(source, fetcher, known=lambda urls: store.known_urls(db, urls))
        sr.error = discovery.error
    except HubwatchError as exc:
        sr.error = exc.reason if isinstance(exc, FetchError) else str(exc)
        store.record_fetch(
            db,
            run_id=run_id,
            source_id=source.id,
            url=getattr(exc, "url", source.url),
            status_code=getattr(exc, "status_code", None),
            error=sr.error,
        )
        store.source_failed(db, source.id, error=sr.error, items=0, run_id=run_id)
        logger.info("source %s failed: %s", source.id, exc)
        return
    except Exception as exc:  # a parser bug must not stop the other sources
        sr.error = f"{type(exc).__name__}: {exc}"
        store.source_failed(db, source.id, error=sr.error, items=0, run_id=run_id)
        logger.exception("source %s failed unexpectedly", source.id)
        return
    sr.found = len(discovery.links)
    if progress:
        progress("found", sr.found)
    sr.items = [ArticleRun(source.id, link.url) for link in discovery.links]
    await asyncio.gather(
        *(
            _run_article(item, link, source, fetcher, db, run_id, progress)
            for item, link in zip(sr.items, discovery.links, strict=True)
        )
    )
    if sr.failed:
        store.source_failed(db, source.id, error=sr.problem, items=sr.found, run_id=run_id)
    else:
        store.source_ok(db, source.id, items=sr.found, run_id=run_id)


async def _run_article(
    item: ArticleRun,
    link: Link,
    source: Source,
    fetcher: Fetcher,
    db: sqlite_utils.Database,
    run_id: int,
    progress: Progress | None,
) -> None:
    try:
        await _process(item, link, source, fetcher, db, run_id)
    except FetchError as exc:
        item.status, item.error, item.fetch_failed = "error", exc.reason, True
    except ExtractError as exc:
        item.status, item.error = "error", str(exc)
    except Exception as exc:
        item.status, item.error = "error", f"{type(exc).__name__}: {exc}"
        logger.exception("unexpected error on %s", item.url)
    finally:
        if progress:
            progress("done", 1)


async def _process(
    item: ArticleRun, link: Link, source: Source, fetcher: Fetcher, db: sqlite_utils.Database, run_id: int
) -> None:
    etag, last_modified = store.cache_headers(db, link.url)
    try:
        response = await fetcher.fetch(link.url, etag=etag, last_modified=last_modified)
    except FetchError as exc:
        store.record_fetch(
            db,
            run_id=run_id,
            source_id=source.id,
            url=link.url,
            status_code=exc.status_code,
            error=exc.reason,
        )
        raise
    if isinstance(response, NotModified):
        store.record_fetch(
            db,
            run_id=run_id,
            source_id=source.id,
            url=link.url,
            status_code=304,
            not_modified=True,
            elapsed_ms=response.elapsed_ms,
        )
        store.touch_seen(db, link.url, store.now_iso())
        item.status = "not_modified"
        return
    store.record_fetch(
        db,
        run_id=run_id,
        source_id=source.id,
        url=link.url,
        status_code=response.status_code,
        elapsed_ms=response.elapsed_ms,
        size=len(response.content),
    )
    article = extract_article(
        response.content, response.url, content_selector=source.content, feed_date=link.published
    )
    analysis = analyze(article.text, article.title)
    store.save_raw(
        db, url=link.url, source_id=source.id, body=response.content, content_type=response.content_type
    )
    saved = store.save_article(db, source_id=source.id, url=link.url, article=article, analysis=analysis)
    store.save_cache_headers(db, link.url, response.etag, response.last_modified)
    item.status = saved.change


def reprocess(
    db: sqlite_utils.Database, config: Config, *, progress: Progress | None = None
) -> dict[str, int]:
    """Re-run extraction and entities over stored raw pages; replace mentions and facts, no events."""
    selectors = {s.id: s.content for s in config.sources}
    counts = {"reprocessed": 0, "errors": 0}
    for url, source_id, body in store.load_raw(db):
        row = db.execute("SELECT id, version FROM announcements WHERE url = ?", [url]).fetchone()
        try:
            if row:
                article = extract_article(body, url, content_selector=selectors.get(source_id))
                analysis = analyze(article.text, article.title)
                with db.conn:
                    store.write_entities(db, row[0], row[1], analysis)
                    db.execute(
                        "UPDATE announcements SET relevant = ? WHERE id = ?", [int(analysis.relevant), row[0]]
                    )
                counts["reprocessed"] += 1
        except ExtractError as exc:
            logger.warning("reprocess: %s", exc)
            counts["errors"] += 1
        if progress:
            progress("done", 1)
    return counts


__all__ = ["ArticleRun", "RunResult", "SourceRun", "canonical_url", "reprocess", "run_daily", "run_pass"]
