"""hubwatch's own Datasette plugin, registered by `hubwatch serve` (pipeline/analysts/serve.py).

Routes of hubwatch's own hook in here through `register_routes`: `/-/report` answers with the same
self-contained report as `hubwatch report`, built from the served database at the time of the request.
Another route (a feed, say) is one more (regex, view) pair in ROUTES.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import sqlite_utils
from datasette import hookimpl
from datasette.utils.asgi import Response

from pipeline.analysts.web import DB_NAME


async def report(datasette: Any, request: Any) -> Response:
    """GET /-/report[?since=YYYY-MM-DD]: the report, rendered from the served (read-only) database."""
    from pipeline.analysts.report import REPORT_DAYS, build_report

    now = datetime.now(UTC)
    try:
        since = date.fromisoformat(request.args.get("since") or "")
    except ValueError:
        since = now.date() - timedelta(days=REPORT_DAYS)
    database = datasette.get_database(DB_NAME)
    built = await database.execute_fn(
        lambda conn: build_report(sqlite_utils.Database(conn), since=since, now=now)
    )
    return Response.html(built.html)


ROUTES = [(r"^/-/report$", report)]


@hookimpl
def register_routes() -> list[tuple[str, Any]]:
    return ROUTES
