"""Entity data an analyst edits: hubs.yaml, sectors.yaml, cities.yaml and the built municipality gazetteer.

Loaded once per process (``load()`` is cached): the files are package data, so a hub or synonym is added
without touching code.
"""

from __future__ import annotations

import csv
import gzip
import io
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from typing import Any

import yaml

PACKAGE = "pipeline.entities"
AUTO_AMBIGUOUS_MAX_POPULATION = 50_000  # auto-flagged word-like names above this size are read as the city
# (the default of CityRules.word_town; ``ambiguous_at`` gives the set for another size)
# Towns the press writes in the genitive: "Dresdens Oberbürgermeister", "Leipzigs Gründerszene".
GENITIVE_MIN_POPULATION = 20_000


@dataclass(frozen=True, slots=True)
class HubName:
    """A name that says hub ("Smart Systems Hub") with the sectors it carries."""

    text: str
    hubs: tuple[str, ...]  # several when the name is shared ("Digital Hub Logistics": Dortmund, Hamburg)
    sectors: tuple[str, ...] = ()
    generic: bool = False  # a name others use too ("Mobility Hub" at a station): a HUB only in context


@dataclass(frozen=True, slots=True)
class Town:
    """One municipality a written form may mean, with what tells same-named towns apart."""

    canonical: str
    population: int
    land: str
    kreis: str


@dataclass(frozen=True, slots=True)
class Hub:
    canonical: str
    cities: tuple[str, ...]
    sectors: tuple[str, ...]
    names: tuple[HubName, ...]
    operators: tuple[str, ...]


@dataclass(slots=True)
class EntityData:
    """Everything the pipeline matches on, as plain dicts keyed by written form."""

    hubs: dict[str, Hub] = field(default_factory=dict)
    hub_names: list[HubName] = field(default_factory=list)
    hub_of_city: dict[str, str] = field(default_factory=dict)
    city_forms: dict[str, str] = field(default_factory=dict)  # written form → canonical (the largest town)
    namesakes: dict[str, tuple[Town, ...]] = field(default_factory=dict)  # forms several towns share
    ambiguous: set[str] = field(default_factory=set)  # written forms that are also words: need a place cue
    word_forms: dict[str, int] = field(default_factory=dict)  # forms the gazetteer flags as words → size
    listed_ambiguous: set[str] = field(default_factory=set)  # cities.yaml `ambiguous`, whatever the size
    _ambiguous_at: dict[int, set[str]] = field(default_factory=dict)
    elsewhere: set[str] = field(default_factory=set)  # a much larger namesake abroad or a district elsewhere
    population: dict[str, int] = field(default_factory=dict)  # canonical → inhabitants
    regions: set[str] = field(default_factory=set)  # states and districts: "Schleswig-Holstein"
    region_of: dict[str, tuple[str, str]] = field(default_factory=dict)  # canonical → (Land, Kreis)
    adjectives: dict[str, str] = field(default_factory=dict)
    organisations: list[str] = field(default_factory=list)
    not_cities: set[str] = field(default_factory=set)
    sector_forms: dict[str, str] = field(default_factory=dict)  # case-insensitive
    sector_exact: dict[str, str] = field(default_factory=dict)  # case-sensitive acronyms
    sector_stems: dict[str, str] = field(default_factory=dict)
    compound_heads: tuple[str, ...] = ()
    sector_blockers: list[str] = field(default_factory=list)

    def ambiguous_at(self, word_town: int) -> set[str]:
        """Forms that need a place cue: listed in cities.yaml, or flagged as words for towns under
        ``word_town`` inhabitants; never a hub's own city, which reads as the city wherever it is written."""
        found = self._ambiguous_at.get(word_town)
        if found is None:
            hub_cities = {city for hub in self.hubs.values() for city in hub.cities}
            words = {form for form, size in self.word_forms.items() if size < word_town}
            found = self._ambiguous_at[word_town] = (words | self.listed_ambiguous) - hub_cities
        return found


def _yaml(name: str) -> Any:
    return yaml.safe_load(resources.files(PACKAGE).joinpath(name).read_text(encoding="utf-8"))


def _as_tuple(value: str | list[str] | None) -> tuple[str, ...]:
    if value is None:
        return ()
    return (value,) if isinstance(value, str) else tuple(value)


