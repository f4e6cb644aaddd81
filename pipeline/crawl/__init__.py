"""Crawl: which article URLs each source lists, and their pages, fetched politely.

In: a `Source` of sources.yaml (feed, listing, sitemap, page, site) and the run's `Fetcher`. Out: `Link`s
(`discover.py`; `site.py`, `sitemaps.py`, the selector-free `linkfinder.py` and `pagination.py`; the
re-check policy in `recheck.py`) and `Response`s or `NotModified` (`fetch.py`), every request recorded
for the `fetches` table; `probe.py` says what is at a URL (`sources probe`, `sources check --online`).
Politeness lives here: robots.txt (`robots.py`), per-origin limits and retries (`fetch.py`), the SSRF
guard (`netguard.py`), bounded decompression (`inflate.py`), one spelling per URL (`urls.py`); feeds are
parsed from bytes our own client fetched (`feeds.py`).
"""
