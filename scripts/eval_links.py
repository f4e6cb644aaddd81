"""Score the link finder (`pipeline.crawl.linkfinder`) on the hand-labelled pages of tests/fixtures/links.

Each labelled page of ../shared/data/extraction lists its article links; every other candidate link of
the page (same site, http(s), fragment removed) is not an article. Prints precision/recall/F1 per split
(`tune`, the pages the finder was tuned on; `holdout`, kept aside), micro-averaged over links, and the
macro average over pages. `--errors` lists misses and false hits per page, for tune pages only.

Usage: ``python scripts/eval_links.py [--errors] [--split tune|holdout|all] [--json]``
"""

from __future__ import annotations

import argparse
import gzip
import json
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from pipeline.crawl.linkfinder import find_links  # noqa: E402
from scripts.scoring import SetScore  # noqa: E402

LABELS = ROOT / "tests" / "fixtures" / "links" / "labels.yaml"
DATA = ROOT.parent / "shared" / "data" / "extraction"


@dataclass(slots=True)
class Score(SetScore):
    """Micro-averaged over links, plus each page's F1 for the macro average."""

    pages: list[float] = field(default_factory=list)

    def add(self, expected: set[Any], found: set[Any]) -> tuple[int, int, int]:
        counts = SetScore.add(self, expected, found)  # slots dataclasses cannot use a bare super()
        self.pages.append(_f1(*counts))
        return counts

    @property
    def macro_f1(self) -> float:
        return sum(self.pages) / len(self.pages) if self.pages else 0.0


def _f1(tp: int, fp: int, fn: int) -> float:
    if not (tp + fp + fn):
        return 1.0
    return 2 * tp / (2 * tp + fp + fn)


def load_labels(path: Path = LABELS) -> list[dict[str, Any]]:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def page_html(entry: dict[str, Any], data: Path = DATA) -> bytes:
    return gzip.decompress((data / "html" / f"{entry['file']}.gz").read_bytes())


def evaluate(
    labels: list[dict[str, Any]], splits: tuple[str, ...], data: Path = DATA
) -> tuple[dict[str, Score], list[str]]:
    """Scores per split, and (tune pages only) the lines of misses and false hits."""
    scores = {split: Score() for split in splits}
    errors: list[str] = []
    for entry in labels:
        if entry["split"] not in splits:
            continue
        found = find_links(page_html(entry, data), entry["url"].strip())
        expected, got = set(entry.get("articles") or []), set(found.articles)
        scores[entry["split"]].add(expected, got)
        if entry["split"] == "tune" and expected != got:
            errors += _error_lines(entry, expected, got, {c.url: c for c in found.candidates})
    return scores, errors


def _error_lines(
    entry: dict[str, Any], expected: set[str], got: set[str], cands: dict[str, Any]
) -> list[str]:
    lines = [f"== {entry['url'].strip()} ({entry['file']})"]
    for kind, urls in (("MISS", expected - got), ("FALSE", got - expected)):
        for url in sorted(urls):
            c = cands.get(url)
            why = f"{c.score:+.1f} {','.join(c.reasons)} [{c.text[:50]}] {c.group[:60]}" if c else "-"
            lines.append(f"  {kind} {url}  {why}")
    return lines


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--errors", action="store_true", help="misses and false hits of the tune pages")
    parser.add_argument("--split", choices=("tune", "holdout", "all"), default="all")
    parser.add_argument("--json", action="store_true", help="one JSON object of the figures")
    args = parser.parse_args()
    if not DATA.exists():
        print(f"no data at {DATA}", file=sys.stderr)
        return 2
    splits = ("tune", "holdout") if args.split == "all" else (args.split,)
    scores, errors = evaluate(load_labels(), splits)
    if args.errors:
        print("\n".join(errors))
    figures = {
        split: {
            "pages": len(s.pages),
            "links": s.tp + s.fn,
            "precision": round(s.precision, 3),
            "recall": round(s.recall, 3),
            "f1": round(s.f1, 3),
            "macro_f1": round(s.macro_f1, 3),
        }
        for split, s in scores.items()
    }
    if args.json:
        print(json.dumps(figures))
    else:
        for split, f in figures.items():
            print(
                f"{split:8} {f['pages']:3} pages {f['links']:4} article links  precision {f['precision']:.3f}"
                f"  recall {f['recall']:.3f}  F1 {f['f1']:.3f}  (per-page F1 {f['macro_f1']:.3f})"
            )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
