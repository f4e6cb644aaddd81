"""A single-instance lock, so a cron job and the scheduler never run a pass at the same time."""

from __future__ import annotations

import fcntl
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from pipeline.errors import HubwatchError, StoreError


class LockedError(HubwatchError):
    """Another hubwatch run holds the lock on this database."""


@contextmanager
def run_lock(db_path: str | Path) -> Iterator[Path]:
    """Hold an exclusive advisory lock beside the database for the length of one pass."""
    lock_path = Path(f"{db_path}.lock")
    try:
        lock_path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o644)
    except OSError as exc:
        raise StoreError(f"cannot open database {db_path}: {exc.strerror} ({lock_path.parent})") from exc
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError as exc:
            holder = os.pread(fd, 64, 0).decode(errors="replace").strip() or "unknown"
            raise LockedError(
                f"another hubwatch run is in progress (pid {holder}, lock {lock_path})"
            ) from exc
        os.ftruncate(fd, 0)
        os.pwrite(fd, str(os.getpid()).encode(), 0)
        yield lock_path
    finally:
        os.close(fd)
