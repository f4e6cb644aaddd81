"""Untrusted input cannot steer hubwatch: SSRF refused, secrets masked, SQL parameterised."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from click.testing import CliRunner

from pipeline.cli import cli
from pipeline.config import parse_config
from pipeline.entities import Analysis
from pipeline.extract import Article
from pipeline.store.announcements import save_article
from pipeline.store.schema import open_db
from tests.germansite import ARTICLES, article_html
from tests.localsite import LocalSite, Page

ONLY_THIS_HOST = 'allow_networks: ["127.0.0.1/32"]'


def config_for(tmp_path: Path, site: LocalSite, *, allow: str = ONLY_THIS_HOST) -> Path:
    path = tmp_path / "sources.yaml"
    path.write_text(
        f"""settings:
  database: {tmp_path / "hubwatch.db"}
  per_host_delay_s: 0
  timeout_s: 2
  max_retries: 0
  extract_workers: 0
  {allow}
sources:
  - id: region-news
    kind: listing
    url: {site.url}/news/
    links: "a.teaser-link"
""",
        encoding="utf-8",
    )
    return path


def fetch_errors(tmp_path: Path) -> dict[str, str]:
    with sqlite3.connect(tmp_path / "hubwatch.db") as conn:
        return dict(conn.execute("SELECT url, error FROM fetches WHERE error IS NOT NULL").fetchall())


@pytest.mark.parametrize(
    "target",
    ["http://169.254.169.254/latest/meta-data/", "http://10.0.0.7/intern/", "http://127.0.0.2:{port}/admin"],
    ids=["cloud-metadata", "private-range", "other-loopback"],
)
def test_a_redirect_into_private_networks_is_refused_and_recorded(
    site: LocalSite, tmp_path: Path, target: str
) -> None:
    target = target.format(port=site.server.server_address[1])
    site.add(
        "/news/",
        '<a class="teaser-link" href="/artikel/umzug.html">Umzug</a>'
        '<a class="teaser-link" href="/artikel/ok.html">OK</a>',
    )
    site.pages["/artikel/umzug.html"] = Page(b"", status=302, headers={"Location": target})
    site.add("/artikel/ok.html", article_html(ARTICLES[0]))
    result = CliRunner().invoke(cli, ["--config", str(config_for(tmp_path, site)), "run", "--no-digest"])
    assert result.exit_code == 3
    assert "refused" in fetch_errors(tmp_path).get(target, "")
    with sqlite3.connect(tmp_path / "hubwatch.db") as conn:
        assert conn.execute("SELECT count(*) FROM announcements").fetchone()[0] == 1


def test_a_link_to_a_private_address_is_never_requested(site: LocalSite, tmp_path: Path) -> None:
    site.add("/news/", '<a class="teaser-link" href="http://192.168.0.1/router">Router</a>')
    result = CliRunner().invoke(cli, ["--config", str(config_for(tmp_path, site)), "run", "--no-digest"])
    assert result.exit_code == 3
    assert "private address 192.168.0.1" in fetch_errors(tmp_path)["http://192.168.0.1/router"]


def test_loopback_is_refused_by_default(site: LocalSite, tmp_path: Path) -> None:
    site.add("/news/", "<p>leer</p>")
    result = CliRunner().invoke(
        cli, ["--config", str(config_for(tmp_path, site, allow="")), "run", "--no-digest"]
    )
    assert result.exit_code == 3
    assert site.log == []
    assert "loopback address 127.0.0.1" in fetch_errors(tmp_path)[f"{site.url}/news/"]


def test_a_bad_network_in_allow_networks_is_a_configuration_error() -> None:
    with pytest.raises(Exception, match="allow_networks"):
        parse_config('settings:\n  allow_networks: ["localhost"]\nsources: []\n')


def test_the_smtp_password_never_reaches_logs_or_reprs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    secret = "Sup3r-Geheim-42"
    monkeypatch.setenv("HUBWATCH_SMTP_PASSWORD", secret)
    path = tmp_path / "sources.yaml"
    path.write_text(
        f"settings:\n  database: {tmp_path / 'h.db'}\n  digest:\n    to: [a@hub-agency.example]\n"
        "    smtp_host: 127.0.0.1\n    smtp_port: 9\n    smtp_user: hubwatch\nsources: []\n",
        encoding="utf-8",
    )
    config = parse_config(path.read_text(encoding="utf-8"))
    assert secret not in repr(config) and secret not in str(config.settings.model_dump())
    db = open_db(tmp_path / "h.db")
    article = Article(url="https://example.org/a", title="Digital Hub Karlsruhe", text="Ein Hub für KI.")
    save_article(db, source_id="x", url=article.url, article=article, analysis=Analysis(relevant=True))
    db.close()
    result = CliRunner().invoke(cli, ["-vv", "--config", str(path), "digest"])
    assert result.exit_code == 3, result.stderr  # the server is unreachable: the item stays pending
    assert secret not in result.output + result.stderr


@pytest.mark.parametrize(
    "query", ['"; DROP TABLE announcements; --', "title:* OR NEAR(", "' OR 1=1 --", "^*"]
)
def test_search_input_is_never_sql_or_fts_syntax(tmp_path: Path, query: str) -> None:
    db_path = tmp_path / "h.db"
    open_db(db_path).close()
    result = CliRunner().invoke(cli, ["--db", str(db_path), "search", query, "--format", "json"])
    assert result.exit_code == 0, result.stderr
    with sqlite3.connect(db_path) as conn:
        assert conn.execute("SELECT count(*) FROM announcements").fetchone() == (0,)


def test_titles_with_markup_and_escape_codes_print_as_plain_text(tmp_path: Path) -> None:
    db = open_db(tmp_path / "h.db")
    title = "Hub [/bold] Karlsruhe \x1b[31mrot\x1b[0m"
    article = Article(url="https://example.org/a", title=title, text="Der Digital Hub Karlsruhe wächst.")
    save_article(db, source_id="x", url=article.url, article=article, analysis=Analysis(relevant=True))
    db.close()
    result = CliRunner().invoke(cli, ["--db", str(tmp_path / "h.db"), "search", "Karlsruhe"])
    assert result.exit_code == 0, result.stderr
    assert "[/bold]" in result.stdout and "\x1b" not in result.stdout
