"""Commands that deliver: the digest, Atom feeds, notification targets."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from pipeline.cli.base import (
    EXIT_CONFIG,
    EXIT_OK,
    EXIT_PARTIAL,
    cli,
    config_of,
    fail,
    open_existing,
    settings_or_defaults,
)
from pipeline.store import schema


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

    config = config_of(ctx)
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
    for one in outcome.groups if len(outcome.groups) > 1 else []:
        label = one.group if one.channel == "notify" else (one.group or "to")
        click.echo(f"  {one.channel} {label}: {one.status}, {one.items} items", err=True)
    sys.exit(EXIT_PARTIAL if outcome.status == "failed" else EXIT_OK)


@cli.command()
@click.option(
    "--out", "out_dir", required=True, type=click.Path(file_okay=False, path_type=Path), help="Folder."
)
@click.option(
    "--limit", default=50, show_default=True, type=click.IntRange(1, 10_000), help="Entries per feed."
)
@click.option("--base-url", metavar="URL", help="Where the folder is served, for each feed's self link.")
@click.pass_context
def feeds(ctx: click.Context, out_dir: Path, limit: int, base_url: str | None) -> None:
    """Write Atom feeds of the relevant announcements: all.atom, hub-NAME.atom, sector-NAME.atom.

    One entry per new or changed announcement, newest first; a file that would not change is not
    rewritten. hubwatch serve serves the same feeds at /-/feeds/.

    Example: hubwatch feeds --out /var/www/hubwatch/feeds --base-url https://hubs.example/feeds/
    """
    from pipeline.deliver.atom import write_feeds

    settings = settings_or_defaults(ctx)
    db = open_existing(ctx)
    done = write_feeds(
        db, out_dir, language=settings.digest.language, limit=limit, base_url=base_url, tz=settings.tz
    )
    for path in done.written:
        click.echo(f"wrote {path}", err=True)
    click.echo(f"feeds: {len(done.written)} written, {len(done.unchanged)} unchanged in {out_dir}", err=True)


@cli.group()
def notify() -> None:
    """Notification targets (settings.notify, Apprise URLs).

    Example: hubwatch notify test
    """


@notify.command("test")
@click.pass_context
def notify_test(ctx: click.Context) -> None:
    """Send a test message to each target in settings.notify; records nothing. Exit 3 if one failed.

    Example: hubwatch --config /etc/hubwatch/sources.yaml notify test
    """
    from pipeline.deliver.notify import send_test

    settings = config_of(ctx).settings
    if not settings.notify:
        fail("no notification targets configured (settings.notify)", EXIT_CONFIG)
    results = send_test(settings)
    for target, error in results:
        click.echo(f"{target.label}: {'ok' if error is None else error}", err=True)
    sys.exit(EXIT_PARTIAL if any(error for _, error in results) else EXIT_OK)
