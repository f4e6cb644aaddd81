"""The `hubwatch` command: it parses options, calls the library and translates errors — nothing else.

Exit codes: 0 all good · 2 usage or configuration error · 3 completed, but part of it failed
(a source, or the mail server) · 1 an unexpected failure, or the run could not start. The group and what
its commands share are in `base.py`; the commands, by what they are for, in `crawl.py` (run, schedule,
reprocess, sources), `analysts.py` (search, hubs, status, serve, report), `deliver.py` (digest, feeds,
notify) and `upkeep.py` (maintain, backup).
"""

from __future__ import annotations

from pipeline.cli import analysts, crawl, deliver, upkeep  # noqa: F401  each module registers its commands
from pipeline.cli.base import cli

__all__ = ["cli", "main"]


def main() -> None:
    cli(prog_name="hubwatch")
