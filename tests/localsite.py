"""A real HTTP server on 127.0.0.1 for tests: serves pages from a dict the test may change.

Each request is logged (path, headers, monotonic time, the client's port) so tests can check what the
crawler sent and over how many connections.
A page with an `ETag` header answers a matching If-None-Match with 304, as a cache-friendly server does.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

Handler = Callable[[BaseHTTPRequestHandler], None]


@dataclass
class Page:
    body: bytes
    content_type: str = "text/html; charset=utf-8"
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class Hit:
    path: str
    headers: dict[str, str]
    at: float
    client: tuple[str, int] = ("", 0)  # the client's address and port: one per TCP connection


class LocalSite:
    """Serve `pages[path]` (a Page or a handler callable; a handler also answers its path with any
    query); everything else is 404."""

    def __init__(self) -> None:
        self.pages: dict[str, Page | Handler] = {}
        self.log: list[Hit] = []
        site = self

        class _Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self) -> None:
                hit = Hit(self.path, dict(self.headers.items()), time.monotonic(), self.client_address[:2])
                site.log.append(hit)
                page = site.pages.get(self.path)
                if page is None and callable(site.pages.get(self.path.split("?")[0])):
                    page = site.pages[self.path.split("?")[0]]  # a handler reads its own query
                if callable(page):
                    page(self)
                    return
                if page is None:
                    page = Page(b"not found", "text/plain", 404)
                etag = page.headers.get("ETag")
                if etag and self.headers.get("If-None-Match") == etag:
                    self.send_response(304)
                    self.send_header("ETag", etag)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                self.send_response(page.status)
                self.send_header("Content-Type", page.content_type)
                self.send_header("Content-Length", str(len(page.body)))
                for key, value in page.headers.items():
                    self.send_header(key, value)
                self.end_headers()
                self.wfile.write(page.body)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True)

    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}"

    def add(
        self, path: str, body: str | bytes, content_type: str = "text/html; charset=utf-8", **kw: Any
    ) -> str:
        self.pages[path] = Page(body.encode() if isinstance(body, str) else body, content_type, **kw)
        return self.url + path

    def hits(self, path: str) -> list[Hit]:
        return [h for h in self.log if h.path == path]

    def __enter__(self) -> LocalSite:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()
