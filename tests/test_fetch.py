"""The fetcher against real servers on 127.0.0.1: robots.txt, politeness, retries, limits, charsets."""

from __future__ import annotations

import asyncio
import gzip
import time
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler
from itertools import pairwise
from typing import Any

import pytest

from pipeline.config import Settings
from pipeline.crawl.fetch import Fetcher, FetchRecord, NotModified, Response, backoff_s, retry_after_s
from pipeline.errors import FetchError, Skip
from tests.localsite import LocalSite

FAST = {
    "per_host_delay_s": 0,
    "allow_networks": ["127.0.0.0/8"],
    "timeout_s": 1,
    "connect_timeout_s": 1,
    "request_deadline_s": 3,
    "retry_backoff_s": 0.01,
    "retry_backoff_max_s": 0.05,
    "max_retries": 2,
}


def settings(**overrides: Any) -> Settings:
    return Settings(**{**FAST, **overrides})


def fetch_all(urls: list[str], *, records: list[FetchRecord] | None = None, **overrides: Any) -> list[Any]:
    """Fetch concurrently with one Fetcher; return each Response/NotModified or the exception."""
    records = records if records is not None else []

    async def main() -> list[Any]:
        async with Fetcher(settings(**overrides), recorder=records.append) as fetcher:
            return await asyncio.gather(*(fetcher.fetch(u) for u in urls), return_exceptions=True)

    return asyncio.run(main())


def fetch_one(url: str, **overrides: Any) -> Any:
    return fetch_all([url], **overrides)[0]


HTML = "<html><body><p>Hallo</p></body></html>"


# --- robots.txt ----------------------------------------------------------------------------------


def test_a_disallowed_url_is_skipped_and_robots_is_read_once(site: LocalSite) -> None:
    site.add("/robots.txt", "User-agent: *\nDisallow: /intern/\n", "text/plain")
    allowed = [site.add(f"/ok{i}.html", HTML) for i in range(3)]
    secret = site.add("/intern/geheim.html", HTML)
    records: list[FetchRecord] = []
    results = fetch_all([*allowed, secret], records=records)
    assert all(isinstance(r, Response) for r in results[:3])
    assert isinstance(results[3], Skip) and "robots.txt" in results[3].reason
    assert site.hits("/intern/geheim.html") == []
    assert len(site.hits("/robots.txt")) == 1
    assert [r.status_code for r in records if r.url.endswith("/robots.txt")] == [200]


def test_a_larger_crawl_delay_spaces_the_requests(site: LocalSite) -> None:
    site.add("/robots.txt", "User-agent: *\nCrawl-delay: 0.4\n", "text/plain")
    urls = [site.add(f"/a{i}.html", HTML) for i in range(3)]
    fetch_all(urls, per_host_delay_s=0.05, per_host_concurrency=4)
    times = sorted(h.at for h in site.log if h.path.startswith("/a"))
    gaps = [b - a for a, b in pairwise(times)]
    assert len(gaps) == 2 and min(gaps) >= 0.35


def test_robots_404_allows_everything(site: LocalSite) -> None:
    assert isinstance(fetch_one(site.add("/x.html", HTML)), Response)


def test_robots_5xx_skips_the_host_for_this_run(site: LocalSite) -> None:
    site.add("/robots.txt", "kaputt", "text/plain", status=503)
    urls = [site.add(f"/p{i}.html", HTML) for i in range(2)]
    records: list[FetchRecord] = []
    results = fetch_all(urls, records=records, max_retries=0)
    assert all(isinstance(r, FetchError) and "robots.txt unavailable" in r.reason for r in results)
    assert not any(h.path.startswith("/p") for h in site.log)
    assert [(r.status_code, r.error) for r in records] == [(503, "HTTP 503")]


def test_respect_robots_false_ignores_it(site: LocalSite) -> None:
    site.add("/robots.txt", "User-agent: *\nDisallow: /\n", "text/plain")
    assert isinstance(fetch_one(site.add("/x.html", HTML), respect_robots=False), Response)
    assert site.hits("/robots.txt") == []


# --- conditional GET, retries -----------------------------------------------------------------------


def test_conditional_get_sends_the_validators_and_a_304_is_not_modified(site: LocalSite) -> None:
    url = site.add("/c.html", HTML, headers={"ETag": '"v1"', "Last-Modified": formatdate(usegmt=True)})
    first = fetch_one(url)
    assert isinstance(first, Response) and first.etag == '"v1"'

    async def again() -> Any:
        async with Fetcher(settings()) as fetcher:
            return await fetcher.fetch(url, etag=first.etag, last_modified=first.last_modified)

    assert isinstance(asyncio.run(again()), NotModified)
    sent = site.hits("/c.html")[-1].headers
    assert sent["If-None-Match"] == '"v1"' and sent["If-Modified-Since"] == first.last_modified


