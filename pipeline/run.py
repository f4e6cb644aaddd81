"""One full pass — discover → fetch → extract → entities → store → digest — for the CLI and the scheduler.

Errors are caught at the per-item and per-source boundary, recorded (fetches, sources, runs), and the
pass goes on (STYLE.md rule 2). What a pass re-checks, how a broken source is told from a quiet one,
and why extraction runs in worker processes: docs/crawling.md.
"""

from __future__ import annotations

import asyncio
import logging
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from html import escape
from typing import TYPE_CHECKING, Literal

import sqlite_utils

from pipeline.config import Config, Source
from pipeline.crawl.discover import Discovery, Link, discover
from pipeline.crawl.fetch import Fetcher, NotModified, Response
from pipeline.crawl.found import Known
from pipeline.crawl.recheck import plan_rechecks
from pipeline.crawl.urls import canonical_url, rel_canonical
from pipeline.entities import listed_hubs
from pipeline.errors import ConfigError, ExtractError, FetchError, HubwatchError, Skip
from pipeline.lock import run_lock
from pipeline.store import announcements, archive, crawlstate, hubs, schema, sitemaptrust, transactions
from pipeline.workers import Backlog, Context, Workers, backlog_limit, reprocess

if TYPE_CHECKING:  # the digest's modules (templates, mail) load only when a digest is sent
    from pipeline.deliver.digest import DigestOutcome

logger = logging.getLogger(__name__)

ItemStatus = Literal["new", "changed", "unchanged", "not_modified", "skipped", "gone", "error"]
GONE = (404, 410)
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
    broken: bool = False  # yielded items before, none now

    def count(self, status: ItemStatus) -> int:
        return sum(item.status == status for item in self.items)

    @property
    def failed(self) -> bool:
        """A source failed when its entry point, its parsing or any of its article fetches failed."""
        return self.error is not None or any(item.fetch_failed for item in self.items)

    @property
    def problem(self) -> str:
        """The first thing an operator should read about this source: its own error, else an article that
        failed; else how many stored pages are gone (404/410: news, not a fault); else a skipped article's
        reason ("also listed by feed")."""
        failed = next((i.error for i in self.items if i.error and i.status == "error"), "")
        gone = self.count("gone")
        gone_note = f"{gone} page{'s' if gone > 1 else ''} gone (HTTP 404/410)" if gone else ""
        note = next((i.error for i in self.items if i.error and i.status != "gone"), "")
        return self.error or failed or gone_note or note


