"""The evaluation script itself: scoring as trafilatura and htmldate count it, on a tiny corpus."""

from __future__ import annotations

import gzip
import importlib
import json
import sys
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT / "scripts") not in sys.path:
    sys.path.insert(0, str(ROOT / "scripts"))
EVAL = importlib.import_module("eval_extraction")

PAGE = (
    "<html><head><title>Neuer Hub</title>"
    '<meta property="article:published_time" content="2021-03-04T10:00:00+01:00"></head><body>'
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
        {"https://example.org/a": {"file": "a.html", "date": "2021-03-04"}},
        {"a.html": PAGE},
    )
    _write_corpus(
        tmp_path / "dates-mediacloud_2020",
        {
            "https://example.org/a": {"file": "a.html", "date": "2021-03-05"},
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
    assert dates["combined"] == {"accuracy": pytest.approx(1 / 3, abs=1e-4), "pages": 3, "right": 1}


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
