"""The analysts' side: reading the database, never writing it.

In: the SQLite tables and views. Out: ranked full-text search (`search.py`), the hub and health tables
(`tables.py`), rows on the terminal as a table, JSON or CSV (`output.py`), and Datasette over the database
(`serve.py`).
"""