def _load_hubs(data: EntityData) -> None:
    config = _yaml("hubs.yaml")
    for entry in config["hubs"]:
        names = tuple(
            HubName(n["name"], (entry["canonical"],), _as_tuple(n.get("sector")), bool(n.get("generic")))
            for n in entry.get("names", [])
        )
        hub = Hub(
            entry["canonical"],
            tuple(entry["cities"]),
            tuple(entry.get("sectors", [])),
            names,
            tuple(entry.get("operators", [])),
        )
        data.hubs[hub.canonical] = hub
        data.hub_names.extend(names)
        for city in hub.cities:
            data.hub_of_city[city] = hub.canonical
    for n in config.get("shared_names", []):
        data.hub_names.append(HubName(n["name"], tuple(n["hubs"]), _as_tuple(n.get("sector"))))


ADJECTIVE_ENDINGS = ("e", "en", "er", "es", "em")


def inflected(form: str) -> set[str]:
    """'Künstliche Intelligenz' → also 'Künstlichen/Künstlicher … Intelligenz': German inflects adjectives."""
    first, sep, rest = form.partition(" ")
    if not sep or not first.endswith("e") or not first[:1].isalpha():
        return {form}
    stem = first[:-1]
    return {f"{stem}{ending} {rest}" for ending in ADJECTIVE_ENDINGS} | {form}


def _load_sectors(data: EntityData) -> None:
    config = _yaml("sectors.yaml")
    for canonical, spec in config["sectors"].items():
        for form in [canonical, *spec.get("forms", [])]:
            for variant in inflected(form):
                data.sector_forms.setdefault(variant, canonical)
        data.sector_exact.update(dict.fromkeys(spec.get("exact", []), canonical))
        data.sector_stems.update(dict.fromkeys(spec.get("stems", []), canonical))
    data.compound_heads = tuple(config["compound_heads"])
    data.sector_blockers = list(config["blockers"])


def _gazetteer_rows() -> list[dict[str, str]]:
    """The built gazetteer's rows (its header comment carries the data's attribution)."""
    raw = resources.files(PACKAGE).joinpath("municipalities.tsv.gz").read_bytes()
    with gzip.open(io.BytesIO(raw), "rt", encoding="utf-8") as fh:
        return list(csv.DictReader((line for line in fh if not line.startswith("#")), delimiter="\t"))


def _load_gazetteer(data: EntityData, not_cities: set[str]) -> None:
    """Rows come largest town first per form: the first is the form's default canonical."""
    towns: dict[str, list[Town]] = {}
    for row in _gazetteer_rows():
        form = row["form"]
        if form in not_cities:
            continue
        if row["kind"] == "region":
            data.regions.add(form)
            continue
        pop = int(row["population"])
        town = Town(row["canonical"], pop, row["land"], row["kreis"])
        towns.setdefault(form, []).append(town)
        data.population[town.canonical] = max(pop, data.population.get(town.canonical, 0))
        data.region_of.setdefault(town.canonical, (town.land, town.kreis))
        if form in data.city_forms:
            continue
        data.city_forms[form] = town.canonical
        if row["word"] == "1":
            data.word_forms[form] = pop
        if row["elsewhere"] != "0":
            data.elsewhere.add(form)
    data.namesakes = {form: tuple(found) for form, found in towns.items() if len(found) > 1}


def _add_genitives(data: EntityData) -> None:
    """'Dresdens', 'Kölns': the genitive of a one-word town name, ambiguous when the name is."""
    for form, canonical in list(data.city_forms.items()):
        genitive = f"{form}s"
        if (
            " " in form
            or form[-1] in "sßxz"
            or genitive in data.city_forms
            or data.population.get(canonical, 0) < GENITIVE_MIN_POPULATION
        ):
            continue
        data.city_forms[genitive] = canonical
        if form in data.word_forms:
            data.word_forms[genitive] = data.word_forms[form]
        if form in data.listed_ambiguous:
            data.listed_ambiguous.add(genitive)


def hub_list() -> list[str]:
    """Canonical names of the hubs in hubs.yaml, in file order (cheap: no gazetteer, no spaCy)."""
    return [entry["canonical"] for entry in _yaml("hubs.yaml")["hubs"]]


@cache
def load() -> EntityData:
    """Read all entity data files once."""
    data = EntityData()
    cities = _yaml("cities.yaml")
    data.not_cities = set(cities["not_cities"])
    _load_gazetteer(data, data.not_cities)
    data.city_forms.update(cities["aliases"])
    data.listed_ambiguous = set(cities["ambiguous"])
    _add_genitives(data)
    data.adjectives = dict(cities["adjectives"])
    data.organisations = list(cities["organisations"])
    _load_hubs(data)
    data.ambiguous = data.ambiguous_at(AUTO_AMBIGUOUS_MAX_POPULATION)
    _load_sectors(data)
    return data
