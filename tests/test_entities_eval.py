"""Quality gate: the labelled entity set must stay above the pinned floors in tests/entities_floors.json."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from scripts.eval_entities import evaluate, load_documents

pytestmark = pytest.mark.slow  # a quality gate (pyproject's marker)

FLOORS = json.loads((Path(__file__).parent / "entities_floors.json").read_text(encoding="utf-8"))
EPSILON = 0.005  # rounding noise, not a tolerance for regressions


@pytest.fixture(scope="module")
def scores():
    result, _errors = evaluate(load_documents())
    return result


def test_the_labelled_set_is_large_and_a_quarter_hard_negatives():
    docs = load_documents()
    assert len(docs) >= 60
    assert sum(not d["relevant"] for d in docs) >= len(docs) / 4
    assert len({d["id"] for d in docs}) == len(docs)


@pytest.mark.parametrize("key", sorted(FLOORS), ids=sorted(FLOORS))
def test_f1_stays_above_its_floor(scores, key):
    assert scores[key].f1 >= FLOORS[key] - EPSILON, f"{key} F1 {scores[key].f1:.3f} < floor {FLOORS[key]}"
