"""The repositories both backends share, written once in portable SQL.

``SqlStorage`` assembles them around a backend's ``Database``; each backend adds
its own search repository and migrations (``briefing.storage.sqlite``,
``briefing.storage.postgres``).
"""

from __future__ import annotations

import uuid
from abc import abstractmethod
from typing import Self

from briefing.errors import StoreError
from briefing.storage.protocol import SearchRepository
from briefing.storage.sql.archive_lines import SqlArchiveLines
from briefing.storage.sql.articles import SqlArticles
from briefing.storage.sql.briefs import SqlBriefs, SqlStoryMemory
from briefing.storage.sql.database import Database
from briefing.storage.sql.digests import SqlDigests
from briefing.storage.sql.llm import SqlLLM
from briefing.storage.sql.outbox import SqlOutbox
from briefing.storage.sql.sources import SqlSources
from briefing.storage.sql.workers import SqlWorkers


class SqlStorage:
    """A ``briefing.storage.Storage`` over one ``Database``."""

    backend = "sql"
    several_workers = False
    #: How many migrations this briefing knows for the backend (its ``MIGRATIONS``).
    migration_count = 0
    #: What to do about a store whose schema is newer than this briefing.
    upgrade_hint = "upgrade briefing"

    def __init__(self, db: Database, search: SearchRepository) -> None:
        self.db = db
        self.location = db.location
        self.articles = SqlArticles(db)
        self.memory = SqlStoryMemory(db)
        self.briefs = SqlBriefs(db, self.memory)
        self.outbox = SqlOutbox(db)
        self.digests = SqlDigests(db, self.outbox)
        self.sources = SqlSources(db)
        self.llm = SqlLLM(db)
        self.search = search
        self.archive_lines = SqlArchiveLines(db)
        self.workers = SqlWorkers(db)

    @property
    @abstractmethod
    def schema_version(self) -> int: ...

    @property
    def latest_version(self) -> int:
        return self.migration_count

    def _check_version(self) -> None:
        current = self.schema_version
        if current > self.migration_count:
            raise StoreError(
                f"{self.location}: schema version {current} is newer than this briefing "
                f"understands ({self.migration_count}); {self.upgrade_hint}"
            )

    @property
    def installation_id(self) -> uuid.UUID:
        """This installation's identity, made once with the store
        (``briefing.storage.identity``)."""
        value = self.db.scalar("SELECT uuid FROM installation WHERE id = 1")
        if value is None:
            raise StoreError(f"{self.location}: the store has no installation id")
        return uuid.UUID(str(value))

    def close(self) -> None:
        self.db.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.location}>"
