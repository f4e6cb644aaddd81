"""Score article extraction on the shared development corpora.

Text: precision/recall/F1 over snippets, as trafilatura's own evaluation counts them (a `with` snippet
found is a true positive, missing a false negative; a `without` snippet found is a false positive, absent
a true negative; whitespace is normalised before matching). Dates: day-granularity accuracy; a page whose
reference has a date and for which we return None counts as wrong, a page without a reference date counts
as right only when we return None (as htmldate's evaluation does). Speed is CPU time of the one process
(time.process_time), so other load on the machine does not distort it: pages/s per core.

    python scripts/eval_extraction.py                 # hubwatch's extract_article
    python scripts/eval_extraction.py --baseline      # trafilatura + htmldate alone, default options
    python scripts/eval_extraction.py --json out.json --limit 50 --verbose

The data lives next to the repository (../shared/data) or where HUBWATCH_SHARED_DATA points.
"""

from __future__ import annotations

import argparse
import gzip
import json
import logging
import os
import platform
import re
import sys
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict, dataclass, field
from datetime import date, datetime
from multiprocessing import get_context
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

logger = logging.getLogger("eval_extraction")

DATE_CORPORA = ("dates-default", "dates-mediacloud_2020")
TEXT_CORPUS = "extraction"
# trafilatura's canonical evaluation settings (tests/eval_common.py upstream)
BASELINE_TEXT_OPTS = {"include_comments": False, "include_tables": True, "include_formatting": False}

TextFn = Callable[[bytes, str], str | None]
DateFn = Callable[[bytes, str], date | datetime | str | None]


def shared_data_dir() -> Path:
    """The development data: HUBWATCH_SHARED_DATA, else the repository's sibling shared/data."""
    override = os.environ.get("HUBWATCH_SHARED_DATA")
    if override:
        return Path(override)
    return ROOT.parent / "shared" / "data"


@dataclass
class TextScore:
    """Snippet confusion counts over the text corpus."""

    tp: int = 0
    fp: int = 0
    fn: int = 0
    tn: int = 0
    pages: int = 0
    errors: int = 0
    seconds: float = 0.0
    failures: list[str] = field(default_factory=list)

    def add(self, item: dict[str, Any], text: str | None) -> None:
        """Count one page the way trafilatura's eval_common.count_item does."""
        norm_text = _norm(text or "")
        tp = sum(1 for s in item["with"] if _norm(s) in norm_text)
        fp = sum(1 for s in item["without"] if _norm(s) in norm_text)
        self.tp += tp
        self.fp += fp
        self.fn += len(item["with"]) - tp
        self.tn += len(item["without"]) - fp
        self.pages += 1

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 0.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 0.0

    @property
    def f1(self) -> float:
        denom = 2 * self.tp + self.fp + self.fn
        return 2 * self.tp / denom if denom else 0.0


@dataclass
class DateScore:
    """Day-granularity hits over one date corpus."""

    right: int = 0
    pages: int = 0
    errors: int = 0
    seconds: float = 0.0
    failures: list[str] = field(default_factory=list)

    @property
    def accuracy(self) -> float:
        return self.right / self.pages if self.pages else 0.0


