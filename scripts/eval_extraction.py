"""Score article extraction on the shared development corpora.

Text: precision/recall/F1 over snippets, as trafilatura's own evaluation counts them (a `with` snippet
found is a true positive, missing a false negative; a `without` snippet found is a false positive, absent
a true negative; whitespace is normalised before matching). Dates: day-granularity accuracy; a page whose
reference has a date and for which we return None counts as wrong, a page without a reference date counts
as right only when we return None (as htmldate's evaluation does). Each date corpus is also scored with
htmldate alone (extensive search, original date) on the same pages, in the same run. Speed is CPU time of
the one process (time.process_time), so other load on the machine does not distort it: pages/s per core,
against trafilatura with metadata (text, title, date …) on the same pages, page by page in turn.

    python scripts/eval_extraction.py                 # hubwatch's extract_article
    python scripts/eval_extraction.py --baseline      # trafilatura + htmldate alone
    python scripts/eval_extraction.py --dates --folds 5   # cross-validate the date rules
    python scripts/eval_extraction.py --dates --final     # and the untouched part of our date labels
    python scripts/eval_extraction.py --json out.json --limit 50 --verbose

The data lives next to the repository (../shared/data) or where HUBWATCH_SHARED_DATA points.
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
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

from pipeline.extract.dates import FLAGS as RULE_FLAGS  # noqa: E402 (the corrections the rules may switch)

logger = logging.getLogger("eval_extraction")

DATE_CORPORA = ("dates-default", "dates-mediacloud_2020")
TEXT_CORPUS = "extraction"
# A third date corpus: the text corpus' pages, their publication dates labelled by hand here (labels and
# notes only: tests/fixtures/dates/extraction.yaml). Most of them are also pages of dates-default (both
# corpora are adbar's); those are its tuning part, labelled independently. The others may be pages of
# htmldate's held-out half: they are kept out of every choice of rules and scored only with --final.
LABELLED_DATES = "dates-extraction"
LABELLED_FINAL = "dates-extraction-final"
LABELS = ROOT / "tests" / "fixtures" / "dates" / "extraction.yaml"
# when each corpus was collected: no page of it can be published later. The end of the latest year
# its pages' copyright lines name (2023, 2020; the text corpus 2023), not a page's reference date.
CORPUS_NOW = {
    "dates-default": date(2023, 12, 31),
    "dates-mediacloud_2020": date(2020, 12, 31),
    LABELLED_DATES: date(2023, 12, 31),
    LABELLED_FINAL: date(2023, 12, 31),
}
# trafilatura's canonical evaluation settings (tests/eval_common.py upstream)
BASELINE_TEXT_OPTS: dict[str, Any] = {
    "include_comments": False,
    "include_tables": True,
    "include_formatting": False,
}
# htmldate alone as the issue measures it: the extensive search, publication (not modification) date
HTMLDATE_ALONE: dict[str, Any] = {"extensive_search": True, "original_date": True}

TextFn = Callable[[bytes, str], str | None]
DateFn = Callable[[bytes, str, date], date | datetime | str | None]


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
    trafilatura_seconds: float = 0.0
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
    """Day-granularity hits over one date corpus, ours and htmldate alone's on the same pages."""

    right: int = 0
    htmldate_right: int = 0
    pages: int = 0
    errors: int = 0
    seconds: float = 0.0
    trafilatura_seconds: float = 0.0
    failures: list[str] = field(default_factory=list)

    @property
    def accuracy(self) -> float:
        return self.right / self.pages if self.pages else 0.0

    @property
    def htmldate_accuracy(self) -> float:
        return self.htmldate_right / self.pages if self.pages else 0.0


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
    """Yield (url, index entry, raw html bytes) of one corpus, in index order.

    The labelled date corpus is the text corpus' pages with our labels: its tuning part, or (as
    LABELLED_FINAL) its untouched part.
    """
    labelled = name in (LABELLED_DATES, LABELLED_FINAL)
    folder = (data_dir or shared_data_dir()) / (TEXT_CORPUS if labelled else name)
    index = json.loads((folder / "index.json").read_text(encoding="utf-8"))
    if labelled:
        index = labelled_dates(index, final=name == LABELLED_FINAL, data_dir=data_dir)
    for n, (url, item) in enumerate(index.items()):
        if limit is not None and n >= limit:
            break
        yield url, item, gzip.decompress((folder / "html" / f"{item['file']}.gz").read_bytes())