def _sequence(*steps: tuple[int, dict[str, str]]) -> Any:
    """A handler answering each request with the next (status, headers); the last one repeats."""
    calls = iter(steps)
    last: list[tuple[int, dict[str, str]]] = []

    def handler(h: BaseHTTPRequestHandler) -> None:
        status, headers = next(calls, None) or last[0]
        last[:] = [(status, headers)]
        body = HTML.encode()
        h.send_response(status)
        h.send_header("Content-Type", "text/html; charset=utf-8")
        h.send_header("Content-Length", str(len(body)))
        for key, value in headers.items():
            h.send_header(key, value)
        h.end_headers()
        h.wfile.write(body)

    return handler


def test_retry_after_is_honoured_on_429(site: LocalSite) -> None:
    site.pages["/busy.html"] = _sequence((429, {"Retry-After": "1"}), (200, {}))
    result = fetch_one(site.url + "/busy.html")
    assert isinstance(result, Response)
    first, second = site.hits("/busy.html")
    assert 0.9 <= second.at - first.at < 5


def test_retry_after_is_capped(site: LocalSite) -> None:
    site.pages["/slow.html"] = _sequence((503, {"Retry-After": "3600"}), (200, {}))
    started = time.monotonic()
    assert isinstance(fetch_one(site.url + "/slow.html", retry_after_max_s=0.2), Response)
    assert time.monotonic() - started < 5


def test_5xx_is_retried_then_fails_and_each_attempt_is_recorded(site: LocalSite) -> None:
    site.pages["/down.html"] = _sequence((500, {}))
    records: list[FetchRecord] = []
    result = fetch_all([site.url + "/down.html"], records=records, max_retries=2)[0]
    assert isinstance(result, FetchError) and result.status_code == 500
    assert len(site.hits("/down.html")) == 3
    assert [r.status_code for r in records if r.url.endswith("/down.html")] == [500, 500, 500]


def test_404_is_not_retried(site: LocalSite) -> None:
    result = fetch_one(site.url + "/missing.html")
    assert isinstance(result, FetchError) and result.status_code == 404
    assert len(site.hits("/missing.html")) == 1


def test_retry_after_parses_seconds_and_dates() -> None:
    assert retry_after_s("7") == 7
    assert 50 < (retry_after_s(formatdate(time.time() + 60, usegmt=True)) or 0) <= 60
    assert retry_after_s("soon") is None
    assert all(0.005 <= backoff_s(n, base=0.01, cap=0.05) <= 0.05 for n in range(10))


# --- hard limits ------------------------------------------------------------------------------------


def _hang(h: BaseHTTPRequestHandler) -> None:
    time.sleep(3)


def _drip(h: BaseHTTPRequestHandler) -> None:
    h.send_response(200)
    h.send_header("Content-Type", "text/html")
    h.send_header("Content-Length", "1000")
    h.end_headers()
    for _ in range(30):
        h.wfile.write(b"x")
        h.wfile.flush()
        time.sleep(0.2)


def test_a_hanging_server_times_out_and_is_recorded(site: LocalSite) -> None:
    site.pages["/hang.html"] = _hang
    records: list[FetchRecord] = []
    result = fetch_all([site.url + "/hang.html"], records=records, timeout_s=0.3, max_retries=1)[0]
    assert isinstance(result, FetchError) and "timeout" in result.reason
    assert [r.error for r in records if "hang" in r.url] == ["timeout (ReadTimeout)"] * 2


def test_a_dripping_server_hits_the_deadline(site: LocalSite) -> None:
    site.pages["/drip.html"] = _drip
    started = time.monotonic()
    result = fetch_one(site.url + "/drip.html", timeout_s=1, request_deadline_s=0.8)
    assert isinstance(result, FetchError) and "deadline" in result.reason
    assert time.monotonic() - started < 3


def test_a_gzip_bomb_is_stopped_at_max_bytes(site: LocalSite) -> None:
    bomb = gzip.compress(b"<html>" + b" " * 50_000_000, compresslevel=9)
    site.add("/bomb.html", bomb, headers={"Content-Encoding": "gzip"})
    records: list[FetchRecord] = []
    result = fetch_all([site.url + "/bomb.html"], records=records, max_bytes=100_000)[0]
    assert isinstance(result, FetchError) and "max_bytes" in result.reason
    assert any("max_bytes" in (r.error or "") for r in records)


def test_gzip_content_encoding_is_decoded(site: LocalSite) -> None:
    site.add("/z.html", gzip.compress(HTML.encode()), headers={"Content-Encoding": "gzip"})
    result = fetch_one(site.url + "/z.html")
    assert isinstance(result, Response) and result.text == HTML


