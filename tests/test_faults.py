"""The fault matrix: each fault a real server (or a real resource limit) produces, through `hubwatch run`.

Each run completes where it can, the fault is recorded where `hubwatch status` shows it, exit code 3.
The crawler's own tests (test_fetch, test_crawl) cover the rest of the matrix: hanging and dripping
servers, 429/5xx storms, gzip and brotli bombs, redirect loops, oversized bodies.
"""

from __future__ import annotations

import json
import resource
import signal
import socket
import sqlite3
import ssl
import struct
import subprocess
import sys
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler
from pathlib import Path

import pytest
from click.testing import CliRunner

from pipeline.cli import cli
from tests.germansite import ARTICLES, article_html, sources_yaml
from tests.localsite import LocalSite

REPO = Path(__file__).resolve().parents[1]
LAUGHS = "".join(f' <!ENTITY lol{n} "{"".join(f"&lol{n - 1};" for _ in range(10))}">\n' for n in range(2, 10))
BOMB_PROLOG = f'<?xml version="1.0"?>\n<!DOCTYPE lolz [\n <!ENTITY lol1 "lol">\n{LAUGHS}]>\n'


def config_with(tmp_path: Path, site: LocalSite, extra_sources: str) -> Path:
    path = tmp_path / "sources.yaml"
    text = sources_yaml(site.url, tmp_path / "hubwatch.db").replace("  timeout_s: 5\n", "  timeout_s: 2\n")
    path.write_text(text + extra_sources, encoding="utf-8")
    return path


def run_and_status(config: Path) -> tuple[int, dict[str, dict]]:
    runner = CliRunner()
    run = runner.invoke(cli, ["--config", str(config), "run", "--no-digest"])
    assert "Traceback" not in run.stderr
    status = runner.invoke(cli, ["--config", str(config), "status", "--format", "json"])
    assert status.exit_code == 0, status.stderr
    return run.exit_code, {row["id"]: row for row in json.loads(status.stdout)}


def stored(tmp_path: Path) -> int:
    with sqlite3.connect(tmp_path / "hubwatch.db") as conn:
        return conn.execute("SELECT count(*) FROM announcements").fetchone()[0]


def source(source_id: str, url: str, kind: str = "feed") -> str:
    return f"  - id: {source_id}\n    kind: {kind}\n    url: {url}\n"


def test_connection_reset_mid_body(german_site: LocalSite, tmp_path: Path) -> None:
    def reset(request: BaseHTTPRequestHandler) -> None:
        request.send_response(200)
        request.send_header("Content-Type", "application/rss+xml")
        request.send_header("Content-Length", "100000")
        request.end_headers()
        request.wfile.write(b'<?xml version="1.0"?><rss version="2.0"><channel><item><title>Halb')
        request.wfile.flush()
        request.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        request.connection.close()  # linger 0: an RST, not a clean close

    german_site.pages["/reset.xml"] = reset
    code, status = run_and_status(
        config_with(tmp_path, german_site, source("reset", f"{german_site.url}/reset.xml"))
    )
    assert code == 3
    assert status["reset"]["consecutive_failures"] == 1 and status["reset"]["last_error"]
    assert status["region-feed"]["consecutive_failures"] == 0
    assert stored(tmp_path) == len(ARTICLES)


def test_unresolvable_host(german_site: LocalSite, tmp_path: Path) -> None:
    code, status = run_and_status(
        config_with(tmp_path, german_site, source("nowhere", "http://hubwatch-test.invalid/feed.xml"))
    )
    assert code == 3
    assert "cannot resolve host" in status["nowhere"]["last_error"]
    assert stored(tmp_path) == len(ARTICLES)


@pytest.fixture
def tls_site(self_signed: tuple[Path, Path]) -> Iterator[LocalSite]:
    cert, key = self_signed
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    site = LocalSite()
    site.server.socket = context.wrap_socket(site.server.socket, server_side=True)
    site.add(
        "/feed.xml", '<?xml version="1.0"?><rss version="2.0"><channel></channel></rss>', "application/xml"
    )
    with site:
        yield site


