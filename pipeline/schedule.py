"""`hubwatch schedule`: the full pass every day at `settings.schedule` in `settings.timezone`.

Each pass runs as a child process (`python -m pipeline run` by default) with a hard deadline, so a
hung fetch cannot block the next day's run and a crash of the pass cannot take the scheduler down.
APScheduler 3 does the calendar (a cron trigger in the configured zone, so 06:30 stays 06:30 local
across DST), with `coalesce`, `max_instances=1` and a generous misfire grace. The pass itself holds
`run_lock` on the database, so a cron job and the scheduler never overlap; the scheduler checks the
lock first to log a clear refusal, and holds a lock of its own so only one scheduler runs.
"""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, tzinfo
from pathlib import Path
from typing import Literal

import sqlite_utils
from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.base import BaseScheduler
from apscheduler.triggers.cron import CronTrigger

from pipeline.config import Settings, load_config
from pipeline.lock import LockedError, run_lock
from pipeline.store.schema import open_db

logger = logging.getLogger(__name__)

DEADLINE_S = 4 * 3600  # a pass still running after this is stopped; a normal pass takes minutes
KILL_GRACE_S = 60  # after SIGTERM, this long to finish the item in flight before SIGKILL
MISFIRE_GRACE_S = 6 * 3600  # a run missed (host asleep, scheduler restarted) still happens this late
HEALTH_WINDOW = timedelta(hours=26)  # a day plus slack: `hubwatch status` warns after this
JOB_ID = "hubwatch-daily-run"

PassStatus = Literal["ok", "partial", "failed", "timeout", "stopped", "locked", "skipped"]


@dataclass(frozen=True)
class PassResult:
    """What one scheduled pass came to; logged as the scheduler's heartbeat line."""

    status: PassStatus
    exit_code: int | None = None
    detail: str = ""


# --- the calendar -----------------------------------------------------------------------------


def daily_trigger(settings: Settings) -> CronTrigger:
    """Every day at HH:MM wall-clock time in the configured zone (the UTC offset follows DST)."""
    hour, minute = (int(part) for part in settings.schedule.split(":"))
    return CronTrigger(hour=hour, minute=minute, timezone=settings.tz)


def next_runs(settings: Settings, now: datetime, count: int = 1) -> list[datetime]:
    """The next `count` fire times after `now`, for logs, `status` and tests."""
    trigger, runs, previous = daily_trigger(settings), [], None
    for _ in range(count):
        previous = trigger.get_next_fire_time(previous, previous or now)
        runs.append(previous)
    return runs


def last_fire(settings: Settings, now: datetime) -> datetime:
    """The most recent scheduled time at or before `now`."""
    candidates = next_runs(settings, now - timedelta(days=2), count=3)
    return max(t for t in candidates if t <= now)


def build_scheduler(
    settings: Settings,
    job: Callable[[], object],
    *,
    scheduler_cls: type[BaseScheduler] = BackgroundScheduler,
    executor: object | None = None,
    misfire_grace_s: int = MISFIRE_GRACE_S,
) -> BaseScheduler:
    """A scheduler holding the daily job: coalesced, one instance at a time, generous misfire grace."""
    scheduler = scheduler_cls(
        timezone=settings.tz, executors={"default": executor or ThreadPoolExecutor(max_workers=1)}
    )
    scheduler.add_job(
        job,
        daily_trigger(settings),
        id=JOB_ID,
        name="hubwatch run",
        coalesce=True,
        max_instances=1,
        misfire_grace_time=misfire_grace_s,
        replace_existing=True,
    )
    return scheduler


# --- one pass ---------------------------------------------------------------------------------


def pass_command(config_path: Path, db_path: str | None) -> list[str]:
    """`hubwatch run` in a fresh interpreter: the same code, its own memory, killable."""
    argv = [sys.executable, "-m", "pipeline", "--config", str(config_path)]
    return argv + (["--db", db_path] if db_path else []) + ["run"]


