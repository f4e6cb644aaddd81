"""robots.txt, read once per origin per run (Protego), as RFC 9309 asks.

A 4xx robots.txt means no rules: everything is allowed. A 5xx, a timeout or a network error means
we cannot know, so the whole origin is skipped for this run (every URL of it fails with the same
recorded error). A Crawl-delay wider than `per_host_delay_s` widens the gap for that origin.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any, Protocol

from protego import Protego

from pipeline.crawl.urls import origin
from pipeline.errors import FetchError, Skip

logger = logging.getLogger(__name__)

ROBOTS_TYPES = ("text/", "octet-stream")  # servers label robots.txt text/plain, or nothing sensible


class RobotsFetcher(Protocol):
    """What the cache needs of a fetcher (pipeline.crawl.fetch.Fetcher), so robots.py need not import it."""

    settings: Any

    async def fetch(self, url: str, *, source_id: str, accept: tuple[str, ...], robots: bool) -> Any: ...

    def set_crawl_delay(self, url: str, delay: float) -> None: ...


class RobotsCache:
    """The rules of each origin this run touched; one fetch per origin even under concurrency."""

    def __init__(self, fetcher: RobotsFetcher) -> None:
        self.fetcher = fetcher
        self._rules: dict[str, asyncio.Task[Protego | None]] = {}

    async def check(self, url: str, *, source_id: str = "") -> None:
        """Raise Skip when robots.txt disallows `url`, FetchError when its robots.txt is unavailable."""
        rules = await self._rules_of(url, source_id)
        if rules is not None and not rules.can_fetch(url, self.fetcher.settings.user_agent):
            logger.info("robots.txt disallows %s", url)
            raise Skip("disallowed by robots.txt")

    async def sitemaps(self, url: str, *, source_id: str = "") -> list[str]:
        """The `Sitemap:` lines of the robots.txt of `url`'s origin (none when it has no robots.txt)."""
        rules = await self._rules_of(url, source_id)
        return list(dict.fromkeys(rules.sitemaps)) if rules is not None else []

    async def _rules_of(self, url: str, source_id: str) -> Protego | None:
        key = origin(url)
        task = self._rules.get(key)
        if task is None:
            task = self._rules[key] = asyncio.ensure_future(self._load(key, source_id))
        return await asyncio.shield(task)

    async def _load(self, key: str, source_id: str) -> Protego | None:
        url = f"{key}/robots.txt"
        try:
            response = await self.fetcher.fetch(url, source_id=source_id, accept=ROBOTS_TYPES, robots=False)
        except FetchError as exc:
            if exc.status_code is not None and 400 <= exc.status_code < 500:
                logger.debug("%s: HTTP %s, no rules", url, exc.status_code)
                return None
            raise FetchError(
                f"robots.txt unavailable ({exc.reason}); host skipped this run", url=url
            ) from exc
        except Skip:
            logger.info("%s is not text; treated as no rules", url)
            return None
        rules = Protego.parse(getattr(response, "text", ""))
        delay = rules.crawl_delay(self.fetcher.settings.user_agent)
        if delay:
            self.fetcher.set_crawl_delay(key, float(delay))
        return rules
