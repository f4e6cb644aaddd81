"""Behaviour of ``analyze``: the rules of INTERFACE.md as YAML cases, the seed article, offsets."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from pipeline.entities import Analysis, analyze

ROOT = Path(__file__).resolve().parents[1]
CASES = yaml.safe_load(
    (Path(__file__).parent / "fixtures" / "entities" / "cases" / "rules.yaml").read_text(encoding="utf-8")
)


def shared_data() -> Path:
    default = Path(__file__).resolve().parents[1].parent / "shared" / "data"
    return Path(os.environ.get("HUBWATCH_SHARED_DATA", default))


def triples(result: Analysis, *, in_title: bool = False) -> set[tuple[str, str, str]]:
    return {(m.label, m.text, m.canonical) for m in result.mentions if m.in_title == in_title}


def facts(result: Analysis) -> set[tuple[str, str, str]]:
    return {(f.hub, f.kind, f.value) for f in result.facts}


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_rule(case: dict[str, Any]) -> None:
    result = analyze(case["text"], case.get("title", ""))
    found = triples(result)
    for label, text, canonical in case.get("present", []):
        assert (label, text, canonical) in found
    for label, text in case.get("absent", []):
        assert not any(m.label == label and m.text == text for m in result.mentions)
    for label, text, canonical in case.get("present_in_title", []):
        assert (label, text, canonical) in triples(result, in_title=True)
    assert {tuple(f) for f in case.get("facts", [])} <= facts(result)
    assert not {tuple(f) for f in case.get("absent_facts", [])} & facts(result)
    if "relevant" in case:
        assert result.relevant is case["relevant"]
    if "new_hubs" in case:
        assert result.new_hubs == case["new_hubs"]


def test_offsets_index_the_text_and_title() -> None:
    title, text = "Neuer de:hub Jena", "Der Smart Systems Hub\nDresden und das\nMünchner Umland."
    result = analyze(text, title)
    for m in result.mentions:
        source = title if m.in_title else text
        assert source[m.start : m.end] == m.text
        assert m.sentence


def test_empty_text() -> None:
    assert analyze("") == Analysis()


SEED_STATED = {
    "Berlin": {"Fintech", "Internet of Things"},
    "Dortmund": {"Logistik"},
    "Frankfurt": {"Fintech"},
    "Hamburg": {"Logistik"},
    "München": {"Mobilität"},
    "Dresden/Leipzig": {"Smart Systems", "Internet of Things", "Energie"},
    "Potsdam": {"Medientechnologien"},
    "Köln": {"Insurtech"},
    "Karlsruhe": {"Künstliche Intelligenz"},
    "Stuttgart": {"Future Industries"},
    "Ludwigshafen/Mannheim": {"Chemie", "Gesundheit"},
    "Darmstadt": {"Cybersicherheit"},
    "Nürnberg/Erlangen": {"Gesundheit"},
}
# The Leipzig paragraph adds "nachhaltige Energie, Smart-City sowie digitale Gesundheitsversorgung (eHealth)".
SEED_ALSO_STATED = {"Dresden/Leipzig": {"Smart City", "Gesundheit"}}


@pytest.fixture(scope="module")
def seed() -> Analysis:
    files = sorted((shared_data() / "seed").glob("000_*.txt"))
    if not files:
        pytest.skip("shared seed article not available")
    title, _, text = files[0].read_text(encoding="utf-8").partition("\n")
    return analyze(text, title)


def test_seed_names_every_hub(seed: Analysis) -> None:
    assert {m.canonical for m in seed.mentions if m.label == "HUB"} == set(SEED_STATED)
    assert seed.relevant


def test_seed_gives_each_hub_exactly_its_stated_sectors(seed: Analysis) -> None:
    for hub, sectors in SEED_STATED.items():
        found = {f.value for f in seed.facts if f.hub == hub and f.kind == "sector"}
        assert sectors <= found, hub
        assert found <= sectors | SEED_ALSO_STATED.get(hub, set()), hub


def test_seed_places_twin_hubs_in_both_cities(seed: Analysis) -> None:
    cities = {(f.hub, f.value) for f in seed.facts if f.kind == "city"}
    assert {("Dresden/Leipzig", "Dresden"), ("Dresden/Leipzig", "Leipzig")} <= cities
    assert {("Ludwigshafen/Mannheim", "Ludwigshafen am Rhein"), ("Frankfurt", "Frankfurt am Main")} <= cities


def test_importing_the_package_does_not_load_spacy() -> None:
    """``analyze`` is imported by the CLI and the store; the pipeline loads on first use only."""
    code = "import sys, pipeline.entities; print('spacy' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT)
    assert out.stdout.strip() == "False"


def test_a_missing_statistical_model_is_ignored(monkeypatch: pytest.MonkeyPatch, caplog) -> None:
    monkeypatch.setenv("HUBWATCH_SPACY_MODEL", "de_core_news_does_not_exist")
    result = analyze("Der Smart Systems Hub in Dresden.")
    assert {m.label for m in result.mentions} == {"HUB", "CITY", "SECTOR"}
    assert "not available" in caplog.text


def test_cue_patterns_keep_the_word_boundary_they_move() -> None:
    """cue_pattern moves a branch's leading \\b behind its first letter for speed; the matches stay."""
    import re

    from pipeline.entities.sents import cue_pattern

    source = r"entsteh|\bsetz(?:t|en) auf\b|(?:\bliga\b|pokal)"
    text = "Das besetzt auf Dauer; Köln setzt auf Insurtech; Bundesliga, Liga und Pokal; es entsteht"
    expected = ["setzt auf", "liga", "pokal", "entsteh"]
    assert [m.group() for m in re.compile(source).finditer(text.lower())] == expected
    assert [m.group() for m in cue_pattern(source).finditer(text.lower())] == expected
    assert cue_pattern(source).pattern != source
