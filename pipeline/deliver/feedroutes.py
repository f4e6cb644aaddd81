"""The Atom feeds served by `hubwatch serve`: a Datasette plugin with one `register_routes` hook.

`/-/feeds/` lists the feeds, `/-/feeds/NAME.atom` is the same document `hubwatch feeds` writes to
NAME.atom (with a `rel="self"` link to where it is served), built on Datasette's read-only connection.
Only `pipeline.analysts.serve` imports this module, and only when Datasette is installed.
"""

from __future__ import annotations

from html import escape
from typing import Any

import sqlite_utils
from datasette import Response, hookimpl

from pipeline.deliver.atom import FeedSpec, feed_specs, render_feed

PLUGIN_NAME = "hubwatch-feeds"  # metadata: plugins: {hubwatch-feeds: {language: en}}
ATOM_TYPE = "application/atom+xml; charset=utf-8"


@hookimpl
def register_routes() -> list[tuple[str, Any]]:
    return [(r"^/-/feeds/?$", feed_index), (r"^/-/feeds/(?P<name>[a-z0-9-]+)\.atom$", feed)]


async def feed(datasette: Any, request: Any) -> Response:
    name = request.url_vars["name"]
    language = (datasette.plugin_config(PLUGIN_NAME) or {}).get("language", "de")
    base_url = datasette.absolute_url(request, "/-/feeds")

    def build(conn: Any) -> bytes | None:
        db = sqlite_utils.Database(conn)
        spec = next((s for s in feed_specs(db) if s.name == name), None)
        return None if spec is None else render_feed(db, spec, language=language, base_url=base_url)

    body = await datasette.get_database().execute_fn(build)
    if body is None:
        return Response.text(f"no feed named {name}", status=404)
    return Response(body, content_type=ATOM_TYPE)


async def feed_index(datasette: Any, request: Any) -> Response:
    specs: list[FeedSpec] = await datasette.get_database().execute_fn(
        lambda conn: feed_specs(sqlite_utils.Database(conn))
    )
    items = "\n".join(
        f'<li><a href="/-/feeds/{s.name}.atom">{escape(s.name)}.atom</a> – {escape(s.label)}</li>'
        for s in specs
    )
    return Response.html(
        f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>hubwatch feeds</title></head>"
        f"<body><h1>Atom feeds</h1><ul>{items}</ul></body></html>"
    )
