"""Property tests: random and mutated input never makes a parser raise anything but its documented errors.

- `canonical_url`: never raises; idempotent.
- `parse_feed`: never raises (errors are on the result).
- `discover` (feed, listing, sitemap) against a real local server: a `Discovery`, or `FetchError`/`Skip`.
- `extract_article`: an `Article` or `ExtractError`.
- `analyze`: an `Analysis` whose offsets point at what they name.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pipeline.config import Settings, Source
from pipeline.crawl.discover import discover
from pipeline.crawl.feeds import parse_feed
from pipeline.crawl.fetch import Fetcher
from pipeline.crawl.urls import canonical_url
from pipeline.entities import analyze
from pipeline.errors import ExtractError, FetchError, Skip
from pipeline.extract import extract_article
from tests.germansite import ARTICLES, article_html, feed_xml, listing_html
from tests.localsite import LocalSite

FUZZ = settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
SITEMAP = (
    '<?xml version="1.0" encoding="UTF-8"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
    "<url><loc>https://example.org/presse/a.html</loc><lastmod>2024-03-01</lastmod></url>"
    "<url><loc>/presse/b.html</loc></url></urlset>"
)
JSON_FEED = (
    '{"version": "https://jsonfeed.org/version/1.1", "items": [{"id": "1", "url": "https://x.org/a"}]}'
)
SEEDS = {
    "feed": feed_xml("https://example.org", ARTICLES),
    "listing": listing_html(ARTICLES, next_href="/news/?seite=2"),
    "sitemap": SITEMAP,
}


@st.composite
def mutated(draw: st.DrawFn, seed: str) -> bytes:
    """A valid document, then truncated, with bytes flipped, or with random text spliced in."""
    data = bytearray(seed.encode())
    for _ in range(draw(st.integers(0, 4))):
        at = draw(st.integers(0, max(0, len(data) - 1)))
        action = draw(st.sampled_from(["cut", "flip", "splice", "delete"]))
        if action == "cut":
            del data[at:]
        elif action == "flip" and data:
            data[at] ^= draw(st.integers(1, 255))
        elif action == "splice":
            data[at:at] = draw(st.binary(max_size=40)) or draw(st.text(max_size=20)).encode()
        elif data:
            del data[at : at + draw(st.integers(1, 200))]
    return bytes(data)


def documents(seed: str) -> st.SearchStrategy[bytes]:
    return st.one_of(mutated(seed), st.binary(max_size=300), st.text(max_size=300).map(str.encode))


@given(st.text(max_size=120))
@settings(max_examples=300, deadline=None)
def test_canonical_url_never_raises(text: str) -> None:
    assert isinstance(canonical_url(text), str)


@given(
    st.sampled_from(["http", "HTTPS", "https"]),
    st.from_regex(r"[A-Za-z0-9-]{1,12}(\.[A-Za-z0-9-]{1,8}){0,2}", fullmatch=True),
    st.sampled_from(["", ":80", ":443", ":8080"]),
    st.from_regex(r"(/[\w.%-]{0,10}){0,3}", fullmatch=True),
    st.lists(st.tuples(st.sampled_from(["utm_source", "id", "fbclid", "seite"]), st.text("ab1", max_size=3)),
             max_size=3),
    st.sampled_from(["", "#top", "#"]),
)  # fmt: skip
@settings(max_examples=300, deadline=None)
def test_canonical_url_is_idempotent(scheme, host, port, path, query, fragment) -> None:
    url = f"{scheme}://{host}{port}{path}" + ("?" + "&".join(f"{k}={v}" for k, v in query) if query else "")
    once = canonical_url(url + fragment)
    assert canonical_url(once) == once
    assert "#" not in once and "utm_" not in once and "fbclid" not in once


@given(
    st.one_of(documents(SEEDS["feed"]), documents(JSON_FEED)), st.sampled_from(["application/rss+xml", ""])
)
@FUZZ
def test_parse_feed_never_raises(body: bytes, content_type: str) -> None:
    parsed = parse_feed(body, content_type=content_type, url="https://example.org/feed.xml")
    assert all(item.key for item in parsed.items)


@pytest.fixture(scope="module")
def fuzz_site() -> Iterator[LocalSite]:
    with LocalSite() as site:
        site.add("/robots.txt", "User-agent: *\nAllow: /\n", "text/plain")
        yield site


def discover_once(site: LocalSite, kind: str, body: bytes) -> None:
    site.add(f"/{kind}", body, "application/xml" if kind != "listing" else "text/html")
    source = Source(id="fuzz", kind=kind, url=f"{site.url}/{kind}", links="a", next="a.next", max_pages=1)
    settings_ = Settings(allow_networks=["127.0.0.0/8"], per_host_delay_s=0, max_retries=0, timeout_s=2)

    async def go() -> None:
        async with Fetcher(settings_) as fetcher:
            try:
                discovery = await discover(source, fetcher, known=lambda urls: set())
            except (FetchError, Skip):
                return
            assert all(link.url.startswith(("http://", "https://")) for link in discovery.links)

    asyncio.run(go())


@pytest.mark.parametrize("kind", ["feed", "listing", "sitemap"])
@FUZZ
@given(data=st.data())
def test_discovery_survives_random_and_mutated_documents(
    fuzz_site: LocalSite, kind: str, data: st.DataObject
):
    discover_once(fuzz_site, kind, data.draw(documents(SEEDS[kind])))


ARTICLE = article_html(ARTICLES[0])


@given(documents(ARTICLE))
@FUZZ
def test_extract_article_gives_an_article_or_extract_error(body: bytes) -> None:
    try:
        article = extract_article(body, "https://example.org/artikel/a.html")
    except ExtractError:
        return
    assert isinstance(article.text, str) and isinstance(article.title, str)


TEXT = "\n".join(ARTICLES[0]["paragraphs"] + ARTICLES[2]["paragraphs"])


@given(st.one_of(mutated(TEXT).map(lambda b: b.decode("utf-8", "replace")), st.text(max_size=400)),
       st.text(max_size=60))  # fmt: skip
@FUZZ
def test_analyze_offsets_point_at_what_they_name(text: str, title: str) -> None:
    result = analyze(text, title)
    for mention in result.mentions:
        source = title if mention.in_title else text
        assert source[mention.start : mention.end] == mention.text


def test_the_seeds_themselves_parse() -> None:
    """The mutation seeds are valid documents, so the fuzzing starts from real structure."""
    assert len(
        parse_feed(SEEDS["feed"].encode(), content_type="application/rss+xml", url="https://e.org").items
    ) == len(ARTICLES)
    assert (
        len(parse_feed(JSON_FEED.encode(), content_type="application/json", url="https://e.org").items) == 1
    )
