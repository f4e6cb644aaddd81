"""Rows to the terminal: a rich table, one JSON array, or CSV — data on stdout, messages, progress and the
run summary on stderr."""

from __future__ import annotations

import csv
import json
import re
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any, Literal

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table
from rich.text import Text

Format = Literal["table", "json", "csv"]
FORMATS = ("table", "json", "csv")

stderr = Console(stderr=True)
if not stderr.is_terminal:  # cron and systemd logs: wide lines rather than wrapped tables
    stderr = Console(stderr=True, width=160)


def emit(rows: Sequence[dict[str, Any]], columns: Sequence[str], fmt: Format, *, title: str = "") -> None:
    """Print rows in the chosen format; `--format json` is always one array, even when empty."""
    if fmt == "json":
        json.dump(
            [{c: row.get(c) for c in columns} for row in rows], sys.stdout, ensure_ascii=False, indent=2
        )
        sys.stdout.write("\n")
    elif fmt == "csv":
        writer = csv.DictWriter(sys.stdout, fieldnames=list(columns), extrasaction="ignore")
        writer.writeheader()
        writer.writerows(rows)
    else:
        table = Table(title=cell(title) if title else None, show_lines=False)
        for column in columns:
            table.add_column(column, overflow="fold")
        for row in rows:
            table.add_row(*(cell(row.get(c)) for c in columns))
        Console().print(table)


_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def cell(value: Any) -> Text:
    """Scraped text for the terminal: never rich markup ("[/b]" would crash), never escape sequences."""
    return Text("" if value is None else _CONTROL.sub("", str(value)))


@contextmanager
def progress_bar(label: str, *, total: int, quiet: bool) -> Iterator[Callable[[str, int], None]]:
    """A bar on a terminal's stderr (none in logs or with -q); yields the `progress(event, n)` callback
    that run and reprocess call: "found" widens the total, anything else advances."""
    with Progress(
        TextColumn(label),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=stderr,
        disable=quiet or not stderr.is_terminal,
        transient=True,
    ) as bar:
        task = bar.add_task(label, total=total)

        def progress(event: str, amount: int) -> None:
            if event == "found":
                bar.update(task, total=(bar.tasks[0].total or 0) + amount)
            else:
                bar.advance(task, amount)

        yield progress


def print_run_summary(result: Any) -> None:
    """Per source: found, new, changed, unchanged, errors and the problem; then the totals and the digest."""
    table = Table(title=f"hubwatch run {result.run_id}: {result.status}")
    for column in ("source", "found", "new", "changed", "unchanged", "errors", "problem"):
        table.add_column(column, justify="right" if column not in ("source", "problem") else "left")
    for sr in result.sources:
        errors = sr.count("error") + int(sr.error is not None)
        unchanged = sr.count("unchanged") + sr.count("not_modified")
        counts = [sr.found, sr.count("new"), sr.count("changed"), unchanged, errors]
        table.add_row(sr.source.id, *map(str, counts), cell(sr.problem[:100]))
    c = result.counts
    stderr.print(table)
    stderr.print(
        f"sources ok {c['sources_ok']}, failed {c['sources_failed']} · new {c['new']}, "
        f"changed {c['changed']}, unchanged {c['unchanged']}, errors {c['errors']}"
    )
    if result.digest is not None:
        d = result.digest
        stderr.print(
            f"digest: {d.status}"
            + (f" ({d.items} items)" if d.items else "")
            + (f" — {d.error}" if d.error else ""),
            markup=False,
        )
