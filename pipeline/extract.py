"""Main text and metadata of one article page.

First version: trafilatura for the main text, htmldate for the date. The extraction issue deepens it.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime

import trafilatura
from htmldate import find_date

from pipeline.errors import ExtractError

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Article:
    """What hubwatch keeps of one page; everything later sees only this."""

    url: str
    title: str
    text: str
    published_at: date | datetime | None = None
    modified_at: date | datetime | None = None
    language: str | None = None
    canonical_url: str | None = None
    author: str | None = None


def extract_article(
    html: bytes | str,
    url: str,
    *,
    content_selector: str | None = None,
    feed_date: date | datetime | None = None,
) -> Article:
    """Extract the article of one page; raise ExtractError when there is none."""
    if isinstance(html, bytes):
        html = html.decode("utf-8", errors="replace")
    if not html.strip():
        raise ExtractError("empty page", url=url)
    doc = trafilatura.bare_extraction(html, url=url, with_metadata=True, include_comments=False)
    if doc is None or not (doc.text or "").strip():
        raise ExtractError("no main text found", url=url)
    published = feed_date or _parse_date(find_date(html, url=url, original_date=True))
    return Article(
        url=url,
        title=(doc.title or "").strip(),
        text=doc.text.strip(),
        published_at=published,
        language=doc.language,
        canonical_url=doc.url if doc.url and doc.url != url else None,
        author=doc.author,
    )


def _parse_date(value: str | None) -> date | None:
    """htmldate returns YYYY-MM-DD strings."""
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        return None
