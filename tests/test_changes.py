"""Change detection as an analyst sees it: noise never makes a version, a real edit makes exactly one."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import sqlite_utils
import yaml
from hypothesis import given
from hypothesis import strategies as st

from pipeline.entities import Analysis
from pipeline.extract import Article
from pipeline.store.announcements import Saved, mark_gone, save_article
from pipeline.store.changes import comparison_form, content_hash, normalise
from pipeline.store.schema import open_db

CASES_FILE = Path(__file__).parent / "fixtures" / "changes" / "cases.yaml"
DATA = yaml.safe_load(CASES_FILE.read_text(encoding="utf-8"))
BASE, CASES = DATA["base"], DATA["cases"]
URL = "https://hamburg.example/presse/innovationslabor"


def save(db: sqlite_utils.Database, title: str, text: str, *, url: str = URL, at: str) -> Saved:
    article = Article(url=url, title=title, text=text)
    return save_article(db, source_id="hamburg", url=url, article=article, analysis=Analysis(), fetched_at=at)


def after(case: dict[str, Any]) -> tuple[str, str]:
    text = BASE["text"]
    old, new = case.get("after_text_replace", ["", ""])
    if old:
        assert old in text, f"{case['name']}: the replaced text is not in the base"
        text = text.replace(old, new)
    return case.get("after_title", BASE["title"]), text


@pytest.fixture
def db(tmp_path: Path) -> sqlite_utils.Database:
    return open_db(tmp_path / "hubwatch.db")


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_noise_makes_no_version_and_an_edit_exactly_one(db: sqlite_utils.Database, case: dict) -> None:
    first = save(db, BASE["title"], BASE["text"], at="2024-03-12T08:00:00+00:00")
    second = save(db, *after(case), at="2024-03-14T08:00:00+00:00")
    versions = db.execute("SELECT version, diff FROM announcement_versions ORDER BY version").fetchall()
    events = db.execute("SELECT kind, version FROM events ORDER BY id").fetchall()
    assert first.change == "new"
    if case["expect"] == "unchanged":
        assert second.change == "unchanged"
        assert [v for v, _ in versions] == [1] and events == [("new", 1)]
        return
    assert second.change == "changed" and second.version == 2
    assert events == [("new", 1), ("changed", 2)]
    diff_lines = versions[1][1].splitlines()
    assert diff_lines[:2] == ["--- v1", "+++ v2"]
    if "added" in case or "removed" in case:
        expected = [f"+{line}" for line in case.get("added", [])] + [
            f"-{line}" for line in case.get("removed", [])
        ]
        assert sorted(d for d in diff_lines[2:] if d[:1] in "+-") == sorted(expected)


def test_the_stored_text_stays_as_published(db: sqlite_utils.Database) -> None:
    save(db, BASE["title"], BASE["text"], at="2024-03-12T08:00:00+00:00")
    save(db, BASE["title"], BASE["text"].replace("12.03.2024", "13.03.2024"), at="2024-03-13T08:00:00+00:00")
    ((text, last_seen),) = db.execute("SELECT text, last_seen_at FROM announcements").fetchall()
    assert "Stand: 12.03.2024" in text and "„digitalen Lieferketten“" in text
    assert last_seen == "2024-03-13T08:00:00+00:00"


def test_a_hash_of_an_older_scheme_is_rechecked_not_trusted(db: sqlite_utils.Database) -> None:
    """Upgrading the rules must not turn every stored announcement into a `changed` one."""
    save(db, BASE["title"], BASE["text"], at="2024-03-12T08:00:00+00:00")
    with db.conn:
        db.execute("UPDATE announcements SET content_hash = 'legacy-sha256'")
    again = save(db, BASE["title"], BASE["text"], at="2024-03-13T08:00:00+00:00")
    assert again.change == "unchanged"
    assert db.execute("SELECT content_hash FROM announcements").fetchone()[0] == content_hash(
        BASE["title"], BASE["text"]
    )


def test_three_edits_make_versions_two_and_three(db: sqlite_utils.Database) -> None:
    save(db, BASE["title"], BASE["text"], at="2024-03-12T08:00:00+00:00")
    text2 = BASE["text"].replace("am Montag", "am Dienstag")
    assert save(db, BASE["title"], text2, at="2024-03-13T08:00:00+00:00").version == 2
    assert save(db, BASE["title"], text2, at="2024-03-14T08:00:00+00:00").change == "unchanged"
    text3 = text2.replace("Start-ups", "Gründerteams")
    saved = save(db, BASE["title"], text3, at="2024-03-15T08:00:00+00:00")
    assert (saved.change, saved.version) == ("changed", 3)
    ((diff,),) = db.execute("SELECT diff FROM announcement_versions WHERE version = 3").fetchall()
    assert diff.startswith("--- v2\n+++ v3") and "+Start-ups" not in diff and "Gründerteams" in diff


def test_a_gone_page_is_marked_never_deleted(db: sqlite_utils.Database) -> None:
    save(db, BASE["title"], BASE["text"], at="2024-03-12T08:00:00+00:00")
    assert mark_gone(db, URL, "2024-04-01T06:30:00+00:00") is True
    assert mark_gone(db, URL, "2024-04-02T06:30:00+00:00") is False  # the first date stays
    assert mark_gone(db, "https://nowhere.example/x", "2024-04-02T06:30:00+00:00") is False
    ((gone, versions),) = db.execute(
        "SELECT gone_at, (SELECT count(*) FROM announcement_versions) FROM announcements"
    ).fetchall()
    assert gone == "2024-04-01T06:30:00+00:00" and versions == 1
    save(db, BASE["title"], BASE["text"], at="2024-04-03T08:00:00+00:00")  # back again
    assert db.execute("SELECT gone_at FROM announcements").fetchone()[0] is None


def test_a_new_url_gives_one_new_event(db: sqlite_utils.Database) -> None:
    save(db, BASE["title"], BASE["text"], at="2024-03-12T08:00:00+00:00")
    save(db, "Anderes Thema", "Ganz anderer Text.", url=URL + "-2", at="2024-03-12T08:00:00+00:00")
    assert db.execute("SELECT kind, count(*) FROM events GROUP BY kind").fetchall() == [("new", 2)]


def test_comparison_form_sorts_only_runs_of_teasers() -> None:
    text = "Ein Satz.\nB-Teaser\nA-Teaser\nZweiter Satz.\nÜberschrift\nDritter Satz."
    assert comparison_form("T", text).splitlines()[2:] == [
        "Ein Satz.",
        "A-Teaser",
        "B-Teaser",
        "Zweiter Satz.",
        "Überschrift",
        "Dritter Satz.",
    ]


def test_normalise_keeps_words_and_drops_noise() -> None:
    assert normalise("  Stand: 1.2.2024\n„KI“ im\u00a0Hub\u00ad  Karlsruhe  ") == '"KI" im Hub Karlsruhe'


_WORDS = st.text(alphabet="abcdefghijklmnopqrstuvwxyzäöüßABCDEFGHÄÖÜ", min_size=1, max_size=12)
_SENTENCES = st.lists(_WORDS, min_size=1, max_size=12).map(lambda ws: " ".join(ws) + ".")


@given(st.lists(_SENTENCES, min_size=1, max_size=6), st.integers(0, 3))
def test_typography_and_spacing_never_change_the_hash(paragraphs: list[str], seed: int) -> None:
    text = "\n".join(paragraphs)
    noisy = text.replace(" ", ["  ", "\u00a0", " \u00ad", "\t"][seed]).replace("\n", "\n\n")
    noisy = f"Stand: {seed + 1}.3.2024\n" + noisy + "\nArtikel teilen"
    assert content_hash("Titel", noisy) == content_hash("Titel", text)
