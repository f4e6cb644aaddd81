#!/usr/bin/env python3
"""The peer of the crawl benchmark: Scrapy + trafilatura + sqlite over the same local site.

What a careful engineer would write with those three libraries to do hubwatch's core job: follow the
listing pages (`a.teaser` links, `a.next`), extract each article's main text, title and date with
trafilatura (`bare_extraction(..., with_metadata=True)`, its defaults), and store one row per article in
SQLite, one transaction per article (WAL, synchronous=NORMAL: what hubwatch's pass uses). Same
concurrency as hubwatch (CONCURRENT_REQUESTS and _PER_DOMAIN), no delay, robots.txt obeyed. It finds no
entities, keeps no versions, fingerprints and indexes nothing.

Scrapy is a benchmark-only dependency: `pip install -e ".[bench]"`.

    python scripts/bench_scrapy.py http://127.0.0.1:PORT/list/1.html /tmp/peer.db --concurrency 16
"""

from __future__ import annotations

import argparse
import sqlite3
from typing import Any

import scrapy
import trafilatura
from scrapy.crawler import CrawlerProcess


class Listing(scrapy.Spider):
    name = "listing"

    def __init__(self, start: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.start_url = start

    async def start(self) -> Any:
        yield scrapy.Request(self.start_url, callback=self.parse_listing)

    def parse_listing(self, response: Any) -> Any:
        for href in response.css("a.teaser::attr(href)").getall():
            yield response.follow(href, callback=self.parse_article)
        nxt = response.css("a.next::attr(href)").get()
        if nxt:
            yield response.follow(nxt, callback=self.parse_listing)

    def parse_article(self, response: Any) -> Any:
        doc = trafilatura.bare_extraction(response.text, url=response.url, with_metadata=True)
        if doc is not None and doc.text:
            yield {"url": response.url, "title": doc.title, "date": doc.date, "text": doc.text}


class SqlitePipeline:
    """One row per article, one transaction each."""

    def __init__(self, path: str) -> None:
        self.path = path

    @classmethod
    def from_crawler(cls, crawler: Any) -> SqlitePipeline:
        return cls(crawler.settings.get("PEER_DB"))

    def open_spider(self, spider: Any = None) -> None:
        self.conn = sqlite3.connect(self.path)
        self.conn.execute("PRAGMA journal_mode=WAL")
        self.conn.execute("PRAGMA synchronous=NORMAL")
        self.conn.execute(
            "CREATE TABLE IF NOT EXISTS articles (url TEXT PRIMARY KEY, title TEXT, date TEXT, text TEXT)"
        )

    def process_item(self, item: dict[str, Any], spider: Any = None) -> dict[str, Any]:
        with self.conn:
            self.conn.execute(
                "INSERT OR REPLACE INTO articles VALUES (?, ?, ?, ?)",
                (item["url"], item["title"], item["date"], item["text"]),
            )
        return item

    def close_spider(self, spider: Any = None) -> None:
        self.conn.close()


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("start", help="the first listing page")
    parser.add_argument("db", help="the SQLite file to write")
    parser.add_argument("--concurrency", type=int, default=16)
    args = parser.parse_args()
    process = CrawlerProcess(
        {
            "BOT_NAME": "peer",
            "USER_AGENT": "peer-bench (+loopback)",
            "ROBOTSTXT_OBEY": True,
            "CONCURRENT_REQUESTS": args.concurrency,
            "CONCURRENT_REQUESTS_PER_DOMAIN": args.concurrency,
            "DOWNLOAD_DELAY": 0,
            "AUTOTHROTTLE_ENABLED": False,
            "TELNETCONSOLE_ENABLED": False,
            "LOG_LEVEL": "WARNING",
            "ITEM_PIPELINES": {f"{__name__}.SqlitePipeline": 300},
            "PEER_DB": args.db,
        }
    )
    process.crawl(Listing, start=args.start)
    process.start()
    conn = sqlite3.connect(args.db)
    print(f"stored {conn.execute('SELECT count(*) FROM articles').fetchone()[0]} articles")


if __name__ == "__main__":
    main()
