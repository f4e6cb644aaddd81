"""Score ``pipeline.entities.analyze`` on the labelled sets and on real German news pages, and time it.

Sets (tests/fixtures/entities/):

- the labelled set (``*.yaml``): short documents written for the entity step;
- the press texts about the initiative of issue 14: ``initiative.yaml`` (tuned on) and
  ``initiative_heldout.yaml`` (never tuned on);
- real news (``real/*.yaml``): CITY (and HUB, ``relevant``) labels of the German pages in
  ``../shared/data/extraction``, with a fixed split ``tune`` / ``holdout``. Each page is extracted with
  ``pipeline.extract.extract_article`` (title + text, as the pipeline sees it) and then analysed; skipped
  when the shared data is absent.

Prints document-level precision/recall/F1 per label (the set of canonicals per document, micro-averaged),
for hub facts and for ``relevant``, then the speed of ``analyze()`` on ~300-word texts. ``--errors`` lists
each document's misses and false hits: of the labelled sets, and of the real pages of the ``tune`` split only.

Usage: ``python scripts/eval_entities.py [--errors] [--holdout] [--json] [--rounds N]``

The held-out sets (``initiative_heldout.yaml``, real ``holdout``) are scored only with ``--holdout`` or
``--json``, and their errors are never listed: they estimate unseen text only while nobody tunes on them.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import sys
import time
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from pipeline.entities import Analysis, analyze  # noqa: E402

FIXTURES = ROOT / "tests" / "fixtures" / "entities"
PRESS_SETS = {"press": "initiative.yaml", "press-heldout": "initiative_heldout.yaml"}
REAL = FIXTURES / "real"
REAL_SPLITS = ("tune", "holdout")
LABELS = ("HUB", "CITY", "SECTOR")
KEYS = (*LABELS, "facts", "relevant")
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

    def as_dict(self) -> dict[str, float | int]:
        return {"precision": self.precision, "recall": self.recall, "f1": self.f1, "tp": self.tp}


def _read(path: Path) -> list[dict[str, Any]]:
    return yaml.safe_load(path.read_text(encoding="utf-8")) or []


def load_documents(folder: Path = FIXTURES, *, name: str | None = None) -> list[dict[str, Any]]:
    """The labelled set (every file but the press sets), or one press set by name ("press", …)."""
    if name is not None:
        return _read(folder / PRESS_SETS[name])
    docs: list[dict[str, Any]] = []
    for path in sorted(folder.glob("*.yaml")):
        if path.name not in PRESS_SETS.values():
            docs += _read(path)
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


def score_documents(
    docs: list[dict[str, Any]], keys: tuple[str, ...] = KEYS
) -> tuple[dict[str, Score], list[str]]:
    """Micro-averaged scores per key and a readable list of per-document errors.

    Each document has its labels and ``text`` (and ``title``); ``id`` names it in the errors.
    """
    scores = {key: Score() for key in keys}
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


def evaluate(docs: list[dict[str, Any]]) -> tuple[dict[str, Score], list[str]]:
    """All keys over a labelled set (kept for scripts that call it)."""
    return score_documents(docs)


def shared_data() -> Path:
    return Path(os.environ.get("HUBWATCH_SHARED_DATA", ROOT.parent / "shared" / "data"))


def real_labels() -> list[dict[str, Any]]:
    """The hand labels of the extraction corpus's real pages (no text), in file order.

    `fresh.yaml` (pages of the dates corpus) is a final held-out set, scored on its own.
    """
    labels: list[dict[str, Any]] = []
    for path in sorted(REAL.glob("part*.yaml")):
        labels += _read(path)
    return labels


@cache
def real_pages() -> tuple[dict[str, Any], ...]:
    """Each labelled real page with the title and text ``extract_article`` gives; empty without shared data.

    Pages are matched by ``file`` (some ``url`` values are odd as keys); a page extraction refuses keeps an
    empty text, so its labels still count.
    """
    from pipeline.errors import ExtractError
    from pipeline.extract import extract_article

    folder = shared_data() / "extraction"
    if not (folder / "index.json").exists():
        return ()
    url_of = {e["file"]: url for url, e in json.loads((folder / "index.json").read_text("utf-8")).items()}
    pages = []
    for label in real_labels():
        path = folder / "html" / f"{label['file']}.gz"
        title = text = ""
        try:
            article = extract_article(
                gzip.decompress(path.read_bytes()), url_of.get(label["file"], label["url"])
            )
            title, text = article.title, article.text
        except ExtractError:
            pass
        pages.append({**label, "id": label["file"], "title": title, "text": text})
    return tuple(pages)


def evaluate_real(split: str) -> tuple[dict[str, Score], list[str]] | None:
    """CITY, HUB and ``relevant`` on the real pages of one split; None without shared data."""
    pages = [p for p in real_pages() if p["split"] == split]
    if not pages:
        return None
    return score_documents(pages, ("CITY", "HUB", "relevant"))


def chunks(texts: list[str], size: int = WORDS_PER_TEXT) -> list[str]:
    """Consecutive pieces of ``size`` words from the joined texts."""
    words = " ".join(texts).split()
    return [" ".join(words[i : i + size]) for i in range(0, len(words) - size + 1, size)]


def news_texts(limit: int = 60) -> list[str]:
    """Main texts of real German web pages (the extracted real pages with ≥ 300 words), up to ``limit``."""
    texts = [p["text"] for p in real_pages() if len(p["text"].split()) >= WORDS_PER_TEXT]
    return texts[:limit]


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


def _table(title: str, scores: dict[str, Score]) -> list[str]:
    lines = [f"\n{title}\n{'':10}{'P':>7}{'R':>7}{'F1':>7}   tp  fp  fn"]
    for key, s in scores.items():
        lines.append(f"{key:10}{s.precision:7.3f}{s.recall:7.3f}{s.f1:7.3f} {s.tp:4}{s.fp:4}{s.fn:4}")
    return lines


def collect(*, holdout: bool) -> dict[str, tuple[int, dict[str, Score], list[str]]]:
    """Every set's size, scores and errors, keyed by set name ("labelled", "press", "real-tune", …).

    The held-out sets only when asked: while rules are being tuned nobody should see them.
    """
    results = {}
    docs = load_documents()
    results["labelled"] = (len(docs), *score_documents(docs))
    for name in PRESS_SETS if holdout else ("press",):
        docs = load_documents(name=name)
        results[name] = (len(docs), *score_documents(docs))
    for split in REAL_SPLITS if holdout else ("tune",):
        real = evaluate_real(split)
        if real is not None:
            results[f"real-{split}"] = (sum(p["split"] == split for p in real_pages()), *real)
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--errors", action="store_true", help="list each document's misses and false hits")
    parser.add_argument("--json", action="store_true", help="print the scores as JSON")
    parser.add_argument("--rounds", type=int, default=5, help="passes over the speed texts (0: skip)")
    parser.add_argument(
        "--holdout", action="store_true", help="also score the held-out sets (always with --json)"
    )
    args = parser.parse_args(argv)
    results = collect(holdout=args.holdout or args.json)
    dense = chunks([d["text"] for d in load_documents()])
    news = chunks(news_texts())
    rates = {}
    if args.rounds:
        rates["labelled set (dense)"] = speed(dense, args.rounds)
        if news:
            rates["real news pages"] = speed(news, args.rounds)
    if args.json:
        sets = {k: {key: s.as_dict() for key, s in v[1].items()} for k, v in results.items()}
        sizes = {k: v[0] for k, v in results.items()}
        out = {"documents": sizes["labelled"], "scores": sets["labelled"], "sets": sets, "sizes": sizes}
        print(json.dumps({**out, "docs_per_s": rates}, indent=2))
        return 0
    lines = []
    for name, (size, scores, _errors) in results.items():
        lines += _table(f"{name}: {size} documents", scores)
    if "real-tune" not in results:
        lines.append("\nreal news: skipped (../shared/data/extraction not found)")
    counts = {"labelled set (dense)": len(dense), "real news pages": len(news)}
    for name, (cold, warm) in rates.items():
        lines.append(
            f"speed, {name}: {warm:.0f} docs/s per core warm (best pass), {cold:.0f} first pass "
            f"({counts[name]} texts of {WORDS_PER_TEXT} words)"
        )
    if args.errors:
        for name in ("labelled", "press", "real-tune"):  # never the held-out sets
            if name in results:
                lines += [f"\nerrors, {name}:", *results[name][2]]
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
