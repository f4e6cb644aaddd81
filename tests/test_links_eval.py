"""Quality gate: the link finder on the hand-labelled real pages stays above the pinned floors
(tests/links_floors.json; raised, never silently lowered). Skips where ../shared/data is absent."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from scripts.eval_links import DATA, evaluate, load_labels

pytestmark = pytest.mark.slow  # a quality gate (pyproject's marker)

FLOORS = json.loads((Path(__file__).parent / "links_floors.json").read_text(encoding="utf-8"))
EPSILON = 0.005  # rounding noise, not a tolerance for regressions


@pytest.fixture(scope="module")
def scores():
    if not DATA.exists():
        pytest.skip("../shared/data/extraction is not here")
    return evaluate(load_labels(), ("tune", "holdout"))[0]


def test_at_least_30_pages_are_labelled_and_a_third_held_out() -> None:
    labels = load_labels()
    assert len(labels) >= 30
    assert sum(e["split"] == "holdout" for e in labels) >= len(labels) / 3 - 1


@pytest.mark.parametrize("split", sorted(FLOORS))
def test_precision_and_recall_stay_above_their_floors(scores, split: str) -> None:
    got = scores[split]
    for measure, floor in FLOORS[split].items():
        assert getattr(got, measure) >= floor - EPSILON, (
            f"{split} {measure} {getattr(got, measure):.3f} < {floor}"
        )
