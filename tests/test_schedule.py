"""The daily schedule: the calendar across DST, misfires, overlap, deadlines, stopping and health.

Times are passed in (fixed dates across the 2026 DST changes). APScheduler 3 judges a misfire against
the wall clock, so those tests place the missed run relative to the real now; nothing sleeps.
"""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from apscheduler.events import EVENT_JOB_EXECUTED, EVENT_JOB_MISSED
from apscheduler.executors.debug import DebugExecutor

from pipeline.config import Settings
from pipeline.lock import LockedError, run_lock
from pipeline.schedule import (
    JOB_ID,
    PassRunner,
    build_scheduler,
    health_warning,
    missed_today,
    next_runs,
    run_schedule,
)
from pipeline.store.schema import open_db

BERLIN = ZoneInfo("Europe/Berlin")


def settings(schedule: str = "06:30", **values: object) -> Settings:
    return Settings.model_validate({"schedule": schedule, "timezone": "Europe/Berlin", **values})


# --- the calendar -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("now", "expected_utc"),
    [
        # spring forward on Sunday 2026-03-29: 06:30 CET (+01) then 06:30 CEST (+02)
        (
            datetime(2026, 3, 27, 12, 0, tzinfo=BERLIN),
            ["2026-03-28 05:30", "2026-03-29 04:30", "2026-03-30 04:30"],
        ),
        # fall back on Sunday 2026-10-25: 06:30 CEST (+02) then 06:30 CET (+01)
        (
            datetime(2026, 10, 23, 12, 0, tzinfo=BERLIN),
            ["2026-10-24 04:30", "2026-10-25 05:30", "2026-10-26 05:30"],
        ),
    ],
    ids=["spring-forward", "fall-back"],
)
def test_the_run_stays_at_0630_local_across_dst(now: datetime, expected_utc: list[str]) -> None:
    runs = next_runs(settings(), now, count=3)
    assert [f"{r:%H:%M}" for r in runs] == ["06:30"] * 3
    assert [f"{r.astimezone(UTC):%Y-%m-%d %H:%M}" for r in runs] == expected_utc


def test_a_time_in_the_spring_gap_runs_once_an_hour_later_in_wall_time() -> None:
    runs = next_runs(settings("02:30"), datetime(2026, 3, 28, 12, 0, tzinfo=BERLIN), count=2)
    assert [f"{r.astimezone(UTC).astimezone(BERLIN):%Y-%m-%d %H:%M %Z}" for r in runs] == [
        "2026-03-29 03:30 CEST",
        "2026-03-30 02:30 CEST",
    ]


def test_a_time_in_the_repeated_autumn_hour_fires_twice_but_runs_once(tmp_path: Path) -> None:
    runs = next_runs(settings("02:30"), datetime(2026, 10, 24, 12, 0, tzinfo=BERLIN), count=2)
    assert [f"{r.astimezone(UTC):%H:%M}" for r in runs] == ["00:30", "01:30"]  # the same 02:30, twice
    runner = PassRunner(script("pass"), db_path=str(tmp_path / "hubwatch.db"), tz=BERLIN)
    assert [runner().status, runner().status] == ["ok", "skipped"]


def test_the_job_is_coalesced_single_instance_with_grace() -> None:
    scheduler = build_scheduler(settings(), lambda: None)
    job = scheduler.get_job(JOB_ID)
    assert (job.coalesce, job.max_instances, job.misfire_grace_time) == (True, 1, 6 * 3600)


# --- misfires (APScheduler compares with the wall clock) ----------------------------------------


def _run_due(schedule: str, next_run_time: datetime) -> tuple[int, list[int]]:
    """Start a paused scheduler, make the job due at `next_run_time`, let it process once."""
    calls: list[int] = []
    events: list[int] = []
    done = threading.Event()
    scheduler = build_scheduler(settings(schedule), lambda: calls.append(1), executor=DebugExecutor())

    def listen(event) -> None:
        events.append(event.code)
        done.set()

    scheduler.add_listener(listen, EVENT_JOB_EXECUTED | EVENT_JOB_MISSED)
    scheduler.start(paused=True)
    try:
        scheduler.modify_job(JOB_ID, next_run_time=next_run_time)
        scheduler.resume()
        assert done.wait(30), "the scheduler did not process the due job"
    finally:
        scheduler.shutdown(wait=True)
    return len(calls), events


