"""The schema: migrations on a blank database give every table and column of INTERFACE.md."""

from __future__ import annotations

from pathlib import Path

from pipeline.store.schema import MIGRATIONS, open_db

INTERFACE_COLUMNS = {
    "announcements": "id source_id url title published_at text language content_hash version first_seen_at "
    "last_seen_at changed_at relevant",
    "announcement_versions": "announcement_id version title text content_hash fetched_at diff",
    "mentions": "announcement_id version label text canonical start end sentence",
    "hub_facts": "announcement_id version hub kind value evidence",
    "events": "id announcement_id version kind created_at digest_id",
    "runs": "id started_at finished_at status sources_ok sources_failed new changed unchanged errors",
    "fetches": "run_id source_id url status_code not_modified error elapsed_ms bytes fetched_at",
    "sources": "id name kind url last_ok_at last_error_at last_error consecutive_failures",
    "digests": "id created_at sent_at status recipients subject message_id items error",
}


def test_a_blank_database_gets_every_interface_column(tmp_path: Path) -> None:
    db = open_db(tmp_path / "sub" / "hubwatch.db")
    for table, columns in INTERFACE_COLUMNS.items():
        assert set(columns.split()) <= set(db[table].columns_dict), table
    assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert db.execute("PRAGMA foreign_keys").fetchone()[0] == 1
    applied = [r[0] for r in db.execute("SELECT name FROM _migrations ORDER BY rowid")]
    assert applied == [m.__name__ for m in MIGRATIONS]


def test_opening_again_applies_nothing_twice(tmp_path: Path) -> None:
    path = tmp_path / "hubwatch.db"
    open_db(path).close()
    db = open_db(path)
    assert db.execute("SELECT count(*) FROM _migrations").fetchone()[0] == len(MIGRATIONS)


def test_analyst_filters_are_indexed(tmp_path: Path) -> None:
    db = open_db(tmp_path / "hubwatch.db")
    indexed = {tuple(i.columns) for t in ("announcements", "mentions") for i in db[t].indexes}
    assert ("source_id",) in indexed and ("published_at",) in indexed and ("label", "canonical") in indexed
