"""trafilatura's readability comparison is skipped only where it cannot change the text (speed only).

The skip rests on one bound: readability's text of a page is never longer than `readability_bound`.
Checked on the written test pages always, and on the real pages of the shared corpus (`-m slow`, skipped
without ../shared/data); and the text is the same with the guard on and off.
"""

from __future__ import annotations

import gzip
import json
from collections.abc import Iterator
from copy import deepcopy
from pathlib import Path

import pytest
import trafilatura
import trafilatura.external
from lxml import etree
from trafilatura.utils import trim

from pipeline.extract import comparison, parse
from pipeline.extract.decode import to_text
from pipeline.extract.text import main_text
from tests.germansite import ARTICLES, article_html

FIXTURES = Path(__file__).parent / "fixtures" / "extract"
CORPUS = Path(__file__).resolve().parents[2] / "shared" / "data" / "extraction"
pytestmark = pytest.mark.skipif(
    trafilatura.__version__ not in comparison.VERIFIED, reason="the guard is off for this trafilatura"
)


def written_pages() -> Iterator[tuple[str, str]]:
    for path in sorted(FIXTURES.glob("*.html")):
        url = f"https://example.org/{path.stem}"
        yield url, to_text(path.read_bytes(), url)
    for article in ARTICLES:
        yield f"https://example.org/artikel/{article['slug']}.html", article_html(article)


def corpus_pages() -> Iterator[tuple[str, str]]:
    index = json.loads((CORPUS / "index.json").read_text(encoding="utf-8"))
    for url, item in index.items():
        raw = gzip.decompress((CORPUS / "html" / f"{item['file']}.gz").read_bytes())
        yield url, to_text(raw, url)


def readability_length(tree: etree._Element) -> int:
    """What trafilatura's comparison measures of readability's result."""
    found = trafilatura.external.try_readability(deepcopy(tree))
    return len(trim(etree.tostring(found, method="text", encoding="utf-8").decode("utf-8")))


def assert_bound_holds(pages: Iterator[tuple[str, str]]) -> int:
    checked = 0
    for url, html in pages:
        tree = parse(html, url)
        assert readability_length(tree) <= comparison.readability_bound(tree), url
        checked += 1
    return checked


def test_readabilitys_text_never_exceeds_the_bound_on_the_written_pages() -> None:
    assert assert_bound_holds(written_pages()) >= len(ARTICLES)


@pytest.mark.slow
def test_readabilitys_text_never_exceeds_the_bound_on_real_pages() -> None:
    if not (CORPUS / "index.json").is_file():
        pytest.skip(f"no shared evaluation data at {CORPUS}")
    assert assert_bound_holds(corpus_pages()) > 400


def test_the_text_is_the_same_with_the_guard_on_and_off(monkeypatch: pytest.MonkeyPatch) -> None:
    """And readability is skipped on some of these pages: the guard does something."""
    calls = {"asked": 0, "skipped": 0}
    decide = comparison.readability_cannot_win

    def counting(*args: object) -> bool:
        skip = decide(*args)  # type: ignore[arg-type]
        calls["asked"] += 1
        calls["skipped"] += skip
        return skip

    pages = list(written_pages())
    monkeypatch.setattr(comparison, "readability_cannot_win", counting)
    guarded = [main_text(parse(html, url), url) for url, html in pages]
    monkeypatch.setattr(comparison, "readability_cannot_win", lambda *args: False)
    plain = [main_text(parse(html, url), url) for url, html in pages]
    assert guarded == plain
    assert 0 < calls["skipped"] <= calls["asked"]