def same_page(url: str) -> str:
    """A URL as the corpora may spell one page differently: scheme, www., trailing slash and spaces aside."""
    return re.sub(r"^\w+://(www\.)?", "", url.strip()).rstrip("/")


def labelled_dates(
    index: dict[str, dict[str, Any]], *, final: bool = False, data_dir: Path | None = None
) -> dict[str, dict[str, Any]]:
    """The text corpus' entries with our labels' dates: the pages the date corpora hold too, or with final
    the others."""
    import yaml

    seen = {
        same_page(url)
        for corpus in DATE_CORPORA
        for url in json.loads(((data_dir or shared_data_dir()) / corpus / "index.json").read_text("utf-8"))
    }
    labels = yaml.safe_load(LABELS.read_text(encoding="utf-8")) or []
    return {
        label["url"]: {"file": index[label["url"]]["file"], "date": _iso(label.get("published"))}
        for label in labels
        if label["url"] in index and (same_page(label["url"]) not in seen) == final
    }


def _iso(value: Any) -> str | None:
    return value.isoformat() if isinstance(value, date) else (str(value) if value else None)


def date_corpora(data_dir: Path | None = None) -> tuple[str, ...]:
    """The date corpora at hand: htmldate's two, and ours when its labels and pages are there."""
    index = (data_dir or shared_data_dir()) / TEXT_CORPUS / "index.json"
    if not (LABELS.is_file() and index.is_file()):
        return DATE_CORPORA
    labelled = labelled_dates(json.loads(index.read_text(encoding="utf-8")), data_dir=data_dir)
    return (*DATE_CORPORA, LABELLED_DATES) if labelled else DATE_CORPORA


def _expected(item: dict[str, Any]) -> str | None:
    return item["date"] if isinstance(item["date"], str) else None  # NaN in index.json: no date


def _timed(fn: Callable[[], Any]) -> tuple[Any, float]:
    start = time.process_time()
    return fn(), time.process_time() - start


def score_text(
    fn: TextFn, *, limit: int | None = None, data_dir: Path | None = None, speed: bool = False
) -> TextScore:
    """Run fn over the text corpus; a crash counts as an empty result. speed: time trafilatura too."""
    score = TextScore()
    for url, item, raw in iter_corpus(TEXT_CORPUS, limit, data_dir):
        try:
            text, seconds = _timed(lambda: fn(raw, url))  # noqa: B023 (called at once)
        except Exception as exc:  # an extraction failure scores as a full miss
            logger.debug("%s: %s", url, exc)
            score.errors += 1
            text, seconds = None, 0.0
        score.seconds += seconds
        if speed:
            score.trafilatura_seconds += _timed(lambda: trafilatura_with_metadata(raw, url))[1]  # noqa: B023
        before = score.fn + score.fp
        score.add(item, text)
        if score.fn + score.fp > before:
            score.failures.append(url)
    return score


def score_dates(
    fn: DateFn,
    corpus: str,
    *,
    limit: int | None = None,
    data_dir: Path | None = None,
    speed: bool = False,
) -> DateScore:
    """Run fn and htmldate alone over one date corpus; None for a dated page is wrong."""
    score = DateScore()
    now = CORPUS_NOW.get(corpus, date.today())
    for url, item, raw in iter_corpus(corpus, limit, data_dir):
        try:
            value, seconds = _timed(lambda: fn(raw, url, now))  # noqa: B023 (called at once)
            found = _day(value)
        except Exception as exc:
            logger.debug("%s: %s", url, exc)
            score.errors += 1
            found, seconds = None, 0.0
        score.seconds += seconds
        if speed:
            score.trafilatura_seconds += _timed(lambda: trafilatura_with_metadata(raw, url))[1]  # noqa: B023
        expected = _expected(item)
        score.pages += 1
        score.htmldate_right += _day(htmldate_alone(raw, url, now)) == expected
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

    def day(raw: bytes, url: str, now: date) -> date | datetime | None:
        try:
            return extract_article(raw, url, now=now).published_at
        except ExtractError:
            return None

    return text, day


