"""The SSRF guard refuses loopback, link-local and private targets unless a setting allows them."""

from __future__ import annotations

import asyncio

import pytest

from pipeline.crawl.netguard import check_url, parse_networks
from pipeline.errors import FetchError

REFUSED = [
    "http://127.0.0.1:8080/admin",
    "http://localhost/",
    "http://169.254.169.254/latest/meta-data/",
    "http://10.1.2.3/intranet",
    "http://192.168.178.1/",
    "http://172.16.0.9/",
    "http://[::1]/",
    "http://[::ffff:127.0.0.1]/",
    "http://[fd00::1]/",
    "http://0.0.0.0/",
    "http://100.64.0.1/",
]


@pytest.mark.parametrize("url", REFUSED)
def test_private_targets_are_refused(url: str) -> None:
    with pytest.raises(FetchError, match="refused"):
        asyncio.run(check_url(url, []))


def test_a_public_address_passes() -> None:
    asyncio.run(check_url("https://93.184.215.14/presse", []))


def test_loopback_is_allowed_when_the_setting_names_it() -> None:
    allowed = parse_networks(["127.0.0.0/8", "::1/128"])
    asyncio.run(check_url("http://127.0.0.1:8080/feed.xml", allowed))
    with pytest.raises(FetchError, match="link-local"):
        asyncio.run(check_url("http://169.254.169.254/", allowed))


def test_an_unresolvable_host_is_a_clear_fetch_error() -> None:
    with pytest.raises(FetchError, match="cannot resolve host"):
        asyncio.run(check_url("http://nowhere.invalid/", []))
