"""What `hubwatch serve` brings to Datasette: metadata.yml (titles, facets, canned queries, the plugins'
settings), queries/*.sql, and `plugin.py` — hubwatch's own Datasette plugin for routes such as /-/report.

Package data, so a wheel install carries it; see pipeline/analysts/serve.py for how it is found.
"""

DB_NAME = "hubwatch"  # the database's name in Datasette and its key in metadata.yml
