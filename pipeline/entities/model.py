"""Optional statistical NER (ORG, PERSON) from an installed de_core_news_* model; off by default.

No German model is on PyPI, so this cannot be tested here. Set ``HUBWATCH_SPACY_MODEL=de_core_news_md`` (after
``python -m spacy download de_core_news_md``) to add its ORG and PERSON entities to the mentions. A missing
model logs one warning and is then ignored.
"""

from __future__ import annotations

import logging
import os
from functools import cache
from typing import Any

from pipeline.entities.result import Mention

logger = logging.getLogger(__name__)
ENV_VAR = "HUBWATCH_SPACY_MODEL"
LABELS = {"ORG": "ORG", "PER": "PERSON", "PERSON": "PERSON"}


@cache
def _model(name: str) -> Any | None:
    try:
        import spacy

        return spacy.load(name, disable=["lemmatizer", "parser", "tagger", "morphologizer"])
    except (ImportError, OSError) as exc:
        logger.warning("statistical model %s not available (%s); ORG/PERSON mentions are off", name, exc)
        return None


def statistical_mentions(text: str) -> list[Mention]:
    """ORG and PERSON mentions from the configured model; empty when none is configured or installed."""
    name = os.environ.get(ENV_VAR, "").strip()
    nlp = _model(name) if name else None
    if nlp is None:
        return []
    doc = nlp(text)
    return [
        Mention(LABELS[e.label_], e.text, e.text, e.start_char, e.end_char)  # type: ignore[arg-type]
        for e in doc.ents
        if e.label_ in LABELS
    ]