class PassRunner:
    """Runs the pass command under a deadline; `stop()` ends a running pass from another thread."""

    def __init__(
        self,
        command: Sequence[str],
        *,
        db_path: str,
        deadline_s: float = DEADLINE_S,
        kill_grace_s: float = KILL_GRACE_S,
        tz: tzinfo = UTC,
    ) -> None:
        self.command = list(command)
        self.db_path = db_path
        self.deadline_s = deadline_s
        self.kill_grace_s = kill_grace_s
        self.tz = tz  # "today" for the once-a-day guard
        self._last_day: date | None = None
        self._lock = threading.Lock()
        self._child: subprocess.Popen[bytes] | None = None
        self._stopping = False

    def __call__(self) -> PassResult:
        """The scheduled job: never raises, always logs one heartbeat line."""
        started = datetime.now(UTC)
        today = started.astimezone(self.tz).date()
        if today == self._last_day:
            # a time in the hour repeated when DST ends fires twice that night; one pass a day is enough
            logger.info("pass skipped: it already ran today (%s)", today)
            return PassResult("skipped", detail="already ran today")
        self._last_day = today
        try:
            result = self._run(started)
        except Exception as exc:  # a bug or an OS error: log it, keep the scheduler alive
            logger.exception("scheduled pass could not run")
            result = PassResult("failed", detail=f"{type(exc).__name__}: {exc}")
        elapsed = (datetime.now(UTC) - started).total_seconds()
        log = logger.info if result.status in ("ok", "partial") else logger.warning
        log(
            "pass finished: %s (exit %s) after %.0f s %s",
            result.status,
            result.exit_code,
            elapsed,
            result.detail,
        )
        return result

    def stop(self) -> None:
        """End a running pass (SIGTERM, grace, SIGKILL) and start no other: the scheduler is stopping."""
        with self._lock:
            self._stopping = True
            child = self._child
        if child is not None and child.poll() is None:
            logger.info("stopping the running pass (pid %d)", child.pid)
            _end(child, self.kill_grace_s)

    def _run(self, started: datetime) -> PassResult:
        try:
            with run_lock(self.db_path):
                pass  # only a probe: the pass takes the lock itself for its whole length
        except LockedError as exc:
            return PassResult("locked", detail=f"refused: {exc}")
        with self._lock:
            if self._stopping:
                return PassResult("stopped", detail="scheduler is stopping")
            logger.info("pass starting: %s", " ".join(self.command))
            self._child = subprocess.Popen(self.command, start_new_session=True)
        try:
            return self._wait(self._child, started)
        finally:
            with self._lock:
                self._child = None

    def _wait(self, child: subprocess.Popen[bytes], started: datetime) -> PassResult:
        try:
            code = child.wait(timeout=self.deadline_s)
        except subprocess.TimeoutExpired:
            _end(child, self.kill_grace_s)
            _close_abandoned_runs(self.db_path, started)
            return PassResult(
                "timeout", child.returncode, f"stopped after the {self.deadline_s:.0f} s deadline"
            )
        if self._stopping:
            _close_abandoned_runs(self.db_path, started)
            return PassResult("stopped", code, "ended by the scheduler's stop")
        status: PassStatus = "ok" if code == 0 else "partial" if code == 3 else "failed"
        return PassResult(status, code)


