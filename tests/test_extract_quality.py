"""Quality gate: extraction on the shared development corpora must not fall below the pinned floors.

Runs scripts/eval_extraction.py in-process over the full corpora (about 950 pages); skips when the
shared data is absent (a user's clone has no ../shared). Floors live in tests/extraction_floors.json:
raise them when the figures improve, never lower them. Dates are also scored with htmldate alone on the
same pages in the same run; both figures are recorded (junit properties), and ours may not fall below
htmldate's on any corpus.
"""

from __future__ import annotations

import importlib
import json
import sys
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[1]
FLOORS = json.loads((ROOT / "tests" / "extraction_floors.json").read_text(encoding="utf-8"))


def _load_eval_script() -> ModuleType:
    """Import scripts/eval_extraction.py by name, so that its worker processes can import it too."""
    scripts = str(ROOT / "scripts")
    if scripts not in sys.path:
        sys.path.insert(0, scripts)
    return importlib.import_module("eval_extraction")


EVAL = _load_eval_script()
# read at collection time, before any fixture clears HUBWATCH_* variables from the environment
DATA_DIR: Path = EVAL.shared_data_dir()


@pytest.fixture(scope="module")
def figures() -> dict[str, Any]:
    if not (DATA_DIR / EVAL.TEXT_CORPUS / "index.json").is_file():
        pytest.skip(f"no shared evaluation data at {DATA_DIR} (set HUBWATCH_SHARED_DATA)")
    return EVAL.evaluate(jobs=2, data_dir=DATA_DIR)  # text and date corpora side by side: half the wall time


@pytest.mark.slow
@pytest.mark.parametrize("metric", ["precision", "recall", "f1"])
def test_text_quality_floor(figures: dict[str, Any], metric: str) -> None:
    assert figures["text"]["errors"] == 0
    assert figures["text"][metric] >= FLOORS["text"][metric], figures["text"]


@pytest.mark.slow
@pytest.mark.parametrize("corpus", ["dates-default", "dates-mediacloud_2020", "dates-extraction", "combined"])
def test_date_accuracy_floor(figures: dict[str, Any], corpus: str) -> None:
    assert figures["dates"][corpus]["accuracy"] >= FLOORS["dates"][corpus], figures["dates"]


@pytest.mark.slow
@pytest.mark.parametrize("corpus", ["dates-default", "dates-mediacloud_2020", "dates-extraction", "combined"])
def test_dates_not_below_htmldate_alone(
    figures: dict[str, Any], corpus: str, record_property: Callable[[str, object], None]
) -> None:
    found = figures["dates"][corpus]
    record_property("hubwatch", found["accuracy"])
    record_property("htmldate_alone", found["htmldate"])
    assert found["accuracy"] >= found["htmldate"], f"{corpus}: hubwatch below htmldate alone: {found}"
