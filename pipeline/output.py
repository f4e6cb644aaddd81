"""Rows to the terminal: a rich table, one JSON array, or CSV — data on stdout, messages on stderr."""

from __future__ import annotations

import csv
import json
import sys
from collections.abc import Sequence
from typing import Any, Literal

from rich.console import Console
from rich.table import Table

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
        table = Table(title=title or None, show_lines=False)
        for column in columns:
            table.add_column(column, overflow="fold")
        for row in rows:
            table.add_row(*("" if row.get(c) is None else str(row.get(c)) for c in columns))
        Console().print(table)
