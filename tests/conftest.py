"""Shared fixtures: a clean environment, a real local German news site, a config pointing at it."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller

from tests.germansite import serve_german_site, sources_yaml
from tests.localsite import LocalSite
from tests.mailserver import Inbox, free_port

SHARED_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"


@pytest.fixture(autouse=True)
def clean_environ(monkeypatch: pytest.MonkeyPatch) -> None:
    """No HUBWATCH_* or proxy variable of the developer's shell leaks into a test."""
    import os

    for name in list(os.environ):
        if name.startswith("HUBWATCH_") or name.lower() in {
            "http_proxy",
            "https_proxy",
            "all_proxy",
            "no_proxy",
        }:
            monkeypatch.delenv(name, raising=False)


@pytest.fixture
def site() -> Iterator[LocalSite]:
    with LocalSite() as local:
        yield local


@pytest.fixture
def german_site(site: LocalSite) -> LocalSite:
    serve_german_site(site)
    return site


@pytest.fixture
def site_config(german_site: LocalSite, tmp_path: Path) -> Path:
    path = tmp_path / "sources.yaml"
    path.write_text(sources_yaml(german_site.url, tmp_path / "hubwatch.db"), encoding="utf-8")
    return path


@pytest.fixture
def inbox() -> Iterator[tuple[Inbox, int]]:
    """A real SMTP server on 127.0.0.1: (what it received, its port)."""
    handler, port = Inbox(), free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    yield handler, port
    controller.stop()


@pytest.fixture
def self_signed(tmp_path: Path) -> tuple[Path, Path]:
    """A throwaway certificate and key for 127.0.0.1 (for TLS servers in tests)."""
    if not shutil.which("openssl"):
        pytest.skip("the openssl command is needed to make a test certificate")
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=127.0.0.1",
         "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", str(key), "-out", str(cert)],
        check=True, capture_output=True,
    )  # fmt: skip
    return cert, key
