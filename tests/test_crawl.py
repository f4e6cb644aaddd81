"""The crawler through the whole pass (`hubwatch run`) on real local servers: what an operator sees in
`fetches`, `sources`, `announcements` and the exit code."""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from pipeline.cli import cli
from pipeline.store import crawlstate
from tests.germansite import ARTICLES, article_html, feed_xml, listing_html
from tests.localsite import LocalSite, Page

SETTINGS = """settings:
  database: {db}
  per_host_delay_s: 0
  allow_networks: ["127.0.0.0/8"]
  timeout_s: 1
  connect_timeout_s: 1
  request_deadline_s: 3
  retry_backoff_s: 0.01
  retry_backoff_max_s: 0.05
  max_retries: 1
  extract_workers: 0
sources:
"""
BY_SLUG = {a["slug"]: a for a in ARTICLES}


def write_config(tmp_path: Path, *sources: str) -> Path:
    path = tmp_path / "sources.yaml"
    path.write_text(SETTINGS.format(db=tmp_path / "hubwatch.db") + "".join(sources), encoding="utf-8")
    return path


def source(sid: str, kind: str, url: str, **extra: Any) -> str:
    lines = [f"  - id: {sid}", f"    kind: {kind}", f"    url: {url}"]
    lines += [f"    {k}: {v!r}" if isinstance(v, str) else f"    {k}: {v}" for k, v in extra.items()]
    return "\n".join(lines) + "\n"


def run(config: Path, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, ["--config", str(config), "run", "--no-digest", *args])
    return result.exit_code, result.stderr


def rows(config: Path, sql: str, *params: object) -> list[tuple]:
    with sqlite3.connect(config.parent / "hubwatch.db") as conn:
        return conn.execute(sql, params).fetchall()


@pytest.fixture
def news(german_site: LocalSite, tmp_path: Path) -> Path:
    """The German site's feed and listing, with ETags on every article page."""
    for path, page in german_site.pages.items():
        if isinstance(page, Page) and path.startswith("/artikel/"):
            page.headers["ETag"] = f'"{abs(hash(page.body))}"'
    u = german_site.url
    return write_config(
        tmp_path,
        source("feed", "feed", f"{u}/feed.xml"),
        source("news", "listing", f"{u}/news/", links="a.teaser-link", next="a.next", max_pages=5),
    )


def test_every_request_is_recorded_and_shared_articles_are_fetched_once(news: Path) -> None:
    code, err = run(news)
    assert code == 0, err
    urls = [u for (u,) in rows(news, "SELECT url FROM fetches WHERE run_id = 1")]
    assert sum(u.endswith("/robots.txt") for u in urls) == 1
    assert sum(u.endswith("/feed.xml") for u in urls) == 1
    assert sum("/news/" in u for u in urls) == 2
    shared = [u for u in urls if u.endswith("/insurlab-koeln.html")]
    assert len(shared) == 1  # in the feed and the listing, fetched and stored once
    assert rows(news, "SELECT count(*) FROM announcements WHERE url LIKE '%insurlab-koeln%'") == [(1,)]


def test_a_second_run_revalidates_with_etags_and_gets_304s(news: Path, german_site: LocalSite) -> None:
    assert run(news)[0] == 0
    before = rows(news, "SELECT count(*) FROM announcement_versions")
    code, err = run(news)
    assert code == 0, err
    second = german_site.hits("/artikel/karlsruhe-ki.html")[-1]
    assert second.headers.get("If-None-Match", "").startswith('"')
    assert rows(
        news, "SELECT status_code, not_modified FROM fetches WHERE run_id = 2 AND url LIKE '%/artikel/%'"
    )
    assert set(
        rows(
            news, "SELECT status_code, not_modified FROM fetches WHERE run_id = 2 AND url LIKE '%/artikel/%'"
        )
    ) == {(304, 1)}
    assert rows(news, "SELECT count(*) FROM announcement_versions") == before
    assert rows(news, "SELECT unchanged, new, changed FROM runs WHERE id = 2") == [(len(ARTICLES), 0, 0)]


def test_a_listing_that_suddenly_yields_nothing_is_reported_broken(
    news: Path, german_site: LocalSite
) -> None:
    assert run(news)[0] == 0
    german_site.add("/news/", listing_html([], next_href=None).replace("teaser", "card"))
    code, err = run(news)
    assert code == 3 and "broken" in err
    ((broken, error, failures),) = rows(
        news, "SELECT broken, last_error, consecutive_failures FROM sources WHERE id = 'news'"
    )
    assert broken == 1 and "broken" in error and failures == 1
    assert rows(news, "SELECT broken FROM sources WHERE id = 'feed'") == [(0,)]
    assert run(news)[0] == 3  # still broken the day after, until it yields again
    german_site.add("/news/", listing_html([a for a in ARTICLES if "listing" in a["in"]], next_href=None))
    assert run(news)[0] == 0
    assert rows(news, "SELECT broken FROM sources WHERE id = 'news'") == [(0,)]


