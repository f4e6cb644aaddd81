"""The `hubwatch` group and what its commands share: error translation, exit codes, the configuration,
the database path, and the common options.

A HubwatchError becomes one clear line and a documented exit code; a traceback is a bug.
"""

from __future__ import annotations

import logging
import sqlite3
import sys
from datetime import date
from pathlib import Path
from typing import Any, NoReturn

import click

from pipeline import __version__
from pipeline.analysts.output import FORMATS
from pipeline.config import ENV_CONFIG, Config, Settings, load_config
from pipeline.errors import ConfigError, HubwatchError
from pipeline.store import schema

EXIT_OK, EXIT_UNEXPECTED, EXIT_CONFIG, EXIT_PARTIAL = 0, 1, 2, 3

logger = logging.getLogger("pipeline")


class HubwatchGroup(click.Group):
    """Turns every HubwatchError into one clear line and its exit code; a traceback is a bug."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except ConfigError as exc:
            fail(f"configuration error: {exc}", EXIT_CONFIG)
        except HubwatchError as exc:
            fail(str(exc), EXIT_UNEXPECTED)
        except (click.exceptions.Exit, click.ClickException, click.Abort):
            raise
        except KeyboardInterrupt:
            fail("interrupted", 130)
        except sqlite3.Error as exc:
            fail(f"database error: {exc} (disk full, or the database folder not writable?)", EXIT_UNEXPECTED)
        except Exception as exc:
            if ctx.obj and ctx.obj.get("verbose"):
                raise
            fail(f"unexpected {type(exc).__name__}: {exc} (run with -v for the traceback)", EXIT_UNEXPECTED)


def fail(message: str, code: int) -> NoReturn:
    click.echo(f"hubwatch: {message}", err=True)
    sys.exit(code)


@click.group(cls=HubwatchGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--config",
    "config_path",
    type=click.Path(dir_okay=False),
    envvar=ENV_CONFIG,
    default="sources.yaml",
    show_default=True,
    help="The sources file (env HUBWATCH_CONFIG).",
)
@click.option(
    "--db",
    "db_path",
    type=click.Path(dir_okay=False),
    envvar="HUBWATCH_DB",
    help="The SQLite database (default settings.database; env HUBWATCH_DB).",
)
@click.option("-v", "--verbose", count=True, help="More log output (-vv for debug).")
@click.option("-q", "--quiet", is_flag=True, help="Only warnings and errors.")
@click.version_option(__version__, prog_name="hubwatch")
@click.pass_context
def cli(ctx: click.Context, config_path: str, db_path: str | None, verbose: int, quiet: bool) -> None:
    """hubwatch watches the press about Germany's Digital Hub Initiative.

    It crawls the sources in sources.yaml, extracts each article, finds hubs, cities and sectors,
    records new and changed announcements in SQLite and emails a digest.

    Example: hubwatch --config sources.yaml run
    """
    level = logging.ERROR if quiet else [logging.WARNING, logging.INFO, logging.DEBUG][min(verbose, 2)]
    logging.basicConfig(
        level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s", stream=sys.stderr
    )
    if not verbose:
        logging.getLogger("httpx").setLevel(logging.WARNING)
        logging.getLogger("trafilatura").setLevel(logging.ERROR)
        logging.getLogger("htmldate").setLevel(logging.ERROR)
    ctx.obj = {"config_path": config_path, "db_path": db_path, "verbose": verbose, "quiet": quiet}


def config_of(ctx: click.Context) -> Config:
    """sources.yaml (and the environment) as the global options name them."""
    return load_config(ctx.obj["config_path"], db=ctx.obj["db_path"])


def db_path_of(ctx: click.Context) -> str:
    """The database path without requiring a valid sources.yaml when --db or HUBWATCH_DB names it."""
    return ctx.obj["db_path"] or config_of(ctx).settings.database


def open_existing(ctx: click.Context) -> Any:
    """The database for commands that read it: an error, not a new empty file, when it does not exist."""
    path = db_path_of(ctx)
    if not Path(path).exists():
        raise HubwatchError(f"no database at {path} yet: run `hubwatch run` first")
    return schema.open_db(path)


def settings_or_defaults(ctx: click.Context) -> Settings:
    """The settings of sources.yaml when there is one (user agent, timeouts, allowed networks, language);
    the defaults otherwise, for commands that work without it (probe; feeds with --db)."""
    if not Path(ctx.obj["config_path"]).exists():
        return Settings()
    return config_of(ctx).settings


format_option = click.option(
    "--format",
    "fmt",
    type=click.Choice(FORMATS),
    default="table",
    show_default=True,
    help="Output format; json prints one array on stdout.",
)


def iso_day(_ctx: click.Context, _param: click.Parameter, value: str | None) -> str | None:
    """--since/--until take an ISO date (YYYY-MM-DD)."""
    if value is None:
        return None
    try:
        return date.fromisoformat(value).isoformat()
    except ValueError as exc:
        raise click.BadParameter(f"{value!r} is not a date like 2024-03-31") from exc
