"""Every command has help ending in an example and appears in the README (docs cannot drift)."""

from __future__ import annotations

from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from pipeline import __version__
from pipeline.cli import cli

README = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")


def all_commands(group: click.Group = cli, prefix: str = "") -> list[tuple[str, click.Command]]:
    found = []
    for name, command in sorted(group.commands.items()):
        full = f"{prefix}{name}"
        if isinstance(command, click.Group):
            found += all_commands(command, f"{full} ")
        else:
            found.append((full, command))
    return found


COMMANDS = all_commands()


@pytest.mark.parametrize("name", [n for n, _ in COMMANDS])
def test_each_command_has_help_ending_in_an_example(name: str) -> None:
    result = CliRunner().invoke(cli, [*name.split(), "--help"])
    assert result.exit_code == 0
    assert "Example: hubwatch" in result.output
    assert f"hubwatch {name}" in README, f"`hubwatch {name}` is not documented in README.md"


def test_the_interface_commands_exist() -> None:
    names = {n for n, _ in COMMANDS}
    assert {"run", "schedule", "digest", "search", "hubs", "sources check", "status", "reprocess"} <= names


def test_version_and_short_help() -> None:
    assert __version__ in CliRunner().invoke(cli, ["--version"]).output
    assert CliRunner().invoke(cli, ["-h"]).exit_code == 0


def test_unknown_command_is_a_usage_error() -> None:
    assert CliRunner().invoke(cli, ["crawl"]).exit_code == 2


def test_status_without_a_database_says_so_in_one_line(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["--db", str(tmp_path / "none.db"), "status"])
    assert result.exit_code == 1
    assert result.stderr.strip().startswith("hubwatch: no database") and "Traceback" not in result.stderr