def test_a_hanging_source_fails_alone(news: Path, german_site: LocalSite, tmp_path: Path) -> None:
    with LocalSite() as slow:
        slow.pages["/feed.xml"] = lambda handler: time.sleep(2.5)
        config = write_config(
            tmp_path,
            source("feed", "feed", f"{german_site.url}/feed.xml"),
            source("slow", "feed", f"{slow.url}/feed.xml"),
        )
        slow.add("/robots.txt", "", "text/plain")
        code, err = run(config)
    assert code == 3 and "Traceback" not in err
    ((error,),) = rows(config, "SELECT last_error FROM sources WHERE id = 'slow'")
    assert "timeout" in error
    assert rows(config, "SELECT count(*) FROM announcements WHERE source_id = 'feed'") == [(3,)]
    assert rows(
        config, "SELECT count(*) FROM fetches WHERE url LIKE ? AND error LIKE 'timeout%'", f"{slow.url}%"
    )


def test_pdf_and_disallowed_links_are_skipped_not_failed(german_site: LocalSite, tmp_path: Path) -> None:
    u = german_site.url
    german_site.add("/robots.txt", "User-agent: *\nDisallow: /intern/\n", "text/plain")
    german_site.add("/bericht.pdf", b"%PDF-1.4 data", "application/pdf")
    german_site.add("/intern/a.html", article_html(ARTICLES[0]))
    german_site.add(
        "/liste/",
        '<a class="t" href="/bericht.pdf">PDF</a><a class="t" href="/intern/a.html">intern</a>'
        f'<a class="t" href="/artikel/{ARTICLES[0]["slug"]}.html">ok</a>',
    )
    config = write_config(tmp_path, source("liste", "listing", f"{u}/liste/", links="a.t"))
    code, err = run(config)
    assert code == 0, err
    assert rows(config, "SELECT status_code, error FROM fetches WHERE url LIKE '%.pdf'") == [
        (200, "unsupported content type application/pdf")
    ]
    assert german_site.hits("/intern/a.html") == []
    assert rows(config, "SELECT count(*) FROM announcements") == [(1,)]


def test_a_malformed_feed_stores_what_parses_and_fails_the_source(
    german_site: LocalSite, tmp_path: Path
) -> None:
    body = german_site.pages["/feed.xml"]
    assert isinstance(body, Page)
    text = body.body.decode()
    cut = text.index("<item>", text.index("<item>") + 1)
    german_site.add(
        "/broken.xml", text[: text.index("<item>", cut + 1)] + "<item><title>Abgeschn", "application/rss+xml"
    )
    config = write_config(tmp_path, source("kaputt", "feed", f"{german_site.url}/broken.xml"))
    code, _ = run(config)
    assert code == 3
    assert rows(config, "SELECT count(*) FROM announcements")[0][0] >= 2
    ((error,),) = rows(config, "SELECT last_error FROM sources WHERE id = 'kaputt'")
    assert "malformed" in error


def print_page_with_canonical(site: LocalSite) -> str:
    """/druck.html: an article whose rel=canonical names /kanonisch/<slug>; returns that canonical URL."""
    slug = ARTICLES[3]["slug"]
    link = f'<link rel="canonical" href="/kanonisch/{slug}">'
    site.add("/druck.html", article_html(ARTICLES[3]).replace("<head>", f"<head>{link}"))
    return f"{site.url}/kanonisch/{slug}"


def test_rel_canonical_on_the_same_site_names_the_announcement(
    german_site: LocalSite, tmp_path: Path
) -> None:
    canonical = print_page_with_canonical(german_site)
    config = write_config(tmp_path, source("druck", "page", f"{german_site.url}/druck.html?utm_campaign=x"))
    assert run(config)[0] == 0
    assert rows(config, "SELECT url FROM announcements") == [(canonical,)]


