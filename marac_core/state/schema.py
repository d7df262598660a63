"""Creating the runner's tables, safely when two runs start at once on a fresh state.

``create_all`` checks for each table, then creates it: two runs doing so together
race between the check and the creation ("table obligations already exists" on
SQLite; a duplicate type on PostgreSQL). PostgreSQL's creations are serialised
by an advisory lock held for the transaction; on either, a creation that lost
the race is tried again, and then finds the tables there.
"""

from __future__ import annotations

import time

from sqlalchemy import MetaData, text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DatabaseError

# An arbitrary number of marac's own, the same for every run (pg_advisory_xact_lock takes a bigint).
_SCHEMA_LOCK = 0x6D61726163


def create_tables(engine: Engine, metadata: MetaData) -> None:
    for attempt in range(8):
        try:
            with engine.begin() as db:
                if engine.dialect.name == "postgresql":
                    db.execute(text("SELECT pg_advisory_xact_lock(:lock)"), {"lock": _SCHEMA_LOCK})
                metadata.create_all(db)
            return
        except DatabaseError as error:
            said = str(error).lower()
            if attempt == 7 or not ("already exists" in said or "duplicate" in said or "locked" in said):
                raise
            time.sleep(0.01 * (attempt + 1))
