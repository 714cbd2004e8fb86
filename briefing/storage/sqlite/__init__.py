"""The embedded default: one SQLite file, no server and no set-up.

Opening a store brings its schema up to date (``migrations.MIGRATIONS``, tracked
in ``PRAGMA user_version``), each migration in its own transaction; a store newer
than this briefing is refused rather than misread.
"""

from __future__ import annotations

from pathlib import Path

from briefing.storage.sql import SqlStorage
from briefing.storage.sqlite.database import SqliteDatabase
from briefing.storage.sqlite.migrations import MIGRATIONS, migration_sql
from briefing.storage.sqlite.search import SqliteSearch

__all__ = ["MIGRATIONS", "SqliteStorage"]


class SqliteStorage(SqlStorage):
    backend = "sqlite"
    #: One scheduler per SQLite file (an OS file lock beside it keeps it so).
    several_workers = False
    migration_count = len(MIGRATIONS)

    def __init__(self, path: Path | str, *, migrate: bool = True) -> None:
        db = SqliteDatabase(path)
        super().__init__(db, SqliteSearch(db))
        self.db: SqliteDatabase = db
        self.path = path
        try:
            self._check_version()
            if migrate:
                self.migrate()
        except BaseException:
            db.close()
            raise

    @property
    def schema_version(self) -> int:
        return int(self.db.scalar("PRAGMA user_version") or 0)

    def migrate(self) -> list[int]:
        """Apply every missing migration; returns the versions applied."""
        applied: list[int] = []
        for version in range(self.schema_version + 1, len(MIGRATIONS) + 1):
            with self.db.transaction():
                if self.schema_version >= version:  # another process got there first
                    continue
                self.db.run_script(migration_sql(MIGRATIONS[version - 1]))
                self.db.execute(f"PRAGMA user_version = {version}")
            applied.append(version)
        return applied