def test_a_304_or_404_for_a_page_saved_under_its_rel_canonical_reaches_that_announcement(
    german_site: LocalSite, tmp_path: Path
) -> None:
    canonical = print_page_with_canonical(german_site)
    german_site.pages["/druck.html"].headers["ETag"] = '"v1"'
    config = write_config(tmp_path, source("druck", "page", f"{german_site.url}/druck.html"))
    assert run(config)[0] == 0
    with sqlite3.connect(tmp_path / "hubwatch.db") as conn:
        conn.execute("UPDATE announcements SET last_seen_at = '2000-01-01T00:00:00+00:00'")

    assert run(config)[0] == 0  # 304 for /druck.html: the announcement under the canonical URL is seen
    assert rows(config, "SELECT status_code FROM fetches WHERE run_id = 2 AND url LIKE '%druck%'") == [(304,)]
    ((url, last_seen),) = rows(config, "SELECT url, last_seen_at FROM announcements")
    assert url == canonical and last_seen > "2026"

    del german_site.pages["/druck.html"]
    assert run(config)[0] == 0  # 404: that announcement is marked gone, not a failure
    assert rows(config, "SELECT gone_at IS NOT NULL FROM announcements WHERE url = ?", canonical) == [(1,)]


def test_a_latin1_page_without_charset_keeps_its_umlauts(german_site: LocalSite, tmp_path: Path) -> None:
    article = dict(ARTICLES[3])
    html = article_html(article).replace('<meta charset="utf-8">', "")
    html = html.replace("„", '"').replace("“", '"').replace("–", "-")
    german_site.add("/latin1.html", html.encode("iso-8859-1", errors="replace"), "text/html")
    config = write_config(tmp_path, source("alt", "page", f"{german_site.url}/latin1.html"))
    assert run(config)[0] == 0
    ((title, text),) = rows(config, "SELECT title, text FROM announcements")
    assert title == article["title"]
    assert "Ã" not in text and "\ufffd" not in text and any(ch in text for ch in "äöüßÄÖÜ")


def test_recent_announcements_no_longer_listed_are_rechecked(news: Path, german_site: LocalSite) -> None:
    assert run(news)[0] == 0
    listed = [a for a in ARTICLES if "listing" in a["in"] and "feed" not in a["in"]]
    old, recent = listed[0], listed[1]
    german_site.add("/news/", listing_html([listed[2]], next_href=None))
    with sqlite3.connect(news.parent / "hubwatch.db") as conn:
        conn.execute(
            "UPDATE announcements SET first_seen_at = '2000-01-01T00:00:00+00:00' WHERE url LIKE ?",
            [f"%/{old['slug']}.html"],
        )
    hits = {a["slug"]: len(german_site.hits(f"/artikel/{a['slug']}.html")) for a in listed}
    assert run(news)[0] == 0
    assert len(german_site.hits(f"/artikel/{recent['slug']}.html")) == hits[recent["slug"]] + 1
    assert len(german_site.hits(f"/artikel/{old['slug']}.html")) == hits[old["slug"]]


def test_a_known_announcement_that_is_gone_is_not_a_failure(news: Path, german_site: LocalSite) -> None:
    assert run(news)[0] == 0
    del german_site.pages["/artikel/karlsruhe-ki.html"]
    code, err = run(news)
    assert code == 0, err
    assert rows(news, "SELECT status_code FROM fetches WHERE run_id = 2 AND url LIKE '%karlsruhe-ki%'") == [
        (404,)
    ]
    ((gone_at,),) = rows(news, "SELECT gone_at FROM announcements WHERE url LIKE '%karlsruhe-ki%'")
    assert gone_at is not None
    assert "1 page gone" in " ".join(err.split())  # the summary names it as news, not as an error
    assert "errors 0" in err


def test_status_shows_the_broken_source(news: Path, german_site: LocalSite) -> None:
    assert run(news)[0] == 0
    german_site.add(
        "/feed.xml", '<?xml version="1.0"?><rss version="2.0"><channel><title>x</title></channel></rss>'
    )
    assert run(news)[0] == 3
    result = CliRunner().invoke(cli, ["--config", str(news), "status", "--format", "json"])
    assert result.exit_code == 0 and '"last_error": "broken: yielded no items' in result.stdout
    assert "failing sources: feed" in result.stderr
    assert rows(news, "SELECT broken FROM sources WHERE id = 'feed'") == [(1,)]


def test_robots_5xx_fails_the_source_and_is_recorded(german_site: LocalSite, tmp_path: Path) -> None:
    german_site.add("/robots.txt", "Wartung", "text/plain", status=503)
    config = write_config(tmp_path, source("feed", "feed", f"{german_site.url}/feed.xml"))
    code, _ = run(config)
    assert code == 3
    ((error,),) = rows(config, "SELECT last_error FROM sources WHERE id = 'feed'")
    assert "robots.txt unavailable" in error
    assert set(rows(config, "SELECT status_code FROM fetches WHERE url LIKE '%/robots.txt'")) == {(503,)}
    assert german_site.hits("/feed.xml") == []


