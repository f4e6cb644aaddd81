"""Commands that keep the database healthy: maintain and backup."""

from __future__ import annotations

from pathlib import Path

import click

from pipeline.cli.base import (
    EXIT_CONFIG,
    cli,
    config_of,
    db_path_of,
    fail,
    open_existing,
)
from pipeline.store import maintenance


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
    config = config_of(ctx)
    db = open_existing(ctx)
    done = maintenance.maintain(
        db, db_path_of(ctx), retention_days=config.settings.raw_retention_days, vacuum=vacuum
    )
    sizes = f"{done.bytes_before / 1e6:.1f} MB → {done.bytes_after / 1e6:.1f} MB"
    vacuumed = "vacuumed, " if done.vacuumed else ""
    pruned = f"{done.raw_pruned} old raw captures and {done.words_pruned} stale search words pruned"
    click.echo(f"maintain: {pruned}, {vacuumed}{sizes}", err=True)


@cli.command()
@click.argument("dest", type=click.Path(path_type=Path))
@click.option("--force", is_flag=True, help="Overwrite DEST if it exists.")
@click.option(
    "--keep", type=click.IntRange(1), metavar="N", help="DEST a folder: keep only the N newest backups."
)
@click.pass_context
def backup(ctx: click.Context, dest: Path, force: bool, keep: int | None) -> None:
    """A consistent copy of the database (SQLite online backup), safe while a run writes.

    DEST is a file, or an existing folder that gets DB-YYYYMMDD-HHMMSS.db. Refuses to overwrite
    without --force; recorded for hubwatch status.

    Example: hubwatch backup /var/backups/hubwatch/ --keep 14
    """
    from pipeline.store.backup import BackupExistsError
    from pipeline.store.backup import backup as take_backup

    path = db_path_of(ctx)
    try:
        done = take_backup(path, dest, force=force, keep=keep)
    except BackupExistsError as exc:
        fail(str(exc), EXIT_CONFIG)
    for old in done.pruned:
        click.echo(f"removed old backup {old}", err=True)
    click.echo(
        f"backup: {done.path} ({done.bytes / 1e6:.1f} MB, {done.announcements} announcements, "
        f"{done.seconds:.1f} s)",
        err=True,
    )
