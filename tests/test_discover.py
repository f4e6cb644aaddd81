"""Discovery per source kind against a real local server: feeds, listings, sitemaps, canonical URLs."""

from __future__ import annotations

import asyncio
import gzip
import json
from typing import Any

import pytest

from pipeline.config import Settings, Source
from pipeline.crawl.discover import Discovery, discover
from pipeline.crawl.urls import canonical_url, rel_canonical
from pipeline.errors import FetchError
from tests.localsite import LocalSite

SETTINGS = Settings(
    allow_networks=["127.0.0.0/8"], per_host_delay_s=0, timeout_s=2, retry_backoff_s=0.01, max_retries=0
)


def run_discover(
    source: dict[str, Any],
    *,
    known: set[str] = frozenset(),  # type: ignore[assignment]
    last_fetched: dict[str, str] | None = None,
) -> Discovery:
    from pipeline.crawl.fetch import Fetcher

    async def main() -> Discovery:
        async with Fetcher(SETTINGS) as fetcher:
            return await discover(
                Source(id="s", **source),
                fetcher,
                known=lambda urls: set(urls) & known,
                last_fetched=lambda urls: {u: t for u, t in (last_fetched or {}).items() if u in urls},
            )

    return asyncio.run(main())


# --- feeds ---------------------------------------------------------------------------------------

RSS = """<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0"><channel><title>Presse</title><link>{u}/</link>
<item><title>Hub in Köln</title><link>{u}/a/1.html?utm_source=rss&amp;id=7#top</link>
  <guid isPermaLink="false">pm-1</guid><pubDate>Tue, 05 Mar 2024 09:00:00 GMT</pubDate></item>
<item><title>Nur GUID</title><guid>{u}/a/2.html</guid></item>
<item><title>Doppelt</title><link>{u}/a/3.html</link><guid>pm-3</guid></item>
<item><title>Doppelt</title><link>{u}/a/3.html</link><guid>pm-3</guid></item>
</channel></rss>"""


def test_rss_items_become_canonical_links_with_feed_dates(site: LocalSite) -> None:
    url = site.add("/feed.xml", RSS.format(u=site.url), "application/rss+xml")
    found = run_discover({"kind": "feed", "url": url})
    assert found.error is None
    assert [link.url for link in found.links] == [
        f"{site.url}/a/1.html?id=7",
        f"{site.url}/a/2.html",
        f"{site.url}/a/3.html",
    ]
    first = found.links[0]
    assert first.key == "pm-1" and first.title == "Hub in Köln"
    assert first.published is not None and first.published.isoformat() == "2024-03-05T09:00:00+00:00"


ATOM = """<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom" xml:base="{u}/news/"><title>Atom</title><id>urn:x</id>
<updated>2024-05-01T10:00:00Z</updated>
<entry><title>Eintrag</title><id>urn:uuid:1</id><link href="eintrag-1.html"/>
  <updated>2024-05-01T10:00:00+02:00</updated></entry>
</feed>"""


def test_atom_links_resolve_against_xml_base(site: LocalSite) -> None:
    url = site.add("/atom.xml", ATOM.format(u=site.url), "application/atom+xml")
    (link,) = run_discover({"kind": "feed", "url": url}).links
    assert link.url == f"{site.url}/news/eintrag-1.html" and link.key == "urn:uuid:1"
    assert link.published is not None and link.published.isoformat() == "2024-05-01T08:00:00+00:00"


def test_json_feed_is_read_by_hand(site: LocalSite) -> None:
    feed = {
        "version": "https://jsonfeed.org/version/1.1",
        "title": "JSON",
        "items": [
            {
                "id": "1",
                "url": f"{site.url}/j/1.html?fbclid=x",
                "title": "Eins",
                "date_published": "2024-06-01T08:00:00Z",
            },
            {"id": "2", "title": "Ohne Link", "content_html": "<p>Der Text steht im Feed.</p>"},
        ],
    }
    url = site.add("/feed.json", json.dumps(feed), "application/feed+json")
    found = run_discover({"kind": "feed", "url": url})
    one, two = found.links
    assert one.url == f"{site.url}/j/1.html" and one.key == "1" and one.published is not None
    assert two.content == "<p>Der Text steht im Feed.</p>" and "hubwatch-item=" in two.url
    assert found.error is None


def test_an_item_without_guid_or_link_is_keyed_by_a_hash_of_title_and_content(site: LocalSite) -> None:
    rss = RSS.format(u=site.url).replace(
        "</channel>", "<item><title>T</title><description>D</description></item></channel>"
    )
    url = site.add("/feed.xml", rss, "application/rss+xml")
    keys = [link.key for link in run_discover({"kind": "feed", "url": url}).links]
    again = [link.key for link in run_discover({"kind": "feed", "url": url}).links]
    assert keys[-1] is not None and keys[-1].startswith("sha256:") and keys == again


