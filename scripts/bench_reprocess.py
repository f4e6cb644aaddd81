#!/usr/bin/env python3
"""`hubwatch reprocess` throughput: stored raw pages → extraction → entities → database, per worker count.

Fills a temporary database with the real pages of ../shared/data/extraction (each saved as an
announcement with its raw page, not timed), then times `reprocess` with `extract_workers` 0 (all in
this process) and N. Wall-clock pages/s is what an operator waits for after a gazetteer change.

    python scripts/bench_reprocess.py              # workers 0 and 2, all 474 pages
    python scripts/bench_reprocess.py --workers 4 --limit 200
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))

from eval_extraction import TEXT_CORPUS, iter_corpus, shared_data_dir  # noqa: E402

from pipeline.config import parse_config  # noqa: E402
from pipeline.entities import analyze  # noqa: E402
from pipeline.errors import ExtractError  # noqa: E402
from pipeline.extract import extract_article  # noqa: E402
from pipeline.run import reprocess  # noqa: E402
from pipeline.store.announcements import save_article  # noqa: E402
from pipeline.store.archive import save_raw  # noqa: E402
from pipeline.store.schema import open_db  # noqa: E402


def fill(db_path: Path, limit: int | None) -> int:
    """Save every corpus page as an announcement with its raw page; returns how many."""
    db = open_db(db_path)
    saved = 0
    for url, _item, raw in iter_corpus(TEXT_CORPUS, limit):
        try:
            article = extract_article(raw, url)
        except ExtractError:
            continue
        save_article(db, source_id="bench", url=url, article=article, analysis=analyze(article.text))
        save_raw(db, url=url, source_id="bench", body=raw, content_type="text/html")
        saved += 1
    db.close()
    return saved


def timed_reprocess(db_path: Path, workers: int) -> tuple[float, dict[str, int]]:
    config = parse_config(
        f"settings:\n  database: {db_path}\n  extract_workers: {workers}\n"
        "sources:\n  - id: bench\n    kind: page\n    url: http://127.0.0.1:9/\n"
    )
    db = open_db(db_path)
    started = time.perf_counter()
    counts = reprocess(db, config)
    seconds = time.perf_counter() - started
    db.close()
    return seconds, counts


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--workers", type=int, default=2, help="worker processes to compare with 0")
    parser.add_argument("--limit", type=int, help="only the first N pages of the corpus")
    args = parser.parse_args()
    if not (shared_data_dir() / TEXT_CORPUS / "index.json").is_file():
        print(f"skipped: no corpus at {shared_data_dir()}")
        return 0
    with tempfile.TemporaryDirectory() as tmp:
        db_path = Path(tmp) / "bench.db"
        pages = fill(db_path, args.limit)
        print(f"{pages} stored pages; machine: {os.cpu_count()} cpus")
        for workers in (0, args.workers):
            seconds, counts = timed_reprocess(db_path, workers)
            print(
                f"reprocess extract_workers={workers}: {seconds:.1f} s, {pages / seconds:.1f} pages/s "
                f"(reprocessed {counts['reprocessed']}, errors {counts['errors']})"
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
