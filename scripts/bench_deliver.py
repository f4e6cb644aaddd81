#!/usr/bin/env python3
"""Delivery-side benchmarks, one step per invocation so each can be timed as a whole process.

    python scripts/bench_deliver.py fill --db /tmp/b.db --rows 50000      # bench_store's generator
    python scripts/bench_deliver.py backup --db /tmp/b.db --dest /tmp/copy.db [--method vacuum-into]
    python scripts/bench_deliver.py feeds --db /tmp/b.db --out /tmp/feeds  # every Atom feed

`backup` is `hubwatch backup` (online backup API, one step, checked, renamed into place); `vacuum-into`
is the alternative it was measured against (`VACUUM INTO`, which rebuilds the file page by page).
Time them with /usr/bin/time or any whole-process timer, e.g. the two methods in turn.
"""

from __future__ import annotations

import argparse
import sqlite3
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "scripts")]

from pipeline.deliver.atom import write_feeds  # noqa: E402
from pipeline.store.backup import backup  # noqa: E402
from pipeline.store.schema import open_db  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("step", choices=["fill", "backup", "feeds"])
    parser.add_argument("--db", type=Path, required=True)
    parser.add_argument("--rows", type=int, default=50_000)
    parser.add_argument("--dest", type=Path, default=Path("/tmp/hubwatch-bench-copy.db"))
    parser.add_argument("--method", choices=["backup", "vacuum-into"], default="backup")
    parser.add_argument("--out", type=Path, default=Path("/tmp/hubwatch-bench-feeds"))
    args = parser.parse_args()
    started = time.perf_counter()
    if args.step == "fill":
        from bench_store import fill

        fill(args.db, args.rows, batch=500, per_item=0)
    elif args.step == "backup":
        args.dest.unlink(missing_ok=True)
        if args.method == "backup":
            done = backup(args.db, args.dest, force=True)
            print(f"backup: {done.bytes / 1e6:.1f} MB, {done.announcements} announcements")
        else:
            with sqlite3.connect(args.db) as conn:
                conn.execute("VACUUM INTO ?", [str(args.dest)])
    else:
        result = write_feeds(open_db(args.db), args.out)
        print(f"feeds: {len(result.written)} written, {len(result.unchanged)} unchanged")
    print(f"{args.step}: {time.perf_counter() - started:.2f} s in process", file=sys.stderr)


if __name__ == "__main__":
    main()