def _norm(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def _day(value: date | datetime | str | None) -> str | None:
    """A date, datetime or ISO string as YYYY-MM-DD."""
    if value is None:
        return None
    if isinstance(value, datetime | date):
        return value.isoformat()[:10]
    return str(value)[:10]


def iter_corpus(
    name: str, limit: int | None = None, data_dir: Path | None = None
) -> Iterator[tuple[str, dict[str, Any], bytes]]:
    """Yield (url, index entry, raw html bytes) of one corpus, in index order."""
    folder = (data_dir or shared_data_dir()) / name
    index = json.loads((folder / "index.json").read_text(encoding="utf-8"))
    for n, (url, item) in enumerate(index.items()):
        if limit is not None and n >= limit:
            break
        yield url, item, gzip.decompress((folder / "html" / f"{item['file']}.gz").read_bytes())


def score_text(fn: TextFn, *, limit: int | None = None, data_dir: Path | None = None) -> TextScore:
    """Run fn over the text corpus; a crash counts as an empty result."""
    score = TextScore()
    for url, item, raw in iter_corpus(TEXT_CORPUS, limit, data_dir):
        start = time.process_time()
        try:
            text = fn(raw, url)
        except Exception as exc:  # an extraction failure scores as a full miss
            logger.debug("%s: %s", url, exc)
            score.errors += 1
            text = None
        score.seconds += time.process_time() - start
        before = score.fn + score.fp
        score.add(item, text)
        if score.fn + score.fp > before:
            score.failures.append(url)
    return score


def score_dates(
    fn: DateFn, corpus: str, *, limit: int | None = None, data_dir: Path | None = None
) -> DateScore:
    """Run fn over one date corpus; None for a dated page is wrong."""
    score = DateScore()
    for url, item, raw in iter_corpus(corpus, limit, data_dir):
        start = time.process_time()
        try:
            found = _day(fn(raw, url))
        except Exception as exc:
            logger.debug("%s: %s", url, exc)
            score.errors += 1
            found = None
        score.seconds += time.process_time() - start
        expected = item["date"] if isinstance(item["date"], str) else None
        score.pages += 1
        if found == expected:
            score.right += 1
        else:
            score.failures.append(f"{url} expected={expected} found={found}")
    return score


def ours() -> tuple[TextFn, DateFn]:
    """hubwatch's extraction: one call gives both the text and the date."""
    from pipeline.errors import ExtractError
    from pipeline.extract import extract_article

    def text(raw: bytes, url: str) -> str | None:
        try:
            return extract_article(raw, url).text
        except ExtractError:
            return None

    def day(raw: bytes, url: str) -> date | datetime | None:
        try:
            return extract_article(raw, url).published_at
        except ExtractError:
            return None

    return text, day


def baseline() -> tuple[TextFn, DateFn]:
    """The libraries alone with their documented evaluation settings."""
    import trafilatura
    from htmldate import find_date

    def text(raw: bytes, url: str) -> str | None:
        return trafilatura.extract(raw, url=url, **BASELINE_TEXT_OPTS)

    def day(raw: bytes, url: str) -> str | None:
        return find_date(raw, url=url)

    return text, day


def _run_task(task: str, use_baseline: bool, limit: int | None, data_dir: Path) -> TextScore | DateScore:
    """One corpus; a top-level function so that a process pool can run it."""
    text_fn, date_fn = baseline() if use_baseline else ours()
    if task == TEXT_CORPUS:
        return score_text(text_fn, limit=limit, data_dir=data_dir)
    return score_dates(date_fn, task, limit=limit, data_dir=data_dir)


def evaluate(
    *, use_baseline: bool = False, limit: int | None = None, jobs: int = 1, data_dir: Path | None = None
) -> dict[str, Any]:
    """Score both tasks and return the figures as a plain dict; jobs > 1 runs the corpora in parallel."""
    tasks = (TEXT_CORPUS, *DATE_CORPORA)
    data = data_dir or shared_data_dir()
    if jobs > 1:
        with ProcessPoolExecutor(max_workers=jobs, mp_context=get_context("spawn")) as pool:
            results = list(pool.map(_run_task, tasks, [use_baseline] * 3, [limit] * 3, [data] * 3))
    else:
        results = [_run_task(task, use_baseline, limit, data) for task in tasks]
    text = results[0]
    assert isinstance(text, TextScore)
    dates = {name: d for name, d in zip(DATE_CORPORA, results[1:], strict=True) if isinstance(d, DateScore)}
    right = sum(d.right for d in dates.values())
    pages = sum(d.pages for d in dates.values())
    seconds = text.seconds + sum(d.seconds for d in dates.values())
    return {
        "system": "baseline" if use_baseline else "hubwatch",
        "machine": f"{platform.machine()} {platform.processor() or ''} {os.cpu_count()} cpus".strip(),
        "python": platform.python_version(),
        "text": {
            "precision": round(text.precision, 4),
            "recall": round(text.recall, 4),
            "f1": round(text.f1, 4),
            "pages": text.pages,
            "errors": text.errors,
            "docs_per_s": round(text.pages / text.seconds, 1) if text.seconds else 0.0,
            **{k: v for k, v in asdict(text).items() if k in ("tp", "fp", "fn", "tn")},
        },
        "dates": {
            **{
                name: {"accuracy": round(d.accuracy, 4), "pages": d.pages, "errors": d.errors}
                for name, d in dates.items()
            },
            "combined": {
                "accuracy": round(right / pages, 4) if pages else 0.0,
                "pages": pages,
                "right": right,
            },
        },
        "pages_per_s": round((text.pages + pages) / seconds, 1) if seconds else 0.0,
        "failures": {
            "text": text.failures,
            **{name: d.failures for name, d in dates.items()},
        },
    }


def _report(result: dict[str, Any], *, verbose: bool) -> str:
    t = result["text"]
    lines = [
        f"system: {result['system']}  ({result['machine']}, Python {result['python']})",
        f"text   P={t['precision']:.4f} R={t['recall']:.4f} F1={t['f1']:.4f}  "
        f"pages={t['pages']} errors={t['errors']} docs/s={t['docs_per_s']}",
    ]
    for name, d in result["dates"].items():
        lines.append(f"dates  {name:<22} accuracy={d['accuracy']:.4f}  pages={d['pages']}")
    lines.append(f"overall pages/s (CPU time of one core, extraction only) = {result['pages_per_s']}")
    if verbose:
        for task, urls in result["failures"].items():
            lines.extend(f"  miss {task}: {u}" for u in urls)
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """CLI entry: print the figures, optionally write them as JSON."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--baseline", action="store_true", help="trafilatura + htmldate alone")
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    parser.add_argument("--limit", type=int, help="only the first N pages of each corpus")
    parser.add_argument("--jobs", "-j", type=int, default=1, help="processes (speed is per process)")
    parser.add_argument("--verbose", "-v", action="store_true", help="list the pages that lost points")
    args = parser.parse_args(argv)
    if not (shared_data_dir() / TEXT_CORPUS / "index.json").is_file():
        print(f"no evaluation data at {shared_data_dir()}; set HUBWATCH_SHARED_DATA", file=sys.stderr)
        return 2
    logging.basicConfig(level=logging.WARNING)
    result = evaluate(use_baseline=args.baseline, limit=args.limit, jobs=args.jobs)
    print(_report(result, verbose=args.verbose))
    if args.json:
        args.json.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
