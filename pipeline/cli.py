"""The `hubwatch` command: it parses options, calls the library and translates errors — nothing else.

Exit codes: 0 all good · 2 usage or configuration error · 3 completed, but part of it failed
(a source, or the mail server) · 1 an unexpected failure, or the run could not start.
"""

from __future__ import annotations

import logging
import sqlite3
import sys
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any, NoReturn

import click

from pipeline import __version__
from pipeline.analysts.output import FORMATS, emit, print_run_summary, progress_bar
from pipeline.config import ENV_CONFIG, Config, load_config
from pipeline.errors import ConfigError, HubwatchError
from pipeline.store import archive, maintenance, schema

EXIT_OK, EXIT_UNEXPECTED, EXIT_CONFIG, EXIT_PARTIAL = 0, 1, 2, 3

logger = logging.getLogger("pipeline")


class HubwatchGroup(click.Group):
    """Turns every HubwatchError into one clear line and its exit code; a traceback is a bug."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except ConfigError as exc:
            _fail(f"configuration error: {exc}", EXIT_CONFIG)
        except HubwatchError as exc:
            _fail(str(exc), EXIT_UNEXPECTED)
        except (click.exceptions.Exit, click.ClickException, click.Abort):
            raise
        except KeyboardInterrupt:
            _fail("interrupted", 130)
        except sqlite3.Error as exc:
            _fail(f"database error: {exc} (disk full, or the database folder not writable?)", EXIT_UNEXPECTED)
        except Exception as exc:
            if ctx.obj and ctx.obj.get("verbose"):
                raise
            _fail(f"unexpected {type(exc).__name__}: {exc} (run with -v for the traceback)", EXIT_UNEXPECTED)


def _fail(message: str, code: int) -> NoReturn:
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


def _config(ctx: click.Context) -> Config:
    return load_config(ctx.obj["config_path"], db=ctx.obj["db_path"])


def _db_path(ctx: click.Context) -> str:
    """The database path without requiring a valid sources.yaml when --db or HUBWATCH_DB names it."""
    return ctx.obj["db_path"] or _config(ctx).settings.database


def _open_existing(ctx: click.Context) -> Any:
    path = _db_path(ctx)
    if not Path(path).exists():
        raise HubwatchError(f"no database at {path} yet: run `hubwatch run` first")
    return schema.open_db(path)


# --- run --------------------------------------------------------------------------------------


@cli.command()
@click.option("--source", "source_ids", multiple=True, metavar="ID", help="Only this source (repeatable).")
@click.option("--no-digest", is_flag=True, help="Do not send the digest after the pass.")
@click.pass_context
def run(ctx: click.Context, source_ids: tuple[str, ...], no_digest: bool) -> None:
    """One full pass: discover, fetch, extract, find entities, store; then send the digest.

    Ends with a summary per source; exits 3 when any source failed (the rest is stored).

    Example: hubwatch run --source bmwk-presse --no-digest
    """
    from pipeline.run import run_daily

    config = _config(ctx)
    if not config.settings.digest.recipient_groups and not no_digest:
        click.echo(
            "hubwatch: no digest recipients configured (settings.digest.to): digests are off", err=True
        )
    with progress_bar("crawling", total=0, quiet=ctx.obj["quiet"]) as progress:
        result = run_daily(config, source_ids=source_ids, digest=not no_digest, progress=progress)
    print_run_summary(result)
    sys.exit(result.exit_code)


# --- schedule, digest -------------------------------------------------------------------------


@cli.command()
@click.pass_context
def schedule(ctx: click.Context) -> None:
    """Stay in the foreground and run the full pass every day at settings.schedule (settings.timezone).

    Stops cleanly on SIGTERM or Ctrl-C.

    Example: hubwatch --config /etc/hubwatch/sources.yaml schedule
    """
    from pipeline.schedule import run_schedule

    _config(ctx)  # fail early on a bad configuration
    sys.exit(run_schedule(Path(ctx.obj["config_path"]), ctx.obj["db_path"]))


@cli.command()
@click.option("--dry-run", is_flag=True, help="Render only: send nothing, mark nothing.")
@click.option(
    "--out",
    "out_dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Also write the digest into this folder (.eml and .html).",
)
@click.pass_context
def digest(ctx: click.Context, dry_run: bool, out_dir: Path | None) -> None:
    """Send what no earlier digest contained; exits 3 when the mail server refused it (items stay pending).

    Example: hubwatch digest --dry-run --out out/
    """
    from pipeline.deliver.digest import send_pending

    config = _config(ctx)
    db = schema.open_db(config.settings.database)
    outcome = send_pending(db, config.settings, dry_run=dry_run, out_dir=out_dir)
    if dry_run and outcome.text:
        click.echo(outcome.text)
    for path in outcome.files:
        click.echo(f"wrote {path}", err=True)
    message = {
        "nothing": "digest: nothing pending",
        "off": "digest: no recipients configured (settings.digest.to)",
        "busy": "digest: another process is sending the digest right now; nothing done",
    }.get(outcome.status, f"digest: {outcome.status}, {outcome.items} items")
    click.echo(message + (f" — {outcome.error}" if outcome.error else ""), err=True)
    sys.exit(EXIT_PARTIAL if outcome.status == "failed" else EXIT_OK)


# --- search, hubs -----------------------------------------------------------------------------

format_option = click.option(
    "--format",
    "fmt",
    type=click.Choice(FORMATS),
    default="table",
    show_default=True,
    help="Output format; json prints one array on stdout.",
)


def _iso_day(_ctx: click.Context, _param: click.Parameter, value: str | None) -> str | None:
    """--since/--until take an ISO date (YYYY-MM-DD)."""
    if value is None:
        return None
    try:
        return date.fromisoformat(value).isoformat()
    except ValueError as exc:
        raise click.BadParameter(f"{value!r} is not a date like 2024-03-31") from exc


@cli.command()
@click.argument("query")
@click.option("--limit", default=20, show_default=True, type=click.IntRange(1, 10_000))
@click.option("--since", metavar="DATE", callback=_iso_day, help="Published (else first seen) on or after.")
@click.option("--until", metavar="DATE", callback=_iso_day, help="Published (else first seen) on or before.")
@click.option("--source", "source_id", metavar="ID", help="Only announcements of this source.")
@click.option("--hub", metavar="NAME", help='Only announcements mentioning this hub, e.g. "Karlsruhe".')
@click.option("--sector", metavar="NAME", help='Only announcements mentioning this sector, e.g. "Logistik".')
@format_option
@click.pass_context
def search(
    ctx: click.Context,
    query: str,
    limit: int,
    since: str | None,
    until: str | None,
    source_id: str | None,
    hub: str | None,
    sector: str | None,
    fmt: Any,
) -> None:
    """Full-text search over announcements, best first, near-duplicates shown once.

    German-aware: each word also finds its inflected forms and the compounds it starts
    ("Hubs" finds Hub, "Logistik" finds Logistikbranche); "quoted phrases" match exactly,
    OR between words widens, -word excludes.

    Example: hubwatch search "Smart Systems Hub" --since 2024-01-01 --hub Dresden/Leipzig --format json
    """
    from pipeline.analysts.search import SearchFilters, search_announcements

    db = _open_existing(ctx)
    filters = SearchFilters(since=since, until=until, source=source_id, hub=hub, sector=sector)
    rows = search_announcements(db, query, limit=limit, filters=filters)
    columns = ["id", "published_at", "source_id", "title", "url", "snippet", "also_in", "score"]
    emit(rows, columns, fmt, title=f"search: {query}")


@cli.command()
@format_option
@click.pass_context
def hubs(ctx: click.Context, fmt: Any) -> None:
    """The hubs as the database knows them: cities and sectors with evidence counts, mentions, last seen.

    Derived from hub_facts of each announcement's current version; "Logistik (3)" means three
    evidence sentences state that sector. `status`: listed (in hubs.yaml), unconfirmed (an announcement
    says the initiative adds it; listed first until an analyst adds it to hubs.yaml), unlisted.

    Example: hubwatch hubs --format csv > hubs.csv
    """
    from pipeline.analysts.tables import hub_table

    db = _open_existing(ctx)
    columns = ["hub", "status", "cities", "sectors", "evidence", "mentions", "announcements", "last_seen"]
    emit(hub_table(db), columns, fmt, title="hubs")


# --- sources check, status, reprocess, serve ---------------------------------------------------


@cli.group()
def sources() -> None:
    """Work with sources.yaml.

    Example: hubwatch sources check
    """


@sources.command("check")
@click.pass_context
def sources_check(ctx: click.Context) -> None:
    """Validate sources.yaml without fetching: exit 0 when valid, 2 with the first error otherwise.

    Example: hubwatch --config sources.yaml sources check
    """
    config = _config(ctx)
    enabled = len(config.enabled_sources)
    click.echo(
        f"{config.path}: {len(config.sources)} sources ({enabled} enabled), configuration ok", err=True
    )


@cli.command()
@format_option
@click.pass_context
def status(ctx: click.Context, fmt: Any) -> None:
    """Per-source health: last success, last error, consecutive failures, items found; and the last run.

    Example: hubwatch status --format json
    """
    from pipeline.analysts.tables import source_health, status_lines
    from pipeline.schedule import health_warning

    db = _open_existing(ctx)
    columns = [
        "id",
        "kind",
        "last_ok_at",
        "last_error_at",
        "consecutive_failures",
        "items_found",
        "broken",
        "last_error",
    ]
    emit(source_health(db), columns, fmt, title="sources")
    for line in status_lines(db, _db_path(ctx)):
        click.echo(line, err=True)
    warning = health_warning(db, datetime.now(UTC))
    if warning:
        click.echo(f"WARNING: {warning}", err=True)


@cli.command()
@click.option(
    "--vacuum", is_flag=True, help="Also VACUUM: rewrites the file; holds the write lock meanwhile."
)
@click.pass_context
def maintain(ctx: click.Context, vacuum: bool) -> None:
    """Database upkeep: drop raw captures older than settings.raw_retention_days and stale search words,
    PRAGMA optimize, VACUUM.

    Recorded in the `maintenance` table; `hubwatch status` shows the last vacuum. Run it weekly
    from cron, with --vacuum when no run is due.

    Example: hubwatch maintain --vacuum
    """
    config = _config(ctx)
    db = _open_existing(ctx)
    done = maintenance.maintain(
        db, _db_path(ctx), retention_days=config.settings.raw_retention_days, vacuum=vacuum
    )
    sizes = f"{done.bytes_before / 1e6:.1f} MB → {done.bytes_after / 1e6:.1f} MB"
    vacuumed = "vacuumed, " if done.vacuumed else ""
    pruned = f"{done.raw_pruned} old raw captures and {done.words_pruned} stale search words pruned"
    click.echo(f"maintain: {pruned}, {vacuumed}{sizes}", err=True)


@cli.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Interface to listen on.")
@click.option("--port", default=8001, show_default=True, type=click.IntRange(0, 65535))
@click.option(
    "--metadata",
    "metadata_path",
    type=click.Path(dir_okay=False, exists=True, path_type=Path),
    help="Datasette metadata (default: db/metadata.yml of this project).",
)
@click.pass_context
def serve(ctx: click.Context, host: str, port: int, metadata_path: Path | None) -> None:
    """Browse the database in Datasette, read-only, while runs go on writing (needs hubwatch[web]).

    Opens the database read-only (not immutable: a run may write meanwhile) with the project's
    titles, facets and canned queries.

    Example: hubwatch serve --port 8001
    """
    from pipeline.analysts.serve import serve_database

    path = _db_path(ctx)
    if not Path(path).exists():
        raise HubwatchError(f"no database at {path} yet: run `hubwatch run` first")
    schema.open_db(path).close()  # migrate and create the views before Datasette reads
    click.echo(f"serving {path} read-only on http://{host}:{port}/ (Ctrl-C stops)", err=True)
    serve_database(Path(path), host=host, port=port, metadata_path=metadata_path)


@cli.command()
@click.pass_context
def reprocess(ctx: click.Context) -> None:
    """Re-run extraction and entities over stored raw pages, without fetching; creates no events.

    Use it after a gazetteer or rule change.

    Example: hubwatch reprocess
    """
    from pipeline.run import reprocess as reprocess_pages

    config = _config(ctx)
    db = _open_existing(ctx)
    total = archive.count_raw(db)
    with progress_bar("reprocessing", total=total, quiet=ctx.obj["quiet"]) as progress:
        counts = reprocess_pages(db, config, progress=progress)
    click.echo(f"reprocessed {counts['reprocessed']} pages, {counts['errors']} errors", err=True)
    sys.exit(EXIT_PARTIAL if counts["errors"] else EXIT_OK)


def main() -> None:
    cli(prog_name="hubwatch")
