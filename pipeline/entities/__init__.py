"""Entities: hubs, cities and sectors in German (and English) press text, linked to canonical names.

In: an article's text and title. Out: an `Analysis` — mentions (label, text, canonical, offsets,
sentence), the hub facts the text states (hub → city, hub → sector, with evidence) and `relevant`.

Public API: ``analyze(text, title="") -> Analysis``. Importing this package is cheap: the rule-based spaCy
pipeline (``nlp.py``) and its gazetteer load on the first ``analyze`` call.
"""

from __future__ import annotations

from pipeline.entities.result import Analysis, Fact, Label, Mention

__all__ = ["Analysis", "Fact", "Label", "Mention", "analyze", "listed_hubs"]


def analyze(text: str, title: str = "") -> Analysis:
    """Find hubs, cities and sectors, the hub facts the text states, and whether it is about the initiative.

    The spaCy pipeline is built on the first call and reused; see docs/entities.md for the rules.
    """
    from pipeline.entities.analysis import run

    return run(text, title)


def listed_hubs() -> list[str]:
    """The hubs hubs.yaml lists (canonical names), without building the pipeline: table `hubs` marks them
    known at the start of each run."""
    from pipeline.entities.data import hub_list

    return hub_list()