@dataclass
class RunResult:
    run_id: int
    sources: list[SourceRun]
    digest: DigestOutcome | None = None
    analysed: int = 0  # pages extracted and analysed (an unchanged run: 0)
    pool_started: bool = False  # whether extraction worker processes were started

    def total(self, status: ItemStatus) -> int:
        return sum(s.count(status) for s in self.sources)

    @property
    def counts(self) -> dict[str, int]:
        tally = Counter(item.status for s in self.sources for item in s.items)  # one pass over the items
        return {
            "sources_ok": sum(not s.failed for s in self.sources),
            "sources_failed": sum(s.failed for s in self.sources),
            "new": tally["new"],
            "changed": tally["changed"],
            "unchanged": tally["unchanged"] + tally["not_modified"],
            "errors": tally["error"] + sum(s.error is not None for s in self.sources),
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
        db = schema.open_db(config.settings.database)
        try:
            result = asyncio.run(run_pass(config, db, sources, progress=progress, now=now))
            if digest and (config.settings.digest.recipient_groups or config.settings.notify):
                from pipeline.deliver.digest import send_pending

                result.digest = send_pending(db, config.settings, now=now)
            return result
        finally:
            db.close()


def _select(config: Config, source_ids: Sequence[str]) -> list[Source]:
    unknown = set(source_ids) - {s.id for s in config.sources}
    if unknown:
        raise ConfigError(f"no such source: {', '.join(sorted(unknown))}", key="--source")
    if source_ids:
        return [s for s in config.sources if s.id in source_ids]
    return config.enabled_sources


async def run_pass(
    config: Config,
    db: sqlite_utils.Database,
    sources: list[Source],
    *,
    progress: Progress | None = None,
    now: datetime | None = None,
) -> RunResult:
    """Run every source concurrently; one failing source never stops the others."""
    crawlstate.sync_sources(db, [(s.id, s.name, s.kind, s.url) for s in config.sources])
    hubs.sync_known_hubs(db, listed_hubs(), at=schema.now_iso())  # a hub added to hubs.yaml becomes known
    run_id = crawlstate.start_run(db)
    result = RunResult(run_id, [SourceRun(s) for s in sources])
    pool = Workers(config.settings.extract_workers)
    backlog = Backlog(backlog_limit(pool.size))
    log, seen = crawlstate.FetchLog(db, run_id), crawlstate.SeenLog(db)
    try:
        async with Fetcher(config.settings, recorder=log, gate=backlog.wait) as fetcher:
            now = now or datetime.now(UTC)
            ctx = Context(db, run_id, fetcher, config.settings, pool, progress, now, backlog, seen)
            await asyncio.gather(*(_run_source(sr, ctx) for sr in result.sources))
    except BaseException:
        crawlstate.finish_run(db, run_id, status="failed", counts=result.counts)
        raise
    finally:
        pool.close()
        log.flush()
        seen.flush()
        result.analysed, result.pool_started = pool.pooled + pool.in_process, pool.started
        _log_extraction(pool, backlog)
    crawlstate.finish_run(db, run_id, status=result.status, counts=result.counts)
    return result


def _log_extraction(pool: Workers, backlog: Backlog) -> None:
    if not pool.started:
        logger.info("extraction: %d pages in this process, no worker processes started", pool.in_process)
        return
    logger.info(
        "extraction: %d pages in %d worker processes, %d in this process; at most %d fetched pages waited",
        pool.pooled,
        pool.size,
        pool.in_process,
        backlog.peak,
    )


def _known_if_walked_through(db: sqlite_utils.Database, source_id: str, run_id: int) -> Known:
    """What discovery may treat as known (a listing stops at a page of known articles): the stored URLs,
    or nothing when the source's last pass was cut short, so this pass reads its listing through."""
    if crawlstate.walked_through(db, source_id, run_id=run_id):
        return lambda urls: known_urls(db, urls)
    return lambda _urls: set()


async def _run_source(sr: SourceRun, ctx: Context) -> None:
    source, db = sr.source, ctx.db
    articles = _Articles(sr, ctx)  # a listing's links start as each of its pages is read
    discovery = None
    try:
        discovery = await discover(
            source,
            ctx.fetcher,
            known=_known_if_walked_through(db, source.id, ctx.run_id),
            last_fetched=lambda urls: crawlstate.crawl_last_fetched(db, urls),
            on_links=articles.start,
        )
    except (HubwatchError, Skip) as exc:
        sr.error = exc.reason if isinstance(exc, FetchError | Skip) else str(exc)
        logger.info("source %s failed: %s", source.id, sr.error)
    except Exception as exc:  # a parser bug must not stop the other sources
        sr.error = f"{type(exc).__name__}: {exc}"
        logger.exception("source %s failed unexpectedly", source.id)
    if discovery is None:  # the articles of listing pages read before the failure are still kept
        await articles.finish()
        crawlstate.source_failed(db, source.id, error=sr.problem, items=len(sr.items), run_id=ctx.run_id)
        return
    sr.error = discovery.error
    _check_yield(sr, discovery, ctx)
    sr.found = discovery.found  # before the re-check policy moves sitemap URLs from unchanged to links
    articles.start(discovery.links + _rechecks(source, discovery, ctx))
    await articles.finish()
    sr.items += [ArticleRun(source.id, url, "unchanged") for url in discovery.unchanged]
    if sr.failed:
        crawlstate.source_failed(db, source.id, error=sr.problem, items=sr.found, run_id=ctx.run_id)
    else:
        crawlstate.source_ok(db, source.id, items=sr.found, run_id=ctx.run_id)


@dataclass
class _Articles:
    """The article tasks of one source, each started once, as soon as its link is known."""

    sr: SourceRun
    ctx: Context
    tasks: dict[str, asyncio.Future[None]] = field(default_factory=dict)

    def start(self, links: list[Link]) -> None:
        fresh = list({link.url: link for link in links if link.url not in self.tasks}.values())
        self.ctx.pending += len(fresh)
        if self.ctx.progress and fresh:
            self.ctx.progress("found", len(fresh))
        for link in fresh:
            item = ArticleRun(self.sr.source.id, link.url)
            self.sr.items.append(item)
            self.tasks[link.url] = asyncio.ensure_future(_run_article(item, link, self.sr.source, self.ctx))

    async def finish(self) -> None:
        await asyncio.gather(*self.tasks.values())


def known_urls(db: sqlite_utils.Database, urls: list[str]) -> set[str]:
    """Listed URLs already read: an announcement's, or one whose page was saved under its rel=canonical
    (a listing of such links stops early like any other page of known articles)."""
    known = announcements.known_urls(db, urls)
    return known | crawlstate.saved_elsewhere(db, [url for url in urls if url not in known])


def _check_yield(sr: SourceRun, discovery: Discovery, ctx: Context) -> None:
    """A listing or feed that yielded items before and none now is broken (a redesign), not quiet."""
    if sr.source.kind == "page":
        return
    before = crawlstate.crawl_items_before(ctx.db, sr.source.id)
    broken = discovery.found == 0 and before > 0
    crawlstate.crawl_source_yield(ctx.db, sr.source.id, items=discovery.found, broken=broken)
    if broken:
        sr.broken = True
        sr.error = sr.error or (
            f"broken: yielded no items where the last good run found {before} "
            "(a redesign? check the URL and selectors)"
        )
        logger.warning("source %s: %s", sr.source.id, sr.error)


def _rechecks(source: Source, discovery: Discovery, ctx: Context) -> list[Link]:
    """What the re-check policy adds (pipeline.crawl.recheck): recent announcements, and pages whose
    sitemap lastmod says "unchanged" but may not be telling the truth."""
    since = (ctx.now - timedelta(days=ctx.settings.recheck_days)).isoformat(timespec="seconds")
    recent = crawlstate.crawl_recent_urls(ctx.db, source.id, since)
    distrusted = sitemaptrust.distrusted(ctx.db, source.id)
    return plan_rechecks(source, discovery, recent=recent, lastmod_distrusted=distrusted)


async def _run_article(item: ArticleRun, link: Link, source: Source, ctx: Context) -> None:
    try:
        await _process(item, link, source, ctx)
    except Skip as exc:
        item.status, item.error = "skipped", exc.reason
        logger.info("skipped %s: %s", item.url, exc.reason)
    except FetchError as exc:
        item.status, item.error, item.fetch_failed = "error", exc.reason, True
    except ExtractError as exc:
        item.status, item.error = "error", str(exc)
    except Exception as exc:
        item.status, item.error = "error", f"{type(exc).__name__}: {exc}"
        logger.exception("unexpected error on %s", item.url)
    finally:
        if ctx.progress:
            ctx.progress("done", 1)


async def _process(item: ArticleRun, link: Link, source: Source, ctx: Context) -> None:
    """Fetch (conditionally), extract and analyse off the loop, store in this thread."""
    if link.content is not None and "hubwatch-item=" in link.url:
        await _store_page(item, link, source, ctx, html=_inline_html(link), url=link.url)
        return
    ctx.claim(link.url, source.id)
    cached = crawlstate.cache_entry(ctx.db, link.url)
    try:
        response = await ctx.fetcher.fetch(
            link.url, source_id=source.id, etag=cached.etag, last_modified=cached.last_modified
        )
    except FetchError as exc:
        stored = cached.announcement_url
        if exc.status_code in GONE and announcements.known_urls(ctx.db, [stored]):
            announcements.mark_gone(ctx.db, stored, schema.now_iso())
            item.status, item.error = "gone", f"HTTP {exc.status_code}"
            return
        raise
    if isinstance(response, NotModified):
        ctx.seen(cached.announcement_url)
        item.status = "not_modified"
        return
    html = response.text
    url = rel_canonical(html, response.url) or canonical_url(response.url)
    if url != link.url:
        ctx.claim(url, source.id)
    await _store_page(item, link, source, ctx, html=html, url=url, raw=response)
    if link.lastmod_says_unchanged and item.status == "changed":
        _lastmod_lied(source, url, ctx)


def _lastmod_lied(source: Source, url: str, ctx: Context) -> None:
    if sitemaptrust.distrust(ctx.db, source.id, url, schema.now_iso()):
        logger.warning(
            "source %s: %s changed although its sitemap lastmod said not; lastmod no longer trusted",
            source.id,
            url,
        )


async def _store_page(
    item: ArticleRun,
    link: Link,
    source: Source,
    ctx: Context,
    *,
    html: str,
    url: str,
    raw: Response | None = None,
) -> None:
    ctx.backlog.enter()  # this page's body is held until it is stored
    try:
        article, analysis = await ctx.analyse(html, url, source.content, link.published)
        db = ctx.db
        with transactions.transaction(db):  # the page, its announcement and its validators: one commit
            if raw is not None:
                archive.save_raw(
                    db, url=url, source_id=source.id, body=raw.content, content_type=raw.content_type
                )
            saved = announcements.save_article(
                db, source_id=source.id, url=url, article=article, analysis=analysis
            )
            if raw is not None:
                crawlstate.save_cache_headers(db, link.url, raw.etag, raw.last_modified, stored_url=url)
    finally:
        ctx.backlog.leave()
    item.url, item.status = url, saved.change


def _inline_html(link: Link) -> str:
    """A linkless feed item is its own page: title and the feed's HTML content."""
    return f"<html><body><article><h1>{escape(link.title or '')}</h1>{link.content}</article></body></html>"


__all__ = ["ArticleRun", "RunResult", "SourceRun", "canonical_url", "reprocess", "run_daily", "run_pass"]
