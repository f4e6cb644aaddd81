"""What the entity step hands on: mentions as written, the hub facts stated, and relevance."""

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
    """What ``analyze`` found in one article: mentions in text and title, hub facts, and relevance.

    ``new_hubs``: hubs the text announces as joining the initiative that hubs.yaml does not list (their
    canonical names, also HUB mentions); the store records them in table `hubs` with `known = 0`.
    """

    mentions: list[Mention] = field(default_factory=list)
    facts: list[Fact] = field(default_factory=list)
    relevant: bool = False
    new_hubs: list[str] = field(default_factory=list)