def baseline() -> tuple[TextFn, DateFn]:
    """The libraries alone with their documented evaluation settings."""
    import trafilatura

    def text(raw: bytes, url: str) -> str | None:
        return trafilatura.extract(raw, url=url, **BASELINE_TEXT_OPTS)

    return text, htmldate_alone


def htmldate_alone(raw: bytes, url: str, now: date) -> str | None:
    """htmldate by itself on the raw page, as a user would call it, bounded by the same `now` as ours."""
    from htmldate import find_date

    try:
        return find_date(raw, url=url, max_date=now.isoformat(), **HTMLDATE_ALONE)
    except Exception as exc:  # htmldate alone failing is a miss for htmldate, not a crash of the run
        logger.debug("%s: htmldate alone: %s", url, exc)
        return None


def trafilatura_with_metadata(raw: bytes, url: str) -> None:
    """What a user of trafilatura runs for a page's text and metadata (date included): the speed yardstick."""
    import trafilatura

    try:
        trafilatura.extract(raw, url=url, with_metadata=True, **BASELINE_TEXT_OPTS)
    except Exception as exc:
        logger.debug("%s: trafilatura: %s", url, exc)


def _run_task(
    task: str, use_baseline: bool, limit: int | None, data_dir: Path, speed: bool
) -> TextScore | DateScore:
    """One corpus; a top-level function so that a process pool can run it."""
    text_fn, date_fn = baseline() if use_baseline else ours()
    if task == TEXT_CORPUS:
        return score_text(text_fn, limit=limit, data_dir=data_dir, speed=speed)
    return score_dates(date_fn, task, limit=limit, data_dir=data_dir, speed=speed)


def evaluate(
    *,
    use_baseline: bool = False,
    limit: int | None = None,
    jobs: int = 1,
    data_dir: Path | None = None,
    speed: bool = False,
    tasks: tuple[str, ...] | None = None,
) -> dict[str, Any]:
    """Score the tasks and return the figures as a plain dict; jobs > 1 runs the corpora in parallel.

    tasks: default the text corpus and every date corpus at hand (date_corpora). speed: also time
    trafilatura with metadata on every page, in turn with ours, for pages/s per core.
    """
    data = data_dir or shared_data_dir()
    tasks = tasks or (TEXT_CORPUS, *date_corpora(data))
    args = (
        tasks,
        [use_baseline] * len(tasks),
        [limit] * len(tasks),
        [data] * len(tasks),
        [speed] * len(tasks),
    )
    if jobs > 1:
        with ProcessPoolExecutor(max_workers=jobs, mp_context=get_context("spawn")) as pool:
            results = list(pool.map(_run_task, *args))
    else:
        results = list(map(_run_task, *args))
    scores = dict(zip(tasks, results, strict=True))
    dates = {name: d for name, d in scores.items() if isinstance(d, DateScore)}
    shared = [d for name, d in dates.items() if name in DATE_CORPORA]  # 'combined' is htmldate's two
    right = sum(d.right for d in shared)
    pages = sum(d.pages for d in shared)
    all_scores = list(scores.values())
    seconds = sum(x.seconds for x in all_scores)
    result: dict[str, Any] = {
        "system": "baseline" if use_baseline else "hubwatch",
        "machine": f"{platform.machine()} {platform.processor() or ''} {os.cpu_count()} cpus".strip(),
        "python": platform.python_version(),
        "dates": {
            **{
                name: {
                    "accuracy": round(d.accuracy, 4),
                    "htmldate": round(d.htmldate_accuracy, 4),
                    "pages": d.pages,
                    "errors": d.errors,
                }
                for name, d in dates.items()
            },
            "combined": {
                "accuracy": round(right / pages, 4) if pages else 0.0,
                "htmldate": round(sum(d.htmldate_right for d in shared) / pages, 4) if pages else 0.0,
                "pages": pages,
                "right": right,
            },
        },
        "pages_per_s": _per_s(sum(x.pages for x in all_scores), seconds),
        "failures": {name: x.failures for name, x in scores.items()},
    }
    if speed:
        result["trafilatura_pages_per_s"] = _per_s(
            sum(x.pages for x in all_scores), sum(x.trafilatura_seconds for x in all_scores)
        )
    text = scores.get(TEXT_CORPUS)
    if isinstance(text, TextScore):
        result["text"] = {
            "precision": round(text.precision, 4),
            "recall": round(text.recall, 4),
            "f1": round(text.f1, 4),
            "pages": text.pages,
            "errors": text.errors,
            "docs_per_s": _per_s(text.pages, text.seconds),
            **{k: v for k, v in asdict(text).items() if k in ("tp", "fp", "fn", "tn")},
        }
    return result


