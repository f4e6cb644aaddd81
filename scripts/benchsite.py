"""The local news site the crawl benchmarks run against: article pages behind numbered listing pages.

One origin on 127.0.0.1 (never any other address), in its own process so it shares no GIL with the
crawler under test. Every response waits `latency` seconds first, as a distant server would; articles
carry an ETag and answer a matching If-None-Match with 304; `/robots.txt` allows everything.

- `/list/1.html` … `/list/<listings>.html`: `a.teaser` links to the articles, `a.next` to the next page;
- `/a/<i>.html`: article i. With `../shared/data/extraction` present these are its real pages, read at
  run time (never copied into the repository), page i being file i mod 474 with its number in a
  comment at the end (so no two bodies are the same); without it, the test
  fixtures' German articles (tests/germansite.py), each made unique by a numbered paragraph.

scripts/bench_crawl.py starts it itself; to time or profile one command against it, serve it alone:

    python scripts/benchsite.py --articles 1000 --listings 20 --latency 0.05 --port 47818
"""

from __future__ import annotations

import contextlib
import gzip
import hashlib
import multiprocessing
import signal
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
LOOPBACK = "127.0.0.1"
CORPUS = ROOT.parent / "shared" / "data" / "extraction" / "html"
ROBOTS = b"User-agent: *\nAllow: /\n"


def real_pages() -> list[bytes]:
    """The real article pages of the extraction corpus, as their publishers served them; [] without it."""
    if not CORPUS.is_dir():
        return []
    return [gzip.decompress(path.read_bytes()) for path in sorted(CORPUS.glob("*.html.gz"))]


def fixture_page(i: int) -> bytes:
    """Article i from the test fixtures, made unique by its number."""
    from tests.germansite import ARTICLES, article_html

    base = ARTICLES[i % len(ARTICLES)]
    extra = f"Meldung Nummer {i}: Die Stadt berichtet über Fortschritte im Quartier {i % 97}."
    return article_html({**base, "title": f"{base['title']} ({i})"}, extra_paragraph=extra).encode()


def article_bodies(articles: int) -> tuple[list[bytes], str]:
    """The `articles` pages and where they come from."""
    real = real_pages()
    if real:
        # a comment makes each page's bytes unique: nothing can be served from a cache of bodies
        pages = [real[i % len(real)] + f"\n<!-- article {i} -->\n".encode() for i in range(articles)]
        return pages, f"real pages of {CORPUS.parent}"
    return [fixture_page(i) for i in range(articles)], "fixture pages (../shared/data absent)"


def listing_page(n: int, listings: int, articles: int) -> bytes:
    """Listing page n of 1..listings: its share of the articles, and a link to the next page."""
    per_page = -(-articles // listings)
    items = range((n - 1) * per_page, min(n * per_page, articles))
    links = "".join(f'<li><a class="teaser" href="/a/{i}.html">Meldung {i}</a></li>' for i in items)
    nxt = f'<a class="next" href="/list/{n + 1}.html">Weiter</a>' if n < listings else ""
    return (
        f'<!DOCTYPE html><html lang="de"><head><meta charset="utf-8"><title>Presse – Seite {n}</title>'
        f"</head><body><h1>Pressemitteilungen</h1><ul>{links}</ul>{nxt}</body></html>"
    ).encode()


def _handler(bodies: list[bytes], listings: int, latency: float) -> type[BaseHTTPRequestHandler]:
    etags = ['"' + hashlib.sha1(body).hexdigest()[:16] + '"' for body in bodies]
    pages = {f"/list/{n}.html": listing_page(n, listings, len(bodies)) for n in range(1, listings + 1)}

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self) -> None:
            time.sleep(latency)
            if self.path == "/robots.txt":
                return self._send(200, ROBOTS, "text/plain")
            if self.path in pages:
                return self._send(200, pages[self.path], "text/html; charset=utf-8")
            index = self.path.removeprefix("/a/").removesuffix(".html")
            if self.path.startswith("/a/") and index.isdigit() and int(index) < len(bodies):
                i = int(index)
                if self.headers.get("If-None-Match") == etags[i]:
                    return self._send(304, b"", "", etags[i])
                return self._send(200, bodies[i], "text/html", etags[i])
            return self._send(404, b"not found", "text/plain")

        def _send(self, status: int, body: bytes, ctype: str, etag: str | None = None) -> None:
            self.send_response(status)
            if ctype:
                self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(body)))
            if etag:
                self.send_header("ETag", etag)
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: Any) -> None:
            pass

    return Handler


def _serve(articles: int, listings: int, latency: float, port: int, ready: Any) -> None:
    import sys

    sys.path.insert(0, str(ROOT))
    bodies, origin = article_bodies(articles)
    server = ThreadingHTTPServer((LOOPBACK, port), _handler(bodies, listings, latency))
    server.daemon_threads = True
    server.request_queue_size = 128
    threading.Thread(target=server.serve_forever, daemon=True).start()
    ready.put((server.server_address[1], origin))
    threading.Event().wait()


class Site:
    """The site in a child process: `with Site(1000, 20, 0.05) as site: site.url`."""

    def __init__(self, articles: int, listings: int, latency: float, *, port: int = 0) -> None:
        self.articles, self.listings, self.latency, self.port = articles, listings, latency, port
        self.url, self.pages = "", ""

    def __enter__(self) -> Site:
        context = multiprocessing.get_context("spawn")
        ready = context.Queue()
        args = (self.articles, self.listings, self.latency, self.port, ready)
        self._process = context.Process(target=_serve, args=args, daemon=True)
        self._process.start()
        port, self.pages = ready.get(timeout=120)
        self.url = f"http://{LOOPBACK}:{port}"
        return self

    def __exit__(self, *exc: object) -> None:
        self._process.terminate()
        self._process.join(10)


def _interrupt(*_: object) -> None:
    raise KeyboardInterrupt


def main() -> None:
    """Serve the site in the foreground, for profiling or timing one command against it."""
    import argparse

    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--articles", type=int, default=1000)
    parser.add_argument("--listings", type=int, default=20)
    parser.add_argument("--latency", type=float, default=0.05)
    parser.add_argument("--port", type=int, default=0)
    args = parser.parse_args()
    signal.signal(signal.SIGTERM, _interrupt)  # `kill` stops the server process as Ctrl-C does
    with Site(args.articles, args.listings, args.latency, port=args.port) as site:
        print(f"serving {site.pages} at {site.url}/list/1.html (Ctrl-C stops)", flush=True)
        with contextlib.suppress(KeyboardInterrupt):
            threading.Event().wait()


if __name__ == "__main__":
    main()
