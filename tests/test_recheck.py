"""The re-check policy against a real server: a sitemap <lastmod> may skip a request only while it is
trusted and the page is older than recheck_days; a lastmod caught lying is distrusted, logged once."""

from __future__ import annotations

import logging
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from pipeline.config import parse_config
from pipeline.run import run_daily
from tests.germansite import ARTICLES, article_html
from tests.localsite import LocalSite


def _serve(site: LocalSite, version: dict[str, int], lastmod: dict[str, str]) -> None:
    urls = ""
    for name, text in zip("AB", ARTICLES, strict=False):
        extra = f"Nachtrag {version[name]}: Die Jury tagt erneut." if version[name] > 1 else None
        site.add(
            f"/p/{name}.html",
            article_html(text, extra_paragraph=extra),
            headers={"ETag": f'"{name}{version[name]}"'},
        )
        urls += f"<url><loc>{site.url}/p/{name}.html</loc><lastmod>{lastmod[name]}</lastmod></url>"
    body = f'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{urls}</urlset>'
    site.add("/sitemap.xml", body, "application/xml")


def _run(site: LocalSite, tmp_path: Path, recheck_days: int) -> dict[str, str]:
    config = parse_config(
        f"settings: {{database: '{tmp_path / 'db.sqlite'}', per_host_delay_s: 0,"
        f" allow_networks: ['127.0.0.0/8'], extract_workers: 0, recheck_days: {recheck_days}}}\n"
        f"sources: [{{id: sm, kind: sitemap, url: '{site.url}/sitemap.xml'}}]\n"
    )
    later = datetime.now(UTC) + timedelta(minutes=1)  # "first seen 0 days ago" is then in the past
    result = run_daily(config, digest=False, now=later)
    return {item.url.rsplit("/", 1)[-1]: item.status for item in result.sources[0].items}


def test_lastmod_skips_only_while_trusted_and_old(
    site: LocalSite, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    version, lastmod = {"A": 1, "B": 1}, {"A": "2024-01-01", "B": "2024-01-01"}
    _serve(site, version, lastmod)
    assert _run(site, tmp_path, 14) == {"A.html": "new", "B.html": "new"}

    # old lastmod, pages older than recheck_days, sitemap trusted: not requested
    assert _run(site, tmp_path, 0) == {"A.html": "unchanged", "B.html": "unchanged"}
    assert len(site.hits("/p/A.html")) == 1 and len(site.hits("/p/B.html")) == 1

    # a lastmod newer than our last fetch forces the request
    lastmod["B"] = "2099-01-01"
    _serve(site, version, lastmod)
    assert _run(site, tmp_path, 0) == {"A.html": "unchanged", "B.html": "not_modified"}
    assert len(site.hits("/p/A.html")) == 1 and len(site.hits("/p/B.html")) == 2

    # within recheck_days an old lastmod still gets its conditional GET — and catches the lie
    version["A"] = 2
    lastmod["B"] = "2024-01-01"
    _serve(site, version, lastmod)
    with caplog.at_level(logging.WARNING, logger="pipeline.run"):
        assert _run(site, tmp_path, 14) == {"A.html": "changed", "B.html": "not_modified"}
        assert site.hits("/p/A.html")[-1].headers.get("If-None-Match") == '"A1"'

        # from now on the sitemap's lastmod is not trusted, even for pages older than recheck_days
        version["B"] = 2
        _serve(site, version, lastmod)
        assert _run(site, tmp_path, 0) == {"A.html": "not_modified", "B.html": "changed"}
    lies = [r for r in caplog.records if "lastmod no longer trusted" in r.getMessage()]
    assert len(lies) == 1 and "/p/A.html" in lies[0].getMessage()
    row = (
        sqlite3.connect(tmp_path / "db.sqlite").execute("SELECT source_id, url FROM sitemap_trust").fetchone()
    )
    assert row == ("sm", f"{site.url}/p/A.html")
