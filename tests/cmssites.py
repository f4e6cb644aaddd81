"""Local sites shaped like the CMS families hubwatch meets, served by a real LocalSite.

- Government Site Builder (the ministries): a front page whose only feed is an "RSS" link to a landing
  page that lists the real feeds under `/SiteGlobals/Functions/RSSFeed/...`; `_node.html` topic pages.
- TYPO3 news: `div.news-list-view` teasers, pagination by `tx_news_pi1[currentPage]` + `cHash`, no feed.
- WordPress: `<link rel="alternate">` to `/feed/` with only the newest posts, robots.txt naming
  `wp-sitemap.xml` with posts, pages, taxonomy and user sitemaps.
- A JavaScript-only page: an app shell with `<noscript>`.

Each site has service pages (Impressum, Datenschutz, Kontakt, categories, tags, search, login, a
language switch) that must never become announcements. `ARTICLES[site]` are the paths that must.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from email.utils import format_datetime
from html import escape
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import yaml

from tests.germansite import ARTICLES as TEXTS
from tests.germansite import article_html
from tests.localsite import LocalSite

SERVICE_LINKS = """
  <a href="/impressum/">Impressum</a> <a href="/datenschutz/">Datenschutz</a> <a href="/kontakt/">Kontakt</a>
  <a href="/suche/">Suche</a> <a href="/login/">Anmelden</a> <a href="/en/" hreflang="en">English</a>
"""
SERVICE_PAGES = ["/impressum/", "/datenschutz/", "/kontakt/", "/suche/", "/login/", "/en/"]


def _page(title: str, body: str, head: str = "") -> str:
    return f"""<!DOCTYPE html><html lang="de"><head><meta charset="utf-8"><title>{escape(title)}</title>{head}
</head><body><header><nav class="main-nav">{SERVICE_LINKS}</nav></header>
<main>{body}</main><footer>{SERVICE_LINKS}<p>© 2024</p></footer></body></html>"""


def _service_pages(site: LocalSite, prefix: str = "") -> None:
    for path in SERVICE_PAGES:
        site.add(
            prefix + path, _page(path.strip("/").title(), "<h1>Service</h1><p>Angaben zum Anbieter.</p>")
        )


def _rss(site_url: str, items: list[tuple[str, dict[str, Any]]], title: str) -> str:
    entries = "".join(
        f"<item><title>{escape(a['title'])}</title><link>{site_url}{path}</link><guid>{site_url}{path}</guid>"
        f"<pubDate>{format_datetime(datetime.fromisoformat(a['date']).replace(hour=9, tzinfo=UTC))}</pubDate>"
        "</item>"
        for path, a in items
    )
    return (
        f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>{escape(title)}</title>'
        f"<link>{site_url}/</link><description>{escape(title)}</description>{entries}</channel></rss>"
    )


# --- Government Site Builder ---------------------------------------------------------------------

GSB_PRESS = "/Redaktion/DE/Pressemitteilungen/2024/03/"
GSB_ARTICLES = [f"{GSB_PRESS}2024030{i}-{a['slug']}.html" for i, a in enumerate(TEXTS[:3], 1)]
GSB_FEED = "/SiteGlobals/Functions/RSSFeed/DE/RSSFeed-Pressemitteilung.xml"


def serve_gsb(site: LocalSite) -> str:
    """A ministry on the Government Site Builder; returns the front page's URL."""
    for path, text in zip(GSB_ARTICLES, TEXTS, strict=False):
        site.add(path, article_html(text))
    teasers = "".join(
        f'<div class="teaser"><h3><a href="{p}">{escape(a["title"])}</a></h3></div>'
        for p, a in zip(GSB_ARTICLES, TEXTS, strict=False)
    )
    nodes = "".join(
        f'<li><a href="/DE/Themen/{t}/{t.lower()}_node.html">Themen: {t} und Digitalisierung</a></li>'
        for t in ("Digitales", "Energie", "Mittelstand")
    )
    site.add(
        "/DE/Home/home.html",
        _page(
            "Bundesministerium – Startseite",
            f'<ul class="topics">{nodes}</ul><section class="aktuelles">{teasers}</section>'
            '<a href="/Navigation/DE/Service/RSS/rss.html">RSS</a>'
            '<a href="/SiteGlobals/Forms/Suche/Expertensuche_Formular.html?nn=123456">Suche</a>',
        ),
    )
    site.add(
        "/Navigation/DE/Service/RSS/rss.html",
        _page(
            "RSS-Feeds",
            f'<h1>RSS-Feeds</h1><ul><li><a href="{GSB_FEED}">Pressemitteilungen (RSS)</a></li>'
            '<li><a href="/SiteGlobals/Functions/RSSFeed/DE/RSSFeed-Reden.xml">Reden (RSS)</a></li></ul>',
        ),
    )
    items = list(zip(GSB_ARTICLES, TEXTS, strict=False))
    site.add(GSB_FEED, _rss(site.url, items, "Pressemitteilungen"), "application/rss+xml")
    site.add("/SiteGlobals/Functions/RSSFeed/DE/RSSFeed-Reden.xml", _rss(site.url, [], "Reden"), "text/xml")
    for t in ("Digitales", "Energie", "Mittelstand"):
        site.add(f"/DE/Themen/{t}/{t.lower()}_node.html", _page(t, f"<h1>{t}</h1><p>Überblick.</p>"))
    _service_pages(site)
    return site.url + "/DE/Home/home.html"


