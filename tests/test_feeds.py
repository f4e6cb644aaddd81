"""Atom feeds as a feed reader sees them: every file parses (feedparser, no bozo), a hub's feed holds
exactly that hub's announcements, a change says what changed, a re-run writes nothing new, and
`hubwatch serve` serves the same documents."""

from __future__ import annotations

import asyncio
from datetime import date
from pathlib import Path

import feedparser
import pytest
import sqlite_utils
from click.testing import CliRunner

from pipeline.cli import cli
from pipeline.deliver.atom import write_feeds
from pipeline.entities import Analysis, Fact, Mention
from pipeline.extract import Article
from pipeline.store.announcements import save_article
from pipeline.store.crawlstate import sync_sources
from pipeline.store.schema import open_db


def add(db, url: str, title: str, text: str, *, hubs=(), sectors=(), relevant=True) -> None:
    mentions = [Mention("HUB", h, h, 0, 1, sentence=text.split(".")[0] + ".") for h in hubs]
    mentions += [Mention("SECTOR", s, s, 0, 1) for s in sectors]
    article = Article(url=url, title=title, text=text, published_at=date(2026, 11, 24))
    analysis = Analysis(mentions=mentions, facts=[], relevant=relevant)
    save_article(db, source_id="bmwk", url=url, article=article, analysis=analysis)


@pytest.fixture
def db(tmp_path: Path) -> sqlite_utils.Database:
    db = open_db(tmp_path / "hubwatch.db")
    sync_sources(db, [("bmwk", "BMWK Pressemitteilungen", "feed", "https://example.org/feed.xml")])
    add(db, "https://example.org/hh", "Logistik-Hub Hamburg", "Der Hub in Hamburg wächst. Mehr folgt.",
        hubs=("Hamburg",), sectors=("Logistik",))  # fmt: skip
    add(db, "https://example.org/b", "Berlin gründet", "Berlin ist Hub. Ende.", hubs=("Berlin",))
    add(db, "https://example.org/both", "Hamburg und Berlin", "Zwei Hubs arbeiten zusammen.",
        hubs=("Berlin", "Hamburg"))  # fmt: skip
    ms = "https://example.org/ms"
    article = Article(url=ms, title="München & Mobilität", text="Der Hub München setzt auf Mobilität.")
    facts = [Fact("München", "sector", "Mobilität", "Der Hub München …")]
    save_article(db, source_id="bmwk", url=ms, article=article, analysis=Analysis(facts=facts, relevant=True))
    add(db, "https://example.org/noise", "Hamburg Hafenfest", "Nichts zum Hub.", hubs=("Hamburg",),
        relevant=False)  # fmt: skip
    add(db, "https://copy.example/hh", "Logistik-Hub Hamburg", "Der Hub in Hamburg wächst. Mehr folgt.",
        hubs=("Hamburg",))  # fmt: skip
    with db.conn:
        db.execute("UPDATE announcements SET duplicate_of = 1 WHERE url = 'https://copy.example/hh'")
    changed = "Der Hub in Hamburg wächst. Zehn Partner kommen."
    add(
        db,
        "https://example.org/hh",
        "Logistik-Hub Hamburg",
        changed,
        hubs=("Hamburg",),
        sectors=("Logistik",),
    )
    return db


def parsed(path: Path) -> feedparser.FeedParserDict:
    feed = feedparser.parse(path.read_bytes())
    assert not feed.bozo, (path.name, feed.get("bozo_exception"))
    assert feed.version == "atom10"
    return feed


def links(feed: feedparser.FeedParserDict) -> list[str]:
    return [entry.link for entry in feed.entries]


def test_every_feed_parses_and_a_hubs_feed_holds_exactly_its_announcements(db, tmp_path: Path) -> None:
    out = tmp_path / "feeds"
    result = write_feeds(db, out)

    names = sorted(p.name for p in result.written)
    assert names == ["all.atom", "hub-berlin.atom", "hub-hamburg.atom", "hub-muenchen.atom",
                     "sector-logistik.atom", "sector-mobilitaet.atom"]  # fmt: skip
    feeds = {name: parsed(out / name) for name in names}
    hh = "https://example.org/hh"
    assert links(feeds["hub-hamburg.atom"]) == [hh, "https://example.org/both", hh]  # newest first
    assert links(feeds["hub-berlin.atom"]) == ["https://example.org/both", "https://example.org/b"]
    assert links(feeds["hub-muenchen.atom"]) == ["https://example.org/ms"]  # from a hub fact
    assert links(feeds["sector-mobilitaet.atom"]) == ["https://example.org/ms"]
    assert links(feeds["sector-logistik.atom"]) == [hh, hh]
    every = links(feeds["all.atom"])
    assert "https://example.org/noise" not in every and "https://copy.example/hh" not in every
    assert feeds["hub-hamburg.atom"].feed.title == "hubwatch – Hub Hamburg"


