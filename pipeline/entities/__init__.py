"""Hubs, cities and sectors in German (and English) press text, linked to canonical names.

Public API: ``analyze(text, title="") -> Analysis``. Importing this package is cheap: the rule-based spaCy
pipeline (``nlp.py``) and its gazetteer load on the first ``analyze`` call.
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
    """What ``analyze`` found in one article: mentions in text and title, hub facts, and relevance."""

    mentions: list[Mention] = field(default_factory=list)
    facts: list[Fact] = field(default_factory=list)
    relevant: bool = False


def analyze(text: str, title: str = "") -> Analysis:
    """Find hubs, cities and sectors, the hub facts the text states, and whether it is about the initiative.

    The spaCy pipeline is built on the first call and reused; see docs/entities.md for the rules.
    """
    from pipeline.entities.analysis import run

    return run(text, title)
