"""Score ``pipeline.entities.analyze`` on the labelled sets and on real German news pages, and time it.

Sets (tests/fixtures/entities/):

- the labelled set (``*.yaml``): short documents written for the entity step;
- press texts about the initiative: ``initiative.yaml`` and ``initiative_heldout.yaml`` (development data:
  both have been tuned on or seen), ``initiative_fresh.yaml`` (final check, scored only with ``--final``);
- real news (``real/part*.yaml``): CITY (and HUB, ``relevant``) labels of the 328 German pages in
  ``../shared/data/extraction``, all development data; ``real/fresh.yaml``: 41 more pages of
  ``../shared/data/dates-default``, the final held-out set (``--final``). Each page is extracted with
  ``pipeline.extract.extract_article`` (title + text, as the pipeline sees it) and then analysed; skipped
  when the shared data is absent.

Prints document-level precision/recall/F1 per label (the set of canonicals per document, micro-averaged),
for hub facts and for ``relevant``, then the speed of ``analyze()`` on ~300-word texts.

Cross-validation (``--folds K``): the real development pages fall into K folds by a hash of their ``file``.
The script prints CITY precision/recall per fold and out of fold for the rules in effect (``--set``); with
``--try`` it decides, for each fold, between the rules in effect and the alternatives on the other K-1 folds
(the objective: F0.5 while recall stays >= 0.90) and scores the choice on the held fold, so the out-of-fold
total estimates unseen pages. ``--errors`` lists each document's misses and false hits of the development
sets (with ``--hold F``: of the real pages outside fold F only); never of the final sets.

Usage: ``python scripts/eval_entities.py [--errors] [--final] [--json] [--rounds N]
[--folds K [--hold F]] [--set RULE=VALUE]... [--try RULE=V1,V2 | --try RULE=V&RULE=V]...``
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import json
import os
import sys
import time
from dataclasses import dataclass, fields, replace
from functools import cache
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from pipeline.entities import Analysis, analyze  # noqa: E402
from pipeline.entities.rules import CityRules, using  # noqa: E402

FIXTURES = ROOT / "tests" / "fixtures" / "entities"
PRESS_SETS = {"press": "initiative.yaml", "press-heldout": "initiative_heldout.yaml"}
FINAL_PRESS = {"press-fresh": "initiative_fresh.yaml"}  # written before the second round's rules; scored once
REAL = FIXTURES / "real"
# Development pages (all folds) and the final held-out set, never tuned on.
REAL_SETS = {"dev": "part*.yaml", "fresh": "fresh.yaml"}
REAL_KEYS = ("CITY", "HUB", "relevant")
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
    press = PRESS_SETS | FINAL_PRESS
    if name is not None:
        return _read(folder / press[name])
    docs: list[dict[str, Any]] = []
    for path in sorted(folder.glob("*.yaml")):
        if path.name not in press.values():
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


def shared_data() -> Path:
    return Path(os.environ.get("HUBWATCH_SHARED_DATA", ROOT.parent / "shared" / "data"))


def real_labels(name: str = "dev") -> list[dict[str, Any]]:
    """The hand labels (no text) of the development pages (``part*.yaml``) or the fresh set, in file order."""
    labels: list[dict[str, Any]] = []
    for path in sorted(REAL.glob(REAL_SETS[name])):
        labels += _read(path)
    return labels


def page_html(file: str) -> tuple[Path, Path]:
    """The page's gzipped HTML and its corpus's index: ``dates-default__x.html`` is ``x.html`` of that
    corpus, a plain name one of ``extraction``."""
    corpus, sep, name = file.partition("__")
    folder = shared_data() / (corpus if sep else "extraction")
    return folder / "html" / f"{name if sep else file}.gz", folder / "index.json"


@cache
def real_pages(name: str = "dev") -> tuple[dict[str, Any], ...]:
    """Each labelled real page of a set with the title and text ``extract_article`` gives; empty without
    shared data.

    Pages are matched by ``file`` (some ``url`` values are odd as keys); a page extraction refuses keeps an
    empty text, so its labels still count.
    """
    from pipeline.errors import ExtractError
    from pipeline.extract import extract_article

    labels = real_labels(name)
    if not labels or not page_html(labels[0]["file"])[1].exists():
        return ()
    pages = []
    for label in labels:
        html, index = page_html(label["file"])
        url = _urls(index).get(html.name.removesuffix(".gz"), label["url"])
        title = text = ""
        try:
            article = extract_article(gzip.decompress(html.read_bytes()), url)
            title, text = article.title, article.text
        except ExtractError:
            pass
        pages.append({**label, "id": label["file"], "title": title, "text": text})
    return tuple(pages)


@cache
def _urls(index: Path) -> dict[str, str]:
    return {e["file"]: url for url, e in json.loads(index.read_text("utf-8")).items()}


def fold_of(file: str, k: int) -> int:
    """The page's fold: a hash of its ``file``, so folds never change when pages are added or reordered."""
    return int(hashlib.sha256(file.encode("utf-8")).hexdigest(), 16) % k