def _signal_group(child: subprocess.Popen[bytes], sig: signal.Signals) -> None:
    """The pass runs in its own session; signal the whole group so helpers it started end too."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(child.pid, sig)


def _end(child: subprocess.Popen[bytes], grace_s: float) -> None:
    """SIGTERM, a grace period to finish the item in flight, then SIGKILL."""
    _signal_group(child, signal.SIGTERM)
    try:
        child.wait(timeout=grace_s)
    except subprocess.TimeoutExpired:
        _signal_group(child, signal.SIGKILL)
        child.wait()


def _close_abandoned_runs(db_path: str, since: datetime) -> None:
    """A killed pass cannot finish its `runs` row; mark it failed so `status` tells the truth."""
    db = open_db(db_path)
    try:
        with db.conn:
            db.execute(
                "UPDATE runs SET status = 'failed', finished_at = ? "
                "WHERE status = 'running' AND started_at >= ?",
                [datetime.now(UTC).isoformat(timespec="seconds"), since.isoformat(timespec="seconds")],
            )
    finally:
        db.conn.close()


# --- health -----------------------------------------------------------------------------------


def health_warning(db: sqlite_utils.Database, now: datetime) -> str | None:
    """A warning when no run has succeeded (ok or partial) within 26 hours; None when healthy."""
    last_ok = db.execute(
        "SELECT MAX(COALESCE(finished_at, started_at)) FROM runs WHERE status IN ('ok', 'partial')"
    ).fetchone()[0]
    latest = db.execute(
        "SELECT status, started_at FROM runs ORDER BY started_at DESC, id DESC LIMIT 1"
    ).fetchone()
    tail = f"; the latest run ({_local(latest[1], now)}) is {latest[0]}" if latest else ""
    if last_ok is None:
        return f"no run has succeeded yet{tail}"
    age = now - _aware(last_ok)
    if age <= HEALTH_WINDOW:
        return None
    hours = age.total_seconds() / 3600
    return f"no run has succeeded for {hours:.0f} hours (last at {_local(last_ok, now)}){tail}"


def _aware(value: str) -> datetime:
    parsed = datetime.fromisoformat(value)
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _local(value: str, now: datetime) -> str:
    return f"{_aware(value).astimezone(now.tzinfo):%Y-%m-%d %H:%M %Z}"


def missed_today(db: sqlite_utils.Database, settings: Settings, now: datetime) -> datetime | None:
    """The latest scheduled time, if it passed within the misfire grace and no pass started since."""
    due = last_fire(settings, now)
    if (now - due).total_seconds() > MISFIRE_GRACE_S:
        return None
    since = due.astimezone(UTC).isoformat(timespec="seconds")
    started = db.execute("SELECT COUNT(*) FROM runs WHERE started_at >= ?", [since]).fetchone()[0]
    return None if started else due


# --- the foreground service -------------------------------------------------------------------


def run_schedule(
    config_path: Path,
    db_path: str | None,
    *,
    stop_event: threading.Event | None = None,
    command: Sequence[str] | None = None,
    deadline_s: float = DEADLINE_S,
    kill_grace_s: float = KILL_GRACE_S,
) -> int:
    """Run the daily pass in the foreground until SIGTERM/SIGINT or `stop_event`; 0 on a clean stop."""
    config = load_config(config_path, db=db_path)
    settings = config.settings
    stop = stop_event or threading.Event()
    runner = PassRunner(
        command or pass_command(config_path, db_path),
        db_path=settings.database,
        deadline_s=deadline_s,
        kill_grace_s=kill_grace_s,
        tz=settings.tz,
    )
    with _scheduler_lock(settings.database):
        restore = _on_signals(stop)
        try:
            _serve(settings, runner, stop)
        finally:
            restore()
    logger.info("scheduler stopped")
    return 0


def _serve(settings: Settings, runner: PassRunner, stop: threading.Event) -> None:
    scheduler = build_scheduler(settings, runner)
    now = datetime.now(settings.tz)
    _startup_checks(settings, scheduler, runner, now)
    scheduler.start()
    job = scheduler.get_job(JOB_ID)
    logger.info(
        "scheduler started: daily at %s %s, next run %s",
        settings.schedule,
        settings.timezone,
        job.next_run_time,
    )
    try:
        stop.wait()
    finally:
        runner.stop()
        scheduler.shutdown(wait=True)


def _startup_checks(settings: Settings, scheduler: BaseScheduler, runner: PassRunner, now: datetime) -> None:
    """Warn about a stale database, and catch up today's run if the scheduler was down at its time."""
    db = open_db(settings.database)
    try:
        warning = health_warning(db, now)
        missed = missed_today(db, settings, now)
    finally:
        db.conn.close()
    if warning:
        logger.warning("health: %s", warning)
    if missed is not None:
        logger.info("the run due at %s has not happened; running it now", missed)
        scheduler.add_job(runner, "date", run_date=now, id=f"{JOB_ID}-catch-up", misfire_grace_time=None)


@contextlib.contextmanager
def _scheduler_lock(db_path: str) -> Iterator[Path]:
    """Only one `hubwatch schedule` per database."""
    try:
        with run_lock(f"{db_path}.schedule") as path:
            yield path
    except LockedError as exc:
        raise LockedError(f"another hubwatch schedule is already running for this database ({exc})") from exc


def _on_signals(stop: threading.Event) -> Callable[[], None]:
    """SIGTERM (systemd, docker) and SIGINT (Ctrl-C) end the scheduler cleanly; only the main thread may."""
    if threading.current_thread() is not threading.main_thread():
        return lambda: None

    def handle(signum: int, _frame: object) -> None:
        logger.info("received %s; stopping", signal.Signals(signum).name)
        stop.set()

    previous = {sig: signal.signal(sig, handle) for sig in (signal.SIGTERM, signal.SIGINT)}

    def restore() -> None:
        for sig, handler in previous.items():
            signal.signal(sig, handler)

    return restore