def _per_s(pages: int, seconds: float) -> float:
    return round(pages / seconds, 1) if seconds else 0.0


def _report(result: dict[str, Any], *, verbose: bool) -> str:
    lines = [f"system: {result['system']}  ({result['machine']}, Python {result['python']})"]
    if "text" in result:
        t = result["text"]
        lines.append(
            f"text   P={t['precision']:.4f} R={t['recall']:.4f} F1={t['f1']:.4f}  "
            f"pages={t['pages']} errors={t['errors']} docs/s={t['docs_per_s']}"
        )
    for name, d in result["dates"].items():
        lines.append(
            f"dates  {name:<22} accuracy={d['accuracy']:.4f}  htmldate alone={d['htmldate']:.4f}  "
            f"diff={d['accuracy'] - d['htmldate']:+.4f}  pages={d['pages']}"
        )
    speed = f"overall pages/s (CPU time of one core, extraction only) = {result['pages_per_s']}"
    if "trafilatura_pages_per_s" in result:
        speed += f"; trafilatura with metadata on the same pages = {result['trafilatura_pages_per_s']}"
    lines.append(speed)
    if verbose:
        for task, urls in result["failures"].items():
            lines.extend(f"  miss {task}: {u}" for u in urls)
    return "\n".join(lines)


# --- cross-validation of the date rules ------------------------------------------------------------
#
# Every page is read once: each evidence source's dates and htmldate's answer under each option set. A
# set of rules (pipeline.extract.dates.DateRules) then decides each page from that evidence alone, so
# thousands of rule sets are scored in seconds. Folds come from a hash of the URL; on each fold the rules
# are chosen on the other folds and scored on it, which is the estimate for pages nobody has seen.

# htmldate options the cross-validation chooses among; all of them, and two more, are reported alone
CV_VARIANTS = ("extensive", "shared-tree", "deferred-url", "quick-first")
REPORT_VARIANTS = (*CV_VARIANTS, "quick", "all-locales")


@dataclass
class DatePage:
    """One page of a date corpus as the cross-validation sees it: all its evidence, read once."""

    corpus: str
    url: str
    expected: str | None
    alone: str | None  # htmldate alone
    # htmldate option set's name -> evidence (page sources and that htmldate's answer); None: no article
    evidence: dict[str, dict[str, tuple[date | datetime, ...]]] | None


def htmldate_variants() -> dict[str, Any]:
    """The htmldate option sets measured, by name."""
    from dataclasses import replace

    from pipeline.extract.date_htmldate import HtmldateOptions

    base = HtmldateOptions()
    variants = [
        base,
        replace(base, own_parse=False),
        replace(base, deferred_url=True),
        replace(base, quick_first=True),
        replace(base, extensive=False),
        replace(base, scoped_languages=False),
    ]
    return {v.name: v for v in variants}


def read_date_pages(corpus: str, limit: int | None = None, data_dir: Path | None = None) -> list[DatePage]:
    """Every page of one date corpus with the evidence of every source and htmldate option set."""
    from pipeline.extract import read_page
    from pipeline.extract.date_parse import Bounds
    from pipeline.extract.dates import PAGE_SOURCES, collect, heuristic_evidence

    now = CORPUS_NOW.get(corpus, date.today())
    bounds = Bounds.until(now)
    pages = []
    for url, item, raw in iter_corpus(corpus, limit, data_dir):
        evidence = None
        try:
            page = read_page(raw, url)
            sources = collect(page.tree, url, bounds=bounds, names=PAGE_SOURCES)
            evidence = {
                name: {
                    **sources,
                    **heuristic_evidence(
                        page.tree,
                        url,
                        html=page.html,
                        language=page.language,
                        bounds=bounds,
                        options=options,
                        stamp=sources["stamp"],
                    ),
                }
                for name, options in htmldate_variants().items()
            }
        except Exception as exc:  # as extract_article: no article, no date
            logger.debug("%s: %s", url, exc)
        alone = _day(htmldate_alone(raw, url, now))
        pages.append(DatePage(corpus, url, _expected(item), alone, evidence))
    return pages


