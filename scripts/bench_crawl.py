#!/usr/bin/env python
"""hubwatch's crawl end to end against its bounds and a peer, in one run, on loopback only.

The setup (scripts/benchsite.py): one local site of N real article pages (../shared/data/extraction,
read at run time; the test fixtures' pages without it) behind L listing pages, every response after a
fixed latency, ETag/304 on the articles. Each round, alternating:

1. hubwatch's first run into an empty database: `python -m pipeline run` as a whole process (start-up,
   configuration, discovery, fetch, extraction, entities, versions, fingerprints, search index);
2. hubwatch's unchanged second run: every article answers 304;
3. the peer, Scrapy + trafilatura + sqlite (scripts/bench_scrapy.py), on the same pages with the same
   concurrency, as a whole process.

It prints each run's wall time, CPU and peak memory (scripts/procwatch.py), then the ratios of each
round and their median: the unchanged run against the first, the network bound of the unchanged run
(its requests at this concurrency and latency) against the first, hubwatch's articles/s against the
peer's, and the first run against the CPU bound (the same pages extracted, analysed and stored from
memory in the same worker processes, no network, measured before and after the rounds).

    python scripts/bench_crawl.py                       # 1,000 articles, 20 listings, 50 ms, 16, 2 rounds
    python scripts/bench_crawl.py --articles 200 --rounds 1 --no-peer
"""

from __future__ import annotations

import argparse
import importlib.util
import multiprocessing
import os
import statistics
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))

from benchsite import LOOPBACK, Site, article_bodies  # noqa: E402
from procwatch import Usage, measure  # noqa: E402

from pipeline.charset import decode_body  # noqa: E402
from pipeline.errors import ExtractError  # noqa: E402
from pipeline.store.announcements import save_article  # noqa: E402
from pipeline.store.archive import save_raw  # noqa: E402
from pipeline.store.schema import open_db  # noqa: E402
from pipeline.workers import analyse_page, warm_up  # noqa: E402


@dataclass
class Round:
    first: Usage
    again: Usage
    peer: Usage | None
    stored: int
    peer_stored: int
    requests_again: int


def config_text(db: Path, site: Site, concurrency: int, workers: int) -> str:
    return f"""settings:
  database: {db}
  per_host_concurrency: {concurrency}
  global_concurrency: {concurrency}
  per_host_delay_s: 0
  allow_networks: ["127.0.0.0/8"]
  extract_workers: {workers}
  timeout_s: 30
sources:
  - id: site
    name: Local news site
    kind: listing
    url: {site.url}/list/1.html
    links: a.teaser
    next: a.next
    max_pages: {site.listings}
"""


def hubwatch(config: Path) -> list[str]:
    return [sys.executable, "-m", "pipeline", "--config", str(config), "-q", "run", "--no-digest"]


def peer_command(site: Site, db: Path, concurrency: int) -> list[str] | None:
    if importlib.util.find_spec("scrapy") is None:
        print("the peer is skipped: Scrapy is not installed (pip install -e '.[bench]')")
        return None
    script = str(ROOT / "scripts" / "bench_scrapy.py")
    return [sys.executable, script, f"{site.url}/list/1.html", str(db), "--concurrency", str(concurrency)]


def count(db: Path, sql: str) -> int:
    import sqlite3

    with sqlite3.connect(db) as conn:
        return int(conn.execute(sql).fetchone()[0])


def one_round(site: Site, tmp: Path, n: int, args: argparse.Namespace) -> Round:
    db, peer_db = tmp / f"hubwatch-{n}.db", tmp / f"peer-{n}.db"
    config = tmp / f"sources-{n}.yaml"
    config.write_text(config_text(db, site, args.concurrency, args.workers), encoding="utf-8")
    first = measure(hubwatch(config), cwd=ROOT)
    again = measure(hubwatch(config), cwd=ROOT)
    stored = count(db, "SELECT count(*) FROM announcements")
    requests_again = count(db, "SELECT count(*) FROM fetches WHERE run_id = 2")
    command = None if args.no_peer else peer_command(site, peer_db, args.concurrency)
    peer = measure(command, cwd=ROOT) if command else None
    peer_stored = count(peer_db, "SELECT count(*) FROM articles") if peer else 0
    return Round(first, again, peer, stored, peer_stored, requests_again)


