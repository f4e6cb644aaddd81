"""A real HTTP endpoint on 127.0.0.1 that records every POST, for Apprise `json://` targets in tests.

`status` is what it answers (set 503 for an outage); `received` keeps each POST's path and JSON body,
also those it refused, with what it answered.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Post:
    path: str
    body: dict[str, Any]
    answered: int
    headers: dict[str, str]


@dataclass
class Webhook:
    status: int = 200
    received: list[Post] = field(default_factory=list)

    def __post_init__(self) -> None:
        hook = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                status = hook.status
                hook.received.append(Post(self.path, json.loads(raw or b"{}"), status, dict(self.headers)))
                self.send_response(status)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def accepted(self) -> list[Post]:
        return [post for post in self.received if post.answered < 300]

    def __enter__(self) -> Webhook:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()