def test_a_change_says_what_changed_and_each_version_has_its_own_stable_id(db, tmp_path: Path) -> None:
    feed = parsed(write_feeds(db, tmp_path).written[0])
    change, first = (e for e in feed.entries if e.link == "https://example.org/hh")
    assert change.title == "[geändert] Logistik-Hub Hamburg" and first.title == "Logistik-Hub Hamburg"
    content = change.content[0].value
    assert "Neu im Text" in content and "+ Zehn Partner kommen." in content
    assert "<del>Mehr folgt.</del>" in content
    assert change.summary == "Der Hub in Hamburg wächst."
    assert change.id != first.id and change.id.startswith("urn:uuid:")
    assert {t.term for t in change.tags} == {"Hamburg", "Logistik"}


def test_a_rerun_with_nothing_new_writes_identical_files_and_new_items_touch_only_their_feeds(
    db, tmp_path: Path
) -> None:
    first = write_feeds(db, tmp_path)
    before = {p.name: (p.read_bytes(), p.stat().st_mtime_ns) for p in first.written}

    again = write_feeds(db, tmp_path)

    assert again.written == [] and len(again.unchanged) == len(before)
    assert {p.name: (p.read_bytes(), p.stat().st_mtime_ns) for p in again.unchanged} == before
    add(db, "https://example.org/b2", "Berlin wächst", "Berlin ist Hub.", hubs=("Berlin",))
    assert sorted(p.name for p in write_feeds(db, tmp_path).written) == ["all.atom", "hub-berlin.atom"]


def test_a_script_in_a_title_stays_text(db, tmp_path: Path) -> None:
    add(db, "https://example.org/x", '<script>alert("x")</script>Hub', "Berlin ist Hub.", hubs=("Berlin",))
    feed = parsed(write_feeds(db, tmp_path).written[0])
    assert feed.entries[0].title == '<script>alert("x")</script>Hub'  # text, as written
    assert "<script" not in feed.entries[0].content[0].value


def test_the_feeds_command(db, tmp_path: Path) -> None:
    args = ["--db", str(tmp_path / "hubwatch.db"), "feeds", "--out", str(tmp_path / "out")]
    first = CliRunner().invoke(cli, [*args, "--base-url", "https://hubs.example/feeds/"])
    assert first.exit_code == 0, first.output
    assert "feeds: 6 written, 0 unchanged" in first.stderr
    feed = parsed(tmp_path / "out" / "all.atom")
    assert feed.feed.links[0].href == "https://hubs.example/feeds/all.atom"
    again = CliRunner().invoke(cli, [*args, "--base-url", "https://hubs.example/feeds/"])
    assert "feeds: 0 written, 6 unchanged" in again.stderr


def test_hubwatch_serve_serves_the_same_feeds(db, tmp_path: Path) -> None:
    pytest.importorskip("datasette")
    from pipeline.analysts.serve import make_datasette

    write_feeds(db, tmp_path / "out")
    ds = make_datasette(tmp_path / "hubwatch.db")

    async def get(path: str):
        return await ds.client.get(path)

    served = asyncio.run(get("/-/feeds/hub-hamburg.atom"))
    assert served.status_code == 200 and served.headers["content-type"].startswith("application/atom+xml")
    feed = feedparser.parse(served.content)
    assert not feed.bozo
    assert links(feed) == links(parsed(tmp_path / "out" / "hub-hamburg.atom"))
    assert feed.feed.links[0].href == "http://localhost/-/feeds/hub-hamburg.atom"
    index = asyncio.run(get("/-/feeds/"))
    assert '<a href="/-/feeds/sector-logistik.atom">' in index.text
    assert asyncio.run(get("/-/feeds/hub-atlantis.atom")).status_code == 404


def test_a_feed_walks_the_events_newest_first_and_stops_at_its_limit(db) -> None:
    from pipeline.deliver.atom import _ENTRY_ROWS, _ONLY_HUB

    plan = " | ".join(
        row[3] for row in db.execute(f"EXPLAIN QUERY PLAN {_ENTRY_ROWS.format(only=_ONLY_HUB)}",
                                     {"limit": 50, "name": "Hamburg"})
    )  # fmt: skip
    assert plan.startswith("SCAN e") and "TEMP B-TREE FOR ORDER BY" not in plan, plan
