"""Rows to the terminal: a rich table, one JSON array, or CSV — data on stdout, messages on stderr."""

from __future__ import annotations

import csv
import json
import re
import sys
from collections.abc import Sequence
from typing import Any, Literal

from rich.console import Console
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
