"""The evaluation script itself: scoring as trafilatura and htmldate count it, on a tiny corpus."""

from __future__ import annotations

import gzip
import importlib
import json
import sys
from datetime import date
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT / "scripts") not in sys.path:
    sys.path.insert(0, str(ROOT / "scripts"))
EVAL = importlib.import_module("eval_extraction")

PAGE = (
    "<html><head><title>Neuer Hub</title>"
    '<meta property="article:published_time" content="2020-03-04T10:00:00+01:00"></head><body>'
    "<nav><a href='/'>Startseite</a> <a href='/presse'>Presse</a></nav><article><h1>Neuer Hub</h1>"
    "<p>Die Stadt hat heute einen neuen Standort für junge Unternehmen eröffnet, der ab sofort offen ist."
    "</p>"
    "<p>Gründerinnen und Gründer können sich dort beraten lassen und Räume für ihre Teams mieten.</p>"
    "</article><footer>Impressum · Datenschutz</footer></body></html>"
)


def _write_corpus(folder: Path, index: dict[str, dict[str, Any]], pages: dict[str, str]) -> None:
    (folder / "html").mkdir(parents=True)
    for name, html in pages.items():
        (folder / "html" / f"{name}.gz").write_bytes(gzip.compress(html.encode("utf-8")))
    (folder / "index.json").write_text(json.dumps(index), encoding="utf-8")


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    _write_corpus(
        tmp_path / "extraction",
        {
            "https://example.org/a": {
                "file": "a.html",
                "with": [
                    "einen neuen Standort für junge Unternehmen",
                    "Räume für ihre Teams",
                    "nicht im Text",
                ],
                "without": ["Impressum", "Startseite", "Gründerinnen und Gründer"],
            }
        },
        {"a.html": PAGE},
    )
    _write_corpus(
        tmp_path / "dates-default",
        {"https://example.org/a": {"file": "a.html", "date": "2020-03-04"}},
        {"a.html": PAGE},
    )
    _write_corpus(
        tmp_path / "dates-mediacloud_2020",
        {
            "https://example.org/a": {"file": "a.html", "date": "2020-03-05"},
            "https://example.org/b": {"file": "b.html", "date": None},
        },
        {"a.html": PAGE, "b.html": PAGE},
    )
    return tmp_path


def test_snippets_are_counted_as_trafilatura_counts_them(corpus: Path) -> None:
    text = EVAL.evaluate(data_dir=corpus)["text"]
    # with: two found (TP), one missing (FN); without: one found (FP), two absent (TN)
    assert (text["tp"], text["fn"], text["fp"], text["tn"]) == (2, 1, 1, 2)
    assert text["precision"] == pytest.approx(2 / 3, abs=1e-4)
    assert text["recall"] == pytest.approx(2 / 3, abs=1e-4)
    assert text["f1"] == pytest.approx(2 / 3, abs=1e-4)


def test_dates_count_at_day_granularity_and_a_dateless_reference_wants_none(corpus: Path) -> None:
    dates = EVAL.evaluate(data_dir=corpus)["dates"]
    assert dates["dates-default"]["accuracy"] == 1.0
    assert dates["dates-mediacloud_2020"]["accuracy"] == 0.0  # wrong day; a date where none is expected
    assert dates["combined"]["accuracy"] == pytest.approx(1 / 3, abs=1e-4)
    assert (dates["combined"]["pages"], dates["combined"]["right"]) == (3, 1)


def test_htmldate_alone_is_scored_on_the_same_pages(corpus: Path) -> None:
    dates = EVAL.evaluate(data_dir=corpus)["dates"]
    assert dates["dates-default"]["htmldate"] == 1.0  # it reads article:published_time too
    assert dates["dates-mediacloud_2020"]["htmldate"] == 0.0
    assert dates["combined"]["htmldate"] == pytest.approx(1 / 3, abs=1e-4)


def test_speed_is_compared_with_trafilatura_on_the_same_pages(corpus: Path) -> None:
    result = EVAL.evaluate(data_dir=corpus, speed=True)
    assert result["pages_per_s"] > 0
    assert result["trafilatura_pages_per_s"] > 0
    assert "trafilatura_pages_per_s" not in EVAL.evaluate(data_dir=corpus)


def test_a_page_is_always_in_the_same_fold() -> None:
    urls = [f"https://example.org/{n}" for n in range(50)]
    folds = [EVAL.fold_of(u, 5) for u in urls]
    assert folds == [EVAL.fold_of(u, 5) for u in reversed(urls)][::-1]
    assert set(folds) == set(range(5))