def test_runs_missed_for_days_are_coalesced_into_one_run_within_grace() -> None:
    now = datetime.now(BERLIN)
    latest = now - timedelta(hours=1)  # the most recent fire time, an hour late: within grace
    calls, events = _run_due(f"{latest:%H:%M}", latest.replace(second=0, microsecond=0) - timedelta(days=3))
    assert calls == 1
    assert events == [EVENT_JOB_EXECUTED]


def test_a_run_missed_beyond_the_grace_is_skipped() -> None:
    now = datetime.now(BERLIN)
    due = (now - timedelta(hours=8)).replace(second=0, microsecond=0)  # 8 h late, grace is 6 h
    calls, events = _run_due(f"{due:%H:%M}", due)
    assert calls == 0
    assert events == [EVENT_JOB_MISSED]


# --- one pass: lock, deadline, heartbeat ------------------------------------------------------


def script(body: str) -> list[str]:
    return [sys.executable, "-c", body]


def test_a_pass_is_refused_while_another_holds_the_lock(tmp_path: Path, caplog) -> None:
    db_path, marker = str(tmp_path / "hubwatch.db"), tmp_path / "ran"
    runner = PassRunner(script(f"open({str(marker)!r}, 'w')"), db_path=db_path)
    with run_lock(db_path), caplog.at_level(logging.INFO, logger="pipeline.schedule"):
        result = runner()
    assert result.status == "locked" and "another hubwatch run is in progress" in result.detail
    assert not marker.exists()
    assert "pass finished: locked" in caplog.text


def test_a_pass_reports_its_exit_code_and_logs_a_heartbeat(tmp_path: Path, caplog) -> None:
    db_path = str(tmp_path / "hubwatch.db")
    with caplog.at_level(logging.INFO, logger="pipeline.schedule"):
        ok = PassRunner(script("pass"), db_path=db_path)()
        partial = PassRunner(script("raise SystemExit(3)"), db_path=db_path)()
        failed = PassRunner(script("raise SystemExit(1)"), db_path=db_path)()
    assert [r.status for r in (ok, partial, failed)] == ["ok", "partial", "failed"]
    assert "pass finished: ok (exit 0)" in caplog.text


HUNG_PASS = """
import signal, sqlite3, sys, time
db = sqlite3.connect(sys.argv[1])
db.execute("INSERT INTO runs (started_at) VALUES (?)", ["9999-01-01T00:00:00+00:00"])
db.commit()
if len(sys.argv) > 2:
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
time.sleep(3600)
"""


@pytest.mark.parametrize("ignores_sigterm", [False, True], ids=["terminated", "killed"])
def test_a_hung_pass_is_stopped_at_its_deadline_and_its_run_marked_failed(
    tmp_path: Path, ignores_sigterm
) -> None:
    db_path = str(tmp_path / "hubwatch.db")
    open_db(db_path).conn.close()
    command = script(HUNG_PASS) + [db_path] + (["ignore"] if ignores_sigterm else [])
    result = PassRunner(command, db_path=db_path, deadline_s=0.5, kill_grace_s=0.5)()
    assert result.status == "timeout"
    assert result.exit_code == (-signal.SIGKILL if ignores_sigterm else -signal.SIGTERM)
    db = open_db(db_path)
    assert [tuple(r) for r in db.execute("SELECT status FROM runs")] == [("failed",)]


# --- health -----------------------------------------------------------------------------------


def _run(db, status: str, started: str, finished: str | None = None) -> None:
    with db.conn:
        db.execute(
            "INSERT INTO runs (started_at, finished_at, status) VALUES (?, ?, ?)", [started, finished, status]
        )


