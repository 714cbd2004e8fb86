"""PostgreSQL: one database shared by several workers on several machines.

Selected by a URL in the config (``[paths] store = "postgresql://briefing@db/briefing"``,
the password in ``BRIEFING_STORE_PASSWORD`` or libpq's ``PGPASSWORD``/``~/.pgpass``).
Opening a store brings its schema up to date (``migrations.MIGRATIONS``, tracked in
the ``briefing_schema`` table) under an advisory lock.
"""

from __future__ import annotations

from briefing.storage.postgres.database import PostgresDatabase
from briefing.storage.postgres.migrations import MIGRATIONS, migration_sql
from briefing.storage.postgres.search import PostgresSearch
from briefing.storage.sql import SqlStorage

__all__ = ["MIGRATIONS", "PostgresStorage"]

_VERSION_TABLE = """
CREATE TABLE IF NOT EXISTS briefing_schema (
    version integer PRIMARY KEY,
    applied_at timestamptz NOT NULL DEFAULT now()
)
"""


class PostgresStorage(SqlStorage):
    backend = "postgresql"
    #: Claims are row locks and conditional updates in one database: any number of
    #: schedulers, on any number of machines, may share it.
    several_workers = True
    migration_count = len(MIGRATIONS)
    upgrade_hint = "upgrade briefing on every worker"

    def __init__(self, url: str, *, migrate: bool = True) -> None:
        db = PostgresDatabase(url)
        super().__init__(db, PostgresSearch(db))
        self.db: PostgresDatabase = db
        try:
            self._check_version()
            if migrate:
                self.migrate()
        except BaseException:
            db.close()
            raise

    @property
    def schema_version(self) -> int:
        if self.db.scalar("SELECT to_regclass('briefing_schema') IS NOT NULL AS present"):
            return int(self.db.scalar("SELECT coalesce(max(version), 0) AS v FROM briefing_schema"))
        return 0

    def migrate(self) -> list[int]:
        """Apply every missing migration; returns the versions applied (by this process)."""
        if self.schema_version >= len(MIGRATIONS):
            return []
        applied: list[int] = []
        for version in range(1, len(MIGRATIONS) + 1):
            with self.db.transaction():
                self.db.serialize("migrate")
                self.db.run_script(_VERSION_TABLE)
                done = self.db.query_one(
                    "SELECT 1 AS done FROM briefing_schema WHERE version = ?", (version,)
                )
                if done is not None:
                    continue
                self.db.run_script(migration_sql(MIGRATIONS[version - 1]))
                self.db.execute("INSERT INTO briefing_schema (version) VALUES (?)", (version,))
            applied.append(version)
        return applied
