"""``briefing store copy``: an SQLite store into an empty PostgreSQL database.

Every table is copied row for row, ids kept (so brief N is still brief N, and
the brief.json files in ``paths.out`` still match), in one PostgreSQL
transaction: the copy is all there or not at all. The installation id comes
along too (the new store's own is replaced), so the archive's Atom ids stay. The search index is
re-made from the SQLite one in PostgreSQL's own form; the workers table is not
copied (no worker runs on the new store yet). The SQLite store is only read.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from briefing.errors import StoreError
from briefing.storage.postgres import PostgresStorage
from briefing.storage.records import SearchDocument
from briefing.storage.sqlite import SqliteStorage

#: Tables in an order that satisfies their foreign keys.
TABLES = (
    "articles", "article_urls", "article_sketches", "briefs", "brief_articles",
    "brief_stories", "llm_calls", "llm_cache", "llm_endpoints", "sources", "outbox", "digests",
    "schedule_starts", "installation",
)
#: Tables whose rows the target's migrations made, replaced by the source's.
_REPLACED = ("installation",)
#: Tables whose ids PostgreSQL generates: their sequences continue after the copy.
_IDENTITIES = ("articles", "briefs", "llm_calls", "outbox")
_DATES = {"local_date"}
_BOOLEANS = {"cache_hit", "interrupted", "tokens_estimated"}
_BATCH = 1000

Progress = Callable[[str, int], None]


@dataclass
class CopyReport:
    #: Rows copied per table (and "search": stories indexed).
    rows: dict[str, int] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return sum(self.rows.values())


def copy_store(
    source: SqliteStorage, target: PostgresStorage, progress: Progress | None = None
) -> CopyReport:
    """Copy everything in ``source`` into ``target``, which must hold no data yet."""
    _check_empty(target)
    report = CopyReport()
    with target.db.transaction():
        for table in TABLES:
            count = 0
            if table in _REPLACED and source.db.query_one(
                f"SELECT 1 AS present FROM {table} LIMIT 1"
            ) is not None:
                target.db.execute(f"DELETE FROM {table}")
            for rows in _batches(source, table):
                columns = list(rows[0])
                target.db.executemany(
                    f"INSERT INTO {table} ({', '.join(columns)})"
                    f" VALUES ({', '.join('?' for _ in columns)})",
                    [[_convert(target, column, row[column]) for column in columns]
                     for row in rows],
                )
                count += len(rows)
            report.rows[table] = count
            if progress is not None:
                progress(table, count)
        for table in _IDENTITIES:
            target.db.query(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'),"
                f" coalesce((SELECT max(id) FROM {table}), 0) + 1, false) AS next_id"
            )
        report.rows["search"] = _copy_search(source, target)
        if progress is not None:
            progress("search", report.rows["search"])
    return report


def _check_empty(target: PostgresStorage) -> None:
    for table in ("articles", "briefs", "digests", "outbox", "sources", "llm_calls"):
        if target.db.query_one(f"SELECT 1 AS present FROM {table} LIMIT 1") is not None:
            raise StoreError(
                f"{target.location}: table {table} already holds data; copy into a new, "
                "empty database"
            )


def _batches(source: SqliteStorage, table: str) -> Iterator[list[dict[str, Any]]]:
    last = 0
    while True:
        rows = source.db.query(
            f"SELECT rowid AS rowid_, * FROM {table} WHERE rowid > ? ORDER BY rowid LIMIT ?",
            (last, _BATCH),
        )
        if not rows:
            return
        last = int(rows[-1]["rowid_"])
        yield [{k: v for k, v in row.items() if k != "rowid_"} for row in rows]


def _convert(target: PostgresStorage, column: str, value: Any) -> Any:
    if value is None:
        return None
    dialect = target.db.dialect
    if column in _DATES:
        return dialect.read_day(value)
    if column in _BOOLEANS:
        return bool(value)
    if column.endswith("_at") or column == "scheduled_for":
        return dialect.read_time(value)
    return value


def _copy_search(source: SqliteStorage, target: PostgresStorage) -> int:
    """The SQLite index's stories, indexed again the PostgreSQL way."""
    try:
        source.search.check()
    except StoreError:
        return 0  # no FTS5 here: `briefing archive rebuild` fills the index later
    documents = [
        SearchDocument(brief=row["brief"], profile=row["profile"], day=row["day"],
                       title=row["title"], headline=row["headline"], bullets=row["bullets"],
                       sources=row["sources"])
        for row in source.db.query(
            "SELECT brief, profile, day, title, headline, bullets, sources FROM archive_fts"
            " ORDER BY rowid"
        )
    ]
    keys = list(dict.fromkeys(document.brief for document in documents))
    return target.search.index(documents, keys=keys, replace_all=True)
