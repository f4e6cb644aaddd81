"""sources.yaml validation: every bad line is refused with exit 2 and a message naming source and key."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from pipeline.cli import cli
from pipeline.config import load_config, parse_config

CASES = yaml.safe_load(
    (Path(__file__).parent / "fixtures" / "config" / "bad_configs.yaml").read_text("utf-8")
)
REPO = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_bad_configuration_exits_2_naming_source_and_key(case: dict, tmp_path: Path) -> None:
    path = tmp_path / "sources.yaml"
    path.write_text(case["yaml"], encoding="utf-8")
    result = CliRunner().invoke(cli, ["--config", str(path), "sources", "check"])
    assert result.exit_code == 2
    message = result.stderr.strip()
    assert len(message.splitlines()) == 1 and "Traceback" not in message
    for name in case["names"]:
        assert name in message


def test_the_shipped_sources_yaml_is_valid() -> None:
    result = CliRunner().invoke(cli, ["--config", str(REPO / "sources.yaml"), "sources", "check"])
    assert result.exit_code == 0, result.stderr
    config = load_config(REPO / "sources.yaml")
    kinds = {s.kind for s in config.sources}
    assert kinds == {"feed", "listing", "sitemap", "page", "site"}
    text = (REPO / "sources.yaml").read_text(encoding="utf-8")
    assert "RSSFeed-Pressemitteilung.xml" in text and "RSSFeed-Pressemitteilungen.xml" not in text


def test_defaults_apply_and_the_file_overrides_them() -> None:
    config = parse_config("settings:\n  per_host_delay_s: 2.5\nsources: []\n")
    assert config.settings.per_host_delay_s == 2.5
    assert config.settings.timezone == "Europe/Berlin" and config.settings.respect_robots is True


def test_environment_names_the_database_and_the_password(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HUBWATCH_DB", "/srv/hubwatch/prod.db")
    monkeypatch.setenv("HUBWATCH_SMTP_PASSWORD", "s3cret-value")
    config = parse_config(
        "settings:\n  database: db/other.db\n  digest: {smtp_user: hubwatch}\nsources: []\n"
    )
    assert config.settings.database == "/srv/hubwatch/prod.db"
    assert config.settings.digest.smtp_password is not None
    assert config.settings.digest.smtp_password.get_secret_value() == "s3cret-value"
    assert "s3cret-value" not in repr(config.settings)


def test_db_option_wins_over_the_file(tmp_path: Path) -> None:
    path = tmp_path / "sources.yaml"
    path.write_text("settings:\n  database: db/x.db\nsources: []\n", encoding="utf-8")
    assert load_config(path, db=str(tmp_path / "y.db")).settings.database == str(tmp_path / "y.db")


def test_a_missing_config_file_is_a_configuration_error(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["--config", str(tmp_path / "nope.yaml"), "sources", "check"])
    assert result.exit_code == 2 and "cannot read configuration" in result.stderr


def test_a_site_source_and_a_listing_without_links_are_valid() -> None:
    config = parse_config(
        "sources:\n"
        "  - {id: hub-news, kind: site, url: 'https://example.org/', include: ['/news/']}\n"
        "  - {id: stadt, kind: listing, url: 'https://example.org/presse/'}\n"
    )
    site, listing = config.sources
    assert site.kind == "site" and site.wants("https://example.org/news/a.html")
    assert listing.kind == "listing" and listing.links is None and listing.next is None
