"""The SQLite connection: WAL, and a durability level chosen per transaction.

* **WAL** (``journal_mode=WAL``): readers (``briefing archive``, a second process)
  never block the writer, and the writer never blocks them.
* **Durability.** ``synchronous=NORMAL`` in WAL mode skips the wait for the disk at
  each commit; a crash of the *machine* (power loss, kernel panic) may then lose
  the last commits, but never corrupts the store, and a crash of the process loses
  nothing. That is taken for what the next run re-creates anyway (articles and
  their URLs, sketches, source health, the LLM log and cache, the search index).
  Briefs, the outbox and digests commit with ``synchronous=FULL``, which also makes
  every earlier commit durable: once a brief is published or an email marked
  sent, a power cut cannot undo it (and send it twice).
* Writers take turns (``BEGIN IMMEDIATE``), waiting up to 30 s for each other.
"""

from __future__ import annotations

import contextlib
import sqlite3
from pathlib import Path
from typing import Any

from briefing.errors import StoreError
from briefing.storage.sql.database import Database, Dialect, Params, Row


def _dict_row(cursor: sqlite3.Cursor, row: tuple[Any, ...]) -> dict[str, Any]:
    return {column[0]: value for column, value in zip(cursor.description, row, strict=True)}


class SqliteDialect(Dialect):
    name = "sqlite"
    null_safe_eq = "IS"
    lock_rows = ""  # BEGIN IMMEDIATE: one writer at a time already
    returning = sqlite3.sqlite_version_info >= (3, 35)

    def time(self, moment: Any) -> Any:
        value = super().time(moment)
        return value.isoformat() if value is not None else None

    def utc_day(self, column: str) -> str:
        return f"substr({column}, 1, 10)"


class SqliteDatabase(Database):
    dialect = SqliteDialect()

    def __init__(self, path: Path | str) -> None:
        super().__init__(str(path))
        try:
            if isinstance(path, Path):
                path.parent.mkdir(parents=True, exist_ok=True)
            self._db = sqlite3.connect(
                str(path), check_same_thread=False, isolation_level=None, timeout=30
            )
            self._db.row_factory = _dict_row
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA foreign_keys=ON")
            self._db.execute("PRAGMA busy_timeout=30000")
            self._db.execute("PRAGMA synchronous=FULL")
        except (sqlite3.Error, OSError) as error:
            raise StoreError(f"{path}: cannot open the store: {error}") from error
        self._synchronous = "FULL"

    # -- transactions -----------------------------------------------------------------

    def _begin(self, durable: bool) -> None:
        level = "FULL" if durable else "NORMAL"
        try:
            if level != self._synchronous:  # only outside a transaction
                self._db.execute(f"PRAGMA synchronous={level}")
                self._synchronous = level
            self._db.execute("BEGIN IMMEDIATE")
        except sqlite3.Error as error:
            raise self._error("write failed", error) from error

    def _commit(self) -> None:
        try:
            self._db.execute("COMMIT")
        except sqlite3.Error as error:
            self._rollback()
            raise self._error("write failed", error) from error

    def _rollback(self) -> None:
        if self._db.in_transaction:
            # The rollback of a failed transaction: the error raised says why.
            with contextlib.suppress(sqlite3.Error):
                self._db.execute("ROLLBACK")

    def _serialize(self, key: str) -> None:
        return None  # BEGIN IMMEDIATE already lets one writer in at a time

    # -- statements -------------------------------------------------------------------

    def _query(self, sql: str, params: Params) -> list[Row]:
        try:
            return self._db.execute(sql, tuple(params)).fetchall()
        except sqlite3.Error as error:
            raise self._error("query failed", error) from error

    def _execute(self, sql: str, params: Params) -> int:
        try:
            return int(self._db.execute(sql, tuple(params)).rowcount)
        except sqlite3.Error as error:
            raise self._error("write failed", error) from error

    def _executemany(self, sql: str, rows: list[Params]) -> None:
        try:
            self._db.executemany(sql, [tuple(row) for row in rows])
        except sqlite3.Error as error:
            raise self._error("write failed", error) from error

    def _write_returning(self, sql: str, params: Params) -> list[Row]:
        try:
            return list(self._db.execute(sql, tuple(params)).fetchall())
        except sqlite3.Error as error:
            raise self._error("write failed", error) from error

    def _insert(self, sql: str, params: Params) -> int | None:
        try:
            cursor = self._db.execute(sql, tuple(params))
        except sqlite3.Error as error:
            raise self._error("write failed", error) from error
        return int(cursor.lastrowid) if cursor.rowcount == 1 and cursor.lastrowid else None

    def run_script(self, statements: str) -> None:
        """Run ``;``-separated statements (a migration) in the current transaction."""
        for statement in statements.split(";"):
            if statement.strip():
                self._execute(statement, ())

    def _close(self) -> None:
        self._db.close()

    def _error(self, what: str, error: sqlite3.Error) -> StoreError:
        return StoreError(f"{self.location}: {what}: {error}")