def test_health_warns_after_26_hours_without_a_successful_run(tmp_path: Path) -> None:
    db = open_db(tmp_path / "hubwatch.db")
    now = datetime(2026, 11, 25, 8, 0, tzinfo=BERLIN)
    assert health_warning(db, now) == "no run has succeeded yet"
    _run(db, "partial", "2026-11-24T05:30:00+00:00", "2026-11-24T05:40:00+00:00")
    assert health_warning(db, now) is None
    _run(db, "failed", "2026-11-25T05:30:00+00:00", "2026-11-25T05:31:00+00:00")
    assert health_warning(db, now) is None  # 25 h 20 min since the last success: still fine
    later = datetime(2026, 11, 25, 9, 0, tzinfo=BERLIN)
    assert health_warning(db, later) == (
        "no run has succeeded for 26 hours (last at 2026-11-24 06:40 CET); "
        "the latest run (2026-11-25 06:30 CET) is failed"
    )


def test_a_run_missed_while_the_scheduler_was_down_is_caught_up(tmp_path: Path) -> None:
    db = open_db(tmp_path / "hubwatch.db")
    cfg = settings()
    assert missed_today(db, cfg, datetime(2026, 11, 25, 7, 0, tzinfo=BERLIN)) == datetime(
        2026, 11, 25, 6, 30, tzinfo=BERLIN
    )
    assert missed_today(db, cfg, datetime(2026, 11, 25, 13, 0, tzinfo=BERLIN)) is None  # beyond grace
    _run(db, "ok", "2026-11-25T05:30:05+00:00", "2026-11-25T05:40:00+00:00")
    assert missed_today(db, cfg, datetime(2026, 11, 25, 7, 0, tzinfo=BERLIN)) is None


# --- the foreground service -------------------------------------------------------------------


def _config(tmp_path: Path, schedule: str) -> Path:
    path = tmp_path / "sources.yaml"
    path.write_text(f'settings:\n  database: {tmp_path / "hubwatch.db"}\n  schedule: "{schedule}"\n', "utf-8")
    return path


SERVICE = """
import logging, sys
from pathlib import Path
from pipeline.schedule import run_schedule
logging.basicConfig(level=logging.INFO, stream=sys.stderr, format="%(message)s")
sys.exit(run_schedule(Path(sys.argv[1]), None, command=[sys.executable, "-c", "pass"]))
"""


def test_sigterm_stops_the_scheduler_cleanly_and_a_second_one_is_refused(tmp_path: Path) -> None:
    config = _config(tmp_path, "03:00")
    env = {k: v for k, v in os.environ.items() if not k.startswith("HUBWATCH_")}
    command = [sys.executable, "-c", SERVICE, str(config)]
    with subprocess.Popen(command, stderr=subprocess.PIPE, text=True, env=env) as service:
        try:
            for line in service.stderr:
                if line.startswith("scheduler started"):
                    break
            assert "daily at 03:00 Europe/Berlin" in line
            with pytest.raises(LockedError, match="another hubwatch schedule is already running"):
                run_schedule(config, None, stop_event=threading.Event())
            service.send_signal(signal.SIGTERM)
            rest = service.stderr.read()
            assert service.wait(timeout=60) == 0
        finally:
            if service.poll() is None:
                service.kill()
    assert "received SIGTERM; stopping" in rest and "scheduler stopped" in rest


def test_stopping_during_a_pass_ends_the_pass_even_one_ignoring_sigterm(tmp_path: Path, caplog) -> None:
    fifo = tmp_path / "started"
    os.mkfifo(fifo)
    late = datetime.now(BERLIN) - timedelta(minutes=5)  # today's run is 5 min late: caught up at start
    config = _config(tmp_path, f"{late:%H:%M}")
    stubborn_pass = (
        "import signal, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); "
        f"open({str(fifo)!r}, 'w').write('started'); time.sleep(3600)"
    )
    stop = threading.Event()
    result: list[int] = []

    def serve() -> None:
        result.append(
            run_schedule(config, None, stop_event=stop, command=script(stubborn_pass), kill_grace_s=0.5)
        )

    service = threading.Thread(target=serve)
    with caplog.at_level(logging.INFO, logger="pipeline.schedule"):
        service.start()
        try:
            assert fifo.read_text() == "started"  # blocks until the pass has begun
        finally:
            stop.set()
            service.join(60)
    assert result == [0]
    assert "the run due at" in caplog.text and "running it now" in caplog.text
    assert f"pass finished: stopped (exit {-signal.SIGKILL})" in caplog.text
