#!/usr/bin/env python
"""hubwatch's crawl end to end against its bounds and a peer, in one run, on loopback only.

The setup (scripts/benchsite.py): one local site of N real article pages (../shared/data/extraction,
read at run time; the test fixtures' pages without it) behind L listing pages, every response after a
fixed latency, ETag/304 on the articles. Each round runs, as whole processes:

1. hubwatch's first run into an empty database: `python -m pipeline run` (start-up, configuration,
   discovery, fetch, extraction, entities, versions, fingerprints, search index), then its unchanged
   second run (every article answers 304);
2. with --baseline DIR, the same two runs of another hubwatch checkout (e.g. `git worktree add DIR main`),
   with the same Python, so a change is measured against what it changes, side by side;
3. the peer, Scrapy + trafilatura + sqlite (scripts/bench_scrapy.py), on the same pages with the same
   concurrency.

The order of the commands turns round each round (A B C, then C B A, …), so neither side always runs
first on a machine whose load drifts. Each run's wall time, CPU (its own process and its children),
peak memory (scripts/procwatch.py) and the machine's load average are printed, then the ratios of each
round and their median: the unchanged run against the first, the unchanged run's network bound
(its requests at this concurrency and latency) against the first, hubwatch's articles/s against the
peer's and the baseline's, and the first run against its own CPU bound: the articles/s it would reach
if all the CPU it spent were spread evenly over every core (= the share of the cores it kept busy;
other work on the machine takes its share too, so read it with the load average).

    python scripts/bench_crawl.py                       # 1,000 articles, 20 listings, 50 ms, 16, 2 rounds
    python scripts/bench_crawl.py --baseline /tmp/main --rounds 3
    python scripts/bench_crawl.py --articles 200 --rounds 1 --no-peer
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import sqlite3
import statistics
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))

from benchsite import Site  # noqa: E402
from procwatch import Usage, measure  # noqa: E402

HUBWATCH, BASELINE, PEER = "hubwatch", "baseline", "Scrapy + trafilatura"


@dataclass
class Runs:
    """What one contender did in one round."""

    first: Usage
    again: Usage | None = None  # hubwatch's unchanged second run
    stored: int = 0
    requests_again: int = 0

    @property
    def rate(self) -> float:
        return self.stored / self.first.wall_s


@dataclass
class Round:
    runs: dict[str, Runs] = field(default_factory=dict)
    load: tuple[float, float] = (0.0, 0.0)  # 1-minute load average before and after


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


def peer_command(site: Site, db: Path, concurrency: int) -> list[str]:
    script = str(ROOT / "scripts" / "bench_scrapy.py")
    return [sys.executable, script, f"{site.url}/list/1.html", str(db), "--concurrency", str(concurrency)]


def count(db: Path, sql: str) -> int:
    with sqlite3.connect(db) as conn:
        return int(conn.execute(sql).fetchone()[0])


def run_hubwatch(checkout: Path, site: Site, folder: Path, args: argparse.Namespace) -> Runs:
    """A first run into an empty database, then the unchanged run, of the hubwatch in `checkout`."""
    folder.mkdir()
    db, config = folder / "hubwatch.db", folder / "sources.yaml"
    config.write_text(config_text(db, site, args.concurrency, args.workers), encoding="utf-8")
    first = measure(hubwatch(config), cwd=checkout)
    again = measure(hubwatch(config), cwd=checkout)
    stored = count(db, "SELECT count(*) FROM announcements")
    return Runs(first, again, stored, count(db, "SELECT count(*) FROM fetches WHERE run_id = 2"))


def run_peer(site: Site, folder: Path, args: argparse.Namespace) -> Runs:
    folder.mkdir()
    db = folder / "peer.db"
    usage = measure(peer_command(site, db, args.concurrency), cwd=ROOT)
    return Runs(usage, stored=count(db, "SELECT count(*) FROM articles"))


def one_round(n: int, site: Site, tmp: Path, args: argparse.Namespace) -> Round:
    contenders = [HUBWATCH, *([BASELINE] if args.baseline else []), *([PEER] if args.peer else [])]
    order = contenders if n % 2 else contenders[::-1]
    result = Round(load=(os.getloadavg()[0], 0.0))
    for name in order:
        folder = tmp / f"{name.split()[0].lower()}-{n}"
        if name == PEER:
            result.runs[name] = run_peer(site, folder, args)
        else:
            result.runs[name] = run_hubwatch(args.baseline if name == BASELINE else ROOT, site, folder, args)
    result.load = (result.load[0], os.getloadavg()[0])
    return result


def show_round(n: int, result: Round, cores: int) -> None:
    before, after = result.load
    print(f"round {n} (load average {before:.1f} before, {after:.1f} after), in the order run:")
    for name, runs in result.runs.items():
        show(f"{name}, first run" if runs.again else name, runs.first, runs.stored, cores)
        if runs.again:
            show(f"{name}, unchanged", runs.again, None, cores)


def show(label: str, usage: Usage, stored: int | None, cores: int) -> None:
    rate = f"{stored / usage.wall_s:6.1f} articles/s" if stored else " " * 17
    print(
        f"  {label:<30} {usage.wall_s:7.2f} s  {rate}  CPU {usage.cpu_s:6.1f} s  "
        f"largest process {usage.max_rss_mb:4.0f} MB  all {usage.processes} {usage.peak_pss_mb:4.0f} MB"
    )
    if stored:
        main, others = (cpu / stored * 1000 for cpu in (usage.main_cpu_s, usage.cpu_s - usage.main_cpu_s))
        busy = usage.cpu_s / usage.wall_s / cores
        print(f"  {'':<30} CPU/article {main + others:5.1f} ms: main process {main:4.1f}, its children "
              f"{others:4.1f}; cores busy {busy:4.2f}")  # fmt: skip


def report(rounds: list[Round], args: argparse.Namespace, cores: int) -> None:
    ours = [r.runs[HUBWATCH] for r in rounds]
    print("\nratios (median of the rounds; each round's in brackets):")
    again = [o.again.wall_s / o.first.wall_s for o in ours if o.again]
    print(f"  unchanged run / first run:         {_ratio(again)}   target <= 0.08")
    floor = [-(-o.requests_again // args.concurrency) * args.latency / o.first.wall_s for o in ours]
    print(f"  its network bound / first run:     {_ratio(floor)}   ({ours[0].requests_again} requests)")
    if args.peer:
        peer = [r.runs[HUBWATCH].rate / r.runs[PEER].rate for r in rounds]
        print(f"  hubwatch / Scrapy+trafilatura, articles/s: {_ratio(peer)}   target >= 1.6")
    if args.baseline:
        base = [r.runs[HUBWATCH].rate / r.runs[BASELINE].rate for r in rounds]
        print(f"  hubwatch / baseline, articles/s:   {_ratio(base)}   (baseline {args.baseline})")
        if args.peer:
            old = [r.runs[BASELINE].rate / r.runs[PEER].rate for r in rounds]
            print(f"  baseline / Scrapy+trafilatura:     {_ratio(old)}")
        cpu = [r.runs[HUBWATCH].first.cpu_s / r.runs[BASELINE].first.cpu_s for r in rounds]
        print(f"  hubwatch / baseline, CPU of a first run: {_ratio(cpu)}")
    busy = [o.first.cpu_s / o.first.wall_s / cores for o in ours]
    per_article = statistics.median(o.first.cpu_s / o.stored * 1000 for o in ours)
    print(f"  first run / CPU bound:             {_ratio(busy)}   (its own CPU spread over {cores} cores; "
          f"{per_article:.1f} ms CPU an article)")  # fmt: skip
    peak = max(o.first.peak_pss_mb for o in ours)
    largest = max(o.first.max_rss_mb for o in ours)
    print(f"  peak memory of a first run: {peak:.0f} MB all processes (PSS), {largest:.0f} MB the largest")


def _ratio(values: list[float]) -> str:
    return f"{statistics.median(values):5.3f} [{', '.join(f'{v:.3f}' for v in values)}]"


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--articles", type=int, default=1000)
    parser.add_argument("--listings", type=int, default=20)
    parser.add_argument("--latency", type=float, default=0.05)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--workers", type=int, default=2, help="settings.extract_workers")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--baseline", type=Path, help="another hubwatch checkout, run side by side")
    parser.add_argument("--no-peer", dest="peer", action="store_false", help="hubwatch alone")
    args = parser.parse_args()
    if args.baseline and not (args.baseline / "pipeline" / "__main__.py").is_file():
        parser.error(f"--baseline {args.baseline}: not a hubwatch checkout")
    if args.peer and importlib.util.find_spec("scrapy") is None:
        print("the peer is skipped: Scrapy is not installed (pip install -e '.[bench]')")
        args.peer = False
    return args


def main() -> None:
    args = parse_args()
    cores = os.cpu_count() or 1
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    with tempfile.TemporaryDirectory() as tmp, Site(args.articles, args.listings, args.latency) as site:
        print(f"machine: {cores} cores, load average {load}; {args.articles} articles "
              f"behind {args.listings} listings, {args.latency * 1000:.0f} ms latency, concurrency "
              f"{args.concurrency}, {args.workers} extraction workers; {site.pages}")  # fmt: skip
        rounds = []
        for n in range(1, args.rounds + 1):
            rounds.append(one_round(n, site, Path(tmp), args))
            show_round(n, rounds[-1], cores)
    report(rounds, args, cores)


if __name__ == "__main__":
    main()