def test_a_redirect_loop_is_detected(site: LocalSite) -> None:
    site.add("/a", b"", status=302, headers={"Location": "/b"})
    site.add("/b", b"", status=301, headers={"Location": "/a"})
    result = fetch_one(site.url + "/a")
    assert isinstance(result, FetchError) and "redirect loop" in result.reason
    assert len(site.hits("/a")) == 1 and len(site.hits("/b")) == 1


def test_redirects_are_followed_up_to_the_limit(site: LocalSite) -> None:
    for i in range(5):
        site.add(f"/r{i}", b"", status=301, headers={"Location": f"/r{i + 1}"})
    site.add("/r5", HTML)
    ok = fetch_one(site.url + "/r0")
    assert isinstance(ok, Response) and ok.url.endswith("/r5")
    too_many = fetch_one(site.url + "/r0", max_redirects=3)
    assert isinstance(too_many, FetchError) and "more than 3 redirects" in too_many.reason


def test_a_pdf_is_recorded_as_unsupported_not_downloaded(site: LocalSite) -> None:
    site.add("/bericht.pdf", b"%PDF-1.4 " + b"0" * 10_000, "application/pdf")
    records: list[FetchRecord] = []
    result = fetch_all([site.url + "/bericht.pdf"], records=records)[0]
    assert isinstance(result, Skip) and "application/pdf" in result.reason
    pdf = next(r for r in records if r.url.endswith(".pdf"))
    assert pdf.status_code == 200 and "unsupported content type" in (pdf.error or "") and pdf.size is None


# --- encodings -----------------------------------------------------------------------------------

GERMAN = "Die Münchner Gründerszene wächst: Überblick über Straßen, Ärger und Öl – „ein Zitat“."
LATIN1_SAFE = GERMAN.replace("–", "-").replace("„", '"').replace("“", '"')
CASES = {
    "utf8-declared-header": (GERMAN, "utf-8", "text/html; charset=utf-8", ""),
    "utf8-undeclared": (GERMAN, "utf-8", "text/html", ""),
    "utf8-meta-only": (GERMAN, "utf-8", "text/html", '<meta charset="utf-8">'),
    "latin1-declared-header": (LATIN1_SAFE, "iso-8859-1", "text/html; charset=iso-8859-1", ""),
    "latin1-meta-only": (LATIN1_SAFE, "iso-8859-1", "text/html", '<meta charset="ISO-8859-1">'),
    "latin1-undeclared": (LATIN1_SAFE, "iso-8859-1", "text/html", ""),
    "latin1-wrongly-declared-utf8": (LATIN1_SAFE, "iso-8859-1", "text/html; charset=utf-8", ""),
    "cp1252-declared-as-latin1": (GERMAN, "cp1252", "text/html; charset=iso-8859-1", ""),
    "cp1252-undeclared": (GERMAN, "cp1252", "text/html", ""),
    "utf8-wrongly-declared-latin1": (GERMAN, "utf-8", "text/html; charset=iso-8859-1", ""),
    "utf8-bom-against-header": (GERMAN, "utf-8-sig", "text/html; charset=iso-8859-1", ""),
}


@pytest.mark.parametrize("case", list(CASES), ids=list(CASES))
def test_umlauts_come_out_right(site: LocalSite, case: str) -> None:
    text, encoding, content_type, meta = CASES[case]
    page = f"<html><head>{meta}<title>t</title></head><body><p>{text}</p></body></html>"
    url = site.add("/page.html", page.encode(encoding), content_type)
    result = fetch_one(url)
    assert isinstance(result, Response)
    assert text in result.text


def test_retry_after_holds_back_the_whole_host(site: LocalSite) -> None:
    site.pages["/busy.html"] = _sequence((503, {"Retry-After": "1"}), (200, {}))
    other = site.add("/other.html", HTML)
    records: list[FetchRecord] = []

    async def main() -> None:
        async with Fetcher(settings(), recorder=records.append) as fetcher:
            busy = asyncio.create_task(fetcher.fetch(site.url + "/busy.html"))
            while not any(r.status_code == 503 for r in records):  # the 503 has been read
                await asyncio.sleep(0.01)
            await asyncio.gather(busy, fetcher.fetch(other))

    asyncio.run(main())
    first_busy = site.hits("/busy.html")[0].at
    assert site.hits("/other.html")[0].at - first_busy >= 0.9


def test_brotli_content_encoding_is_decoded_and_bounded(site: LocalSite) -> None:
    import brotli

    site.add("/br.html", brotli.compress(HTML.encode()), headers={"Content-Encoding": "br"})
    result = fetch_one(site.url + "/br.html")
    assert isinstance(result, Response) and result.text == HTML
    site.add("/brbomb.html", brotli.compress(b" " * 20_000_000), headers={"Content-Encoding": "br"})
    bomb = fetch_one(site.url + "/brbomb.html", max_bytes=100_000)
    assert isinstance(bomb, FetchError) and "max_bytes" in bomb.reason