def test_extraction_in_worker_processes_stores_the_same(
    news: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import pipeline.workers

    monkeypatch.setattr(pipeline.workers, "POOL_MIN_PAGES", 0)
    news.write_text(news.read_text().replace("extract_workers: 0", "extract_workers: 2"), encoding="utf-8")
    code, err = run(news)
    assert code == 0, err
    stored = rows(news, "SELECT url, title FROM announcements ORDER BY url")
    assert len(stored) == len(ARTICLES)
    assert {title for _, title in stored} == {a["title"] for a in ARTICLES}


def test_a_json_feed_item_without_link_is_stored_from_the_feed(
    german_site: LocalSite, tmp_path: Path
) -> None:
    import json

    article = ARTICLES[0]
    body = "".join(f"<p>{p}</p>" for p in article["paragraphs"])
    feed = {
        "version": "https://jsonfeed.org/version/1.1",
        "title": "Kurzmeldungen",
        "items": [{"id": "k-1", "title": article["title"], "content_html": body}],
    }
    german_site.add("/kurz.json", json.dumps(feed), "application/feed+json")
    config = write_config(tmp_path, source("kurz", "feed", f"{german_site.url}/kurz.json"))
    code, err = run(config)
    assert code == 0, err
    ((url, text),) = rows(config, "SELECT url, text FROM announcements")
    assert url.startswith(f"{german_site.url}/kurz.json?hubwatch-item=")
    assert article["paragraphs"][0][:50] in text
    assert run(config)[0] == 0
    assert rows(config, "SELECT count(*), max(version) FROM announcements") == [(1, 1)]


def test_a_listing_cut_short_is_read_through_on_the_next_pass(news: Path, german_site: LocalSite) -> None:
    """Its second page failed once: the next pass must not stop at the first page of known articles."""
    german_site.pages["/news/?seite=2"] = Page(b"Wartungsarbeiten", status=503)
    assert run(news)[0] == 3
    page_two = [a for a in ARTICLES if "listing" in a["in"]][2:]
    assert page_two, "the fixture's listing has a second page"
    german_site.add("/news/?seite=2", listing_html(page_two, next_href=None))
    assert run(news)[0] == 0
    stored = {u for (u,) in rows(news, "SELECT url FROM announcements")}
    assert {f"{german_site.url}/artikel/{a['slug']}.html" for a in page_two} <= stored
    assert run(news)[0] == 0  # walked through once: from now on a page of known articles ends the walk
    assert not rows(news, "SELECT 1 FROM fetches WHERE run_id = 3 AND url LIKE '%seite=2%'")


def _served_after(event: threading.Event, body: str) -> Callable[[BaseHTTPRequestHandler], None]:
    """A page that answers only once `event` is set (at most 5 s later)."""

    def handler(request: BaseHTTPRequestHandler) -> None:
        event.wait(5)
        data = body.encode()
        request.send_response(200)
        request.send_header("Content-Type", "text/html; charset=utf-8")
        request.send_header("Content-Length", str(len(data)))
        request.end_headers()
        request.wfile.write(data)

    return handler


def _setting_on_request(event: threading.Event, body: str) -> Callable[[BaseHTTPRequestHandler], None]:
    """An article page that sets `event` when it is requested."""

    def handler(request: BaseHTTPRequestHandler) -> None:
        event.set()
        _served_after(event, body)(request)

    return handler


def test_articles_are_fetched_while_later_listing_pages_are_still_read(
    site: LocalSite, tmp_path: Path
) -> None:
    """The second listing page answers only once an article of the first was requested: without the overlap
    that takes its full 5 s, and the run waits for it."""
    first, second = ARTICLES[:3], ARTICLES[3:]
    requested = threading.Event()
    site.add("/liste/", listing_html(first, next_href="/liste/2"))
    site.pages["/liste/2"] = _served_after(requested, listing_html(second, next_href=None))
    for article in ARTICLES:
        site.add(f"/artikel/{article['slug']}.html", article_html(article))
    site.pages[f"/artikel/{first[0]['slug']}.html"] = _setting_on_request(requested, article_html(first[0]))
    config = write_config(tmp_path, source("liste", "listing", f"{site.url}/liste/", links="a.teaser-link",
                                           next="a.next", max_pages=5))  # fmt: skip
    text = config.read_text(encoding="utf-8")
    config.write_text(text.replace("settings:\n", "settings:\n  per_host_concurrency: 4\n"), encoding="utf-8")
    began = time.monotonic()
    code, err = run(config)
    assert code == 0, err
    assert time.monotonic() - began < 4
    (page_two,) = site.hits("/liste/2")
    (article_one,) = site.hits(f"/artikel/{first[0]['slug']}.html")
    assert article_one.at < page_two.at + 0.5  # requested while page 2 was still being answered
    assert rows(config, "SELECT count(*) FROM announcements") == [(len(ARTICLES),)]


def test_a_listing_page_repeating_this_passs_articles_does_not_end_the_walk(
    site: LocalSite, tmp_path: Path
) -> None:
    """A listing read through once stops at a page of known articles. On the next pass, page 2 repeats
    page 1's new links and is read only once they are stored: they were new in this pass, so the walk
    goes on to page 3."""
    old, new, third = ARTICLES[:1], ARTICLES[1:3], ARTICLES[3:]
    for article in ARTICLES:
        site.add(f"/artikel/{article['slug']}.html", article_html(article))
    site.add("/liste/", listing_html(old, next_href=None))
    config = write_config(tmp_path, source("liste", "listing", f"{site.url}/liste/", links="a.teaser-link",
                                           next="a.next", max_pages=5))  # fmt: skip
    assert run(config)[0] == 0
    stored = threading.Event()
    site.add("/liste/", listing_html(new, next_href="/liste/2"))
    site.pages["/liste/2"] = _served_after(stored, listing_html(new, next_href="/liste/3"))
    site.add("/liste/3", listing_html(third, next_href=None))

    def watch() -> None:
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline and not stored.is_set():
            if rows(config, "SELECT count(*) FROM announcements") == [(len(old) + len(new),)]:
                stored.set()
            time.sleep(0.02)

    watcher = threading.Thread(target=watch)
    watcher.start()
    code, err = run(config)
    watcher.join()
    assert code == 0, err
    assert stored.is_set()  # page 2 was read after page 1's articles were stored
    assert rows(config, "SELECT count(*) FROM announcements") == [(len(ARTICLES),)]


def test_a_page_its_announcement_and_its_validators_are_stored_together(
    news: Path, german_site: LocalSite, monkeypatch: pytest.MonkeyPatch
) -> None:
    """One commit per page: when its validators cannot be written, neither its raw page nor its
    announcement is kept, and the next pass fetches it afresh (no If-None-Match) and stores it."""
    slug = "karlsruhe-ki"
    save_cache_headers = crawlstate.save_cache_headers

    def failing(db: object, url: str, *args: object, **kwargs: object) -> None:
        if slug in url:
            raise sqlite3.OperationalError("disk I/O error")
        save_cache_headers(db, url, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(crawlstate, "save_cache_headers", failing)
    run(news)
    monkeypatch.undo()
    like = f"%{slug}%"
    assert rows(news, "SELECT count(*) FROM announcements WHERE url LIKE ?", like) == [(0,)]
    assert rows(news, "SELECT count(*) FROM raw_pages WHERE url LIKE ?", like) == [(0,)]
    assert rows(news, "SELECT count(*) FROM announcements") == [(len(ARTICLES) - 1,)]
    assert run(news)[0] == 0
    assert "If-None-Match" not in german_site.hits(f"/artikel/{slug}.html")[-1].headers
    assert rows(news, "SELECT count(*) FROM announcements WHERE url LIKE ?", like) == [(1,)]
    assert rows(news, "SELECT count(*) FROM raw_pages WHERE url LIKE ?", like) == [(1,)]


def test_a_feed_link_with_a_broken_port_fails_alone(german_site: LocalSite, tmp_path: Path) -> None:
    """A stranger's feed may hold any URL: one whose port is no number is an error of that item only."""
    bad = {**ARTICLES[0], "slug": "kaputt"}
    feed = feed_xml(german_site.url, [*ARTICLES[:2], bad]).replace(
        f"{german_site.url}/artikel/kaputt.html", "https://ex:mple.org/artikel/kaputt.html"
    )
    german_site.add("/ports.xml", feed, "application/rss+xml; charset=utf-8")
    config = write_config(tmp_path, source("ports", "feed", f"{german_site.url}/ports.xml"))
    code, err = run(config)
    assert code == 3 and "Traceback" not in err  # the item's error counts, the rest is stored
    assert rows(config, "SELECT count(*) FROM announcements") == [(2,)]
    ((error,),) = rows(config, "SELECT error FROM fetches WHERE url LIKE 'https://ex:mple.org%'")
    assert "invalid URL" in error
