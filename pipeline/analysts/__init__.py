"""The analysts' side: reading the database, never writing it (but for the map's coordinates, `places`).

In: the SQLite tables and views. Out: ranked full-text search (`search.py`), the hub and health tables
(`tables.py`), rows on the terminal as a table that fits the width, JSON or CSV (`output.py`), the
self-contained HTML report (`report.py` with `charts.py` and `templates/`), the municipality coordinates
for the hub map (`places.py`, `places.tsv.gz`), and Datasette over the database (`serve.py`, with the
metadata, canned queries and hubwatch's own plugin in `web/`).
"""
