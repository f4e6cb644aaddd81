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
        console = Console()
        table, dropped = fitted_table(rows, columns, width=console.width, title=title)
        console.print(table)
        if dropped:
            stderr.print(
                f"{console.width} columns: {', '.join(dropped)} left out; a wider terminal or "
                "--format csv/json shows every column",
                markup=False,
                highlight=False,
            )


# Table columns are left out in this order when the terminal is too narrow (the first first); the
# others always stay and shrink instead: a cell wraps over MAX_LINES at most and ends in "…" beyond.
DROP_FIRST = (
    "url",
    "also_in",
    "score",
    "items_found",
    "source_id",
    "evidence",
    "mentions",
    "last_ok_at",
    "last_error_at",
    "last_seen",
    "published_at",
    "kind",
)
MAX_LINES = 2
MIN_WIDTH = {"title": 16, "snippet": 16, "sectors": 14, "cities": 12, "hub": 10, "id": 2}
DEFAULT_MIN_WIDTH = 8
WORD_WIDTH = 16  # a word up to this long (a date, a source id) keeps a column from going narrower
CELL_OVERHEAD = 3  # "│ " before a cell and one space after it; plus one "│" closing the row


def fitted_table(
    rows: Sequence[dict[str, Any]], columns: Sequence[str], *, width: int, title: str = ""
) -> tuple[Table, list[str]]:
    """A table that fits `width` terminal cells, as `gh` and sqlite-utils tables do: columns dropped in
    DROP_FIRST order while even their narrowest form does not fit, the rest given the width by need,
    every cell at most MAX_LINES lines ("…" where it is cut). Returns the table and the columns dropped."""
    texts = {c: [cell(row.get(c)) for row in rows] for c in columns}
    need = {c: max([len(c), *(t.cell_len for t in texts[c])]) for c in columns}
    least = {c: _min_width(c, need[c], texts[c]) for c in columns}
    kept, dropped = list(columns), []
    while len(kept) > 1 and sum(least[c] for c in kept) + CELL_OVERHEAD * len(kept) + 1 > width:
        droppable = [c for c in DROP_FIRST if c in kept]
        if not droppable:
            break
        kept.remove(droppable[0])
        dropped.append(droppable[0])
    widths = _share(kept, need, least, width - CELL_OVERHEAD * len(kept) - 1)
    table = Table(title=cell(title) if title else None, show_lines=False)
    for column in kept:
        numeric = all(isinstance(row.get(column), int | float) for row in rows if row.get(column) is not None)
        table.add_column(
            column,
            width=widths[column],
            no_wrap=True,
            overflow="ellipsis",
            justify="right" if numeric else "left",
        )
    console = Console(width=max(width, 20))
    for i in range(len(rows)):
        table.add_row(*(_clipped(texts[c][i], widths[c], console) for c in kept))
    return table, dropped


def _min_width(column: str, need: int, texts: Sequence[Text]) -> int:
    """The narrowest a column gets: its floor (MIN_WIDTH), or its longest word up to WORD_WIDTH so that
    dates, ids and numbers never break; a header may be cut ("announc…"), a value of that kind not."""
    longest_word = max((len(w) for t in texts for w in t.plain.split()), default=0)
    return min(need, max(MIN_WIDTH.get(column, DEFAULT_MIN_WIDTH), min(longest_word, WORD_WIDTH)))


def _share(columns: Sequence[str], need: dict[str, int], least: dict[str, int], room: int) -> dict[str, int]:
    """Each column its minimum, then the room left to those that need more, by how much they need."""
    widths = {c: least[c] for c in columns}
    left = room - sum(widths.values())
    while left > 0:
        hungry = {c: need[c] - widths[c] for c in columns if need[c] > widths[c]}
        if not hungry:
            break
        total = sum(hungry.values())
        given = 0
        for c, short in hungry.items():
            more = min(short, max(1, left * short // total), left - given)
            widths[c] += more
            given += more
        left -= given
        if given == 0:
            break
    return widths


def _clipped(text: Text, width: int, console: Console) -> Text:
    """The text wrapped to `width`, at most MAX_LINES lines, the last ending in "…" when more was cut."""
    lines = text.wrap(console, width, overflow="fold")
    if len(lines) <= MAX_LINES:
        return Text("\n").join(lines)
    last = lines[MAX_LINES - 1]
    last.truncate(width - 1)
    last.append("…")
    return Text("\n").join([*lines[: MAX_LINES - 1], last])


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