def evaluate_real(name: str = "dev") -> tuple[dict[str, Score], list[str]] | None:
    """CITY, HUB and ``relevant`` on the real pages of one set; None without shared data."""
    pages = list(real_pages(name))
    if not pages:
        return None
    return score_documents(pages, REAL_KEYS)


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


RECALL_FLOOR = 0.90  # the target is precision >= 0.92 at recall >= 0.88: keep a margin


def objective(s: Score) -> float:
    """What a fold's choice maximises: F0.5 (precision counts double) while recall holds the floor."""
    if s.recall < RECALL_FLOOR:
        return s.recall - 1.0
    p, r = s.precision, s.recall
    return 1.25 * p * r / (0.25 * p + r) if p + r else 0.0


def parse_rules(specs: list[str], base: CityRules) -> list[CityRules]:
    """'village=0,3000' → two settings; 'a=1&b=true' → one setting with both; typed by the field."""
    found = []
    for spec in specs:
        pairs = [part.partition("=") for part in spec.split("&")]
        if len(pairs) == 1:
            name, _, values = pairs[0]
            found += [_with(base, name, v) for v in values.split(",")]
        else:
            rules = base
            for name, _, value in pairs:
                rules = _with(rules, name, value)
            found.append(rules)
    return found


def _with(rules: CityRules, name: str, value: str) -> CityRules:
    kinds = {f.name: f.type for f in fields(CityRules)}
    if name not in kinds:
        raise SystemExit(f"unknown rule {name!r}; rules: {', '.join(kinds)}")
    if kinds[name] in ("bool", bool):
        parsed: Any = value.lower() in {"1", "true", "on", "yes"}
    else:
        parsed = type(getattr(rules, name))(value)
    return replace(rules, **{name: parsed})


def city_scores(pages: list[dict[str, Any]], rules: CityRules) -> list[Score]:
    """CITY per page under ``rules``."""
    scores = []
    with using(rules):
        for page in pages:
            found = found_sets(analyze(page["text"], page.get("title", "")))["CITY"]
            score = Score()
            score.add(set(page["cities"]), found)
            scores.append(score)
    return scores


def _total(scores: list[Score], keep: list[bool]) -> Score:
    total = Score()
    for score, kept in zip(scores, keep, strict=True):
        if kept:
            total.tp, total.fp, total.fn = total.tp + score.tp, total.fp + score.fp, total.fn + score.fn
    return total


def cross_validate(
    pages: list[dict[str, Any]], k: int, options: list[CityRules]
) -> tuple[list[dict[str, Any]], Score, Score]:
    """Per fold: the option chosen on the other folds and the held fold's scores (chosen, the first option
    = the rules in effect, and each option); then the out-of-fold totals of the choice and of option 0."""
    per_option = [city_scores(pages, rules) for rules in options]
    return decide(per_option, [fold_of(p["file"], k) for p in pages], k)


def decide(
    per_option: list[list[Score]], folds: list[int], k: int
) -> tuple[list[dict[str, Any]], Score, Score]:
    rows, chosen_total, base_total = [], Score(), Score()
    for fold in range(k):
        held = [f == fold for f in folds]
        train = [not h for h in held]
        best = max(range(len(per_option)), key=lambda i: (objective(_total(per_option[i], train)), -i))
        each = [_total(scores, held) for scores in per_option]
        rows.append(
            {
                "fold": fold,
                "pages": sum(held),
                "chosen": best,
                "held": each[best],
                "base": each[0],
                "each": each,
            }
        )
        _add(chosen_total, each[best])
        _add(base_total, each[0])
    return rows, chosen_total, base_total


def _add(total: Score, s: Score) -> None:
    total.tp, total.fp, total.fn = total.tp + s.tp, total.fp + s.fp, total.fn + s.fn