def _synthetic_pages() -> list[Any]:
    """40 pages, 20 in each corpus, on which the article's <time> is right 3 times in 4, htmldate the 4th."""
    right, wrong = date(2021, 3, 3), date(2021, 3, 4)
    pages = []
    for n in range(40):
        evidence = {"time": (right,), "htmldate": (wrong,), "url": (), "byline": (), "jsonld": (), "meta": ()}
        evidence["stamp"] = ()
        expected = wrong if n % 8 < 2 else right
        corpus = EVAL.DATE_CORPORA[n % 2]
        variants = dict.fromkeys(EVAL.htmldate_variants(), evidence)
        pages.append(
            EVAL.DatePage(
                corpus, f"https://example.org/{n}", expected.isoformat(), wrong.isoformat(), variants
            )
        )
    return pages


def test_cross_validation_chooses_on_the_other_folds_and_reports_each() -> None:
    cv = EVAL.cross_validate(_synthetic_pages(), 4)
    assert [row["fold"] for row in cv["folds"]] == [1, 2, 3, 4]
    assert all(row["rules"] == "time>htmldate[extensive]" for row in cv["folds"]), "fewest rules on a tie"
    assert cv["out_of_fold"]["combined"] == {"pages": 40, "ours": 0.75, "htmldate": 0.25, "diff": 0.5}
    assert cv["rules"]["time"] == {"folds_chosen": 4, "gain_out_of_fold": {c: 10 for c in EVAL.DATE_CORPORA}}
    assert cv["rules"]["byline"]["folds_chosen"] == 0
    report = EVAL.report_cross_validation(cv, 4)
    assert "out of fold" in report and "chosen on all pages: time>htmldate[extensive]" in report


def test_script_cross_validates_the_tiny_corpus(
    corpus: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("HUBWATCH_SHARED_DATA", str(corpus))
    assert EVAL.main(["--dates", "--folds", "2"]) == 0
    out = capsys.readouterr().out
    assert "2-fold cross-validation" in out and "in code (DEFAULT_RULES)" in out


def test_script_writes_json_and_reports_missing_data(
    corpus: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("HUBWATCH_SHARED_DATA", str(corpus))
    out = tmp_path / "figures.json"
    assert EVAL.main(["--json", str(out)]) == 0
    assert json.loads(out.read_text(encoding="utf-8"))["system"] == "hubwatch"
    assert "F1=" in capsys.readouterr().out

    monkeypatch.setenv("HUBWATCH_SHARED_DATA", str(tmp_path / "nowhere"))
    assert EVAL.main([]) == 2
    assert "no evaluation data" in capsys.readouterr().err


def test_dates_after_the_corpus_was_collected_are_refused(tmp_path: Path) -> None:
    later = PAGE.replace("2020-03-04T10:00:00+01:00", "2021-06-01T10:00:00+01:00")
    _write_corpus(
        tmp_path / "dates-mediacloud_2020",
        {"https://example.org/c": {"file": "c.html", "date": None}},
        {"c.html": later},
    )
    _, day = EVAL.ours()
    score = EVAL.score_dates(day, "dates-mediacloud_2020", data_dir=tmp_path)
    assert (score.right, score.htmldate_right) == (1, 1)  # collected in 2020: no 2021 date, for both


def test_our_labelled_dates_are_a_third_corpus_and_pages_new_to_the_date_corpora_stay_apart(
    corpus: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # dates-default holds https://example.org/a; the labels spell it otherwise and add two new pages
    urls = ["http://www.example.org/a/", "https://example.org/new-1", "https://example.org/new-2"]
    index = {u: {"file": "a.html", "with": [], "without": []} for u in urls}
    (corpus / "extraction" / "index.json").write_text(json.dumps(index), encoding="utf-8")
    labels = tmp_path / "labels.yaml"
    labels.write_text(
        f"- url: {urls[0]}\n  published: 2020-03-04\n- url: {urls[1]}\n  published: 2020-03-04\n"
        f"- url: {urls[2]}\n  published: null\n",
        encoding="utf-8",
    )
    monkeypatch.setattr(EVAL, "LABELS", labels)

    tuning = [url for url, _, _ in EVAL.iter_corpus(EVAL.LABELLED_DATES, data_dir=corpus)]
    held_out = [url for url, _, _ in EVAL.iter_corpus(EVAL.LABELLED_FINAL, data_dir=corpus)]
    assert (tuning, held_out) == ([urls[0]], urls[1:])
    assert EVAL.date_corpora(corpus) == (*EVAL.DATE_CORPORA, EVAL.LABELLED_DATES)

    dates = EVAL.evaluate(data_dir=corpus)["dates"]
    assert EVAL.LABELLED_FINAL not in dates
    assert (dates[EVAL.LABELLED_DATES]["pages"], dates[EVAL.LABELLED_DATES]["accuracy"]) == (1, 1.0)
    assert dates["combined"]["pages"] == 3, "'combined' stays htmldate's two corpora"

    monkeypatch.setenv("HUBWATCH_SHARED_DATA", str(corpus))
    assert EVAL.main(["--dates", "--final", "--no-speed"]) == 0
    final_row = next(line for line in capsys.readouterr().out.splitlines() if EVAL.LABELLED_FINAL in line)
    assert "accuracy=0.5000" in final_row and "pages=2" in final_row  # the dated page right, a date for none
