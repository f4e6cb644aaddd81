"""Article links on an HTML page without a CSS selector: which of its links lead to single articles.

Every same-site http(s) `<a href>` is a candidate (resolved against `<base href>`, fragment removed).
Each gets a score from general signals, no site's own markup:

- its URL's shape: a date, a long numeric id, a slug of several words, depth; service pages
  (Impressum, Datenschutz, Kontakt, login, search), taxonomy pages (categories, tags, topics,
  authors, archives), language switches, files, feeds and pagination count against it (courlan's
  filters plus our German list);
- its text: a headline has words, a menu entry has one or two;
- where it sits: footer, cookie or share boxes count against it; navigation and header only a little,
  because broken markup wraps whole pages in an unclosed `<header>`;
- its company: teasers come in repeated blocks (`li`/`article`/`div` siblings of one shape), and a
  URL shape that most of a block shares lifts the block.

Pagination (`next_page`) is found from `rel=next`, "Weiter"/"Nächste"/"›" anchors, `?page=` and
TYPO3's `tx_news_pi1[currentPage]`. The figures on real pages are in docs/crawling.md.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from urllib.parse import parse_qsl, unquote, urljoin, urlsplit, urlunsplit

import lxml.html
from courlan.filters import is_navigation_page, is_not_crawlable
from lxml import etree

from pipeline.crawl.pagination import base_url, needs_javascript, next_page

JS_ONLY = "no article links: the page needs JavaScript (an app shell); name its feed or sitemap instead"
THRESHOLD = 1.0  # a candidate scoring at least this is an article link
ARTICLE_DIR_BONUS = 0.5

SERVICE = re.compile(
    r"(^|[/_.-])(impressum|imprint|datenschutz\w*|privacy|kontakt|contact|login|logout|anmelden|"
    r"registrier\w*|register|konto|account|profil|suche|search|newsletter|abo|abonnement|shop|"
    r"agb|nutzungsbedingungen|hilfe|help|faq|barrierefreiheit|accessibility|cookies?|"
    r"sitemap|rss|feeds?|karriere|jobs|stellenangebote|mediadaten|werbung|kontaktformular|"
    r"leichte-sprache|gebaerdensprache|presse-?kontakt|ueber-uns|about(-us)?|team|spenden|"
    r"print|drucken|printversion|mail|share|teilen|podcasts?|epaper|e-paper|app|apps|"
    r"wetter|verkehr|tv-programm|gewinnspiel\w*|kalender|veranstaltungen|events?)"
    r"([/_.-]|$)",
    re.IGNORECASE,
)
TAXONOMY = re.compile(
    r"(^|/)(tags?|schlagw(ö|oe)rter|schlagwort|themen?|topics?|thema|kategorien?|category|categories|"
    r"rubriken?|ressorts?|autor(en|in)?|authors?|redaktion|archiv(e)?|archives?|dossiers?|"
    r"page|seite|keyword|stichwort|person(en)?|orte?|serie)(/|$)",
    re.IGNORECASE,
)
FILES = re.compile(
    r"\.(pdf|jpe?g|png|gif|svg|webp|zip|mp3|mp4|docx?|xlsx?|pptx?|xml|json|rss|atom|ics|css|js)$",
    re.IGNORECASE,
)
SERVICE_SECTION = re.compile(
    r"(footer\w*|services?|bilder|fotos?|fotostrecken?|galerien?|gallery|galleries|screenshots|"
    r"preisvergleich|angebote|gewinnspiele?|anzeigen?|marktplatz|kleinanzeigen|forum|community)",
    re.IGNORECASE,
)  # a section of service pages or media galleries, whatever its pages are called
SERVICE_OPENERS = {"newsletter", "podcast", "rss", "service", "syndication", "abo", "werbung", "impressum"}
READ_MORE = re.compile(
    r"^\W*(weiterlesen|mehr lesen|lesen sie mehr|mehr erfahren|zum artikel|zur meldung|"
    r"zur pressemitteilung|read more|continue reading)\W*$",
    re.IGNORECASE,
)
ADVERT = re.compile(r"^\s*(anzeige|advertorial|sponsored|werbung|promotion)\b", re.IGNORECASE)
GSB_NODE = re.compile(r"_node\.html$|/SiteGlobals/Forms/", re.I)  # Government Site Builder topic nodes, forms
NAV_PARAMS = {"nn", "cid"}  # GSB's navigation node and the like: not an article's id
BAD_QUERY = {"replytocom", "share", "print", "action", "format", "view", "mode", "lang", "sort", "filter"}
DATE = re.compile(r"(^|\D)(19|20)\d\d([/_-])(0?[1-9]|1[0-2])(\3|/|$)|/(19|20)\d\d/\d\d/")
LONG_ID = re.compile(r"\d{5,}")
WORD = re.compile(r"[^\W\d_]{2,}")
CHROME_WORDS = {
    "cookie", "cookies", "consent", "share", "sharing", "social", "breadcrumb",
    "breadcrumbs", "skip", "pagination", "pager", "paging", "tags", "taglist", "keywords", "schlagworte",
    "language", "lang", "langswitch", "toolbar", "login", "usermenu", "comment", "comments", "reply",
}  # fmt: skip
CONTENT_WORDS = {"teaser", "article", "artikel", "post", "posts", "entry", "news", "story", "stories"}
NAV_WORDS = {"nav", "navigation", "navbar", "menu", "menue", "submenu", "header", "masthead", "topbar"}


@dataclass(slots=True)
class Candidate:
    """One same-site link of the page, with what the finder saw of it."""

    url: str
    text: str = ""
    score: float = 0.0
    group: str = ""  # the repeated block it sits in ("" when it sits alone)
    reasons: list[str] = field(default_factory=list)

    @property
    def is_article(self) -> bool:
        return self.score >= THRESHOLD


@dataclass(slots=True)
class LinkGroup:
    """Article links that sit in one repeated block of the page (a teaser list)."""

    key: str
    urls: list[str]


@dataclass(slots=True)
class PageLinks:
    """What the finder read on one page: every candidate, the article links, the next page."""

    candidates: list[Candidate]
    next_url: str | None = None
    needs_javascript: bool = False

    @property
    def articles(self) -> list[str]:
        return [c.url for c in self.candidates if c.is_article]

    def article_texts(self) -> list[tuple[str, str]]:
        return [(c.url, c.text) for c in self.candidates if c.is_article]

    def groups(self) -> list[LinkGroup]:
        """Article links by the block they sit in, largest block first."""
        by_key: dict[str, list[str]] = defaultdict(list)
        for c in self.candidates:
            if c.is_article:
                by_key[c.group or "(single links)"].append(c.url)
        return [LinkGroup(k, v) for k, v in sorted(by_key.items(), key=lambda kv: -len(kv[1]))]


def site_key(host: str) -> str:
    host = (host or "").lower()
    return host[4:] if host.startswith("www.") else host


def parse_html(html: str | bytes) -> etree._Element | None:
    """The document tree, or None for an empty or unreadable body."""
    if isinstance(html, str):
        html = html.encode("utf-8", "surrogatepass")
    if not html.strip():
        return None
    try:
        return lxml.html.fromstring(html, parser=lxml.html.HTMLParser(encoding="utf-8", recover=True))
    except (etree.ParserError, ValueError):
        return None


def candidates(tree: etree._Element, page_url: str) -> list[tuple[str, list[etree._Element]]]:
    """Same-site http(s) links in document order, fragment removed, each with its anchors."""
    page_url = page_url.strip()
    base = base_url(tree, page_url)
    site = site_key(urlsplit(page_url).hostname or "")
    found: dict[str, list[etree._Element]] = {}
    for a in tree.iter("a"):
        href = a.get("href")
        if href is None:
            continue
        try:
            parts = urlsplit(urljoin(base, href.strip()))
        except ValueError:
            continue
        if parts.scheme not in ("http", "https") or site_key(parts.hostname or "") != site:
            continue
        url = urlunsplit(parts._replace(fragment=""))
        found.setdefault(url, []).append(a)
    return list(found.items())


def find_links(html: str | bytes, page_url: str) -> PageLinks:
    """Score every candidate link of a page; see the module docstring."""
    tree = parse_html(html)
    if tree is None:
        return PageLinks([], None, needs_javascript=True)
    found = candidates(tree, page_url)
    page = _strip(page_url)
    result = [_candidate(url, anchors, page) for url, anchors in found]
    _lift_groups(result)
    return PageLinks(result, next_page(tree, page_url), needs_javascript(tree, len(found)))


def _strip(url: str) -> str:
    """A URL without query, fragment, `;jsessionid=` and trailing slash: for "is this the page itself"."""
    parts = urlsplit(url.strip())
    path = parts.path.split(";")[0].rstrip("/")
    return urlunsplit(parts._replace(path=path, fragment="", query=""))


def _candidate(url: str, anchors: list[etree._Element], page: str) -> Candidate:
    text = max((" ".join(a.text_content().replace("\xad", "").split()) for a in anchors), key=len)
    c = Candidate(url, text)
    if _strip(url) == page or _strip(url) == page.rsplit("/", 1)[0]:
        c.score, c.reasons = -5, ["this page"]
        return c
    c.score += _url_score(url, c.reasons)
    c.score += _text_score(text, anchors, c.reasons)
    c.score += _place_score(anchors, c.reasons)
    c.group = _block(anchors[0])
    return c


def not_an_article(url: str) -> str | None:
    """Why a URL by its shape alone cannot be an article (a service, taxonomy or file URL), else None."""
    why: list[str] = []
    score = _url_score(url, why)
    bad = {"site root", "a file", "service page", "taxonomy/pagination", "view of a page"} & set(why)
    return sorted(bad)[0] if bad and score < 0 else None


def _url_score(url: str, why: list[str]) -> float:
    parts = urlsplit(url)
    path = unquote(parts.path)
    segments = [s for s in path.split("/") if s]
    if not segments:
        why.append("site root")
        return -4
    if FILES.search(path):
        why.append("a file")
        return -4
    words = _words(segments[-1])
    query = dict(parse_qsl(parts.query))
    has_id = bool(LONG_ID.search(path)) or any(
        v.isdigit() and len(v) >= 3 for k, v in query.items() if k not in NAV_PARAMS
    )
    article_like = len(words) >= 4 or has_id or bool(DATE.search(path))
    score = 0.0
    if is_not_crawlable(url) or _service(segments):
        why.append("service page")
        score -= 3
    if (is_navigation_page(url) or _taxonomy(segments) or GSB_NODE.search(path)) and not (
        has_id or DATE.search(path)
    ):
        why.append("taxonomy/pagination")
        score -= 2.5
    if BAD_QUERY & set(query):
        why.append("view of a page")
        score -= 3
    if DATE.search(path):
        why.append("date")
        score += 1.5
    if has_id:
        why.append("id")
        score += 1.2
    if len(words) >= 4:
        why.append("slug")
        score += 1.5
    elif len(words) == 3:
        score += 0.6
    elif len(segments) == 1 and not has_id:
        why.append("top-level section")
        score -= 1.5
    if not article_like and path.endswith("/"):
        score -= 0.5
    return score


def _words(segment: str) -> list[str]:
    stem = re.sub(r"\.(s?html?|php|aspx?|jsp)$", "", segment, flags=re.I)
    return [w for w in re.split(r"[-_+.,;]", stem) if WORD.fullmatch(w)]


def _service(segments: list[str]) -> bool:
    """A segment of one or two words that names a service page (`/impressum`, `/newsletter/`), or a
    page whose slug opens with a service word (`/newsletter-abonnieren-…`, `/rss-die-feeds-…`)."""
    if any(len(_words(s)) <= 2 and SERVICE.search("/" + s) for s in segments[-2:]):
        return True
    if any(SERVICE_SECTION.fullmatch(s) for s in segments[:-1]):
        return True
    first = (_words(segments[-1]) or [""])[0].lower()
    return first in SERVICE_OPENERS


def _taxonomy(segments: list[str]) -> bool:
    """`/thema/corona`, `/tag/ki/`, `/autor/name`: a taxonomy word with at most one segment after."""
    return any(TAXONOMY.search("/" + s + "/") and len(segments) - i <= 2 for i, s in enumerate(segments))


def _text_score(text: str, anchors: list[etree._Element], why: list[str]) -> float:
    if ADVERT.match(text):
        why.append("advertisement")
        return -3.0
    bonus = 0.0
    if any(READ_MORE.match(" ".join(a.text_content().split())) for a in anchors):
        why.append("read-more link")  # a headline and a "Weiterlesen" to one URL: a teaser
        bonus = 0.8
    return bonus + _words_score(text, anchors, why)


def _words_score(text: str, anchors: list[etree._Element], why: list[str]) -> float:
    words = len(WORD.findall(text))
    if words >= 5:
        why.append("headline text")
        return 1.0
    if words >= 3:
        return 0.3
    if words == 0:
        has_image = any(a.find(".//img") is not None or a.find(".//picture") is not None for a in anchors)
        return 0.0 if has_image else -0.3
    return -0.7


def _place_score(anchors: list[etree._Element], why: list[str]) -> float:
    best = -99.0
    for a in anchors:
        score = 0.0
        for el in a.iterancestors():
            tag = el.tag if isinstance(el.tag, str) else ""
            words = _marks(el)
            if words & CHROME_WORDS:
                score = -2.0
                break
            if tag == "footer" or words & {"footer", "foot"}:  # fat footers list real teasers too
                score = min(score, -1.0)
            if tag in ("nav", "header") or words & NAV_WORDS:
                score = min(score, -0.5)
        best = max(best, score)
    if best <= -1:
        why.append("footer/service box")
    return best


def _marks(el: etree._Element) -> set[str]:
    """The words of an element's class, id and role, BEM modifiers dropped; none from content blocks
    (a `teaser-footer` is part of a teaser)."""
    words: set[str] = set()
    for token in f"{el.get('class', '')} {el.get('id', '')} {el.get('role', '')}".lower().split():
        parts = set(re.split(r"[-_]+", token.split("--")[0]))
        if not parts & CONTENT_WORDS:
            words |= parts
    return words


def _block(a: etree._Element) -> str:
    """The repeated block a link sits in: the nearest ancestor with same-tag siblings, as a path."""
    node = a
    for _ in range(6):
        parent = node.getparent()
        if parent is None:
            break
        same = [s for s in parent if s.tag == node.tag]
        if len(same) >= 3 and node is not a:
            return _signature(parent) + ">" + str(node.tag)
        node = parent
    return ""


def _signature(el: etree._Element) -> str:
    parts = []
    for node in [el, *list(el.iterancestors())][:4]:
        classes = ".".join(sorted((node.get("class") or "").split())[:2])
        parts.append(f"{node.tag}{'.' + classes if classes else ''}")
    return "<".join(parts)


def _lift_groups(found: list[Candidate]) -> None:
    """A block where most links look like articles lifts its doubtful members, and vice versa."""
    members: dict[str, list[Candidate]] = defaultdict(list)
    for c in found:
        if c.group:
            members[c.group].append(c)
    for group in members.values():
        if len(group) < 3:
            continue
        share = sum(c.score >= THRESHOLD for c in group) / len(group)
        shapes = Counter(_shape(c.url) for c in group)
        common, count = shapes.most_common(1)[0]
        for c in group:
            if c.score <= -2:
                continue
            if share >= 0.6:
                c.score += 0.6 + (0.4 if _shape(c.url) == common and count >= 3 else 0)
                c.reasons.append("teaser block")
            elif share <= 0.2:
                c.score -= 0.5
                c.reasons.append("block of non-articles")


def _shape(url: str) -> str:
    """A URL's shape: its first path segment and how its last one is built (slug, id, date)."""
    segments = [s for s in urlsplit(url).path.split("/") if s]
    first = segments[0] if len(segments) > 1 else ""
    last = segments[-1] if segments else ""
    return f"{first}/{len(segments)}/" + re.sub(r"\d+", "9", re.sub(r"[^\W\d_]+", "a", last))
