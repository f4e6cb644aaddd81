"""Store: articles and the crawl's bookkeeping into SQLite, with versions, diffs, events and search.

In: an `Article` (pipeline.extract) and its `Analysis` (pipeline.entities) per fetched page, and what the
crawler did (runs, fetches, HTTP validators, source health). Out: the tables of ../shared/INTERFACE.md —
`announcements` with their versions and diffs, `mentions`, `hub_facts`, `events` for the digest — plus
full-text search and the analyst views.

- `schema.py`: every migration in order, `open_db`, `ensure_db_shape` (the schema's history in one place);
- `announcements.py`: the writes of an article (a version per real change, its event and entities);
- `crawlstate.py`: runs, sources, the HTTP cache and the fetch log;
- `changes.py` (what counts as a change), `fingerprint.py` (near-duplicates), `archive.py` (raw pages),
  `searchwords.py` (the search vocabulary), `views.py` (analyst views), `maintenance.py` (upkeep),
  `transactions.py` (atomic writes).
"""
