"""The CITY and HUB rules' switches and parameters, in one place, so each family can be measured on and off.

Why: which cue a town's name needs is a trade of precision against recall, and a rule that only helps the
pages it was written on is a fit. ``scripts/eval_entities.py --folds`` scores a setting by cross-validation
(``--set``, ``--try``); the defaults below are the settings that won out of fold (docs/entities.md).

``analyze`` reads the rules in effect (``current()``, ``current_hubs()``); ``using(rules)`` changes them for a
block of code, per thread and task (a context variable), so the pipeline need not be rebuilt.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any, TypeVar


@dataclass(frozen=True, slots=True)
class CityRules:
    """Which context a written town name needs before it counts as the town (defaults: chosen by CV)."""

    # Sizes (inhabitants of the municipality the form means).
    large_town: int = 100_000  # from this size a town needs no place cue ("Bielefeld hat …")
    small_word_town: int = 20_000  # below, a name that is also a word needs a strong cue ("Stadt Wissen")
    word_town: int = 50_000  # below, a name the word lists flag ("Löhne", "Achim") needs a cue at all
    # Families of rules that reject a candidate whatever its cue.
    names: bool = True  # inside a name: "Landgericht Köln", "VfB Stuttgart", "Faber-Castell", "Hannover 96"
    name_chains: bool = True  # "Universität Duisburg-Essen", "Bistum Rottenburg-Stuttgart": the chain too
    institutions: bool = True  # "Handwerkskammer für München", "Berliner Kammergericht"
    nouns: bool = True  # a noun after an article or in a noun phrase: "die Winzer", "einer mächtigen Göttin"
    abroad: bool = True  # "im österreichischen Linz", "Linz (Österreich)"
    teams: bool = True  # "3:1 gegen Augsburg" in a sentence about a match
    # a name that is also a word, joined by "und"/"oder" to a noun that is no town: "nach Siegen und Titeln"
    coordinated_nouns: bool = True
    # Families of cues.
    lists: bool = True  # a list with another accepted town is a weak cue ("Arnsberg und Meschede")
    adjectives: bool = True  # a city adjective before a capitalised word counts ("Leipziger Gründerszene")
    # Document level (document.py): a one-word village under this size needs its region in the text (0: off)
    village: int = 7_500
    village_by_land: bool = True  # another town of its Land places it (False: only a town of its Kreis)


@dataclass(frozen=True, slots=True)
class HubRules:
    """Which HUB references and hub facts the text's structure gives (defaults: chosen by CV)."""

    # Lists: the short lines of a list under a lead ending in ":" keep their line break ("Köln (Insurtech)",
    # "1. Hamburg: Hackathon"); a list line is about what its lead is about (hubs, a focus); the lines of one
    # list share a focus verb (ellipsis: "• Karlsruhe bringt KI ein,⏎• Darmstadt die Cybersicherheit,");
    # "Frankfurt am Main (Fintech)" opening a line is no dateline ("Calden (dpa) –" is).
    list_lines: bool = True
    # Where a place attaches: after "in"/"aus"/"nach" … a hub city is a hub only when the preposition
    # follows a hub word ("die Hubs in Frankfurt", "der Hub aus Dresden"), not "die Hub Agency in Berlin",
    # "nach Berlin eingeladen", "founders from Berlin", "the Berlin-based Hub Agency".
    attached_place: bool = True
    # Verbs that state a focus: "kümmert sich um", "bringt … voran", "arbeiten an", "steht für", "im Blick",
    # "covers", "is all about" (facts only: such a sentence is no sentence about hubs).
    focus_verbs: bool = True
    # "the chemistry and health hub in Ludwigshafen and Mannheim": sectors before "hub in" + hub.
    sector_hub_phrase: bool = True
    # In a text that announces new hubs, a focus sentence naming no hub states the new hubs' focus.
    new_hub_focus: bool = True
    # New hubs in more words ("wächst um zwei Standorte", "Neu im Netzwerk: Augsburg", "newest hub"), by an
    # English name ("Hanover" → Hannover), and not where a listed hub opens a site ("der Hub in Karlsruhe
    # eröffnet einen neuen Standort in Heilbronn").
    new_hub_words: bool = True
    # Fourth round (constructions of other writers). A hub city's adjective before a hub word: "der Berliner
    # Hub", "dem Kölner Insurtech-Hub", "Der Stuttgarter Digital Hub für Future Industries", "beim
    # Karlsruher Standort" (in a text about the initiative).
    adjective_hub: bool = True
    # A place whose relative clause names its hub: "nach Köln, wo der Insurtech-Hub der Initiative sitzt",
    # "Darmstadt, whose hub is devoted to cybersecurity".
    relative_hub: bool = True
    # Fifth round (constructions of other writers). "Hub für X" / "hub for X": a sector after "für" right
    # after a hub reference's hub word is that hub's ("der Stuttgarter Hub für Future Industries und das
    # MediaTech Hub"), not led on to the next hub as in "für Logistik stehen Hamburg und Dortmund".
    hub_word_for: bool = True
    # A definite hub noun that names no place refers back to the hubs named last: "Der Hub, der … für
    # Künstliche Intelligenz steht", "Der Thüringer Hub wird sich auf KI konzentrieren", "the hub sits in
    # …", "Beide Standorte bilden den Logistik-Schwerpunkt", "the two sites" (facts, and a sentence about
    # the hub for ``relevant``).
    hub_anaphora: bool = True
    # The title names a hub by a name two hubs share ("Digital Hub Logistics: two cities, one network") or
    # names every city of a hub the text names ("Nürnberg und Erlangen fördern …").
    title_hub: bool = True
    # "das Thema", "the topic" stands for the one sector the text's first sentence with a sector names
    # ("Der Hub Ludwigshafen/Mannheim kombiniert das Thema mit Chemie").
    topic_anaphora: bool = True
    # A place after the other hub of a pair: "as is its partner in Dortmund", "einer von zwei Standorten; der
    # zweite befindet sich in Hamburg".
    partner_place: bool = True
    # Sixth round. In a text about the initiative, a hub city in a sentence with one of its own hub's sectors
    # (hubs.yaml) is the hub, with that focus: "Berlin covers fintech …", "Logistics startups are best served
    # in Hamburg or Dortmund"; not an origin ("stammen aus …", "-based"); a shared sector to the nearer hub.
    own_sector_place: bool = True
    # Sixth round (sectors). A sector acronym opening a hyphenated compound is the sector whatever the head:
    # "KI-gestützte Bildauswertung", "KI-basierte Prognosen", "IoT-Sensoren" (the closed list of heads in
    # sectors.yaml still governs the other stems: "Chemie-Unterricht" is no sector statement).
    sector_acronym_compounds: bool = True
    # A sector word between a club's or company's acronym and a name is part of that name: "FC Energie
    # Cottbus", "BSG Chemie Leipzig" (the same cause as a town inside a club's name, names.py).
    sector_in_names: bool = True
    # Such a compound with a lower-case head is a modifier ("mit KI-gestützten Werkzeugen", "AI-driven"): a
    # SECTOR mention, never a hub's focus.
    modifier_no_focus: bool = True


R = TypeVar("R", CityRules, HubRules)
DEFAULT = CityRules()
DEFAULT_HUBS = HubRules()
_RULES: ContextVar[CityRules] = ContextVar("city_rules", default=DEFAULT)
_HUB_RULES: ContextVar[HubRules] = ContextVar("hub_rules", default=DEFAULT_HUBS)


def current() -> CityRules:
    """The CITY rules ``analyze`` applies now."""
    return _RULES.get()


def current_hubs() -> HubRules:
    """The HUB and fact rules ``analyze`` applies now."""
    return _HUB_RULES.get()


@contextmanager
def using(rules: R) -> Iterator[R]:
    """Apply ``rules`` (CITY or HUB rules) to every ``analyze`` call inside the block (this thread or task
    only)."""
    var: ContextVar[Any] = _HUB_RULES if isinstance(rules, HubRules) else _RULES
    token = var.set(rules)
    try:
        yield rules
    finally:
        var.reset(token)
