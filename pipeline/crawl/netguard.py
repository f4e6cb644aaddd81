"""SSRF guard: a public source must not steer the crawler to loopback, link-local or private addresses.

A redirect or link to `http://169.254.169.254/` (cloud metadata), `http://localhost:8080/admin` or a
`10.x` intranet host is refused before any byte is sent, unless `settings.allow_networks` lists it
(tests allow 127.0.0.0/8 that way). Every hop of a redirect chain is checked, after DNS resolution.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from collections.abc import Iterable
from urllib.parse import urlsplit

from pipeline.errors import FetchError

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network


def parse_networks(values: Iterable[str]) -> list[IPNetwork]:
    return [ipaddress.ip_network(v, strict=False) for v in values]


def refusal(address: IPAddress, allowed: list[IPNetwork]) -> str | None:
    """Why this address may not be fetched, or None when it may."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        address = address.ipv4_mapped
    if any(address in net for net in allowed):
        return None
    for kind in ("loopback", "link_local", "private", "multicast", "reserved", "unspecified"):
        if getattr(address, f"is_{kind}"):
            return f"{kind.replace('_', '-')} address {address}"
    if not address.is_global:
        return f"non-public address {address}"
    return None


async def check_url(url: str, allowed: list[IPNetwork]) -> None:
    """Resolve the URL's host and raise FetchError when any of its addresses is refused."""
    parts = urlsplit(url)
    host = parts.hostname
    if not host:
        raise FetchError("no host in URL", url=url)
    try:
        port = parts.port
    except ValueError as exc:  # "https://ex:mple.org/": a stranger's link, refused before a byte is sent
        raise FetchError(f"invalid URL: {exc}", url=url) from exc
    try:
        addresses = [ipaddress.ip_address(host)]
    except ValueError:
        addresses = await _resolve(host, port or (443 if parts.scheme == "https" else 80), url)
    for address in addresses:
        reason = refusal(address, allowed)
        if reason:
            raise FetchError(f"refused: {host} is a {reason} (see settings.allow_networks)", url=url)


async def _resolve(host: str, port: int, url: str) -> list[IPAddress]:
    loop = asyncio.get_running_loop()
    try:
        infos = await loop.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as exc:
        raise FetchError(f"cannot resolve host {host}: {exc.strerror}", url=url) from exc
    return [ipaddress.ip_address(str(info[4][0]).split("%")[0]) for info in infos]
