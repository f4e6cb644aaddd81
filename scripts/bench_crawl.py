#!/usr/bin/env python
"""Crawl throughput against its two bounds, on loopback only.

Serves N German article pages from H local hosts (one port each on 127.0.0.1, so H origins) that
answer after a fixed latency L and support ETag/304, crawls them through the real pipeline
(discover → fetch → extract → entities → store), and prints pages/s next to

- the network bound: H × per_host_concurrency / L, and
- the CPU bound: the same pages extracted, analysed and stored from memory, no network, with the
  same worker processes,

then the wall time of a second, unchanged run (every page answers 304).

    /work/main/.venv/bin/python scripts/bench_crawl.py --hosts 10 --per-host 4 --latency 0.05 --articles 2000
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import multiprocessing
import os
import sys
import tempfile
import threading
import time
from concurrent.futures import ProcessPoolExecutor, as_completed
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from pipeline.config import parse_config  # noqa: E402
from pipeline.run import run_pass  # noqa: E402
from pipeline.store.announcements import save_article  # noqa: E402
from pipeline.store.archive import save_raw  # noqa: E402
from pipeline.store.schema import open_db  # noqa: E402
from pipeline.workers import _warm_up, analyse_page  # noqa: E402
from tests.germansite import ARTICLES, article_html  # noqa: E402

LOOPBACK = "127.0.0.1"  # never any other address


def page(i: int) -> bytes:
    """Article i: one of the fixture articles, made unique by its number."""
    base = ARTICLES[i % len(ARTICLES)]
    extra = f"Meldung Nummer {i}: Die Stadt berichtet über Fortschritte im Quartier {i % 97}."
    article = {**base, "title": f"{base['title']} ({i})"}
    return article_html(article, extra_paragraph=extra).encode()


def serve(hosts: int, articles: int, latency: float, lastmod: bool, ready: Any, ports: Any) -> None:
    """The H servers, in their own process so they do not share the crawler's GIL."""
    bodies = {i: page(i) for i in range(articles)}
    etags = {i: '"' + hashlib.sha1(b).hexdigest()[:16] + '"' for i, b in bodies.items()}

    def make(host: int) -> type[BaseHTTPRequestHandler]:
        mine = [i for i in range(articles) if i % hosts == host]

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self) -> None:
                time.sleep(latency)
                if self.path == "/sitemap.xml":
                    port = self.server.server_address[1]
                    mod = "<lastmod>2024-01-01T00:00:00Z</lastmod>" if lastmod else ""
                    locs = "".join(
                        f"<url><loc>http://{LOOPBACK}:{port}/a/{i}.html</loc>{mod}</url>" for i in mine
                    )
                    xml = f'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{locs}</urlset>'
                    return self._send(200, xml.encode(), "application/xml")
                if self.path.startswith("/a/"):
                    i = int(self.path[3:].removesuffix(".html"))
                    if self.headers.get("If-None-Match") == etags[i]:
                        return self._send(304, b"", "text/html", etags[i])
                    return self._send(200, bodies[i], "text/html; charset=utf-8", etags[i])
                return self._send(404, b"", "text/plain")

            def _send(self, status: int, body: bytes, ctype: str, etag: str | None = None) -> None:
                self.send_response(status)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(body)))
                if etag:
                    self.send_header("ETag", etag)
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: Any) -> None:
                pass

        return Handler

    servers = []
    for host in range(hosts):
        server = ThreadingHTTPServer((LOOPBACK, 0), make(host))
        server.daemon_threads = True
        servers.append(server)
        ports.append(server.server_address[1])
        threading.Thread(target=server.serve_forever, daemon=True).start()
    ready.set()
    threading.Event().wait()


def config_text(db: Path, ports: list[int], per_host: int, workers: int) -> str:
    sources = "".join(
        f"  - id: host-{n}\n    kind: sitemap\n    url: http://{LOOPBACK}:{port}/sitemap.xml\n"
        for n, port in enumerate(ports)
    )
    return f"""settings:
  database: {db}
  per_host_concurrency: {per_host}
  per_host_delay_s: 0
  allow_networks: ["127.0.0.0/8"]
  global_concurrency: {per_host * len(ports)}
  extract_workers: {workers}
  timeout_s: 30
sources:
{sources}"""


