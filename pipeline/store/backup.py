"""`hubwatch backup`: a consistent copy of the live database, taken while a run may be writing.

SQLite's online backup API copies the database in one step (`pages=-1`) inside one read transaction: in
WAL mode that is a snapshot — every transaction committed before it began, none after — and writers go on
meanwhile. (Copying in several steps would restart whenever the run commits, and might never finish.)
The copy is written beside its destination, checked (`PRAGMA quick_check`), switched to a rollback
journal so it is one self-contained file, synced, and only then renamed into place. Each backup, good or
failed, is recorded in table `backups` for `hubwatch status`.
"""

from __future__ import annotations

import os
import re
import sqlite3
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import sqlite_utils

from pipeline.errors import HubwatchError, StoreError
from pipeline.store.schema import BUSY_TIMEOUT_MS, now_iso, open_db
from pipeline.store.transactions import transaction


class BackupExistsError(HubwatchError):
    """The destination exists and --force was not given: a usage error, nothing was written."""


@dataclass(frozen=True, slots=True)
class Backup:
    path: Path
    bytes: int
    announcements: int
    seconds: float
    pruned: tuple[Path, ...] = ()


def destination(dest: Path, db_path: Path, now: datetime) -> Path:
    """A file path as given; an existing directory gets a timestamped file (for nightly backups)."""
    if dest.is_dir():
        return dest / f"{db_path.stem}-{now:%Y%m%d-%H%M%S}.db"
    return dest


def backup(
    db_path: str | Path,
    dest: str | Path,
    *,
    force: bool = False,
    keep: int | None = None,
    now: datetime | None = None,
) -> Backup:
    """Copy the database at `db_path` to `dest` (a file, or a directory for timestamped files, of which
    `keep` newest are kept); raise BackupExistsError, or StoreError when the copy failed (recorded)."""
    source, directory = Path(db_path), Path(dest)
    if not source.exists():
        raise StoreError(f"no database at {source}")
    target = destination(directory, source, now or datetime.now(UTC))
    if target.exists() and target.resolve() == source.resolve():
        raise BackupExistsError(f"{target} is the database itself")
    if target.exists() and not force:
        raise BackupExistsError(f"{target} exists; use --force to overwrite it")
    db = open_db(source)  # migrated, so the bookkeeping table exists
    try:
        backup_id = _start(db, target)
        try:
            done = _copy(source, target)
        except (sqlite3.Error, OSError, StoreError) as exc:
            _finish(db, backup_id, status="failed", error=str(exc))
            raise StoreError(f"backup to {target} failed: {exc}") from exc
        _finish(db, backup_id, status="ok", size=done.bytes, announcements=done.announcements)
    finally:
        db.close()
    pruned = prune(directory, source.stem, keep) if directory.is_dir() and keep else ()
    return Backup(done.path, done.bytes, done.announcements, done.seconds, pruned)


def _copy(source: Path, target: Path) -> Backup:
    started = time.monotonic()
    partial = target.with_name(f".{target.name}.partial")
    partial.unlink(missing_ok=True)
    src = sqlite3.connect(source, timeout=BUSY_TIMEOUT_MS / 1000)
    dst = sqlite3.connect(partial)
    try:
        src.backup(dst)  # pages=-1: one step, one snapshot; see the module docstring
        dst.execute("PRAGMA journal_mode=DELETE")  # one file, no -wal beside it
        check = dst.execute("PRAGMA quick_check").fetchone()[0]
        if check != "ok":
            raise StoreError(f"the copy failed its check: {check}")
        count = dst.execute("SELECT count(*) FROM announcements").fetchone()[0]
    except BaseException:
        dst.close()
        partial.unlink(missing_ok=True)
        raise
    finally:
        src.close()
    dst.close()
    _fsync(partial)
    os.replace(partial, target)
    _fsync(target.parent)
    return Backup(target, target.stat().st_size, count, time.monotonic() - started)


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def prune(directory: Path, stem: str, keep: int) -> tuple[Path, ...]:
    """Delete all but the `keep` newest timestamped backups of this database in `directory`."""
    pattern = re.compile(rf"{re.escape(stem)}-\d{{8}}-\d{{6}}\.db")
    backups = sorted(p for p in directory.iterdir() if pattern.fullmatch(p.name))
    old = tuple(backups[:-keep]) if keep > 0 else ()
    for path in old:
        path.unlink(missing_ok=True)
    return old


def _start(db: sqlite_utils.Database, target: Path) -> int:
    with transaction(db):
        cursor = db.execute(
            "INSERT INTO backups (started_at, status, path) VALUES (?, 'running', ?)",
            [now_iso(), str(target)],
        )
    return int(cursor.lastrowid or 0)


def _finish(db: sqlite_utils.Database, backup_id: int, *, status: str, **values: object) -> None:
    with transaction(db):
        db.execute(
            """UPDATE backups SET finished_at = ?, status = ?, bytes = ?, announcements = ?, error = ?
               WHERE id = ?""",
            [now_iso(), status, values.get("size"), values.get("announcements"), values.get("error"),
             backup_id],
        )  # fmt: skip


def backup_line(db: sqlite_utils.Database) -> str:
    """`hubwatch status`: the last good backup, and the last attempt when it failed."""
    good = db.execute(
        "SELECT finished_at, path, bytes, announcements FROM backups WHERE status = 'ok' "
        "ORDER BY id DESC LIMIT 1"
    ).fetchone()
    last = db.execute("SELECT started_at, status, error FROM backups ORDER BY id DESC LIMIT 1").fetchone()
    line = "last backup: never (hubwatch backup DEST)"
    if good:
        line = f"last backup: {good[0]} → {good[1]} ({(good[2] or 0) / 1e6:.1f} MB, {good[3]} announcements)"
    if last and last[1] == "failed":
        line += f"; the latest attempt ({last[0]}) failed: {last[2]}"
    return line
