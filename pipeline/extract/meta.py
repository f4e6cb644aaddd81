"""Title, canonical URL, author and language: the publisher's own statements, then the visible page."""

from __future__ import annotations

import logging
import re
from collections import Counter
from urllib.parse import urljoin, urlsplit

from lxml.html import HtmlElement

logger = logging.getLogger(__name__)

_SEPARATORS = re.compile(r"\s+(?:[|–—\-·»›]|::)\s+")
_DANGLING = re.compile(r"\s+(?:[|–—\-·»›]|::)\s*$")
_SPACE = re.compile(r"\s+")
# frequent short words: enough to tell the languages of the press we meet apart
_STOPWORDS_TEXT = {
    "de": "der die das und ist nicht mit sich auch auf für von den dem eine zu im sie wird werden wir",
    "en": "the and is are of to in that for with this was be by on have from which will not it",
    "fr": "le la les et est des une un dans pour que qui sur pas par au aux du avec sont ce",
    "es": "el la los las y es de en que por para una con no se del al lo como más",
    "it": "il la di che è per una non con sono del della gli le nel anche più dei",
    "nl": "de het een en van is dat op te zijn voor met niet die ook aan er als",
    "pt": "os as de do da que em para com não uma um por mais dos das pelo pela foi ao",
    "pl": "i w na z się nie do to że jest o jak po co ale od za przez",
}
_STOPWORDS = {lang: frozenset(words.split()) for lang, words in _STOPWORDS_TEXT.items()}
_WORD = re.compile(r"[^\W\d_]+")


def meta_content(tree: HtmlElement, *keys: str) -> str | None:
    """The first non-empty <meta> content for keys (matched on property, name or itemprop)."""
    wanted = {k.lower() for k in keys}
    found: dict[str, str] = {}
    for el in tree.iterfind(".//meta"):
        key = (el.get("property") or el.get("name") or el.get("itemprop") or "").strip().lower()
        content = _clean(el.get("content") or "")
        if key in wanted and content and key not in found:
            found[key] = content
    return next((found[k.lower()] for k in keys if k.lower() in found), None)


def find_title(tree: HtmlElement) -> str:
    """The visible <h1> that a stated title confirms, else og:title, else <title>; without the site name."""
    site = meta_content(tree, "og:site_name", "application-name")
    heads = [_clean(h.text_content()) for h in tree.iterfind(".//h1")]
    heads = [h for h in heads if 3 <= len(h) <= 300]
    html_title = _clean(tree.findtext(".//title") or "")
    stated = meta_content(tree, "og:title", "twitter:title", "dc.title", "dcterms.title")
    for candidate in (stated, html_title):
        confirmed = [h for h in heads if candidate and _confirms(h, candidate)]
        if candidate and confirmed:
            best = max(confirmed, key=lambda h: (candidate.lower().startswith(h.lower()), len(h)))
            return strip_site_name(best, site, guess=False)
    if stated:
        return strip_site_name(stated, site)
    own = [h for h in heads if not _is_trailing_segment(h, html_title)]
    # a heading that repeats the title's trailing segment is the site's name (a logo in an <h1>)
    site = site or next((h for h in heads if h not in own), None)
    if len(own) == 1:
        return strip_site_name(own[0], site, guess=False)
    return strip_site_name(html_title, site) if html_title else (own[0] if own else "")


def _confirms(head: str, title: str) -> bool:
    """head is the title's headline part, not the site name at its end."""
    h, t = head.lower(), title.lower()
    if h not in t or len(h) < 0.3 * len(t):
        return False
    return t.startswith(h) or len(h) >= 0.6 * len(t) or not _is_trailing_segment(head, title)


def _is_trailing_segment(head: str, title: str) -> bool:
    """head is one of the separator segments after the first: the site's name, not the page's."""
    return any(part.lower() == head.lower() for part in _SEPARATORS.split(title)[1:])


def strip_site_name(title: str, site: str | None = None, *, guess: bool = True) -> str:
    """'Ein Titel | BMWK' → 'Ein Titel': drop segments that name the site.

    Without a known site name (og:site_name), guess=True takes a short segment at either end for it.
    """
    title = _DANGLING.sub("", title)
    parts = _SEPARATORS.split(title)
    if len(parts) < 2:
        return title
    site_l = (site or "").lower()
    if site_l:
        kept = [p for p in parts if p.lower() not in site_l and site_l not in p.lower()]
        if kept and len(kept) < len(parts):
            return _rejoin(title, kept)
    if not guess:
        return title
    # no site name known: the site is the short part at either end, the headline the long one
    if len(parts[-1]) <= 40 and len(parts[0]) > len(parts[-1]):
        return _rejoin(title, parts[:-1]) if len(parts) > 2 else parts[0]
    if len(parts[0]) <= 30 and len(parts[-1]) > 2 * len(parts[0]):
        return _rejoin(title, parts[1:])
    return title


def _rejoin(title: str, kept: list[str]) -> str:
    """Keep the original separators between the kept segments."""
    start = title.find(kept[0])
    end = title.rfind(kept[-1]) + len(kept[-1])
    return title[start:end].strip() if 0 <= start < end else " ".join(kept)


def canonical_url(tree: HtmlElement, url: str) -> str | None:
    """rel=canonical, else og:url; absolute, http(s) only."""
    hrefs = tree.xpath(".//link[contains(concat(' ', normalize-space(@rel), ' '), ' canonical ')]/@href")
    for href in [*hrefs, meta_content(tree, "og:url")]:
        if href and href.strip():
            try:
                absolute = urljoin(url, href.strip())
                scheme = urlsplit(absolute).scheme
            except ValueError:  # e.g. a broken IPv6 host
                continue
            if scheme in ("http", "https"):
                return absolute
    return None


def find_author(tree: HtmlElement) -> str | None:
    """author / article:author meta, else a rel=author or itemprop=author element."""
    stated = meta_content(tree, "author", "article:author", "dc.creator", "dcterms.creator", "parsely-author")
    if stated and not stated.startswith("http"):
        return stated
    for el in tree.xpath(".//*[@rel='author' or @itemprop='author' or contains(@class, 'author-name')]")[:3]:
        name = _clean(el.text_content())
        if 2 < len(name) <= 80:
            return re.sub(r"^(von|by)\s+", "", name, flags=re.IGNORECASE)
    return None


def detect_language(text: str, tree: HtmlElement) -> str | None:
    """The text's language by stopwords; the declared one (lang, og:locale) when the text is too short."""
    words = _WORD.findall(text[:5000].lower())
    if len(words) >= 30:
        counts = Counter(words)
        scores = {lang: sum(counts[w] for w in stops) for lang, stops in _STOPWORDS.items()}
        best, second = sorted(scores, key=lambda lang: scores[lang], reverse=True)[:2]
        # a clear signal only: enough stopwords, and well ahead of the runner-up (a language we do not
        # know shares a few short words with several we do)
        if scores[best] >= 0.08 * len(words) and scores[best] >= 1.5 * scores[second]:
            return best
    declared = tree.get("lang") or meta_content(
        tree, "og:locale", "content-language", "language", "dc.language"
    )
    if not declared:
        declared = next(iter(tree.xpath(".//meta[@http-equiv='content-language']/@content")), None)
    return declared.strip().lower().replace("_", "-").split("-")[0][:3] or None if declared else None


def _clean(value: str) -> str:
    return _SPACE.sub(" ", value).strip()