# --- TYPO3 news ------------------------------------------------------------------------------------

TYPO3_ARTICLES = [f"/aktuelles/detail/{a['slug']}/" for a in TEXTS[:4]]


def serve_typo3(site: LocalSite) -> str:
    """A city's press page on TYPO3 with the news extension; returns the listing's URL."""
    for path, text in zip(TYPO3_ARTICLES, TEXTS, strict=False):
        site.add(path, article_html(text))
    site.pages["/aktuelles/"] = _typo3_listing
    for path in ("/aktuelles/kategorie/wirtschaft/", "/aktuelles/tag/ki/"):
        site.add(path, _page("Kategorie", "<h1>Kategorie</h1>"))
    _service_pages(site)
    return site.url + "/aktuelles/"


def _typo3_listing(handler: BaseHTTPRequestHandler) -> None:
    query = parse_qs(urlsplit(handler.path).query)
    page = int(query.get("tx_news_pi1[currentPage]", ["1"])[0])
    chunk = list(zip(TYPO3_ARTICLES, TEXTS, strict=False))[(page - 1) * 2 : page * 2]
    teasers = "".join(
        f'<div class="article articletype-0"><div class="header">'
        f'<h3><a href="{p}" title="{escape(a["title"])}">'
        f'<span itemprop="headline">{escape(a["title"])}</span></a></h3></div>'
        f'<div class="teaser-text"><p>{escape(a["paragraphs"][0][:120])}</p>'
        f'<a class="more" href="{p}">Weiterlesen</a></div>'
        '<div class="news-related-wrap"><a href="/aktuelles/kategorie/wirtschaft/">Wirtschaft</a>'
        '<a href="/aktuelles/tag/ki/">KI</a></div></div>'
        for p, a in chunk
    )
    pages = "".join(
        f'<li><a href="/aktuelles/?tx_news_pi1%5BcurrentPage%5D={n}&amp;cHash=c{n}a9f0e">{n}</a></li>'
        for n in (1, 2)
    )
    body = _page("Aktuelles", f'<div class="news"><div class="news-list-view">{teasers}</div>'
                 f'<ul class="f3-widget-paginator">{pages}</ul></div>')  # fmt: skip
    _send(handler, body.encode())


# --- WordPress --------------------------------------------------------------------------------------

WP_ARTICLES = [f"/2024/0{i}/1{i}/{a['slug']}/" for i, a in enumerate(TEXTS[:5], 1)]
WP_PAGES = ["/impressum/", "/kontakt/", "/ueber-uns/"]


