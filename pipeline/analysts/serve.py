"""`hubwatch serve`: Datasette over the database, read-only, with the project's metadata and plugins.

The metadata (titles, facets, canned queries, the plugins' settings) travels inside the package,
`pipeline/analysts/web/metadata.yml` with `queries/*.sql` beside it, so a wheel install finds it as an
editable one does; `--metadata PATH` replaces it (queries then come from `queries/` beside that file). The
database is always served as `hubwatch`, whatever its file is called, so links and canned queries hold.

Not `immutable`: a run may write while analysts browse, and an immutable database is assumed never
to change (Datasette would cache counts and skip locking). A mutable database that Datasette only
reads is opened with `mode=ro` for every query; WAL lets those reads go on during a run's writes.
Datasette and its plugins are the optional extra `pip install 'hubwatch[web]'`. Routes of our own (the
report, feeds) hook in through `web/plugin.py`, registered below as a Datasette plugin.
"""

from __future__ import annotations

import asyncio
import logging
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any

import yaml

from pipeline.analysts.web import DB_NAME
from pipeline.errors import HubwatchError

logger = logging.getLogger(__name__)

SETTINGS = {
    "sql_time_limit_ms": 10_000,  # views aggregate every fact; the progress handler slows them 2-3x
    "facet_time_limit_ms": 500,
    "suggest_facets": False,  # each suggestion is a GROUP BY over a view of every announcement
    "default_page_size": 50,
    "max_returned_rows": 5000,
    "allow_download": False,  # the file is live and large; analysts export CSV/JSON of queries instead
}


def packaged_metadata() -> Traversable:
    """metadata.yml inside the installed package: found from a wheel, an sdist or a checkout alike."""
    return resources.files("pipeline.analysts").joinpath("web", "metadata.yml")


def load_metadata(path: Path | None = None) -> dict[str, Any]:
    """The metadata file (default: the packaged one), each canned query's SQL read from queries/NAME.sql."""
    source: Traversable = path if path is not None else packaged_metadata()
    if not source.is_file():
        logger.warning("no Datasette metadata at %s: serving without titles and canned queries", source)
        return {}
    metadata = yaml.safe_load(source.read_text(encoding="utf-8")) or {}
    queries = ((metadata.get("databases") or {}).get(DB_NAME) or {}).get("queries") or {}
    folder: Traversable = (
        source.parent if isinstance(source, Path) else resources.files("pipeline.analysts").joinpath("web")
    )
    for name, query in queries.items():
        if "sql" not in query:
            query["sql"] = folder.joinpath("queries", f"{name}.sql").read_text(encoding="utf-8")
    return metadata


def make_datasette(path: Path, *, metadata_path: Path | None = None) -> Any:
    """A Datasette instance on the database, named `hubwatch`, read-only; HubwatchError without the extra."""
    try:
        from datasette.app import Datasette
    except ImportError as exc:
        raise HubwatchError(
            "hubwatch serve needs Datasette: pip install 'hubwatch[web]' (or pip install datasette)"
        ) from exc
    from datasette.plugins import pm

    from pipeline.analysts.web import plugin

    if not pm.is_registered(plugin):
        pm.register(plugin, name="hubwatch")
    _register_feeds()
    datasette = Datasette(files=[str(path)], metadata=load_metadata(metadata_path), settings=SETTINGS)
    (database,) = [db for db in datasette.databases.values() if db.path == str(path)]
    if database.name != DB_NAME:
        datasette.remove_database(database.name)
        datasette.add_database(database, name=DB_NAME)
    return datasette


def _register_feeds() -> None:
    """The Atom feeds at /-/feeds/ (pipeline.deliver.feedroutes, a register_routes plugin)."""
    from datasette.plugins import pm

    from pipeline.deliver import feedroutes

    if not pm.is_registered(feedroutes):
        pm.register(feedroutes, name=feedroutes.PLUGIN_NAME)


def serve_database(path: Path, *, host: str, port: int, metadata_path: Path | None = None) -> None:
    """Run Datasette under uvicorn in the foreground until Ctrl-C."""
    datasette = make_datasette(path, metadata_path=metadata_path)
    import uvicorn

    asyncio.run(datasette.invoke_startup())
    uvicorn.run(datasette.app(), host=host, port=port, log_level="warning")
