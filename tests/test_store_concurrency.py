"""Reads never fail while a run writes: WAL, a busy timeout, one transaction per announcement."""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path

import pytest

from pipeline.analysts.search import search_announcements
from pipeline.analysts.tables import hub_table
from pipeline.entities import Analysis
from pipeline.extract import Article
from pipeline.store import announcements
from pipeline.store.announcements import Saved, save_article
from pipeline.store.schema import BUSY_TIMEOUT_MS, open_db


def article(n: int) -> Article:
    return Article(
        url=f"https://x.example/{n}", title=f"Hub Meldung {n}", text=f"Der Hub meldet Neues Nummer {n}."
    )


def save(db, n: int) -> Saved:  # type: ignore[no-untyped-def]
    return save_article(
        db, source_id="x", url=f"https://x.example/{n}", article=article(n), analysis=Analysis()
    )


@pytest.fixture
def path(tmp_path: Path) -> Path:
    path = tmp_path / "hubwatch.db"
    db = open_db(path)
    save(db, 0)
    db.close()
    return path


def test_search_reads_while_a_writer_holds_its_transaction(path: Path) -> None:
    writer = open_db(path)
    writer.execute("BEGIN IMMEDIATE")
    save(writer, 1)  # inside the open transaction: a savepoint, not yet committed
    results: list[object] = []

    def read() -> None:
        try:
            reader = open_db(path)
            results.append([r["title"] for r in search_announcements(reader, "Meldung")])
            results.append(hub_table(reader))
        except Exception as exc:  # pragma: no cover - the failure this test exists to catch
            results.append(exc)

    thread = threading.Thread(target=read)
    thread.start()
    thread.join(timeout=10)
    assert not thread.is_alive(), "the reader waited for the writer"
    assert results[0] == ["Hub Meldung 0"]  # the committed state, not the item in flight
    writer.conn.commit()
    after = sorted(r["title"] for r in search_announcements(open_db(path), "Meldung"))
    assert after == ["Hub Meldung 0", "Hub Meldung 1"]


def test_many_readers_and_one_writer_run_side_by_side(path: Path) -> None:
    errors: list[BaseException] = []
    done = threading.Event()

    def write() -> None:
        db = open_db(path)
        try:
            for n in range(1, 80):
                save(db, n)
        except BaseException as exc:  # pragma: no cover
            errors.append(exc)
        finally:
            done.set()

    def read() -> None:
        db = open_db(path)
        try:
            while not done.is_set():
                search_announcements(db, "Hub")
                db.execute("SELECT count(*) FROM announcements_with_entities").fetchone()
        except BaseException as exc:  # pragma: no cover
            errors.append(exc)

    threads = [threading.Thread(target=write)] + [threading.Thread(target=read) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert errors == []
    assert sqlite3.connect(path).execute("SELECT count(*) FROM announcements").fetchone()[0] == 80


def test_a_crash_mid_item_loses_only_that_item(path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    db = open_db(path)

    def boom(*_args: object) -> None:
        raise RuntimeError("power cut while writing entities")

    monkeypatch.setattr(announcements, "write_entities", boom)
    with pytest.raises(RuntimeError):
        save(db, 1)
    monkeypatch.undo()
    counts = [db.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in ("announcements", "events")]
    assert counts == [1, 1]
    assert save(db, 1).change == "new"


def test_a_bulk_batch_keeps_each_item_atomic(path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Inside a caller's transaction save_article uses a savepoint: a failed item is undone alone."""
    db = open_db(path)
    db.execute("BEGIN")
    save(db, 1)
    monkeypatch.setattr(
        announcements, "write_entities", lambda *_a: (_ for _ in ()).throw(RuntimeError("bad item"))
    )
    with pytest.raises(RuntimeError):
        save(db, 2)
    monkeypatch.undo()
    db.conn.commit()
    urls = [r[0] for r in db.execute("SELECT url FROM announcements ORDER BY id")]
    assert urls == ["https://x.example/0", "https://x.example/1"]


def test_the_connection_is_set_up_for_concurrent_use(path: Path) -> None:
    db = open_db(path)
    assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert db.execute("PRAGMA busy_timeout").fetchone()[0] == BUSY_TIMEOUT_MS
    assert db.execute("PRAGMA foreign_keys").fetchone()[0] == 1
