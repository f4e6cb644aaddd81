"""Hubs, cities and sectors in German text, linked to canonical names.

Public API: ``analyze(text, title="") -> Analysis``. The entities issue replaces this first gazetteer
version with a spaCy pipeline; the types below stay.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

Label = Literal["HUB", "CITY", "SECTOR", "ORG", "PERSON"]


@dataclass(frozen=True, slots=True)
class Mention:
    """One entity as written; ``start``/``end`` index ``text`` (or the title when ``in_title``)."""

    label: Label
    text: str
    canonical: str
    start: int
    end: int
    sentence: str = ""
    in_title: bool = False


@dataclass(frozen=True, slots=True)
class Fact:
    """A stated hub → city or hub → sector fact, with the sentence that states it."""

    hub: str
    kind: Literal["city", "sector"]
    value: str
    evidence: str = ""


@dataclass(slots=True)
class Analysis:
    mentions: list[Mention] = field(default_factory=list)
    facts: list[Fact] = field(default_factory=list)
    relevant: bool = False


def analyze(text: str, title: str = "") -> Analysis:
    """Find hubs, cities and sectors; placeholder until the gazetteer lands."""
    from pipeline.entities.simple import analyze_simple

    return analyze_simple(text, title)