def test_a_truncated_feed_keeps_the_items_that_parse_and_reports_the_error(site: LocalSite) -> None:
    truncated = RSS.format(u=site.url)[: RSS.format(u=site.url).index("<item><title>Doppelt")] + "<item><titl"
    url = site.add("/feed.xml", truncated, "application/rss+xml")
    found = run_discover({"kind": "feed", "url": url})
    assert found.error is not None and "malformed" in found.error
    assert f"{site.url}/a/1.html?id=7" in [link.url for link in found.links]


def test_a_feed_that_is_not_a_feed_fails_the_source(site: LocalSite) -> None:
    url = site.add("/feed.xml", "<html><body>Wartungsarbeiten</body></html>", "text/html")
    with pytest.raises(FetchError, match="an HTML page, not a feed"):
        run_discover({"kind": "feed", "url": url})


def test_a_feed_served_as_text_html_is_benign(site: LocalSite) -> None:
    url = site.add("/feed.xml", RSS.format(u=site.url), "text/html; charset=utf-8")
    found = run_discover({"kind": "feed", "url": url})
    assert found.error is None and len(found.links) == 3


# --- listings ------------------------------------------------------------------------------------


def listing(hrefs: list[str], next_href: str | None = None, base: str | None = None) -> str:
    links = "".join(f'<a class="t" href="{h}">Artikel</a>' for h in hrefs)
    nxt = f'<a class="next" href="{next_href}">weiter</a>' if next_href else ""
    head = f'<base href="{base}">' if base else ""
    return f"<html><head>{head}</head><body>{links}{nxt}<a href='/impressum'>Impressum</a></body></html>"


def test_listing_follows_pages_resolves_relative_links_and_honours_max_pages(site: LocalSite) -> None:
    site.add("/news/", listing(["a1.html", "/x/a2.html#c"], "?seite=2"))
    site.add("/news/?seite=2", listing(["b1.html"], "/archiv/", base="/basis/"))
    site.add("/archiv/", listing(["c1.html"], "/news/?seite=4"))
    found = run_discover(
        {"kind": "listing", "url": f"{site.url}/news/", "links": "a.t", "next": "a.next", "max_pages": 2}
    )
    assert [link.url for link in found.links] == [
        f"{site.url}/news/a1.html",
        f"{site.url}/x/a2.html",
        f"{site.url}/basis/b1.html",
    ]
    assert site.hits("/archiv/") == []


def test_a_listing_url_that_now_serves_xml_yields_nothing_and_raises_nothing(site: LocalSite) -> None:
    """A listing whose URL answers with an XML document (the site moved it to a feed) finds no links: the
    run reports the source as broken, and BeautifulSoup's XML-as-HTML warning never escapes."""
    rss = '<?xml version="1.0"?>\n<rss><channel><item><link>/a1.html</link></item></channel></rss>'
    site.add("/news/", rss)
    found = run_discover({"kind": "listing", "url": f"{site.url}/news/", "links": "a.t", "next": "a.next"})
    assert found.links == []


def test_listing_stops_at_a_page_of_known_articles(site: LocalSite) -> None:
    site.add("/news/", listing(["a1.html", "a2.html"], "?seite=2"))
    site.add("/news/?seite=2", listing(["b1.html"]))
    known = {f"{site.url}/news/a1.html", f"{site.url}/news/a2.html"}
    run_discover(
        {"kind": "listing", "url": f"{site.url}/news/", "links": "a.t", "next": "a.next"}, known=known
    )
    assert site.hits("/news/?seite=2") == []


def test_include_and_exclude_filter_links(site: LocalSite) -> None:
    site.add("/news/", listing(["/presse/1.html", "/presse/2.pdf", "/blog/3.html"]))
    found = run_discover(
        {
            "kind": "listing",
            "url": f"{site.url}/news/",
            "links": "a.t",
            "include": ["/presse/"],
            "exclude": [r"\.pdf$"],
        }
    )
    assert [link.url for link in found.links] == [f"{site.url}/presse/1.html"]


# --- sitemaps ------------------------------------------------------------------------------------

NS = 'xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"'
NEWS = 'xmlns:news="http://www.google.com/schemas/sitemap-news/0.9"'


def urlset(entries: list[tuple[str, str | None]], *, news: bool = False) -> str:
    rows = []
    for loc, lastmod in entries:
        mod = f"<lastmod>{lastmod}</lastmod>" if lastmod else ""
        extra = (
            "<news:news><news:publication><news:name>X</news:name><news:language>de</news:language>"
            "</news:publication><news:publication_date>2024-07-01T12:00:00+02:00</news:publication_date>"
            "<news:title>Neuer Hub</news:title></news:news>"
            if news
            else ""
        )
        rows.append(f"<url><loc>{loc}</loc>{mod}{extra}</url>")
    return f'<?xml version="1.0"?><urlset {NS} {NEWS if news else ""}>{"".join(rows)}</urlset>'


