"""The schema: migrations on a blank database give every table and column of INTERFACE.md."""

from __future__ import annotations

from pathlib import Path

from pipeline.store.hubs import record_found_hub, sync_known_hubs, unconfirmed_hubs
from pipeline.store.schema import MIGRATIONS, open_db
from pipeline.store.transactions import transaction

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
    "hubs": "canonical known first_seen_at first_announcement_id",
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


def test_a_found_hub_stays_unconfirmed_until_the_list_names_it(tmp_path: Path) -> None:
    db = open_db(tmp_path / "hubwatch.db")
    sync_known_hubs(db, ["Berlin", "Karlsruhe"], at="2026-12-01T06:30:00+00:00")
    with transaction(db):
        ann = db.execute(
            "INSERT INTO announcements (source_id, url, title, first_seen_at, last_seen_at) "
            "VALUES ('bmwk', 'https://example.org/kiel', 'Kiel wird de:hub', 'x', 'x')"
        ).lastrowid
        assert record_found_hub(db, "Kiel", announcement_id=ann, at="2026-12-02T06:30:00+00:00")
        assert not record_found_hub(db, "Kiel", announcement_id=ann, at="2026-12-03T06:30:00+00:00")
        assert not record_found_hub(db, "Berlin", announcement_id=ann, at="2026-12-03T06:30:00+00:00")
    found = unconfirmed_hubs(db)
    assert [(h["canonical"], h["first_seen_at"], h["title"]) for h in found] == [
        ("Kiel", "2026-12-02T06:30:00+00:00", "Kiel wird de:hub")
    ]
    sync_known_hubs(
        db, ["Berlin", "Karlsruhe", "Kiel"], at="2026-12-04T06:30:00+00:00"
    )  # an analyst added it
    assert unconfirmed_hubs(db) == []
    assert db.execute("SELECT first_seen_at FROM hubs WHERE canonical = 'Kiel'").fetchone()[0] == (
        "2026-12-02T06:30:00+00:00"
    )