def test_tls_error_self_signed_certificate(
    tls_site: LocalSite, german_site: LocalSite, tmp_path: Path
) -> None:
    https = tls_site.url.replace("http://", "https://")
    code, status = run_and_status(
        config_with(tmp_path, german_site, source("selfsigned", f"{https}/feed.xml"))
    )
    assert code == 3
    assert "CERTIFICATE_VERIFY_FAILED" in status["selfsigned"]["last_error"]
    assert stored(tmp_path) == len(ARTICLES)


@pytest.mark.parametrize("kind", ["feed", "sitemap"])
def test_billion_laughs_is_never_expanded(german_site: LocalSite, tmp_path: Path, kind: str) -> None:
    if kind == "feed":
        body = (
            BOMB_PROLOG + '<rss version="2.0"><channel><title>&lol9;</title><item><title>&lol9;</title>'
            f"<link>{german_site.url}/artikel/{ARTICLES[0]['slug']}.html</link></item></channel></rss>"
        )
    else:
        body = (
            BOMB_PROLOG + '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><url><loc>&lol9;</loc>'
            "</url></urlset>"
        )
    german_site.add(f"/bomb-{kind}.xml", body, "application/xml")
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    code, status = run_and_status(
        config_with(tmp_path, german_site, source("bomb", f"{german_site.url}/bomb-{kind}.xml", kind))
    )
    grown_mb = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024
    assert grown_mb < 200, "the entities were expanded"
    assert code == 3 and status["bomb"]["consecutive_failures"] == 1
    with sqlite3.connect(tmp_path / "hubwatch.db") as conn:
        assert conn.execute("SELECT max(length(title)) FROM announcements").fetchone()[0] < 1000


def test_database_directory_that_cannot_be_created(german_site: LocalSite, tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-directory"
    blocker.write_text("a file where the database folder should be", encoding="utf-8")
    config = tmp_path / "sources.yaml"
    config.write_text(sources_yaml(german_site.url, blocker / "hubwatch.db"), encoding="utf-8")
    result = CliRunner().invoke(cli, ["--config", str(config), "run", "--no-digest"])
    assert result.exit_code == 1
    assert result.stderr.count("\n") == 1 and "cannot open database" in result.stderr
    assert german_site.log == [], "nothing may be fetched when nothing can be stored"


def _limit_file_size() -> None:
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the limit fails with EFBIG instead
    resource.setrlimit(resource.RLIMIT_FSIZE, (400_000, 400_000))


def test_a_full_disk_fails_clearly_and_leaves_nothing_half_written(
    german_site: LocalSite, tmp_path: Path
) -> None:
    for n in range(40):  # enough text that the database outgrows the limit part-way through the run
        article = dict(ARTICLES[n % len(ARTICLES)], slug=f"lang-{n}")
        german_site.add(
            f"/artikel/lang-{n}.html", article_html(article, extra_paragraph=f"Absatz {n}. " * 400)
        )
    listing = "".join(f'<a class="teaser-link" href="/artikel/lang-{n}.html">{n}</a>' for n in range(40))
    german_site.add("/news/", listing)
    config = tmp_path / "sources.yaml"
    config.write_text(sources_yaml(german_site.url, tmp_path / "hubwatch.db"), encoding="utf-8")
    done = subprocess.run(
        [sys.executable, "-m", "pipeline", "--config", str(config), "run", "--no-digest"],
        capture_output=True, text=True, timeout=300, cwd=REPO, preexec_fn=_limit_file_size,
    )  # fmt: skip
    assert done.returncode in (1, 3), done.stderr
    assert "Traceback" not in done.stderr
    assert (
        "full" in done.stderr.lower() or "disk" in done.stderr.lower() or "too large" in done.stderr.lower()
    )
    with sqlite3.connect(tmp_path / "hubwatch.db") as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        rows = conn.execute(
            "SELECT a.id, a.version, count(v.version) FROM announcements a "
            "LEFT JOIN announcement_versions v ON v.announcement_id = a.id GROUP BY a.id"
        ).fetchall()
        assert all(version == versions for _, version, versions in rows)
        events = conn.execute("SELECT count(*) FROM events").fetchone()[0]
        assert events == len(rows)
