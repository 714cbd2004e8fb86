"""SQLite stores as an older briefing left them, for tests of upgrades in place."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from briefing.storage.sqlite.migrations import MIGRATIONS, migration_sql


def sqlite_store_at(path: Path, version: int) -> None:
    """An SQLite store as a briefing of schema ``version`` left it."""
    with sqlite3.connect(path) as db:
        for number, migration in enumerate(MIGRATIONS[:version], start=1):
            for statement in migration_sql(migration).split(";"):
                if statement.strip():
                    db.execute(statement)
            db.execute(f"PRAGMA user_version = {number}")
    db.close()
