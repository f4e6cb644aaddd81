"""Score ``pipeline.entities.analyze`` on the labelled set in tests/fixtures/entities/*.yaml.

Prints document-level precision/recall/F1 per label (HUB, CITY, SECTOR: the set of canonicals per document,
micro-averaged over documents), for hub facts and for ``relevant``, then the speed of ``analyze()`` on
~300-word texts. ``--errors`` lists each document's misses and false hits.

Usage: ``python scripts/eval_entities.py [--errors] [--json] [--rounds N]``
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from pipeline.entities import Analysis, analyze  # noqa: E402

FIXTURES = ROOT / "tests" / "fixtures" / "entities"
LABELS = ("HUB", "CITY", "SECTOR")
WORDS_PER_TEXT = 300


@dataclass(slots=True)
class Score:
    tp: int = 0
    fp: int = 0
    fn: int = 0

    def add(self, expected: set[Any], found: set[Any]) -> None:
        self.tp += len(expected & found)
        self.fp += len(found - expected)
        self.fn += len(expected - found)

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0


def load_documents(folder: Path = FIXTURES) -> list[dict[str, Any]]:
    """All labelled documents, in file and then document order."""
    docs: list[dict[str, Any]] = []
    for path in sorted(folder.glob("*.yaml")):
        docs += yaml.safe_load(path.read_text(encoding="utf-8"))
    return docs


def found_sets(result: Analysis) -> dict[str, set[Any]]:
    """What the analysis says, in the shape of a document's labels."""
    sets: dict[str, set[Any]] = {label: set() for label in LABELS}
    for m in result.mentions:
        if m.label in sets:
            sets[m.label].add(m.canonical)
    sets["facts"] = {(f.hub, f.kind, f.value) for f in result.facts}
    sets["relevant"] = {True} if result.relevant else set()
    return sets


def expected_sets(doc: dict[str, Any]) -> dict[str, set[Any]]:
    return {
        "HUB": set(doc["hubs"]),
        "CITY": set(doc["cities"]),
        "SECTOR": set(doc["sectors"]),
        "facts": {tuple(f) for f in doc["facts"]},
        "relevant": {True} if doc["relevant"] else set(),
    }


def evaluate(docs: list[dict[str, Any]]) -> tuple[dict[str, Score], list[str]]:
    """Micro-averaged scores per key and a readable list of per-document errors."""
    scores = {key: Score() for key in (*LABELS, "facts", "relevant")}
    errors = []
    for doc in docs:
        expected = expected_sets(doc)
        found = found_sets(analyze(doc["text"], doc.get("title", "")))
        for key, score in scores.items():
            score.add(expected[key], found[key])
            missed, extra = expected[key] - found[key], found[key] - expected[key]
            if missed or extra:
                errors.append(
                    f"{doc['id']} {key}: missed {sorted(map(str, missed))} extra {sorted(map(str, extra))}"
                )
    return scores, errors


def chunks(texts: list[str], size: int = WORDS_PER_TEXT) -> list[str]:
    """Consecutive pieces of ``size`` words from the joined texts."""
    words = " ".join(texts).split()
    return [" ".join(words[i : i + size]) for i in range(0, len(words) - size + 1, size)]


def shared_data() -> Path:
    return Path(os.environ.get("HUBWATCH_SHARED_DATA", ROOT.parent / "shared" / "data"))


def news_texts(limit: int = 60) -> list[str]:
    """Main texts of real German web pages from shared/data/extraction (empty when it is absent)."""
    folder = shared_data() / "extraction"
    if not (folder / "index.json").exists():
        return []
    import trafilatura

    texts = []
    for entry in json.loads((folder / "index.json").read_text(encoding="utf-8")).values():
        path = folder / "html" / f"{entry['file']}.gz"
        if not path.exists():
            continue
        text = trafilatura.extract(gzip.decompress(path.read_bytes()).decode("utf-8", "replace")) or ""
        if len(text.split()) >= WORDS_PER_TEXT:
            texts.append(text)
        if len(texts) >= limit:
            break
    return texts


def speed(texts: list[str], rounds: int) -> tuple[float, float]:
    """Documents per CPU-second of ``analyze``: the first pass (new words), then the best warm pass.

    CPU time, not wall time, and the best of ``rounds`` warm passes (as ``timeit`` does): the figure is per
    core and as free as possible of other work on a shared machine. The first pass pays spaCy's one-off cost
    per new word (lexemes, tokenizer cache); a long run sees mostly the warm figure.
    """
    analyze("Der Digital Hub in Köln.")  # build the pipeline outside the timing
    passes = []
    for _ in range(rounds + 1):
        start = time.process_time()
        for text in texts:
            analyze(text)
        passes.append(len(texts) / (time.process_time() - start))
    return passes[0], max(passes[1:])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--errors", action="store_true", help="list each document's misses and false hits")
    parser.add_argument("--json", action="store_true", help="print the scores as JSON")
    parser.add_argument("--rounds", type=int, default=5, help="passes over the speed texts (0: skip)")
    args = parser.parse_args(argv)
    docs = load_documents()
    scores, errors = evaluate(docs)
    dense = chunks([d["text"] for d in docs])
    news = chunks(news_texts())
    rates = {}
    if args.rounds:
        rates["labelled set (dense)"] = speed(dense, args.rounds)
    if news and args.rounds:
        rates["real news pages"] = speed(news, args.rounds)
    if args.json:
        out = {k: {"precision": s.precision, "recall": s.recall, "f1": s.f1} for k, s in scores.items()}
        print(json.dumps({"documents": len(docs), "scores": out, "docs_per_s": rates}, indent=2))
        return 0
    print(f"{len(docs)} documents\n{'':10}{'P':>7}{'R':>7}{'F1':>7}   tp  fp  fn")
    for key, s in scores.items():
        print(f"{key:10}{s.precision:7.3f}{s.recall:7.3f}{s.f1:7.3f} {s.tp:4}{s.fp:4}{s.fn:4}")
    counts = {"labelled set (dense)": len(dense), "real news pages": len(news)}
    for name, (cold, warm) in rates.items():
        print(
            f"speed, {name}: {warm:.0f} docs/s per core warm (best pass), {cold:.0f} first pass "
            f"({counts[name]} texts of {WORDS_PER_TEXT} words)"
        )
    if args.errors:
        print("\n".join(errors))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
