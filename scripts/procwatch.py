"""Whole-process figures of a command and every process it starts: wall time, CPU, peak memory.

`/usr/bin/time -v` reports the largest single process and misses the CPU of grandchildren that are
reaped by someone else (a fork server's workers), so the crawl benchmark samples /proc instead, every
0.1 s, over the whole process tree: CPU is each process's last utime + stime seen, memory both the
largest single RSS (what `time -v` calls maximum resident set size) and the tree's summed PSS at its
peak (shared pages split between the processes that share them: the memory the run really holds).
Linux only.
"""

from __future__ import annotations

import os
import subprocess
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

PAGE = os.sysconf("SC_PAGE_SIZE")
TICK = os.sysconf("SC_CLK_TCK")


@dataclass
class Usage:
    wall_s: float = 0.0
    cpu_s: float = 0.0
    max_rss_mb: float = 0.0  # the largest single process
    peak_pss_mb: float = 0.0  # the whole tree at its peak
    processes: int = 0
    returncode: int = 0
    cpu_by_pid: dict[int, float] = field(default_factory=dict)
    main_cpu_s: float = 0.0  # the command's own process; the rest is its children (workers, servers)


def _stat(pid: int) -> tuple[int, float] | None:
    """(parent pid, CPU seconds) of a live process."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = text[text.rindex(")") + 2 :].split()
    return int(fields[1]), (int(fields[11]) + int(fields[12])) / TICK


def _tree(root: int) -> dict[int, float]:
    """CPU seconds of `root` and all its descendants alive now."""
    stats = {}
    for entry in os.scandir("/proc"):
        if entry.name.isdigit() and (stat := _stat(int(entry.name))) is not None:
            stats[int(entry.name)] = stat
    members, frontier = {root}, [root]
    while frontier:
        parent = frontier.pop()
        children = [pid for pid, (ppid, _) in stats.items() if ppid == parent and pid not in members]
        members.update(children)
        frontier += children
    return {pid: stats[pid][1] for pid in members if pid in stats}


def _memory(pid: int) -> tuple[float, float]:
    """(RSS, PSS) in MB, 0 for a process that is gone."""
    try:
        rss = int(Path(f"/proc/{pid}/statm").read_text().split()[1]) * PAGE
        pss = next(
            int(line.split()[1]) * 1024
            for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines()
            if line.startswith("Pss:")
        )
    except (OSError, StopIteration, ValueError):
        return 0.0, 0.0
    return rss / 2**20, pss / 2**20


def measure(command: list[str], *, cwd: Path | None = None, interval: float = 0.1) -> Usage:
    """Run `command` to its end, sampling its process tree; its output is discarded."""
    usage = Usage()
    started = time.perf_counter()
    process = subprocess.Popen(command, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    done = threading.Event()

    def sample() -> None:
        while not done.is_set():
            tree = _tree(process.pid)
            for pid, cpu in tree.items():
                usage.cpu_by_pid[pid] = max(cpu, usage.cpu_by_pid.get(pid, 0.0))
            memory = [_memory(pid) for pid in tree]
            usage.max_rss_mb = max([usage.max_rss_mb, *(rss for rss, _ in memory)])
            usage.peak_pss_mb = max(usage.peak_pss_mb, sum(pss for _, pss in memory))
            done.wait(interval)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    _, stderr = process.communicate()
    usage.wall_s = time.perf_counter() - started
    done.set()
    sampler.join()
    usage.returncode = process.returncode
    usage.cpu_s = sum(usage.cpu_by_pid.values())
    usage.main_cpu_s = usage.cpu_by_pid.get(process.pid, 0.0)
    usage.processes = len(usage.cpu_by_pid)
    if process.returncode not in (0, 3):
        raise RuntimeError(f"{command[:3]} exited {process.returncode}: {stderr.decode()[-2000:]}")
    return usage