def rule_space() -> list[Any]:
    """Every DateRules the cross-validation may choose: stated sources in any order, options, flags."""
    from itertools import permutations, product

    from pipeline.extract.dates import STATED, DateRules

    variants = htmldate_variants()
    return [
        DateRules(stated=stated, htmldate=variants[name], **dict(zip(RULE_FLAGS, flags, strict=True)))
        for k in range(len(STATED) + 1)
        for stated in permutations(STATED, k)
        for name in CV_VARIANTS
        for flags in product((False, True), repeat=len(RULE_FLAGS))
    ]


def rule_parts(rules: Any) -> tuple[str, ...]:
    """The rules a DateRules switches on beyond htmldate alone: its parsimony is their number."""
    variant = () if rules.htmldate.name == "extensive" else (f"htmldate:{rules.htmldate.name}",)
    return (*rules.stated, *variant, *(f for f in RULE_FLAGS if getattr(rules, f)))


def predict(page: DatePage, rules: Any) -> str | None:
    """The day rules decide for page, from its stored evidence."""
    from pipeline.extract.dates import decide

    if page.evidence is None:
        return None
    return _day(decide(page.evidence[rules.htmldate.name], rules))


def fold_of(url: str, folds: int) -> int:
    """A page's fold: fixed by its URL, whatever the order or the other pages; one page (in two corpora,
    spelt two ways) is in one fold."""
    return int(hashlib.sha256(same_page(url).encode("utf-8")).hexdigest(), 16) % folds


def cross_validate(pages: list[DatePage], folds: int) -> dict[str, Any]:
    """Choose rules on folds-1 folds, score them on the remaining one, for each fold; then on all pages."""
    from pipeline.extract.dates import DEFAULT_RULES, STATED

    space = rule_space()
    index = {r: i for i, r in enumerate(space)}
    hits = [[predict(p, r) == p.expected for p in pages] for r in space]
    alone = [p.alone == p.expected for p in pages]
    fold = [fold_of(p.url, folds) for p in pages]
    corpora = sorted({p.corpus for p in pages})
    cost = [len(rule_parts(r)) for r in space]

    def tally(h: list[bool], keep: Callable[[int], bool]) -> dict[str, tuple[int, int]]:
        return {
            c: (
                sum(h[i] for i, p in enumerate(pages) if p.corpus == c and keep(i)),
                sum(1 for i, p in enumerate(pages) if p.corpus == c and keep(i)),
            )
            for c in corpora
        }

    def choose(keep: Callable[[int], bool]) -> int:
        """Best mean accuracy over the corpora (each counts alike); on a tie the fewest rules."""
        counts = [(tally(h, keep), -cost[i], -i) for i, h in enumerate(hits)]
        return max(range(len(space)), key=lambda i: (_mean_accuracy(counts[i][0]), *counts[i][1:]))

    rows, chosen = [], []
    for k in range(folds):
        pick = choose(lambda i, k=k: fold[i] != k)  # type: ignore[misc]
        chosen.append(pick)
        test = tally(hits[pick], lambda i, k=k: fold[i] == k)  # type: ignore[misc]
        base = tally(alone, lambda i, k=k: fold[i] == k)  # type: ignore[misc]
        rows.append({"fold": k + 1, "rules": space[pick].describe(), **_rows(test, base)})
    oof = [hits[chosen[fold[i]]][i] for i in range(len(pages))]
    everything = choose(lambda i: True)
    stability = _stability(pages, space, index, hits, chosen, fold, corpora, STATED)
    default = tally(hits[index[DEFAULT_RULES]], lambda i: True) if DEFAULT_RULES in index else None
    return {
        "folds": rows,
        "out_of_fold": _rows(tally(oof, lambda i: True), tally(alone, lambda i: True)),
        "rules": stability,
        "chosen_on_all": {
            "rules": space[everything].describe(),
            **_rows(tally(hits[everything], lambda i: True), tally(alone, lambda i: True)),
        },
        "default_rules": {
            "rules": DEFAULT_RULES.describe(),
            "same_as_chosen_on_all": space[everything] == DEFAULT_RULES,
            **(_rows(default, tally(alone, lambda i: True)) if default else {}),
        },
        "htmldate_options": {
            name: _rows(
                tally([predict(p, _alone_rules(name)) == p.expected for p in pages], lambda i: True),
                tally(alone, lambda i: True),
            )
            for name in REPORT_VARIANTS
        },
    }


