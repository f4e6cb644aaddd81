"""Upgrading a database of the previous schema (only m001 applied) keeps every row and adds the new shape."""

from __future__ import annotations

import sqlite3
import zlib
from pathlib import Path

import pytest
import sqlite_utils

from pipeline.errors import StoreError
from pipeline.store.announcements import save_article
from pipeline.store.changes import content_hash
from pipeline.store.schema import MIGRATIONS, m001_core_tables, migration, open_db
from pipeline.store.views import VIEWS

OLD_TEXT = (
    "Der Digital Hub Logistics in Hamburg hat am Montag ein neues Innovationslabor eröffnet. Start-ups und "
    "Mittelständler sollen dort gemeinsam an digitalen Lieferketten arbeiten, teilte der Hub mit. Der Hub "
    "ist Teil der Digital Hub Initiative des Bundeswirtschaftsministeriums und vernetzt Gründer mit der "
    "Hafenwirtschaft."
)


def make_previous_schema(path: Path, *, fts: bool = True) -> None:
    """What the foundation's open_db produced: m001, FTS with its catch-all update trigger, some rows."""
    db = sqlite_utils.Database(sqlite3.connect(path))
    db.execute("CREATE TABLE _migrations (name TEXT PRIMARY KEY, applied_at TEXT NOT NULL)")
    m001_core_tables(db)
    db.execute("INSERT INTO _migrations VALUES ('m001_core_tables', '2024-01-01T00:00:00+00:00')")
    if fts:
        db["announcements"].enable_fts(
            ["title", "text"],
            fts_version="FTS5",
            create_triggers=True,
            tokenize="unicode61 remove_diacritics 2",
        )
    for ann_id, source in ((1, "hamburg"), (2, "dpa")):
        db.execute(
            """INSERT INTO announcements (id, source_id, url, title, text, content_hash, version,
               first_seen_at, last_seen_at, relevant) VALUES (?, ?, ?, 'Innovationslabor', ?, 'old-sha', 1,
               '2024-01-0' || ? || 'T08:00:00+00:00', '2024-01-05T08:00:00+00:00', 1)""",
            [ann_id, source, f"https://{source}.example/labor", OLD_TEXT, ann_id],
        )
        db.execute(
            """INSERT INTO announcement_versions VALUES (?, 1, 'Innovationslabor', ?, 'old-sha',
               '2024-01-01T08:00:00+00:00', NULL)""",
            [ann_id, OLD_TEXT],
        )
        db.execute(
            "INSERT INTO events (announcement_id, version, kind, created_at) VALUES (?, 1, 'new', ?)",
            [ann_id, "2024-01-01T08:00:00+00:00"],
        )
    db.execute(
        "INSERT INTO raw_pages VALUES (?, 'hamburg', '2024-01-01', 'text/html', ?)",
        ["https://hamburg.example/labor", zlib.compress(b"<html>alt</html>")],
    )
    db.conn.commit()
    db.close()


def test_the_previous_schema_is_upgraded_with_its_data_intact(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    make_previous_schema(path)
    db = open_db(path)
    applied = [r[0] for r in db.execute("SELECT name FROM _migrations ORDER BY rowid")]
    assert applied == [m.__name__ for m in MIGRATIONS]
    assert {"simhash", "duplicate_of", "gone_at"} <= set(db["announcements"].columns_dict)
    assert db.execute("SELECT count(*) FROM announcement_versions").fetchone()[0] == 2
    assert db.execute("SELECT kind, count(*) FROM events GROUP BY kind").fetchall() == [("new", 2)]
    # the backfill fingerprinted the old rows and linked the syndicated copy to the first-seen one
    assert db.execute("SELECT id, duplicate_of FROM announcements ORDER BY id").fetchall() == [
        (1, None),
        (2, 1),
    ]
    assert db.execute("SELECT sha256 FROM raw_pages").fetchone()[0] is not None
    assert set(VIEWS) <= set(db.view_names())
    hits = db.execute("SELECT rowid FROM announcements_fts WHERE announcements_fts MATCH 'Lieferketten'")
    assert {r[0] for r in hits} == {1, 2}


@pytest.mark.parametrize("fts", [True, False], ids=["from-the-index", "index-not-built-yet"])
def test_the_upgrade_fills_the_search_vocabulary_so_old_and_new_rows_are_found_by_tails(
    tmp_path: Path, fts: bool
) -> None:
    from pipeline.analysts.search import search_announcements
    from pipeline.entities import Analysis
    from pipeline.extract import Article

    path = tmp_path / "old.db"
    make_previous_schema(path, fts=fts)
    db = open_db(path)
    words = {r[0] for r in db.execute("SELECT word FROM search_words")}
    db.execute("CREATE VIRTUAL TABLE temp.terms USING fts5vocab(main, announcements_fts, 'row')")
    assert words == {r[0] for r in db.execute("SELECT term FROM temp.terms")}
    assert {"hafenwirtschaft", "innovationslabor", "bundeswirtschaftsministeriums"} <= words
    assert [r["title"] for r in search_announcements(db, "Wirtschaft")] == ["Innovationslabor"]  # Hafen…
    article = Article(url="https://neu.example/1", title="Stadtlogistik", text="Lastenräder im Quartier.")
    save_article(db, source_id="neu", url=article.url, article=article, analysis=Analysis())
    assert [r["title"] for r in search_announcements(db, "Logistik")] == ["Stadtlogistik"]


def test_an_old_hash_does_not_make_a_version_after_the_upgrade(tmp_path: Path) -> None:
    from pipeline.entities import Analysis
    from pipeline.extract import Article

    path = tmp_path / "old.db"
    make_previous_schema(path)
    db = open_db(path)
    article = Article(url="https://hamburg.example/labor", title="Innovationslabor", text=OLD_TEXT)
    saved = save_article(
        db,
        source_id="hamburg",
        url=article.url,
        article=article,
        analysis=Analysis(),
        fetched_at="2024-02-01",
    )
    assert (saved.change, saved.version) == ("unchanged", 1)
    stored = db.execute("SELECT content_hash FROM announcements WHERE id = 1").fetchone()[0]
    assert stored == content_hash("Innovationslabor", OLD_TEXT)


def test_a_failing_migration_leaves_no_trace(tmp_path: Path) -> None:
    path = tmp_path / "hubwatch.db"
    open_db(path).close()

    @migration
    def m099_broken(db: sqlite_utils.Database) -> None:
        db.execute("CREATE TABLE half_done (x)")
        db.execute("SELECT * FROM no_such_table")

    try:
        with pytest.raises(StoreError, match="no_such_table"):
            open_db(path)
        db = sqlite_utils.Database(path)
        assert "half_done" not in db.table_names()
        assert "m099_broken" not in {r[0] for r in db.execute("SELECT name FROM _migrations")}
    finally:
        MIGRATIONS.remove(m099_broken)


def test_reading_an_up_to_date_database_writes_nothing(tmp_path: Path) -> None:
    """`hubwatch search` during a run must not wait for the write lock to re-create views or triggers."""
    path = tmp_path / "hubwatch.db"
    open_db(path).close()
    watcher = sqlite3.connect(path)
    version = watcher.execute("PRAGMA data_version").fetchone()[0]
    open_db(path).close()
    assert watcher.execute("PRAGMA data_version").fetchone()[0] == version
