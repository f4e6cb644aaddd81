"""A pass costs what its work costs (docs/performance.md): what an unchanged run does not load or start,
how its 304s are written, how many fetched pages wait for extraction, and that one origin's sources
share their connections. Real servers on 127.0.0.1, real SQLite files; nothing here is timed."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
from pathlib import Path

import pytest

from pipeline.config import load_config, parse_config
from pipeline.crawl.fetch import Fetcher
from pipeline.run import run_pass
from pipeline.store.crawlstate import Batched
from pipeline.store.schema import open_db
from pipeline.workers import Backlog
from tests.germansite import ARTICLES
from tests.localsite import LocalSite, Page
from tests.test_crawl import print_page_with_canonical, rows, run, source, write_config

ROOT = Path(__file__).resolve().parents[1]
# A whole `hubwatch run` in its own process, reporting what it loaded and started: in the test process
# spaCy and trafilatura are long imported by other tests.
RUN_AND_REPORT = """
import json, sys
from pipeline.config import load_config
from pipeline.run import run_daily

result = run_daily(load_config(sys.argv[1]), digest=False)
heavy = ("spacy", "trafilatura", "htmldate", "pipeline.extract", "pipeline.entities.nlp")
print(json.dumps({"counts": result.counts, "analysed": result.analysed, "pool": result.pool_started,
                  "loaded": [m for m in heavy if m in sys.modules]}))
"""


@pytest.fixture
def cached_site(german_site: LocalSite, tmp_path: Path) -> Path:
    """The German site's feed and listing, ETags on every article, two extraction workers allowed."""
    for path, page in german_site.pages.items():
        if isinstance(page, Page) and path.startswith("/artikel/"):
            page.headers["ETag"] = f'"{abs(hash(page.body))}"'
    u = german_site.url
    config = write_config(
        tmp_path,
        source("feed", "feed", f"{u}/feed.xml"),
        source("news", "listing", f"{u}/news/", links="a.teaser-link", next="a.next", max_pages=5),
    )
    config.write_text(config.read_text().replace("extract_workers: 0", "extract_workers: 2"))
    return config


def run_in_own_process(config: Path) -> dict:
    done = subprocess.run(
        [sys.executable, "-c", RUN_AND_REPORT, str(config)], capture_output=True, text=True, cwd=ROOT
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.splitlines()[-1])


def test_an_unchanged_run_loads_no_extraction_and_starts_no_worker_pool(cached_site: Path) -> None:
    first = run_in_own_process(cached_site)
    assert first["counts"]["new"] == len(ARTICLES)
    assert first["analysed"] == len(ARTICLES)
    assert "spacy" in first["loaded"] and "trafilatura" in first["loaded"]  # the check can see them
    again = run_in_own_process(cached_site)
    assert again["counts"]["unchanged"] == len(ARTICLES) and again["counts"]["new"] == 0
    assert again["analysed"] == 0
    assert again["pool"] is False
    assert again["loaded"] == []
    not_modified = rows(cached_site, "SELECT count(*) FROM fetches WHERE run_id = 2 AND not_modified = 1")
    assert not_modified == [(len(ARTICLES),)]


def test_the_304s_of_a_run_touch_every_announcement_in_few_commits(
    cached_site: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert run(cached_site)[0] == 0
    before = dict(rows(cached_site, "SELECT url, last_seen_at FROM announcements"))
    monkeypatch.setattr(Batched, "BATCH", 4)
    config = load_config(cached_site)
    db = open_db(config.settings.database)
    statements: list[str] = []
    db.conn.set_trace_callback(statements.append)
    result = asyncio.run(run_pass(config, db, config.enabled_sources))
    db.close()
    assert result.counts["unchanged"] == len(ARTICLES)
    after = dict(rows(cached_site, "SELECT url, last_seen_at FROM announcements"))
    assert after.keys() == before.keys()
    assert all(after[url] >= before[url] for url in before)
    assert committed_with(statements, "UPDATE announcements SET last_seen_at") == -(-len(ARTICLES) // 4)


def committed_with(statements: list[str], prefix: str) -> int:
    """How many transactions held a statement starting with `prefix`."""
    commits, pending = 0, False
    for statement in statements:
        pending = pending or statement.startswith(prefix)
        if statement == "COMMIT" and pending:
            commits, pending = commits + 1, False
    return commits


def test_a_full_backlog_holds_back_new_requests_until_pages_are_stored(site: LocalSite) -> None:
    for i in range(12):
        site.add(f"/a/{i}.html", f"<html><body><p>Seite {i}</p></body></html>")
    settings = parse_config(
        f"settings:\n  per_host_delay_s: 0\n  per_host_concurrency: 2\n  global_concurrency: 2\n"
        f'  allow_networks: ["127.0.0.0/8"]\n  respect_robots: false\nsources:\n'
        f"  - id: s\n    kind: page\n    url: {site.url}/a/0.html\n"
    ).settings

    async def crawl() -> tuple[int, int]:
        backlog, stored = Backlog(3), asyncio.Event()
        async with Fetcher(settings, gate=backlog.wait) as fetcher:

            async def page(i: int) -> None:
                await fetcher.fetch(f"{site.url}/a/{i}.html")
                backlog.enter()  # fetched, not yet stored: held until the pages may be stored
                await stored.wait()
                backlog.leave()

            tasks = [asyncio.create_task(page(i)) for i in range(12)]
            await asyncio.sleep(0.5)
            held = len(site.log)
            stored.set()
            await asyncio.gather(*tasks)
            return held, len(site.log)

    held, total = asyncio.run(crawl())
    assert held <= 3 + 2  # the backlog's pages plus the requests already past the gate
    assert total == 12  # and nothing is lost once the pages are stored


def test_sources_of_one_origin_share_their_connection(cached_site: Path, german_site: LocalSite) -> None:
    code, err = run(cached_site)
    assert code == 0, err
    paths = {hit.path for hit in german_site.log}
    assert {"/robots.txt", "/feed.xml", "/news/"} <= paths and len(german_site.log) > len(ARTICLES)
    assert len({hit.client for hit in german_site.log}) == 1  # per_host_concurrency 1: one connection


def test_a_listing_of_links_saved_under_their_canonical_stops_early_when_read_again(
    german_site: LocalSite, tmp_path: Path
) -> None:
    print_page_with_canonical(german_site)  # /druck.html, saved under /kanonisch/…
    u = german_site.url
    german_site.add(
        "/liste/", f'<a class="t" href="/druck.html">Druck</a><a class="next" href="{u}/liste/2">2</a>'
    )
    german_site.add("/liste/2", f'<a class="t" href="/artikel/{ARTICLES[4]["slug"]}.html">Älter</a>')
    config = write_config(tmp_path, source("liste", "listing", f"{u}/liste/", links="a.t", next="a.next"))
    assert run(config)[0] == 0
    assert len(german_site.hits("/liste/2")) == 1
    assert run(config)[0] == 0  # page 1 lists only what was read: no older page is asked for again
    assert len(german_site.hits("/liste/2")) == 1
    assert rows(config, "SELECT count(*) FROM announcements") == [(2,)]
