"""Kind `site` and selector-free listings in a real pass: merging, and bad input that fails only its
own source with a clear error while the others are stored."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from click.testing import CliRunner

from pipeline.cli import cli
from tests.cmssites import SHAPES, TEXTS, WP_ARTICLES, _sitemapindex, serve_app_shell, write_sources
from tests.germansite import article_html
from tests.localsite import LocalSite


def _run(tmp_path: Path, sources: list[dict]) -> tuple[int, dict[str, str | None], set[str]]:
    """Run once; (exit code, last_error per source, stored URLs)."""
    config = write_sources(tmp_path, sources, db_name="db.sqlite")
    result = CliRunner().invoke(cli, ["--config", str(config), "run", "--no-digest"])
    db = sqlite3.connect(tmp_path / "db.sqlite")
    errors = dict(db.execute("SELECT id, last_error FROM sources").fetchall())
    stored = {row[0] for row in db.execute("SELECT url FROM announcements")}
    return result.exit_code, errors, stored


def test_a_wordpress_site_is_read_from_feed_sitemap_and_page_once_per_article(
    site: LocalSite, tmp_path: Path
) -> None:
    url = SHAPES["wordpress"][0](site)
    code, errors, stored = _run(tmp_path, [{"id": "hub", "kind": "site", "url": url}])
    assert code == 0 and errors["hub"] is None
    assert stored == {
        site.url + p for p in WP_ARTICLES
    }  # the feed has 2, the front page 3, the sitemap all 5
    assert all(len(site.hits(p)) == 1 for p in WP_ARTICLES)  # found up to three ways, fetched once
    assert not site.hits("/wp-sitemap-posts-page-1.xml") and not site.hits("/wp-sitemap-users-1.xml")


def test_bad_input_fails_only_its_own_source(site: LocalSite, tmp_path: Path) -> None:
    wp = SHAPES["wordpress"][0](site)
    for i, text in enumerate(TEXTS[:3]):
        site.add(f"/b/artikel-{i}-{text['slug']}.html", article_html(text))
    teasers = "".join(
        f'<h2><a href="/b/artikel-{i}-{t["slug"]}.html">{t["title"]}</a></h2>'
        for i, t in enumerate(TEXTS[:3])
    )
    site.add(
        "/b/",
        f"""<html><head>
        <link rel="alternate" type="application/rss+xml" href="/b/feed-weg.xml">
        <link rel="alternate" type="application/rss+xml" href="/b/wartung.xml"></head>
        <body><main>{teasers}</main></body></html>""",
    )
    site.add("/b/wartung.xml", "<html><body><p>Wartungsarbeiten</p></body></html>")
    site.add("/loop/sitemap.xml", _sitemapindex(f"<sitemap><loc>{site.url}/loop/sitemap.xml</loc></sitemap>"),
             "application/xml")  # fmt: skip
    with LocalSite() as other:  # an origin of its own: the WordPress robots.txt names a sitemap
        app = serve_app_shell(other)
        code, errors, stored = _run(
            tmp_path,
            [
                {"id": "hub", "kind": "site", "url": wp},
                {"id": "broken-feeds", "kind": "site", "url": site.url + "/b/"},
                {"id": "html-feed", "kind": "feed", "url": site.url + "/b/wartung.xml"},
                {"id": "loop", "kind": "sitemap", "url": site.url + "/loop/sitemap.xml"},
                {"id": "app", "kind": "listing", "url": app},
                {"id": "app-site", "kind": "site", "url": app},
            ],
        )
    assert code == 3
    assert errors["hub"] is None and {site.url + p for p in WP_ARTICLES} <= stored
    assert "feed-weg.xml: HTTP 404" in errors["broken-feeds"]
    assert "wartung.xml: an HTML page, not a feed" in errors["broken-feeds"]
    assert {f"{site.url}/b/artikel-{i}-{t['slug']}.html" for i, t in enumerate(TEXTS[:3])} <= stored
    assert errors["html-feed"].startswith("an HTML page, not a feed")
    assert (
        "listed again by a sitemap index (a loop)" in errors["loop"]
        and len(site.hits("/loop/sitemap.xml")) == 1
    )
    assert "needs JavaScript" in errors["app"] and "needs JavaScript" in errors["app-site"]


def test_an_explicit_selector_still_wins_over_the_link_finder(site: LocalSite, tmp_path: Path) -> None:
    url = SHAPES["typo3"][0](site)
    source = {"id": "stadt", "kind": "listing", "url": url, "links": "h3 a", "next": "a.nope", "max_pages": 5}
    code, _errors, stored = _run(tmp_path, [source])
    assert code == 0 and len(stored) == 2  # page 1 only: `next` names nothing, so page 2 is not read
