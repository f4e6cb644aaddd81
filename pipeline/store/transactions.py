"""One helper for atomic writes, because `with conn:` is not enough under sqlite-utils 4.

sqlite-utils' `Database.execute` commits a write statement at once when no transaction is open, so
`with db.conn: db.execute(a); db.execute(b)` commits `a` on its own. `transaction(db)` opens the
transaction explicitly (BEGIN IMMEDIATE: take the write lock up front and wait up to the busy timeout
for it, rather than fail on a lock upgrade), or a savepoint when the caller already holds one.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import sqlite_utils


@contextmanager
def transaction(db: sqlite_utils.Database) -> Iterator[None]:
    """All writes inside commit together or not at all; nested use becomes a savepoint."""
    conn = db.conn
    if conn.in_transaction:
        conn.execute("SAVEPOINT item")
        try:
            yield
        except BaseException:
            conn.execute("ROLLBACK TO item")
            conn.execute("RELEASE item")
            raise
        conn.execute("RELEASE item")
        return
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield
    except BaseException:
        conn.rollback()
        raise
    conn.commit()