def _describe(rules: CityRules, base: CityRules) -> str:
    changed = [f"{f.name}={getattr(rules, f.name)}" for f in fields(CityRules) if getattr(rules, f.name)
               != getattr(base, f.name)]  # fmt: skip
    return " & ".join(changed) or "(rules in effect)"


def _pr(s: Score) -> str:
    return f"P {s.precision:.3f} R {s.recall:.3f} (tp {s.tp} fp {s.fp} fn {s.fn})"


def cv_report(
    pages: list[dict[str, Any]], k: int, options: list[CityRules], corpus: str = "real news"
) -> list[str]:
    """Option 0 per fold; each alternative against it, decided per fold on the other folds; all at once."""
    per_option = [city_scores(pages, rules) for rules in options]
    folds = [fold_of(p["file"], k) for p in pages]
    rows, chosen, base = decide(per_option, folds, k)
    lines = [f"\ncross-validation, {corpus} CITY: {len(pages)} documents, {k} folds by a hash of the file"]
    lines.append(f"option 0 = {_describe(options[0], CityRules())} (against the defaults)")
    lines.append(f"{'fold':>4} {'pages':>5} {'P':>6} {'R':>6}   tp  fp  fn")
    for row in rows:
        b = row["base"]
        lines.append(
            f"{row['fold']:>4} {row['pages']:>5} {b.precision:6.3f} {b.recall:6.3f} {b.tp:4}{b.fp:4}{b.fn:4}"
        )
    lines.append(f"out of fold: {_pr(base)}")
    if len(options) == 1:
        return lines
    lines.append("\neach alternative against option 0: adopted where it wins on the other folds")
    lines.append(
        "option  adopted  held: better same worse  out of fold (decided per fold)   tp/fp change per fold"
    )
    for i in range(1, len(options)):
        pair, pair_chosen, _ = decide([per_option[0], per_option[i]], folds, k)
        adopted = sum(r["chosen"] == 1 for r in pair)
        better = sum(objective(r["held"]) > objective(r["base"]) for r in pair)
        worse = sum(objective(r["held"]) < objective(r["base"]) for r in pair)
        deltas = " ".join(
            f"{r['each'][1].tp - r['base'].tp:+d}/{r['each'][1].fp - r['base'].fp:+d}" for r in pair
        )
        lines.append(
            f"{i:>6} {adopted:>5}/{k}     {better:>6} {k - better - worse:>4} {worse:>5}  {_pr(pair_chosen)}"
            f"  {deltas}\n        {_describe(options[i], options[0])}"
        )
    picks = [r["chosen"] for r in rows]
    lines.append(
        f"\nall options at once, the best on the other folds: chosen {picks}, out of fold {_pr(chosen)}"
    )
    return lines


def _table(title: str, scores: dict[str, Score]) -> list[str]:
    lines = [f"\n{title}\n{'':10}{'P':>7}{'R':>7}{'F1':>7}   tp  fp  fn"]
    for key, s in scores.items():
        lines.append(f"{key:10}{s.precision:7.3f}{s.recall:7.3f}{s.f1:7.3f} {s.tp:4}{s.fp:4}{s.fn:4}")
    return lines


Results = dict[str, tuple[int, dict[str, Score], list[str]]]


def collect(*, final: bool) -> Results:
    """Every set's size, scores and errors, keyed by set name ("labelled", "press", "real", …).

    The final held-out sets only when asked: while rules are being written nobody should see them.
    """
    results = {}
    docs = load_documents()
    results["labelled"] = (len(docs), *score_documents(docs))
    for name in [*PRESS_SETS, *(FINAL_PRESS if final else ())]:
        docs = load_documents(name=name)
        results[name] = (len(docs), *score_documents(docs))
    for name in ("dev", "fresh") if final else ("dev",):
        real = evaluate_real(name)
        if real is not None:
            results["real" if name == "dev" else "real-fresh"] = (len(real_pages(name)), *real)
    return results


def _arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--errors", action="store_true", help="list the development sets' misses and false hits"
    )
    parser.add_argument("--json", action="store_true", help="print the scores as JSON")
    parser.add_argument("--rounds", type=int, default=5, help="passes over the speed texts (0: skip)")
    parser.add_argument("--final", action="store_true", help="also score the final held-out sets, once")
    parser.add_argument("--folds", type=int, default=0, help="cross-validate CITY on the real pages (e.g. 5)")
    parser.add_argument("--hold", type=int, help="with --folds --errors: not the real pages of this fold")
    parser.add_argument("--changes", action="store_true", help="with --folds: the pages each --try changes")
    parser.add_argument("--set", action="append", default=[], help="a rule in effect: RULE=VALUE")
    parser.add_argument("--try", dest="tries", action="append", default=[], help="alternatives: RULE=V1,V2")
    return parser.parse_args(argv)