def _alone_rules(variant: str) -> Any:
    """htmldate with these options and no rule on top."""
    from pipeline.extract.dates import DateRules

    return DateRules(stated=(), htmldate=htmldate_variants()[variant], **dict.fromkeys(RULE_FLAGS, False))


def _mean_accuracy(counts: dict[str, tuple[int, int]]) -> float:
    return round(sum(r / n for r, n in counts.values() if n) / max(1, len(counts)), 9)


def _rows(ours: dict[str, tuple[int, int]], base: dict[str, tuple[int, int]]) -> dict[str, Any]:
    """Per corpus and combined: pages, ours, htmldate alone, difference."""
    out: dict[str, Any] = {}
    both = {**ours, "combined": _combined(ours)}
    base = {**base, "combined": _combined(base)}
    for name, (right, n) in both.items():
        acc, ref = (right / n if n else 0.0), (base[name][0] / n if n else 0.0)
        out[name] = {
            "pages": n,
            "ours": round(acc, 4),
            "htmldate": round(ref, 4),
            "diff": round(acc - ref, 4),
        }
    return out


def _combined(counts: dict[str, tuple[int, int]]) -> tuple[int, int]:
    """Right and pages over htmldate's two corpora (the issue's 'combined'; our labelled one apart)."""
    shared = [v for k, v in counts.items() if k in DATE_CORPORA]
    return sum(r for r, _ in shared), sum(n for _, n in shared)


def _stability(
    pages: list[DatePage],
    space: list[Any],
    index: dict[Any, int],
    hits: list[list[bool]],
    chosen: list[int],
    fold: list[int],
    corpora: list[str],
    stated_names: tuple[str, ...],
) -> dict[str, Any]:
    """Per rule: in how many folds it was chosen, and what it gained on the folds it was not chosen on.

    The gain is measured on each held-out fold by switching the rule in that fold's chosen set (on if it
    was off, off if it was on): positive means having the rule got more pages right there.
    """
    from dataclasses import replace

    variants = htmldate_variants()
    parts = [*stated_names, *(f"htmldate:{v}" for v in CV_VARIANTS[1:]), *RULE_FLAGS]
    report = {}
    for part in parts:
        gain = dict.fromkeys(corpora, 0)
        times = 0
        for k, pick in enumerate(chosen):
            rules = space[pick]
            on = part in rule_parts(rules)
            times += on
            if part in stated_names:
                stated = tuple(s for s in rules.stated if s != part) if on else (*rules.stated, part)
                other = replace(rules, stated=stated)
            elif part.startswith("htmldate:"):
                other = replace(rules, htmldate=variants["extensive" if on else part.split(":", 1)[1]])
            else:
                other = replace(rules, **{part: not on})
            with_it, without = (pick, index[other]) if on else (index[other], pick)
            for i, p in enumerate(pages):
                if fold[i] == k:
                    gain[p.corpus] += hits[with_it][i] - hits[without][i]
        report[part] = {"folds_chosen": times, "gain_out_of_fold": gain}
    return report


