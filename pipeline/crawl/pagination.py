"""Pagination and app shells, for the link finder: the next listing page without a `next` selector
(`rel=next`, "Weiter"/"Nächste", `?page=`, TYPO3's `tx_news_pi1[currentPage]`), and whether a page
needs JavaScript to show any links."""

from __future__ import annotations

import re
from urllib.parse import parse_qsl, urljoin, urlsplit, urlunsplit

from lxml import etree

NEXT_TEXT = re.compile(
    r"^\s*(weiter|nächste( seite)?|naechste|next( page)?|vor|mehr laden|ältere|›|»|>|→)\s*$", re.I
)
PAGE_PARAMS = re.compile(r"(^|[\[_-])(page|seite|p|currentpage|pagenumber|pg|start|offset)\]?$", re.I)


def base_url(tree: etree._Element, page_url: str) -> str:
    base = tree.find(".//base[@href]")
    return urljoin(page_url, base.get("href", "").strip()) if base is not None else page_url


def next_page(tree: etree._Element, page_url: str) -> str | None:
    """The next listing page: rel=next, a "Weiter"/"Nächste" anchor, or the page number plus one."""
    base = base_url(tree, page_url)
    for el in tree.iter("link", "a"):
        rel = (el.get("rel") or "").lower().split()
        if "next" in rel and el.get("href"):
            return _absolute(base, el.get("href", ""))
    for a in tree.iter("a"):
        label = " ".join(a.text_content().split()) or a.get("aria-label", "") or a.get("title", "")
        marks = f"{a.get('class', '')} {a.get('aria-label', '')}"
        if a.get("href") and (NEXT_TEXT.match(label) or re.search(r"\bnext\b", marks, re.I)):
            return _absolute(base, a.get("href", ""))
    return _numbered_next(tree, base, page_url)


def _numbered_next(tree: etree._Element, base: str, page_url: str) -> str | None:
    """A link whose page parameter (`?page=`, `tx_news_pi1[currentPage]`) is the current one plus one."""
    current = _page_number(page_url) or 1
    for a in tree.iter("a"):
        href = a.get("href")
        if not href:
            continue
        url = _absolute(base, href)
        if _page_number(url) == current + 1 and _same_path(url, page_url):
            return url
    return None


def _page_number(url: str) -> int | None:
    for key, value in parse_qsl(urlsplit(url).query):
        if PAGE_PARAMS.search(key) and value.isdigit():
            return int(value)
    return None


def _same_path(a: str, b: str) -> bool:
    return urlsplit(a).path.rstrip("/") == urlsplit(b).path.rstrip("/")


def _absolute(base: str, href: str) -> str:
    return urlunsplit(urlsplit(urljoin(base, href.strip()))._replace(fragment=""))


# --- pages that need JavaScript ------------------------------------------------------------------


def needs_javascript(tree: etree._Element, links: int) -> bool:
    """An app shell: few links, little text outside scripts, and a `<noscript>` or an empty mount point."""
    if links >= 5:
        return False
    scripted = bool(tree.xpath("//noscript|//script[@src]"))
    for node in tree.xpath("//script|//style|//noscript|//template"):
        node.drop_tree()
    return scripted and len(" ".join(tree.text_content().split())) < 400
