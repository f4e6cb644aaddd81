"""Builds the small German news site of `fixtures/site/articles.yaml` on a LocalSite.

Every article page carries the boilerplate real sites have — navigation, a cookie banner, a teaser
list, a newsletter box and a footer — so the tests can check that none of it reaches the database.
"""

from __future__ import annotations

from datetime import UTC, datetime
from email.utils import format_datetime
from html import escape
from pathlib import Path
from typing import Any

import yaml

from tests.localsite import LocalSite

ARTICLES: list[dict[str, Any]] = yaml.safe_load(
    (Path(__file__).parent / "fixtures" / "site" / "articles.yaml").read_text(encoding="utf-8")
)
BOILERPLATE = [
    "Diese Website verwendet Cookies",
    "Alle akzeptieren",
    "Newsletter abonnieren",
    "Impressum",
    "Datenschutzerklärung",
    "Barrierefreiheit",
    "Das könnte Sie auch interessieren",
]


def article_html(article: dict[str, Any], *, extra_paragraph: str | None = None) -> str:
    paragraphs = list(article["paragraphs"]) + ([extra_paragraph] if extra_paragraph else [])
    body = "\n".join(f"      <p>{escape(p)}</p>" for p in paragraphs)
    day = datetime.fromisoformat(article["date"]).strftime("%d.%m.%Y")
    return f"""<!DOCTYPE html>
<html lang="de">
<head>
  <meta charset="utf-8">
  <title>{escape(article["title"])} | Nachrichten aus der Region</title>
  <meta property="og:title" content="{escape(article["title"])}">
  <meta property="article:published_time" content="{article["date"]}T09:00:00+02:00">
</head>
<body>
  <div id="cookie-banner" class="cookie-consent">
    <p>Diese Website verwendet Cookies, um Ihnen den bestmöglichen Service zu bieten.</p>
    <button>Alle akzeptieren</button> <button>Einstellungen</button>
  </div>
  <header>
    <nav class="main-nav"><ul>
      <li><a href="/">Startseite</a></li><li><a href="/news/">Aktuelles</a></li>
      <li><a href="/wirtschaft/">Wirtschaft</a></li><li><a href="/kontakt/">Kontakt</a></li>
    </ul></nav>
  </header>
  <main>
    <article>
      <h1>{escape(article["title"])}</h1>
      <p class="meta">Veröffentlicht am <time datetime="{article["date"]}">{day}</time></p>
{body}
    </article>
    <aside class="teaser-list">
      <h2>Das könnte Sie auch interessieren</h2>
      <ul><li><a href="/news/">Weitere Meldungen aus dem Rathaus</a></li>
          <li><a href="/news/">Veranstaltungskalender für den Herbst</a></li></ul>
    </aside>
    <div class="newsletter"><h3>Newsletter abonnieren</h3>
      <p>Jeden Freitag die wichtigsten Meldungen.</p></div>
  </main>
  <footer>
    <ul><li><a href="/impressum">Impressum</a></li><li><a href="/datenschutz">Datenschutzerklärung</a></li>
        <li><a href="/barrierefreiheit">Barrierefreiheit</a></li></ul>
    <p>© 2024 Nachrichten aus der Region</p>
  </footer>
</body>
</html>
"""


def feed_xml(site_url: str, articles: list[dict[str, Any]]) -> str:
    items = []
    for a in articles:
        stamp = format_datetime(datetime.fromisoformat(a["date"]).replace(hour=9, tzinfo=UTC))
        items.append(
            f"""    <item>
      <title>{escape(a["title"])}</title>
      <link>{site_url}/artikel/{a["slug"]}.html?utm_source=rss&amp;utm_medium=feed</link>
      <guid isPermaLink="false">artikel-{a["slug"]}</guid>
      <pubDate>{stamp}</pubDate>
    </item>"""
        )
    return f"""<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0"><channel>
  <title>Nachrichten aus der Region</title><link>{site_url}/</link>
  <description>Pressemitteilungen</description>
{chr(10).join(items)}
</channel></rss>
"""


def listing_html(articles: list[dict[str, Any]], *, next_href: str | None) -> str:
    teasers = "\n".join(
        f'<div class="teaser"><a class="teaser-link" href="/artikel/{a["slug"]}.html#top">'
        f"{escape(a['title'])}</a></div>"
        for a in articles
    )
    nxt = f'<a class="next" href="{next_href}">Weiter</a>' if next_href else ""
    return f"""<!DOCTYPE html><html lang="de"><head><meta charset="utf-8"><title>Aktuelles</title></head>
<body><nav><a href="/">Startseite</a></nav><main><h1>Aktuelles</h1>
{teasers}
<div class="pagination">{nxt}</div></main><footer><a href="/impressum">Impressum</a></footer></body></html>
"""


def serve_german_site(site: LocalSite) -> None:
    """Publish the site: /feed.xml, a two-page listing /news/, and one page per article."""
    for article in ARTICLES:
        site.add(f"/artikel/{article['slug']}.html", article_html(article))
    site.add(
        "/feed.xml",
        feed_xml(site.url, [a for a in ARTICLES if "feed" in a["in"]]),
        "application/rss+xml; charset=utf-8",
    )
    listed = [a for a in ARTICLES if "listing" in a["in"]]
    site.add("/news/", listing_html(listed[:2], next_href="/news/?seite=2"))
    site.add("/news/?seite=2", listing_html(listed[2:], next_href=None))
    site.add("/robots.txt", "User-agent: *\nDisallow: /intern/\n", "text/plain")


def sources_yaml(site_url: str, db_path: Path, **settings: Any) -> str:
    extra = "".join(f"  {k}: {v}\n" for k, v in settings.items())
    return f"""settings:
  database: {db_path}
  per_host_delay_s: 0
  allow_networks: ["127.0.0.0/8"]
  timeout_s: 5
{extra}sources:
  - id: region-feed
    name: Nachrichten aus der Region (RSS)
    kind: feed
    url: {site_url}/feed.xml
  - id: region-news
    name: Nachrichten aus der Region (Aktuelles)
    kind: listing
    url: {site_url}/news/
    links: "a.teaser-link"
    next: "a.next"
    max_pages: 5
"""
