"""Commands for analysts: search, hubs, status, serve, report."""

from __future__ import annotations

import sys
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import click

from pipeline.analysts.output import emit
from pipeline.cli.base import (
    EXIT_OK,
    EXIT_PARTIAL,
    cli,
    db_path_of,
    format_option,
    iso_day,
    open_existing,
)
from pipeline.errors import HubwatchError
from pipeline.store import schema


@cli.command()
@click.argument("query")
@click.option("--limit", default=20, show_default=True, type=click.IntRange(1, 10_000))
@click.option("--since", metavar="DATE", callback=iso_day, help="Published (else first seen) on or after.")
@click.option("--until", metavar="DATE", callback=iso_day, help="Published (else first seen) on or before.")
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

    db = open_existing(ctx)
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

    db = open_existing(ctx)
    columns = ["hub", "status", "cities", "sectors", "evidence", "mentions", "announcements", "last_seen"]
    emit(hub_table(db), columns, fmt, title="hubs")


@cli.command()
@format_option
@click.pass_context
def status(ctx: click.Context, fmt: Any) -> None:
    """Per-source health: last success, last error, consecutive failures, items found; and the last run.

    Example: hubwatch status --format json
    """
    from pipeline.analysts.tables import source_health, status_lines
    from pipeline.schedule import health_warning

    db = open_existing(ctx)
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
    from pipeline.deliver.ledger import status_lines as delivery_lines
    from pipeline.store.backup import backup_line

    for line in [*status_lines(db, db_path_of(ctx)), backup_line(db), *delivery_lines(db)]:
        click.echo(line, err=True)
    warning = health_warning(db, datetime.now(UTC))
    if warning:
        click.echo(f"WARNING: {warning}", err=True)


@cli.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Interface to listen on.")
@click.option("--port", default=8001, show_default=True, type=click.IntRange(0, 65535))
@click.option(
    "--metadata",
    "metadata_path",
    type=click.Path(dir_okay=False, exists=True, path_type=Path),
    help="Datasette metadata (default: the one shipped in the package, pipeline/analysts/web/metadata.yml).",
)
@click.pass_context
def serve(ctx: click.Context, host: str, port: int, metadata_path: Path | None) -> None:
    """Browse the database in Datasette, read-only, while runs go on writing (needs hubwatch[web]).

    Opens the database read-only (not immutable: a run may write meanwhile) as `hubwatch`, with the
    project's titles, facets and canned queries, the hubs on a map, a dashboard at /-/dashboards/hubwatch,
    the report at /-/report and the Atom feeds at /-/feeds/.

    Example: hubwatch serve --port 8001
    """
    from pipeline.analysts.places import ensure_places
    from pipeline.analysts.serve import serve_database

    path = db_path_of(ctx)
    if not Path(path).exists():
        raise HubwatchError(f"no database at {path} yet: run `hubwatch run` first")
    db = schema.open_db(path)  # migrate, create the views and load the map's coordinates before Datasette
    ensure_places(db)
    db.close()
    click.echo(f"serving {path} read-only on http://{host}:{port}/ (Ctrl-C stops)", err=True)
    serve_database(Path(path), host=host, port=port, metadata_path=metadata_path)


@cli.command()
@click.option(
    "--out",
    type=click.Path(dir_okay=False, allow_dash=True, path_type=Path),
    help="Where to write the HTML (default hubwatch-report-DATE.html here; - for stdout).",
)
@click.option(
    "--since",
    metavar="DATE",
    callback=iso_day,
    help="List what was published (else first seen) on or after DATE (default: the last 7 days).",
)
@click.pass_context
def report(ctx: click.Context, out: Path | None, since: str | None) -> None:
    """Write one self-contained HTML report: the hubs on a map sized by announcements, announcements per
    hub over time, the sector × hub heat map, what is new since DATE by hub, and the sources' health.

    No script and nothing loaded from the network: it can be mailed and opened offline. German labels;
    charts as inline SVG with titles, descriptions and their data as tables. Exit 3 when a chart could
    not be drawn (the rest is written).

    Example: hubwatch report --out report.html --since 2024-05-01
    """
    from pipeline.analysts.places import ensure_places
    from pipeline.analysts.report import REPORT_DAYS, build_report, write_report

    db = open_existing(ctx)
    ensure_places(db)
    now = datetime.now(UTC)
    first = date.fromisoformat(since) if since else now.date() - timedelta(days=REPORT_DAYS)
    if out is not None and str(out) == "-":
        built = build_report(db, since=first, now=now)
        sys.stdout.write(built.html)
    else:
        out = out or Path(f"hubwatch-report-{now.date().isoformat()}.html")
        built = write_report(db, out, since=first, now=now)
        click.echo(f"report: {out} ({out.stat().st_size / 1000:.0f} kB), new since {first}", err=True)
    for problem in built.problems:
        click.echo(f"report: {problem}", err=True)
    sys.exit(EXIT_PARTIAL if built.problems else EXIT_OK)
