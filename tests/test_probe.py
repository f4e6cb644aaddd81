"""`hubwatch sources probe` and `sources check --online` against local sites shaped like real CMSs.

The end-to-end promise: the entry `sources probe` prints for a site, run with `hubwatch run`, stores
exactly that site's articles and none of its service pages.
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from pipeline.cli import cli
from tests.cmssites import SERVICE_PAGES, SHAPES, WP_PAGES, serve_app_shell, write_sources
from tests.localsite import LocalSite


def _config(tmp_path: Path, sources: list[dict] | None = None) -> Path:
    return write_sources(tmp_path, sources or [])


def _cli(config: Path, *args: str):
    return CliRunner(env={"COLUMNS": "300"}).invoke(cli, ["--config", str(config), *args])


@pytest.mark.parametrize("shape", sorted(SHAPES))
def test_the_probed_entry_stores_exactly_the_sites_articles(
    shape: str, site: LocalSite, tmp_path: Path
) -> None:
    serve, articles = SHAPES[shape]
    url = serve(site)
    probed = _cli(_config(tmp_path), "sources", "probe", url, "--format", "json")
    assert probed.exit_code == 0, probed.output
    entry = {k: v for k, v in json.loads(probed.stdout).items() if k != "probe"}
    assert entry["url"] == url and entry["kind"] in ("site", "listing")

    config = _config(tmp_path, [entry])
    assert _cli(config, "sources", "check").exit_code == 0
    ran = _cli(config, "run", "--no-digest")
    assert ran.exit_code == 0, ran.output + ran.stderr
    stored = {
        row[0] for row in sqlite3.connect(tmp_path / "hubwatch.db").execute("SELECT url FROM announcements")
    }
    assert stored == {site.url + path for path in articles}
    requested = {hit.path for hit in site.log}
    assert not requested & {*SERVICE_PAGES, *WP_PAGES, "/category/news/", "/author/admin/"}


def test_probe_of_a_wordpress_front_page_reports_feeds_sitemaps_and_link_groups(
    site: LocalSite, tmp_path: Path
) -> None:
    url = SHAPES["wordpress"][0](site)
    result = _cli(_config(tmp_path), "sources", "probe", url)
    assert result.exit_code == 0
    out = result.stdout
    assert f"# feed {site.url}/feed/ «Hub»: 2 items" in out
    assert f"# sitemap (robots.txt) {site.url}/wp-sitemap.xml" in out
    assert "# link group" in out and f"#     {site.url}/2024/05/15/" in out
    entry = yaml.safe_load(out)  # the findings are comments: the output pastes into sources.yaml as it is
    assert entry == [{"id": "127-0-0-1", "name": "Hub – Neuigkeiten", "kind": "site", "url": url}]
    assert {h.path for h in site.log} == {"/robots.txt", "/", "/feed/"}  # no article, no sitemap read


def test_probe_of_a_typo3_listing_finds_its_pagination_and_section(site: LocalSite, tmp_path: Path) -> None:
    url = SHAPES["typo3"][0](site)
    result = _cli(_config(tmp_path), "sources", "probe", url, "--format", "json")
    found = json.loads(result.stdout)
    assert found["kind"] == "listing" and found["include"] == ["/aktuelles/"]
    assert "tx_news_pi1" in found["probe"]["sighting"]["next_url"]


def test_probe_of_a_javascript_page_says_so_and_exits_3(site: LocalSite, tmp_path: Path) -> None:
    url = serve_app_shell(site)
    result = _cli(_config(tmp_path), "sources", "probe", url)
    assert result.exit_code == 3
    assert "needs JavaScript" in result.stderr and "kind:" not in result.stdout


def test_probe_obeys_robots_txt(site: LocalSite, tmp_path: Path) -> None:
    site.add("/robots.txt", "User-agent: *\nDisallow: /intern/\n", "text/plain")
    site.add("/intern/news/", "<html><body><a href='/a-b-c-d-e'>x</a></body></html>")
    result = _cli(_config(tmp_path), "sources", "probe", site.url + "/intern/news/")
    assert result.exit_code == 3 and "robots.txt disallows" in result.stderr
    assert not site.hits("/intern/news/")


def test_check_online_reports_each_source_and_exits_3_when_one_yields_nothing(
    site: LocalSite, tmp_path: Path
) -> None:
    wp = SHAPES["wordpress"][0](site)
    site.add("/old-press/", "moved", "text/plain", status=404)
    site.add("/moved-feed.xml", b"", status=301, headers={"Location": "/feed/"})
    sources = [
        {"id": "hub", "kind": "site", "url": wp},
        {"id": "hub-feed", "kind": "feed", "url": site.url + "/moved-feed.xml"},
        {"id": "gone", "kind": "listing", "url": site.url + "/old-press/"},
        {"id": "html-as-feed", "kind": "feed", "url": wp},
    ]
    result = _cli(_config(tmp_path, sources), "sources", "check", "--online")
    assert result.exit_code == 3
    rows = {line.split("│")[1].strip(): line for line in result.stdout.splitlines() if line.count("│") > 5}
    assert "HTML page (1 feeds, 1 sitemaps)" in rows["hub"] and "allowed" in rows["hub"]
    assert "RSS/Atom feed" in rows["hub-feed"] and "/feed/" in rows["hub-feed"]
    assert "404" in rows["gone"] and "HTTP 404" in rows["gone"]
    assert "not a feed" in rows["html-as-feed"]
    assert "3 sources yield nothing" not in result.stderr and "gone, html-as-feed" in result.stderr


def test_probe_of_a_ministry_follows_its_rss_landing_page_to_the_press_feed(
    site: LocalSite, tmp_path: Path
) -> None:
    url = SHAPES["gsb"][0](site)
    result = _cli(_config(tmp_path), "sources", "probe", url)
    assert result.exit_code == 0
    assert (
        f"# feed {site.url}/Navigation/DE/Service/RSS/rss.html «»: an RSS landing page listing 2 feeds"
        in result.stdout
    )
    assert "RSSFeed-Pressemitteilung.xml «Pressemitteilungen»: 3 items" in result.stdout
    assert yaml.safe_load(result.stdout)[0]["kind"] == "site"
