"""One spelling per article URL, so the same article reached twice is one announcement."""

from __future__ import annotations

import re
from html import unescape
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit, urlunsplit

TRACKING_PARAMS = {
    "fbclid",
    "gclid",
    "dclid",
    "msclkid",
    "yclid",
    "mc_cid",
    "mc_eid",
    "wt_mc",
    "wt_zmc",
    "at_medium",
    "at_campaign",
    "at_custom1",
    "_hsenc",
    "_hsmi",
    "igshid",
    "ref_src",
}
TRACKING_PREFIXES = ("utm_", "pk_", "mtm_", "piwik_")
DEFAULT_PORTS = {"http": 80, "https": 443}
_CANONICAL_LINK = re.compile(r"<link\b[^>]*>", re.I)
_ATTR = re.compile(r"""(\w+)\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+))""")


def _tracking(key: str) -> bool:
    key = key.lower()
    return key in TRACKING_PARAMS or key.startswith(TRACKING_PREFIXES)


def canonical_url(url: str) -> str:
    """Lower-case scheme and host, no default port, fragment or tracking parameter; other order kept."""
    parts = urlsplit(url.strip())
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower()
    if ":" in host:  # IPv6 literal
        host = f"[{host}]"
    try:
        port: int | str | None = parts.port
    except ValueError:  # not a number ("https://ex:mple.org/"): kept as written, so a stranger's link
        port = parts.netloc.rsplit(":", 1)[-1].lower()  # cannot stop discovery; it fails alone when fetched
    if port and port != DEFAULT_PORTS.get(scheme):
        host = f"{host}:{port}"
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if not _tracking(k)]
    return urlunsplit((scheme, host, parts.path or "/", urlencode(query), ""))


def same_site(a: str, b: str) -> bool:
    """Same scheme-less host (www. ignored): a page may only name a canonical URL on its own site."""
    host_a = (urlsplit(a).hostname or "").removeprefix("www.")
    host_b = (urlsplit(b).hostname or "").removeprefix("www.")
    return bool(host_a) and host_a == host_b


def rel_canonical(html: str, page_url: str) -> str | None:
    """The page's own `<link rel="canonical">`, canonicalised, when it is on the same site; else None."""
    for tag in _CANONICAL_LINK.findall(html[:200_000]):
        attrs = {
            m.group(1).lower(): m.group(2) or m.group(3) or m.group(4) or "" for m in _ATTR.finditer(tag)
        }
        if "canonical" in attrs.get("rel", "").lower().split() and attrs.get("href"):
            target = canonical_url(urljoin(page_url, unescape(attrs["href"])))
            return target if same_site(target, page_url) and target.startswith("http") else None
    return None


def origin(url: str) -> str:
    """Politeness is per origin (scheme, host, port), as robots.txt is."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc.lower()}"
