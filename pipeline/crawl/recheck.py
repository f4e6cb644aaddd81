"""What a run re-checks beyond what a source lists now (INTERFACE.md: "every announcement first seen
within recheck_days is re-checked with conditional GET").

- A sitemap `<lastmod>` newer than our last fetch: the page is requested (it is an ordinary link).
- A `<lastmod>` not newer, for a page first seen within `recheck_days`: still requested, with
  conditional GET — many CMSs write the publication date there and never update it.
- A `<lastmod>` not newer, for an older page: not requested (counted unchanged) — unless the source's
  sitemap has been caught lying once (a page changed while its lastmod did not): then every page it
  lists is re-checked with conditional GET from that run on. The lie is recorded in `sitemap_trust`
  and logged once.
- An announcement first seen within `recheck_days` that the source no longer lists: requested.
"""

from __future__ import annotations

from collections.abc import Iterable

from pipeline.config import Source
from pipeline.crawl.found import Discovery, Link


def plan_rechecks(
    source: Source, discovery: Discovery, *, recent: Iterable[str], lastmod_distrusted: bool
) -> list[Link]:
    """Links to request besides `discovery.links`; `discovery.unchanged` keeps only what is skipped."""
    if source.kind == "page":
        return []
    recent = [url for url in recent if "hubwatch-item=" not in url]
    fresh = set(recent)
    trusted_skip, rechecked = [], []
    for url in discovery.unchanged:
        if lastmod_distrusted or url in fresh:
            rechecked.append(Link(url, source.id, lastmod_says_unchanged=True))
        else:
            trusted_skip.append(url)
    discovery.unchanged = trusted_skip
    listed = {link.url for link in discovery.links} | {link.url for link in rechecked} | set(trusted_skip)
    return rechecked + [Link(url, source.id) for url in recent if url not in listed]
