"""Storage: every table and every SQL statement of briefing, behind one interface.

::

    protocol.py   the documented Protocols: one repository per domain (articles, briefs,
                  story memory, outbox, digests, source health, LLM log and cache,
                  search, workers), assembled into ``Storage``
    records.py    the values they take and return (no SQL, no driver types)
    sql/          the repositories both backends share, in portable SQL
    sqlite/       the embedded default: one file, WAL, numbered migrations
    postgres/     several workers on several machines: psycopg 3, full-text search
    copy.py       an SQLite store into PostgreSQL (``briefing store copy``)

``open_storage(config.paths.store)`` opens whichever the location names (a path:
SQLite; a ``postgresql://`` URL: PostgreSQL) and brings its schema up to date.
"""

from __future__ import annotations

from pathlib import Path

from briefing.config import is_store_url
from briefing.errors import StoreError
from briefing.storage.protocol import (
    ArticleRepository,
    BriefRepository,
    DigestRepository,
    LLMRepository,
    OutboxRepository,
    SearchRepository,
    SourceHealthRepository,
    Storage,
    StoryMemoryRepository,
    WorkerRepository,
)
from briefing.storage.records import (
    BriefRecord,
    DigestRecord,
    EarlierArticle,
    EntryCounts,
    Identity,
    ManualClaim,
    NewArticle,
    OutboxRow,
    SearchDocument,
    SearchHit,
    SourceRef,
    SourceRow,
    SourceRun,
    UsageRow,
    Validators,
    content_hash,
)

__all__ = [
    "ArticleRepository",
    "BriefRecord",
    "BriefRepository",
    "DigestRecord",
    "DigestRepository",
    "EarlierArticle",
    "EntryCounts",
    "Identity",
    "LLMRepository",
    "ManualClaim",
    "NewArticle",
    "OutboxRepository",
    "OutboxRow",
    "SearchDocument",
    "SearchHit",
    "SearchRepository",
    "SourceHealthRepository",
    "SourceRef",
    "SourceRow",
    "SourceRun",
    "Storage",
    "StoreError",
    "StoryMemoryRepository",
    "UsageRow",
    "Validators",
    "WorkerRepository",
    "content_hash",
    "open_storage",
]


def open_storage(location: Path | str, *, migrate: bool = True) -> Storage:
    """The store at ``location``: an SQLite file path, or a ``postgresql://`` URL.

    With ``migrate`` (the default) its schema is brought up to date; without, it is
    opened as it is (``briefing store migrate`` then calls ``migrate()``). A store
    newer than this briefing raises ``StoreError``.
    """
    if is_store_url(location):
        try:
            from briefing.storage.postgres import PostgresStorage
        except ImportError as error:
            raise StoreError(
                "paths.store is a PostgreSQL URL, but psycopg is not installed: "
                "pip install 'briefing[postgres]'"
            ) from error
        return PostgresStorage(str(location), migrate=migrate)
    from briefing.storage.sqlite import SqliteStorage

    return SqliteStorage(location if isinstance(location, Path) else Path(location)
                         if location != ":memory:" else location, migrate=migrate)
