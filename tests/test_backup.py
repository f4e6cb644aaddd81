"""`hubwatch backup` while a run writes: a real writer in another process commits announcements the whole
time; the copy passes PRAGMA integrity_check and holds every announcement committed before it began."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from pipeline.cli import cli
from pipeline.store.backup import BackupExistsError, backup
from pipeline.store.schema import open_db

REPO = Path(__file__).resolve().parents[1]
WRITER = """
import sys, time
from pathlib import Path
from pipeline.entities import Analysis
from pipeline.extract import Article
from pipeline.store.announcements import save_article
from pipeline.store.schema import open_db
db = open_db(sys.argv[1])
stop = Path(sys.argv[2])
n = 0
while not stop.exists():
    url = f"https://example.org/{n}"
    text = f"Meldung {n} über den Hub. " + "Ein langer Absatz über Gründerinnen und Gründer. " * 40
    save_article(db, source_id="run", url=url, article=Article(url=url, title=f"Meldung {n}", text=text),
                 analysis=Analysis(relevant=True))
    n += 1
    print(n, flush=True)
"""


def committed(db_path: Path) -> set[int]:
    """What a fresh reader sees: exactly what is committed."""
    with sqlite3.connect(db_path) as conn:
        return {row[0] for row in conn.execute("SELECT id FROM announcements")}


def test_a_backup_taken_while_a_run_writes_is_whole_and_holds_everything_committed_before(tmp_path: Path):
    db_path, stop = tmp_path / "hubwatch.db", tmp_path / "stop"
    open_db(db_path).close()
    with sqlite3.connect(db_path) as conn:  # some bulk, so the copy takes a while
        conn.execute("CREATE TABLE ballast (b BLOB)")
        conn.executemany("INSERT INTO ballast VALUES (randomblob(4096))", [()] * 4000)
    writer = subprocess.Popen(
        [sys.executable, "-c", WRITER, str(db_path), str(stop)], cwd=REPO, stdout=subprocess.PIPE, text=True
    )
    try:
        assert writer.stdout is not None
        while int(writer.stdout.readline() or 0) < 30:  # the writer is well under way
            assert writer.poll() is None, "the writer died"
        before = committed(db_path)
        done = backup(db_path, tmp_path / "copy.db")
        after = committed(db_path)
    finally:
        stop.touch()
        writer.communicate(timeout=60)
    assert writer.returncode == 0  # the writer was never refused (no "database is locked")
    assert len(after) > len(before)  # it went on writing during and after the copy
    with sqlite3.connect(done.path) as copy:
        assert copy.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        assert copy.execute("PRAGMA journal_mode").fetchone()[0] == "delete"  # one self-contained file
        in_copy = {row[0] for row in copy.execute("SELECT id FROM announcements")}
        texts = copy.execute("SELECT count(*) FROM announcements_fts").fetchone()[0]
    assert before <= in_copy <= after and done.announcements == len(in_copy) == texts
    db = open_db(db_path)
    row = db.execute("SELECT status, path, announcements FROM backups").fetchone()
    db.close()
    assert row == ("ok", str(done.path), len(in_copy))


def test_it_refuses_to_overwrite_without_force_and_keeps_n_in_a_folder(tmp_path: Path) -> None:
    db_path = tmp_path / "hubwatch.db"
    open_db(db_path).close()
    target = tmp_path / "copy.db"
    target.write_bytes(b"an older backup")
    with pytest.raises(BackupExistsError, match="--force"):
        backup(db_path, target)
    assert target.read_bytes() == b"an older backup"
    assert backup(db_path, target, force=True).path == target
    with pytest.raises(BackupExistsError, match="the database itself"):
        backup(db_path, db_path, force=True)

    folder = tmp_path / "nightly"
    folder.mkdir()
    from datetime import UTC, datetime

    for day in range(1, 5):
        backup(db_path, folder, keep=2, now=datetime(2026, 11, day, 3, 15, tzinfo=UTC))
    assert sorted(p.name for p in folder.iterdir()) == [
        "hubwatch-20261103-031500.db",
        "hubwatch-20261104-031500.db",
    ]


def test_the_backup_command_and_status(tmp_path: Path) -> None:
    db_path = tmp_path / "hubwatch.db"
    open_db(db_path).close()
    args = ["--db", str(db_path)]
    status = CliRunner().invoke(cli, [*args, "status"])
    assert "last backup: never" in status.stderr

    first = CliRunner().invoke(cli, [*args, "backup", str(tmp_path / "b.db")])
    second = CliRunner().invoke(cli, [*args, "backup", str(tmp_path / "b.db")])

    assert first.exit_code == 0 and "backup: " in first.stderr and "0 announcements" in first.stderr
    assert second.exit_code == 2 and second.stderr.strip() == (
        f"hubwatch: {tmp_path / 'b.db'} exists; use --force to overwrite it"
    )
    status = CliRunner().invoke(cli, [*args, "status"])
    assert f"→ {tmp_path / 'b.db'} (" in status.stderr and "0 announcements)" in status.stderr


def test_a_failed_backup_is_recorded_and_shown(tmp_path: Path) -> None:
    db_path = tmp_path / "hubwatch.db"
    open_db(db_path).close()
    missing = tmp_path / "no" / "such" / "folder" / "b.db"
    result = CliRunner().invoke(cli, ["--db", str(db_path), "backup", str(missing)])
    assert result.exit_code == 1 and "backup to" in result.stderr and "failed" in result.stderr
    status = CliRunner().invoke(cli, ["--db", str(db_path), "status"])
    assert "last backup: never" in status.stderr and "failed: unable to open database file" in status.stderr
    assert not any(p.name.endswith(".partial") for p in tmp_path.rglob("*"))
