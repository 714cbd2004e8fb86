"""One connection, one lock, transactions, and the few places where dialects differ.

The repositories in ``briefing.storage.sql`` are written once, in SQL both
SQLite (3.24+) and PostgreSQL (13+) understand, with ``?`` placeholders; a
``Database`` runs them on its backend and a ``Dialect`` supplies what differs
(null-safe equality, row locks, how times and dates are stored). Anything that
differs more than that (full-text search, migrations) lives in the backend's own
package.

A ``Database`` is shared by threads: one re-entrant lock guards the connection,
a transaction holds it from ``BEGIN`` to ``COMMIT``, and a repository method
called inside another's transaction joins it.
"""

from __future__ import annotations

import threading
from abc import ABC, abstractmethod
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, date, datetime
from typing import Any

Row = dict[str, Any]
Params = Sequence[Any]

#: Bound parameters per statement, well below SQLite's oldest limit (999).
CHUNK = 500


def chunks(items: Sequence[Any], size: int = CHUNK) -> Iterator[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def marks(count: int) -> str:
    """``?, ?, ?`` for an ``IN (...)`` list of ``count`` values."""
    return ", ".join("?" * count)


class Dialect:
    """How a backend spells the few things the shared SQL cannot."""

    name = "sql"
    #: Equality that holds between two NULLs.
    null_safe_eq = "IS NOT DISTINCT FROM"
    #: Appended to a SELECT that picks rows to claim: lock them, skip locked ones.
    lock_rows = " FOR UPDATE SKIP LOCKED"
    #: ``INSERT ... RETURNING`` works (SQLite from 3.35).
    returning = True

    def time(self, moment: datetime | None) -> Any:
        """A parameter for a time column (aware datetimes, stored in UTC)."""
        return moment.astimezone(UTC) if moment is not None else None

    def read_time(self, value: Any) -> datetime | None:
        if value is None:
            return None
        moment = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
        return moment.astimezone(UTC) if moment.tzinfo is not None else moment.replace(tzinfo=UTC)

    def day(self, day: date | str | None) -> Any:
        """A parameter for a local-date column."""
        return day.isoformat() if isinstance(day, date) else day

    def read_day(self, value: Any) -> date:
        return value if isinstance(value, date) else date.fromisoformat(str(value))

    def utc_day(self, column: str) -> str:
        """An expression: the UTC date of time column ``column`` as YYYY-MM-DD text."""
        return f"to_char({column} AT TIME ZONE 'UTC', 'YYYY-MM-DD')"


class Database(ABC):
    """One connection to one store; every driver error comes out as ``StoreError``."""

    dialect: Dialect

    def __init__(self, location: str) -> None:
        #: Safe to show: a path, or a URL without its password.
        self.location = location
        self._lock = threading.RLock()
        self._depth = 0

    # -- transactions ---------------------------------------------------------------

    @contextmanager
    def transaction(self, *, durable: bool = True) -> Iterator[None]:
        """A write transaction, rolled back whole on any error.

        ``durable=False`` (articles, sketches, health, the LLM log, the search
        index: data the next run re-creates) lets the backend skip waiting for the
        disk at commit; a crash of the machine may then lose the last such
        commits, never corrupt the store. Briefs, the outbox and digests are always
        durable. Nested calls join the outer transaction.
        """
        with self._lock:
            if self._depth:
                self._depth += 1
                try:
                    yield
                finally:
                    self._depth -= 1
                return
            self._begin(durable)
            self._depth = 1
            try:
                yield
            except BaseException:
                self._depth = 0
                self._rollback()
                raise
            self._depth = 0
            self._commit()

    @property
    def in_transaction(self) -> bool:
        return self._depth > 0

    # -- statements -------------------------------------------------------------------

    def query(self, sql: str, params: Params = ()) -> list[Row]:
        with self._lock:
            return self._query(sql, params)

    def query_one(self, sql: str, params: Params = ()) -> Row | None:
        rows = self.query(sql, params)
        return rows[0] if rows else None

    def scalar(self, sql: str, params: Params = ()) -> Any:
        row = self.query_one(sql, params)
        return next(iter(row.values())) if row is not None else None

    def execute(self, sql: str, params: Params = ()) -> int:
        """Run one statement; returns the number of rows it changed."""
        with self._lock:
            return self._execute(sql, params)

    def executemany(self, sql: str, rows: Iterable[Params]) -> None:
        batch = list(rows)
        if not batch:
            return
        with self._lock:
            self._executemany(sql, batch)

    def insert_rows(
        self, head: str, rows: Sequence[Params], *, tail: str = "", returning: str = ""
    ) -> list[Row]:
        """``head VALUES (?, ...), (?, ...)... tail``: many rows in one statement.

        One statement per chunk of bound parameters rather than one per row: on a
        server each statement is a round trip and a plan to execute, and a batch of
        articles or sources is hundreds of rows. ``returning`` (needs
        ``dialect.returning``) names the columns to return for the rows written.
        """
        if not rows:
            return []
        width = len(rows[0])
        values = f"({marks(width)})"
        found: list[Row] = []
        with self._lock:
            for part in chunks(rows, max(1, CHUNK // width)):
                sql = f"{head} VALUES {', '.join([values] * len(part))}{tail}"
                params = [value for row in part for value in row]
                if returning:
                    found += self._write_returning(f"{sql} RETURNING {returning}", params)
                else:
                    self._execute(sql, params)
        return found

    def insert(self, sql: str, params: Params = ()) -> int | None:
        """Run an INSERT into a table with an ``id`` key; the new row's id, or None
        when ``ON CONFLICT DO NOTHING`` skipped it."""
        with self._lock:
            return self._insert(sql, params)

    def serialize(self, key: str) -> None:
        """Inside a transaction: wait until no other transaction holds ``key``, then hold
        it until this one ends (SQLite's writers already take turns)."""
        assert self.in_transaction, "serialize() belongs inside a transaction"
        with self._lock:
            self._serialize(key)

    def close(self) -> None:
        with self._lock:
            self._close()

    # -- the backend's part ---------------------------------------------------------------

    @abstractmethod
    def _begin(self, durable: bool) -> None: ...

    @abstractmethod
    def _commit(self) -> None: ...

    @abstractmethod
    def _rollback(self) -> None: ...

    @abstractmethod
    def _query(self, sql: str, params: Params) -> list[Row]: ...

    @abstractmethod
    def _execute(self, sql: str, params: Params) -> int: ...

    @abstractmethod
    def _executemany(self, sql: str, rows: list[Params]) -> None: ...

    @abstractmethod
    def _insert(self, sql: str, params: Params) -> int | None: ...

    @abstractmethod
    def _write_returning(self, sql: str, params: Params) -> list[Row]: ...

    @abstractmethod
    def _serialize(self, key: str) -> None: ...

    @abstractmethod
    def _close(self) -> None: ...
