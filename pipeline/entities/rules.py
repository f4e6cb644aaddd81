"""The CITY rules' switches and parameters, in one place, so each family can be measured on and off.

Why: which cue a town's name needs is a trade of precision against recall, and a rule that only helps the
pages it was written on is a fit. ``scripts/eval_entities.py --folds`` scores a setting by cross-validation
(``--set``, ``--try``); the defaults below are the settings that won out of fold (docs/entities.md).

``analyze`` reads the rules in effect (``current()``); ``using(rules)`` changes them for a block of code,
per thread and task (a context variable), so the pipeline need not be rebuilt.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class CityRules:
    """Which context a written town name needs before it counts as the town."""

    # Sizes (inhabitants of the municipality the form means).
    large_town: int = 100_000  # from this size a town needs no place cue ("Bielefeld hat …")
    small_word_town: int = 20_000  # below, a name that is also a word needs a strong cue ("Stadt Wissen")
    word_town: int = 50_000  # below, a name the word lists flag ("Löhne", "Siegen") needs a cue at all
    # Families of rules that reject a candidate whatever its cue.
    names: bool = True  # inside a name: "Landgericht Köln", "VfB Stuttgart", "Faber-Castell", "Hannover 96"
    nouns: bool = True  # a noun after an article or in a noun phrase: "die Winzer", "einer mächtigen Göttin"
    numerals: bool = False  # a noun after a number word: "nach drei Siegen", "zwei Essen"
    place_adjectives: bool = (
        False  # "im benachbarten Eisenhüttenstadt", "im sauerländischen Meschede": a town
    )
    abroad: bool = True  # "im österreichischen Linz", "Linz (Österreich)"
    teams: bool = True  # "3:1 gegen Augsburg" in a sentence about a match
    name_chains: bool = False  # "Universität Duisburg-Essen", "Bistum Rottenburg-Stuttgart": the chain too
    institutions: bool = (
        False  # "Handwerkskammer für München", "Universität zu Köln", "Berliner Kammergericht"
    )
    team_origin: bool = False  # "der Rekordmeister aus Kiel" in a sentence about a match is the team
    # Cues and forms.
    imprints: bool = False  # "Tübingen 2012", "Tübingen, 1991": a publisher's imprint is a weak cue
    dateline_lists: bool = False  # "Hofheim am Taunus | Wiesbaden, 11. November 2021": each town a dateline
    merged_parts: bool = False  # "Dessau" → Dessau-Roßlau, "Villingen" → Villingen-Schwenningen
    # Document-level rules (document.py).
    foreign_text: bool = False  # in a text about Austria or Switzerland a town needs one cue more
    village: int = 0  # below this size a one-word town needs its region named in the text (0: off)
    village_by_land: bool = False  # another town of its Land places a village (else: of its Kreis)
    name_elsewhere: bool = False  # a name the text uses inside a name, for a team or abroad needs a cue more
    # Families of cues.
    lists: bool = True  # a list with another accepted town is a weak cue ("Arnsberg und Meschede")
    adjectives: bool = True  # a city adjective before a capitalised word counts ("Leipziger Gründerszene")


DEFAULT = CityRules()
_RULES: ContextVar[CityRules] = ContextVar("city_rules", default=DEFAULT)


def current() -> CityRules:
    """The rules ``analyze`` applies now."""
    return _RULES.get()


@contextmanager
def using(rules: CityRules) -> Iterator[CityRules]:
    """Apply ``rules`` to every ``analyze`` call inside the block (this thread or task only)."""
    token = _RULES.set(rules)
    try:
        yield rules
    finally:
        _RULES.reset(token)
