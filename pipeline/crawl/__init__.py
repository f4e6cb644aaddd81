"""Crawl: which article URLs each source lists, and their pages, fetched politely.

In: a `Source` of sources.yaml (feed, listing, sitemap, page) and the run's `Fetcher`. Out: `Link`s
(`discover.py`) and `Response`s or `NotModified` (`fetch.py`), every request recorded for the `fetches`
table. Politeness lives here: robots.txt (`robots.py`), per-origin limits and retries (`fetch.py`), the SSRF
guard (`netguard.py`), bounded decompression (`inflate.py`), one spelling per URL (`urls.py`); feeds are
parsed from bytes our own client fetched (`feeds.py`).
"""
