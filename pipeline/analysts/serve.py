"""`hubwatch serve`: Datasette over the database, read-only, with the project's metadata.

Not `immutable`: a run may write while analysts browse, and an immutable database is assumed never
to change (Datasette would cache counts and skip locking). A mutable database that Datasette only
reads is opened with `mode=ro` for every query; WAL lets those reads go on during a run's writes.
Datasette is an optional extra (`pip install 'hubwatch[web]'`).
"""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path
from typing import Any

import yaml

from pipeline.errors import HubwatchError

logger = logging.getLogger(__name__)

METADATA = Path(__file__).resolve().parents[2] / "db" / "metadata.yml"
METADATA_DB_NAME = "hubwatch"  # the database key in db/metadata.yml
SETTINGS = {
    "sql_time_limit_ms": 10_000,  # views aggregate every fact; the progress handler slows them 2-3x
    "facet_time_limit_ms": 500,
    "suggest_facets": False,  # each suggestion is a GROUP BY over a view of every announcement
    "default_page_size": 50,
    "max_returned_rows": 5000,
    "allow_download": False,  # the file is live and large; analysts export CSV/JSON of queries instead
}


def load_metadata(path: Path | None, db_name: str) -> dict[str, Any]:
    """The metadata file, its database section renamed to the served file's name (its stem)."""
    path = path or METADATA
    if not path.exists():
        logger.warning("no Datasette metadata at %s: serving without titles and canned queries", path)
        return {}
    metadata = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    databases = metadata.get("databases") or {}
    for name, query in ((databases.get(METADATA_DB_NAME) or {}).get("queries") or {}).items():
        if "sql" not in query:
            query["sql"] = (path.parent / "queries" / f"{name}.sql").read_text(encoding="utf-8")
    if METADATA_DB_NAME in databases and db_name != METADATA_DB_NAME:
        databases[db_name] = databases.pop(METADATA_DB_NAME)
    return metadata


def make_datasette(path: Path, *, metadata_path: Path | None = None) -> Any:
    """A Datasette instance on the database, read-only; raises HubwatchError without the extra."""
    try:
        from datasette.app import Datasette
    except ImportError as exc:
        raise HubwatchError(
            "hubwatch serve needs Datasette: pip install 'hubwatch[web]' (or pip install datasette)"
        ) from exc
    metadata = load_metadata(metadata_path, path.stem)
    _register_feeds()
    return Datasette(files=[str(path)], metadata=metadata, settings=SETTINGS)


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