def report_cross_validation(cv: dict[str, Any], folds: int) -> str:
    """The per-fold table, the out-of-fold totals, each rule's record, and the rules chosen on all pages."""
    head = f"{'corpus':<23}{'pages':>6}{'ours':>8}{'htmldate':>10}{'diff':>9}"
    lines = [
        f"{folds}-fold cross-validation of the date rules: folds by SHA-256 of the URL; rules chosen on "
        f"{folds - 1} folds (best mean accuracy over the corpora, fewest rules on a tie), scored on the "
        "other one",
        "",
        f"{'fold':<6}{head}  rules chosen on the other folds",
    ]
    for row in cv["folds"]:
        names = [n for n in row if n not in ("fold", "rules")]
        for j, name in enumerate(names):
            label = str(row["fold"]) if j == 0 else ""
            rules = row["rules"] if j == 0 else ""
            lines.append(f"{label:<6}{_fmt(name, row[name])}  {rules}".rstrip())
    lines += ["", "out of fold (every page scored by rules chosen without it)", f"{'':<6}{head}"]
    lines += [f"{'':<6}{_fmt(n, r)}" for n, r in cv["out_of_fold"].items()]
    lines += ["", f"{'rule':<22}{'chosen in':>10}  gain on the folds it was not chosen on (pages)"]
    for part, rec in cv["rules"].items():
        gains = "  ".join(f"{c}: {g:+d}" for c, g in rec["gain_out_of_fold"].items())
        lines.append(f"{part:<22}{rec['folds_chosen']:>6}/{folds:<3}  {gains}")
    lines += ["", "htmldate options alone (no rule on top), all pages:", f"{'':<6}{head}"]
    for name, rows in cv["htmldate_options"].items():
        lines.append(f"{name}")
        lines += [f"{'':<6}{_fmt(n, r)}" for n, r in rows.items()]
    for key, title in (
        ("chosen_on_all", "chosen on all pages"),
        ("default_rules", "in code (DEFAULT_RULES)"),
    ):
        block = cv[key]
        lines += ["", f"{title}: {block['rules']}"]
        if key == "default_rules" and not block["same_as_chosen_on_all"]:
            lines.append("  (differs from the rules chosen on all pages)")
        lines += [f"{'':<6}{_fmt(n, r)}" for n, r in block.items() if isinstance(r, dict)]
    return "\n".join(lines)


def _fmt(name: str, row: dict[str, Any]) -> str:
    return f"{name:<23}{row['pages']:>6}{row['ours']:>8.4f}{row['htmldate']:>10.4f}{row['diff']:>+9.4f}"


def main(argv: list[str] | None = None) -> int:
    """CLI entry: print the figures, optionally write them as JSON."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--baseline", action="store_true", help="trafilatura + htmldate alone")
    parser.add_argument("--dates", action="store_true", help="the date corpora only")
    parser.add_argument("--folds", type=int, help="cross-validate the date rules over this many folds")
    parser.add_argument("--no-speed", action="store_true", help="skip timing trafilatura with metadata")
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    parser.add_argument("--limit", type=int, help="only the first N pages of each corpus")
    parser.add_argument("--jobs", "-j", type=int, default=1, help="processes (speed is per process)")
    parser.add_argument("--verbose", "-v", action="store_true", help="list the pages that lost points")
    parser.add_argument(
        "--final", action="store_true", help="also score the untouched part of our labelled dates (once)"
    )
    args = parser.parse_args(argv)
    data = shared_data_dir()
    missing = [t for t in (TEXT_CORPUS, *DATE_CORPORA) if not (data / t / "index.json").is_file()]
    if missing:
        print(f"no evaluation data at {data}; set HUBWATCH_SHARED_DATA", file=sys.stderr)
        return 2
    if args.final and args.folds:
        parser.error("--final scores the rules in code; it does not go with --folds")
    dates = (*date_corpora(data), *((LABELLED_FINAL,) if args.final else ()))
    tasks = dates if args.dates or args.folds else (TEXT_CORPUS, *dates)
    logging.basicConfig(level=logging.WARNING)
    if args.folds:
        if args.folds < 2:
            parser.error("--folds needs at least 2")
        result = cross_validate(_read_all(date_corpora(data), args.limit, args.jobs), args.folds)
        print(report_cross_validation(result, args.folds))
    else:
        result = evaluate(
            use_baseline=args.baseline, limit=args.limit, jobs=args.jobs, speed=not args.no_speed, tasks=tasks
        )
        print(_report(result, verbose=args.verbose))
    if args.json:
        args.json.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return 0


def _read_all(corpora: tuple[str, ...], limit: int | None, jobs: int) -> list[DatePage]:
    data = shared_data_dir()
    n = len(corpora)
    if jobs > 1:
        with ProcessPoolExecutor(max_workers=jobs, mp_context=get_context("spawn")) as pool:
            parts = list(pool.map(read_date_pages, corpora, [limit] * n, [data] * n))
    else:
        parts = [read_date_pages(c, limit, data) for c in corpora]
    return [p for part in parts for p in part]


if __name__ == "__main__":
    sys.exit(main())