def cpu_bound(articles: int, workers: int, db_path: Path) -> float:
    """Pages/s for extract + entities (in `workers` processes) + store, from memory, no network."""
    db = open_db(db_path)
    bodies, _ = article_bodies(articles)
    pages = [(decode_body(body, "text/html")[0], body, f"http://{LOOPBACK}/mem/{i}.html") for i, body in
             enumerate(bodies)]  # fmt: skip
    context = multiprocessing.get_context("forkserver")
    with ProcessPoolExecutor(max(workers, 1), mp_context=context, initializer=warm_up) as pool:
        list(pool.map(time.sleep, [0.05] * max(workers, 1) * 2))
        started = time.perf_counter()
        futures = {pool.submit(analyse_page, html, url, None, None): (body, url) for html, body, url in pages}
        for future in as_completed(futures):
            body, url = futures[future]
            try:
                article, analysis = future.result()
            except ExtractError:
                continue
            save_raw(db, url=url, source_id="mem", body=body, content_type="text/html")
            save_article(db, source_id="mem", url=url, article=article, analysis=analysis)
        elapsed = time.perf_counter() - started
    db.close()
    return articles / elapsed


def show(name: str, usage: Usage, articles: int | None = None) -> None:
    rate = f"{articles / usage.wall_s:6.1f} articles/s" if articles else " " * 17
    print(
        f"  {name:<22} {usage.wall_s:7.2f} s  {rate}  CPU {usage.cpu_s:6.1f} s  "
        f"largest process {usage.max_rss_mb:5.0f} MB  "
        f"all {usage.processes} processes {usage.peak_pss_mb:5.0f} MB"
    )


def report(rounds: list[Round], args: argparse.Namespace, cpu: tuple[float, float]) -> None:
    floor = [-(-r.requests_again // args.concurrency) * args.latency for r in rounds]
    again = [r.again.wall_s / r.first.wall_s for r in rounds]
    bound = [f / r.first.wall_s for f, r in zip(floor, rounds, strict=True)]
    rates = [r.stored / r.first.wall_s for r in rounds]
    print("\nratios (median of the rounds; each round's in brackets):")
    print(f"  unchanged run / first run:         {_ratio(again)}   target <= 0.08")
    print(f"  its network bound / first run:     {_ratio(bound)}   ({rounds[0].requests_again} requests)")
    if all(r.peer for r in rounds):
        peer = [rate / (r.peer_stored / r.peer.wall_s) for rate, r in zip(rates, rounds, strict=True)
                if r.peer]  # fmt: skip
        print(f"  hubwatch / Scrapy+trafilatura, articles/s: {_ratio(peer)}   target >= 1.6")
    best = max(cpu)
    print(f"  first run / CPU bound:             {_ratio([rate / best for rate in rates])}   "
          f"(CPU bound {best:.1f} articles/s; before {cpu[0]:.1f}, after {cpu[1]:.1f})")  # fmt: skip
    peak = max(r.first.peak_pss_mb for r in rounds)
    largest = max(r.first.max_rss_mb for r in rounds)
    print(f"  peak memory of a first run: {peak:.0f} MB all processes (PSS), {largest:.0f} MB the largest")


def _ratio(values: list[float]) -> str:
    return f"{statistics.median(values):5.3f} [{', '.join(f'{v:.3f}' for v in values)}]"


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--articles", type=int, default=1000)
    parser.add_argument("--listings", type=int, default=20)
    parser.add_argument("--latency", type=float, default=0.05)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--workers", type=int, default=2, help="settings.extract_workers")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--no-peer", action="store_true", help="hubwatch alone (Scrapy not installed)")
    args = parser.parse_args()
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    with tempfile.TemporaryDirectory() as tmp, Site(args.articles, args.listings, args.latency) as site:
        print(f"machine: {os.cpu_count()} cores, load average {load}; {args.articles} articles "
              f"behind {args.listings} listings, {args.latency * 1000:.0f} ms latency, concurrency "
              f"{args.concurrency}, {args.workers} extraction workers; {site.pages}")  # fmt: skip
        cpu_before = cpu_bound(args.articles, args.workers, Path(tmp) / "cpu-before.db")
        rounds = []
        for n in range(1, args.rounds + 1):
            result = one_round(site, Path(tmp), n, args)
            print(f"round {n}: hubwatch stored {result.stored}, the peer {result.peer_stored}")
            show("hubwatch, first run", result.first, result.stored)
            show("hubwatch, unchanged", result.again)
            if result.peer:
                show("Scrapy + trafilatura", result.peer, result.peer_stored)
            rounds.append(result)
        cpu_after = cpu_bound(args.articles, args.workers, Path(tmp) / "cpu-after.db")
    report(rounds, args, (cpu_before, cpu_after))


if __name__ == "__main__":
    main()
