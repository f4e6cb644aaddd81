#!/usr/bin/env python3
"""Every benchmark of hubwatch in one run, one table at the end with the machine's description.

Runs the stage scripts as they are (each prints its own detail first):

- extraction:  scripts/eval_extraction.py  (quality and pages/s on ../shared/data; skipped without it)
- entities:    scripts/eval_entities.py    (quality on the labelled set, docs/s on 300-word texts)
- crawl, end to end: scripts/bench_crawl.py (a local site of real article pages behind listing pages,
  with latency: hubwatch's first and unchanged runs as whole processes, against their bounds and
  against Scrapy + trafilatura + sqlite; peak memory)
- store:       scripts/bench_store.py      (insert rate, size, search p50/p95, views, unchanged rerun)
- reprocess:   scripts/bench_reprocess.py  (stored raw pages re-extracted in 0 and 2 worker processes)

    python scripts/bench.py            # a quick pass: 300 articles, 20,000 stored announcements
    python scripts/bench.py --full     # the issue targets: 1,000 articles, 1,000,000 announcements
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
Row = tuple[str, str, str, str]  # stage, figure, value, target
STAGES = ("extraction", "entities", "crawl", "store", "reprocess")


def run(script: str, *args: str, timeout: int = 7200) -> str:
    """Run one benchmark script, echo its output, return it."""
    print(f"\n$ {script} {' '.join(args)}", flush=True)
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / script), *args],
        capture_output=True, text=True, timeout=timeout, cwd=ROOT,
    )  # fmt: skip
    print(done.stdout.rstrip())
    if done.returncode != 0:
        print(done.stderr.rstrip()[-2000:], file=sys.stderr)
        raise SystemExit(f"{script} failed with exit code {done.returncode}")
    print(f"({time.perf_counter() - started:.0f} s)")
    return done.stdout


def grab(pattern: str, text: str) -> str:
    match = re.search(pattern, text)
    return match.group(1) if match else "?"


def extraction(limit: int | None) -> list[Row]:
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "extraction.json"
        text = run("eval_extraction.py", "--json", str(out), *(["--limit", str(limit)] if limit else []))
        if not out.exists():
            return [("extraction", "skipped", grab(r"(skip\w*.*)", text), "")]
        figures = json.loads(out.read_text(encoding="utf-8"))
    return [
        ("extraction", "text F1", f"{figures['text']['f1']:.4f}", ">= 0.935"),
        ("extraction", "date accuracy", f"{figures['dates']['combined']['accuracy']:.4f}", ">= 0.91"),
        ("extraction", "pages/s per core", f"{figures['pages_per_s']:.1f}", ">= 40"),
    ]


def entities() -> list[Row]:
    figures = json.loads(run("eval_entities.py", "--json", "--rounds", "3"))
    rows: list[Row] = []
    for label, target in (
        ("CITY", 0.95),
        ("SECTOR", 0.95),
        ("relevant", 0.95),
        ("HUB", 0.90),
        ("facts", 0.90),
    ):
        rows.append(("entities", f"{label} F1", f"{figures['scores'][label]['f1']:.3f}", f">= {target}"))
    for name, rates in figures["docs_per_s"].items():
        rows.append(("entities", f"docs/s, {name}", f"{max(rates):.0f}", ">= 500 (300 words)"))
    return rows


def crawl(articles: int, rounds: int) -> list[Row]:
    listings = max(1, articles // 50)
    text = run("bench_crawl.py", "--articles", str(articles), "--listings", str(listings), "--rounds",
               str(rounds))  # fmt: skip
    figures = [
        (f"first run, {articles} articles", r"first run\s+[\d.]+ s\s+([\d.]+ articles/s)", ""),
        ("unchanged run / first run", r"unchanged run / first run:\s+([\d.]+)", "<= 0.08"),
        ("its network bound / first run", r"its network bound / first run:\s+([\d.]+)", ""),
        ("hubwatch / Scrapy + trafilatura", r"Scrapy\+trafilatura, articles/s:\s+([\d.]+)", ">= 1.6"),
        ("first run / CPU bound", r"first run / CPU bound:\s+([\d.]+)", ""),
        ("peak memory, first run", r"peak memory of a first run: (.*)", "< 400 MB"),
    ]
    return [("crawl (end to end)", name, grab(pattern, text), target) for name, pattern, target in figures]


def store(rows: int) -> list[Row]:
    text = run("bench_store.py", "--rows", str(rows), "--rerun", str(min(10_000, rows)), "--repeat", "10")
    figures = [
        ("insert rate (one transaction each)", r"as a run does it.*?: ([\d,]+/s)", ""),
        ("database size", r"database size: ([\d,.]+ \w+)", ""),
        ("search p50 / p95", r"all queries: (p50 .*)", "p95 < 50 ms"),
        ("unchanged rerun", r"unchanged rerun through save_article:\s*\n\s*(.*?):", "< 5 s"),
        ("hub table (hubwatch hubs)", r"hubwatch hubs \(hub_table\)\s+([\d.]+ ms)", ""),
    ]
    return [("store", "announcements", f"{rows:,}", "")] + [
        ("store", name, grab(pattern, text), target) for name, pattern, target in figures
    ]


def reprocess(limit: int | None) -> list[Row]:
    text = run("bench_reprocess.py", *(["--limit", str(limit)] if limit else []))
    if "skipped" in text:
        return [("reprocess", "skipped", grab(r"(skipped.*)", text), "")]
    pattern = r"extract_workers={}: .*?([\d.]+ pages/s)"
    return [("reprocess", f"pages/s, extract_workers={n}", grab(pattern.format(n), text), "") for n in (0, 2)]


def machine() -> str:
    cpu = (
        next(
            (
                line.split(":", 1)[1].strip()
                for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")
            ),
            platform.processor(),
        )
        if Path("/proc/cpuinfo").exists()
        else ""
    )
    memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    return (f"{platform.system()} {platform.machine()}, {os.cpu_count()} cores ({cpu}), {memory:.0f} GiB, "
            f"Python {platform.python_version()}, load average {load}")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--full", action="store_true", help="the sizes of the issue targets (takes an hour)")
    parser.add_argument("--only", choices=STAGES, action="append")
    args = parser.parse_args()
    stages = args.only or list(STAGES)
    rows: list[Row] = []
    if "extraction" in stages:
        rows += extraction(None if args.full else 60)
    if "entities" in stages:
        rows += entities()
    if "crawl" in stages:
        rows += crawl(1000, 2) if args.full else crawl(300, 1)
    if "store" in stages:
        rows += store(1_000_000 if args.full else 20_000)
    if "reprocess" in stages:
        rows += reprocess(None)  # all 474 pages: a pool needs a few seconds to start, fewer pages hide that
    print(f"\nmachine: {machine()}")
    widths = [max(len(r[i]) for r in rows) for i in range(4)]
    for stage, figure, value, target in [("stage", "figure", "value", "target"), *rows]:
        print(f"{stage:<{widths[0]}}  {figure:<{widths[1]}}  {value:>{widths[2]}}  {target}")


if __name__ == "__main__":
    main()
