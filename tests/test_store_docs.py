"""The database docs cannot drift: options in the README, canned queries on disk, example SQL runnable."""

from __future__ import annotations

import re
from pathlib import Path

import click
import pytest
import yaml

from pipeline.cli import cli
from pipeline.store.schema import open_db

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")
DATABASE_MD = (ROOT / "docs" / "database.md").read_text(encoding="utf-8")
WEB = ROOT / "pipeline" / "analysts" / "web"  # the Datasette metadata ships inside the package
METADATA = yaml.safe_load((WEB / "metadata.yml").read_text(encoding="utf-8"))
QUERIES = METADATA["databases"]["hubwatch"]["queries"]


@pytest.mark.parametrize("command", ["search", "hubs", "status", "maintain", "serve", "report"])
def test_every_option_of_the_database_commands_is_in_the_readme(command: str) -> None:
    params = cli.commands[command].params
    for option in (p for p in params if isinstance(p, click.Option)):
        assert any(name in README for name in option.opts), f"{command} {option.opts} missing in README.md"
    assert f"hubwatch {command}" in README


def test_the_readme_links_the_database_reference() -> None:
    assert "](docs/database.md)" in README


@pytest.mark.parametrize("name", sorted(QUERIES))
def test_each_canned_query_has_its_sql_file_and_is_documented(name: str) -> None:
    assert (WEB / "queries" / f"{name}.sql").exists()
    assert f"`{name}`" in DATABASE_MD


def sql_blocks(text: str) -> list[str]:
    return re.findall(r"```sql\n(.*?)```", text, flags=re.S)


@pytest.mark.parametrize("sql", sql_blocks(README) + sql_blocks(DATABASE_MD))
def test_the_example_sql_runs(tmp_path: Path, sql: str) -> None:
    db = open_db(tmp_path / "hubwatch.db")
    for statement in filter(str.strip, sql.split(";")):
        db.execute(statement).fetchall()


@pytest.mark.parametrize("name", sorted(QUERIES))
def test_the_canned_queries_run(tmp_path: Path, name: str) -> None:
    db = open_db(tmp_path / "hubwatch.db")
    sql = (WEB / "queries" / f"{name}.sql").read_text(encoding="utf-8")
    db.execute(sql, {"hub": "Karlsruhe", "id": 1}).fetchall()