def _errors(results: Results) -> list[str]:
    lines = []
    for name in ("labelled", *PRESS_SETS, "real"):  # never the final sets
        if name in results:
            lines += [f"\nerrors, {name}:", *results[name][2]]
    return lines


def changes(pages: list[dict[str, Any]], base: CityRules, other: CityRules, k: int) -> list[str]:
    """Pages whose CITY set differs under ``other``: each town gained (+) or lost (-), right ✓ or wrong ✗."""
    lines = []
    with using(base):
        before = [found_sets(analyze(p["text"], p.get("title", "")))["CITY"] for p in pages]
    with using(other):
        after = [found_sets(analyze(p["text"], p.get("title", "")))["CITY"] for p in pages]
    for page, old, new in zip(pages, before, after, strict=True):
        if old != new:
            right = set(page["cities"])
            marks = [f"+{c} {'✓' if c in right else '✗'}" for c in sorted(new - old)]
            marks += [f"-{c} {'✗' if c in right else '✓'}" for c in sorted(old - new)]
            lines.append(f"  [fold {fold_of(page['file'], k)}] {page['file']}: {', '.join(marks)}")
    return lines


def _press_documents() -> list[dict[str, Any]]:
    return [d for name in PRESS_SETS for d in load_documents(name=name)]


def cv_main(args: argparse.Namespace, rules: CityRules) -> int:
    """``--folds``: cross-validation on the real development pages and on the written development texts
    (and the real pages' errors outside --hold)."""
    options = [rules, *parse_rules(args.tries, rules)]
    pages = list(real_pages("dev"))
    if not pages:
        print("real news: skipped (../shared/data/extraction not found)")
        return 0
    lines = cv_report(pages, args.folds, options)
    written = [{**d, "file": d["id"]} for d in [*load_documents(), *_press_documents()]]
    lines += cv_report(written, args.folds, options, "written texts (labelled set and press, development)")
    for i, other in enumerate(options[1:] if args.changes else (), start=1):
        lines += [
            f"\nchanges, option {i} ({_describe(other, rules)}):",
            *changes(pages, rules, other, args.folds),
        ]
    if args.errors:
        kept = [p for p in pages if fold_of(p["file"], args.folds) != args.hold]
        with using(rules):
            lines += ["\nerrors, real (outside the held fold):", *score_documents(kept, ("CITY",))[1]]
    print("\n".join(lines))
    return 0


def main(argv: list[str] | None = None) -> int:
    args = _arguments(argv)
    rules = parse_rules(["&".join(args.set)], CityRules())[0] if args.set else CityRules()
    if args.folds:
        return cv_main(args, rules)
    with using(rules):
        results = collect(final=args.final)
        lines = [f"rules: {_describe(rules, CityRules())}"]
        for name, (size, scores, _) in results.items():
            lines += _table(f"{name}: {size} documents", scores)
        if "real" not in results:
            lines.append("\nreal news: skipped (../shared/data/extraction not found)")
        rates = _speeds(args.rounds)
    if args.json:
        sets = {k: {key: s.as_dict() for key, s in v[1].items()} for k, v in results.items()}
        sizes = {k: v[0] for k, v in results.items()}
        out = {"documents": sizes["labelled"], "scores": sets["labelled"], "sets": sets, "sizes": sizes}
        print(json.dumps({**out, "docs_per_s": {k: v[:2] for k, v in rates.items()}}, indent=2))
        return 0
    for name, (cold, warm, count) in rates.items():
        lines.append(
            f"speed, {name}: {warm:.0f} docs/s per core warm (best pass), {cold:.0f} first pass "
            f"({count} texts of {WORDS_PER_TEXT} words)"
        )
    if args.errors:
        lines += _errors(results)
    print("\n".join(lines))
    return 0


def _speeds(rounds: int) -> dict[str, tuple[float, float, int]]:
    """docs/s of the dense labelled texts and of real news chunks (first pass, best warm pass, count)."""
    rates = {}
    for name, texts in (
        ("labelled set (dense)", chunks([d["text"] for d in load_documents()])),
        ("real news pages", chunks(news_texts())),
    ):
        if rounds and texts:
            rates[name] = (*speed(texts, rounds), len(texts))
    return rates


if __name__ == "__main__":
    raise SystemExit(main())
