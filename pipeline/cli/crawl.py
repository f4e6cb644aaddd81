"""Commands of the daily pass and of sources.yaml: run, schedule, reprocess, sources check and probe."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from pipeline.analysts.output import emit, print_run_summary, progress_bar
from pipeline.cli.base import (
    EXIT_OK,
    EXIT_PARTIAL,
    cli,
    config_of,
    open_existing,
    settings_or_defaults,
)
from pipeline.config import Config
from pipeline.store import archive


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

    config = config_of(ctx)
    if not (config.settings.digest.recipient_groups or config.settings.notify) and not no_digest:
        click.echo(
            "hubwatch: no digest recipients configured (settings.digest.to, settings.notify): "
            "digests are off",
            err=True,
        )
    with progress_bar("crawling", total=0, quiet=ctx.obj["quiet"]) as progress:
        result = run_daily(config, source_ids=source_ids, digest=not no_digest, progress=progress)
    print_run_summary(result)
    sys.exit(result.exit_code)


@cli.command()
@click.pass_context
def schedule(ctx: click.Context) -> None:
    """Stay in the foreground and run the full pass every day at settings.schedule (settings.timezone).

    Stops cleanly on SIGTERM or Ctrl-C.

    Example: hubwatch --config /etc/hubwatch/sources.yaml schedule
    """
    from pipeline.schedule import run_schedule

    config_of(ctx)  # fail early on a bad configuration
    sys.exit(run_schedule(Path(ctx.obj["config_path"]), ctx.obj["db_path"]))


@cli.command()
@click.pass_context
def reprocess(ctx: click.Context) -> None:
    """Re-run extraction and entities over stored raw pages, without fetching; creates no events.

    Use it after a gazetteer or rule change.

    Example: hubwatch reprocess
    """
    from pipeline.run import reprocess as reprocess_pages

    config = config_of(ctx)
    db = open_existing(ctx)
    total = archive.count_raw(db)
    with progress_bar("reprocessing", total=total, quiet=ctx.obj["quiet"]) as progress:
        counts = reprocess_pages(db, config, progress=progress)
    click.echo(f"reprocessed {counts['reprocessed']} pages, {counts['errors']} errors", err=True)
    sys.exit(EXIT_PARTIAL if counts["errors"] else EXIT_OK)


@cli.group()
def sources() -> None:
    """Work with sources.yaml.

    Example: hubwatch sources check
    """


@sources.command("check")
@click.option(
    "--online", is_flag=True, help="Also fetch each enabled source's entry point once and say what is there."
)
@click.pass_context
def sources_check(ctx: click.Context, online: bool) -> None:
    """Validate sources.yaml: exit 0 when valid, 2 with the first error otherwise.

    With --online, also fetch each enabled source's entry point once (robots.txt obeyed) and print per
    source: status, redirects, what was found there, items, robots.txt verdict; exit 3 when any source
    yields nothing. The first command to run on a new machine.

    Example: hubwatch --config sources.yaml sources check --online
    """
    config = config_of(ctx)
    enabled = len(config.enabled_sources)
    click.echo(
        f"{config.path}: {len(config.sources)} sources ({enabled} enabled), configuration ok", err=True
    )
    if online:
        sys.exit(_check_online(config))


def _check_online(config: Config) -> int:
    import asyncio

    from pipeline.crawl.probe import check_online, check_rows

    results = asyncio.run(check_online(config.enabled_sources, config.settings))
    columns = ["id", "kind", "status", "redirects", "found", "items", "robots", "problem"]
    rows = check_rows(results)
    emit(rows, columns, "table", title="sources, online")
    failed = [row["id"] for row in rows if row["problem"]]
    if failed:
        click.echo(f"hubwatch: {len(failed)} sources yield nothing: {', '.join(failed)}", err=True)
    return EXIT_PARTIAL if failed else EXIT_OK


@sources.command("probe")
@click.argument("url")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["yaml", "json"]),
    default="yaml",
    show_default=True,
    help="yaml: findings as comments and a ready entry; json: one object, the entry plus `probe`.",
)
@click.pass_context
def sources_probe(ctx: click.Context, url: str, fmt: str) -> None:
    """Fetch one page (robots.txt obeyed) and print what discovery finds there, and a ready entry.

    Feeds (title, items), robots.txt sitemaps, groups of article links with examples, whether the page
    needs JavaScript; fetches no article and stores nothing. Exit 3 when nothing there can be read.

    Example: hubwatch sources probe https://www.de-hub.de/ >> sources.yaml.new
    """
    import asyncio
    import json

    import yaml

    from pipeline.crawl.probe import probe, probe_lines

    report = asyncio.run(probe(url, settings_or_defaults(ctx)))
    if fmt == "json":
        click.echo(json.dumps(report.entry | {"probe": report.as_dict()}, ensure_ascii=False, indent=2))
    else:
        click.echo("\n".join(probe_lines(report)))
        if report.entry:
            click.echo(yaml.safe_dump([report.entry], allow_unicode=True, sort_keys=False).rstrip())
    if not report.entry:
        click.echo(f"hubwatch: {report.error}", err=True)
        sys.exit(EXIT_PARTIAL)