def test_sitemap_index_gzip_news_and_lastmod_skip(site: LocalSite) -> None:
    u = site.url
    index = (
        f'<?xml version="1.0"?><sitemapindex {NS}>'
        f"<sitemap><loc>{u}/sm-old.xml</loc><lastmod>2020-01-01</lastmod></sitemap>"
        f"<sitemap><loc>{u}/sm-news.xml</loc><lastmod>2024-07-02</lastmod></sitemap>"
        f"<sitemap><loc>{u}/sm-pages.xml.gz</loc><lastmod>2024-07-01</lastmod></sitemap>"
        "</sitemapindex>"
    )
    site.add("/sitemap.xml", index, "application/xml")
    site.add("/sm-news.xml", urlset([(f"{u}/n/1.html", None)], news=True), "application/xml")
    pages = urlset([(f"{u}/p/fresh.html", "2024-07-01T10:00:00Z"), (f"{u}/p/stale.html", "2024-01-01")])
    site.add("/sm-pages.xml.gz", gzip.compress(pages.encode()), "application/x-gzip")
    site.add("/sm-old.xml", urlset([(f"{u}/old.html", None)]), "application/xml")
    fetched = {
        f"{u}/p/fresh.html": "2024-06-01T00:00:00+00:00",
        f"{u}/p/stale.html": "2024-06-01T00:00:00+00:00",
    }
    found = run_discover({"kind": "sitemap", "url": f"{u}/sitemap.xml", "max_pages": 3}, last_fetched=fetched)
    assert [link.url for link in found.links] == [f"{u}/n/1.html", f"{u}/p/fresh.html"]
    assert found.unchanged == [f"{u}/p/stale.html"]
    news = found.links[0]
    assert news.title == "Neuer Hub" and news.published is not None
    assert site.hits("/sm-old.xml") == []  # max_pages 3: the index and the two freshest children


def test_sitemap_entities_are_not_expanded(site: LocalSite) -> None:
    evil = (
        '<?xml version="1.0"?><!DOCTYPE urlset [<!ENTITY a "aaaaaaaaaa">'
        '<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>'
        f"<urlset {NS}><url><loc>{site.url}/x&b;.html</loc></url></urlset>"
    )
    url = site.add("/sitemap.xml", evil, "application/xml")
    try:
        found = run_discover({"kind": "sitemap", "url": url})
    except FetchError:
        return  # refusing the document is fine too
    assert all("aaaaaaaaaa" not in link.url for link in found.links)


# --- canonical URLs ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("HTTP://WWW.Example.ORG:80/a?utm_source=x&id=1#frag", "http://www.example.org/a?id=1"),
        ("https://example.org:443/?fbclid=1&gclid=2&pk_campaign=3", "https://example.org/"),
        ("https://example.org:8443/a/b?b=2&a=1", "https://example.org:8443/a/b?b=2&a=1"),
        ("https://example.org", "https://example.org/"),
        (
            "https://EX:mple.org/a?utm_medium=x",
            "https://ex:mple.org/a",
        ),  # a port that is no number: as written
    ],
)
def test_canonical_url(raw: str, expected: str) -> None:
    assert canonical_url(raw) == expected


def test_rel_canonical_only_on_the_same_site() -> None:
    page = "https://www.example.org/a?print=1"
    same = '<link rel="canonical" href="/a?utm_medium=x&amp;id=2">'
    other = '<link href="https://aggregator.example.com/a" rel="canonical">'
    assert rel_canonical(same, page) == "https://www.example.org/a?id=2"
    assert rel_canonical(other, page) is None
    assert rel_canonical("<p>nothing</p>", page) is None


def test_a_gzipped_sitemap_bomb_fails_the_source(site: LocalSite) -> None:
    bomb = gzip.compress(b"<urlset>" + b" " * 20_000_000)
    url = site.add("/sitemap.xml.gz", bomb, "application/gzip")
    with pytest.raises(FetchError, match="max_bytes"):
        run_discover({"kind": "sitemap", "url": url})


def test_a_failing_second_listing_page_keeps_the_first(site: LocalSite) -> None:
    site.add("/news/", listing(["a1.html"], "/kaputt/"))
    site.add("/kaputt/", "Fehler", "text/plain", status=500)
    found = run_discover({"kind": "listing", "url": f"{site.url}/news/", "links": "a.t", "next": "a.next"})
    assert [link.url for link in found.links] == [f"{site.url}/news/a1.html"]
    assert found.error is not None and "HTTP 500" in found.error