def serve_wordpress(site: LocalSite) -> str:
    """A hub's WordPress site; returns the front page's URL."""
    posts = list(zip(WP_ARTICLES, TEXTS, strict=False))
    for path, text in posts:
        site.add(path, article_html(text))
    newest = posts[::-1]
    front = "".join(
        f'<article class="post type-post"><h2 class="entry-title"><a href="{p}" rel="bookmark">'
        f'{escape(a["title"])}</a></h2><a href="/category/news/" rel="category tag">News</a></article>'
        for p, a in newest[:3]
    )
    rss = 'rel="alternate" type="application/rss+xml"'
    head = (
        f'<link {rss} title="Hub &raquo; Feed" href="{site.url}/feed/">'
        f'<link {rss} title="Kommentare" href="{site.url}/comments/feed/">'
    )
    site.add("/", _page("Hub – Neuigkeiten", front + '<a href="/ueber-uns/">Über uns</a>', head))
    site.add("/feed/", _rss(site.url, newest[:2], "Hub"), "application/rss+xml; charset=UTF-8")
    site.add("/comments/feed/", _rss(site.url, [], "Kommentare"), "application/rss+xml")
    site.add(
        "/robots.txt",
        f"User-agent: *\nDisallow: /wp-admin/\nSitemap: {site.url}/wp-sitemap.xml\n",
        "text/plain",
    )
    names = ["posts-post-1", "posts-page-1", "taxonomies-category-1", "users-1"]
    index = "".join(f"<sitemap><loc>{site.url}/wp-sitemap-{n}.xml</loc></sitemap>" for n in names)
    site.add("/wp-sitemap.xml", _sitemapindex(index), "application/xml")
    site.add("/wp-sitemap-posts-post-1.xml", _urlset(site.url, WP_ARTICLES), "application/xml")
    site.add("/wp-sitemap-posts-page-1.xml", _urlset(site.url, WP_PAGES), "application/xml")
    site.add(
        "/wp-sitemap-taxonomies-category-1.xml", _urlset(site.url, ["/category/news/"]), "application/xml"
    )
    site.add("/wp-sitemap-users-1.xml", _urlset(site.url, ["/author/admin/"]), "application/xml")
    for path in ("/ueber-uns/", "/category/news/", "/author/admin/"):
        site.add(path, _page("Seite", "<h1>Seite</h1><p>Über das Projekt.</p>"))
    _service_pages(site)
    return site.url + "/"


def _sitemapindex(children: str) -> str:
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        f'<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{children}</sitemapindex>'
    )


def _urlset(site_url: str, paths: list[str], lastmod: str | None = None) -> str:
    mod = f"<lastmod>{lastmod}</lastmod>" if lastmod else ""
    urls = "".join(f"<url><loc>{site_url}{p}</loc>{mod}</url>" for p in paths)
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        f'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{urls}</urlset>'
    )


# --- a JavaScript-only page ------------------------------------------------------------------------

APP_SHELL = """<!DOCTYPE html><html><head><meta charset="utf-8"><title>Newsroom</title>
<script type="module" src="/assets/index-4f2a.js"></script></head>
<body><noscript>Bitte aktivieren Sie JavaScript, um diese Seite zu nutzen.</noscript><div id="root"></div>
</body></html>"""


def serve_app_shell(site: LocalSite) -> str:
    site.add("/newsroom/", APP_SHELL)
    site.add("/assets/index-4f2a.js", "console.log('app')", "text/javascript")
    return site.url + "/newsroom/"


SHAPES: dict[str, tuple[Callable[[LocalSite], str], list[str]]] = {
    "gsb": (serve_gsb, GSB_ARTICLES),
    "typo3": (serve_typo3, TYPO3_ARTICLES),
    "wordpress": (serve_wordpress, WP_ARTICLES),
}


def _send(
    handler: BaseHTTPRequestHandler, body: bytes, content_type: str = "text/html; charset=utf-8"
) -> None:
    handler.send_response(200)
    handler.send_header("Content-Type", content_type)
    handler.send_header("Content-Length", str(len(body)))
    handler.end_headers()
    handler.wfile.write(body)


LOCAL_SETTINGS = """settings:
  database: {db}
  per_host_delay_s: 0
  allow_networks: ["127.0.0.0/8"]
  timeout_s: 5
  max_retries: 0
  extract_workers: 0
"""


def write_sources(tmp_path: Path, sources: list[dict], *, db_name: str = "hubwatch.db") -> Path:
    """A sources.yaml for the local CMS sites: fast, loopback allowed, extraction in the loop's thread."""
    path = tmp_path / "sources.yaml"
    text = LOCAL_SETTINGS.format(db=tmp_path / db_name)
    path.write_text(text + yaml.safe_dump({"sources": sources}, allow_unicode=True, sort_keys=False), "utf-8")
    return path