def crawl(config_yaml: str, db_path: Path) -> tuple[float, Any]:
    config = parse_config(config_yaml)
    db = open_db(db_path)
    started = time.perf_counter()
    result = asyncio.run(run_pass(config, db, config.enabled_sources))
    elapsed = time.perf_counter() - started
    db.close()
    return elapsed, result


def cpu_bound(articles: int, workers: int, db_path: Path) -> float:
    """Pages/s for extract + entities (in `workers` processes) + store, from memory."""
    from pipeline.errors import ExtractError

    db = open_db(db_path)
    pages = [(page(i).decode(), f"http://{LOOPBACK}/mem/{i}.html") for i in range(articles)]
    context = multiprocessing.get_context("forkserver")
    with ProcessPoolExecutor(max(workers, 1), mp_context=context, initializer=_warm_up) as pool:
        list(pool.map(_warm_up_task, range(max(workers, 1) * 2)))
        started = time.perf_counter()
        futures = {pool.submit(analyse_page, html, url, None, None): (html, url) for html, url in pages}
        for future in as_completed(futures):
            html, url = futures[future]
            try:
                article, analysis = future.result()
            except ExtractError:
                continue
            save_raw(db, url=url, source_id="mem", body=html.encode(), content_type="text/html")
            save_article(db, source_id="mem", url=url, article=article, analysis=analysis)
        elapsed = time.perf_counter() - started
    db.close()
    return articles / elapsed


def _warm_up_task(_: int) -> None:
    time.sleep(0.05)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--hosts", type=int, default=10)
    parser.add_argument("--per-host", type=int, default=4)
    parser.add_argument("--latency", type=float, default=0.05)
    parser.add_argument("--articles", type=int, default=2000)
    parser.add_argument(
        "--workers", type=int, default=2, help="extraction processes (settings.extract_workers)"
    )
    parser.add_argument(
        "--lastmod", action="store_true", help="sitemaps carry <lastmod>: an unchanged run skips the pages"
    )
    args = parser.parse_args()

    manager = multiprocessing.Manager()
    ports, ready = manager.list(), manager.Event()
    server = multiprocessing.get_context("spawn").Process(
        target=serve, args=(args.hosts, args.articles, args.latency, args.lastmod, ready, ports), daemon=True
    )
    server.start()
    ready.wait(60)
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "bench.db"
        text = config_text(db, list(ports), args.per_host, args.workers)
        cpu_before = cpu_bound(args.articles, args.workers, Path(tmp) / "cpu1.db")
        first, result = crawl(text, db)
        second, again = crawl(text, db)
        cpu_after = cpu_bound(args.articles, args.workers, Path(tmp) / "cpu2.db")
    cpu = max(cpu_before, cpu_after)  # measured around the crawl; the better one is the stricter bound
    server.terminate()
    network = args.hosts * args.per_host / args.latency
    rate = args.articles / first
    bound = min(network, cpu)
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    print(
        f"machine: {os.cpu_count()} cores (load average {load}); "
        f"{args.hosts} hosts x {args.per_host} connections x "
        f"{args.latency * 1000:.0f} ms latency, {args.articles} articles, {args.workers} extraction workers, "
        f"sitemap lastmod {'on' if args.lastmod else 'off'}"
    )
    print(
        f"first run:   {first:7.2f} s  {rate:7.1f} pages/s  new={result.counts['new']} "
        f"errors={result.counts['errors']}"
    )
    print(
        f"network bound: {network:7.1f} pages/s   CPU bound: {cpu:7.1f} pages/s "
        f"(before {cpu_before:.1f}, after {cpu_after:.1f})"
    )
    print(f"throughput / lower bound: {100 * rate / bound:5.1f} %  (target >= 90 %)")
    floor = args.articles / network
    print(f"network floor of a second run that revalidates every page (304s): {floor:.2f} s")
    print(
        f"unchanged second run: {second:6.2f} s = {100 * second / first:4.1f} % of the first "
        f"(target <= 10 %); unchanged={again.counts['unchanged']} new={again.counts['new']}"
    )


if __name__ == "__main__":
    main()
