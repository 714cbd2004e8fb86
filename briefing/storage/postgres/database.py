"""The PostgreSQL connection (psycopg 3): one connection per process, reconnected when lost.

* The URL comes from the config (``paths.store``) and never carries a password: the
  password comes from ``BRIEFING_STORE_PASSWORD``, else libpq's own ``PGPASSWORD``
  or ``~/.pgpass``. Messages show the URL without any password.
* Autocommit outside transactions; a transaction is ``BEGIN`` ... ``COMMIT`` under
  PostgreSQL's default READ COMMITTED, which is what the conditional updates and
  ``FOR UPDATE SKIP LOCKED`` claims of the shared repositories are written for.
* ``durable=False`` transactions set ``synchronous_commit = off`` for themselves:
  a crash of the server may lose the last of them (never corrupt anything), as
  with SQLite's ``synchronous=NORMAL``.
* TCP keepalives, so a worker whose database host vanished fails instead of
  hanging; the next call after a lost connection connects again.
"""

from __future__ import annotations

import os
import re
import urllib.parse
from contextlib import AbstractContextManager
from functools import lru_cache
from typing import Any

import psycopg
from psycopg.rows import dict_row

from briefing.errors import StoreError
from briefing.redact import redact_text
from briefing.storage.sql.database import Database, Dialect, Params, Row

PASSWORD_ENV = "BRIEFING_STORE_PASSWORD"
_QUOTED_OR_MARK = re.compile(r"'(?:[^']|'')*'|\?|%")


@lru_cache(maxsize=1024)
def to_pyformat(sql: str) -> str:
    """``?`` placeholders (outside quoted literals) to psycopg's ``%s``; ``%`` doubled."""

    def swap(match: re.Match[str]) -> str:
        text = match.group(0)
        if text == "?":
            return "%s"
        if text == "%":
            return "%%"
        return text.replace("%", "%%")

    return _QUOTED_OR_MARK.sub(swap, sql)


def display_url(url: str) -> str:
    """The URL as messages may show it: the user and host, never a password."""
    try:
        parts = urllib.parse.urlsplit(url)
        host = parts.hostname or ""
        port = f":{parts.port}" if parts.port else ""
    except ValueError:
        return redact_text(url)
    user = f"{urllib.parse.quote(urllib.parse.unquote(parts.username))}@" if parts.username \
        else ""
    host = f"[{host}]" if ":" in host else host
    query = urllib.parse.urlencode(
        [(k, v) for k, v in urllib.parse.parse_qsl(parts.query) if "pass" not in k.lower()]
    )
    return redact_text(urllib.parse.urlunsplit(
        (parts.scheme, f"{user}{host}{port}", parts.path, query, "")
    ))


class PostgresDialect(Dialect):
    name = "postgresql"


class PostgresDatabase(Database):
    dialect = PostgresDialect()

    def __init__(self, url: str) -> None:
        super().__init__(display_url(url))
        self._url = url
        self._conn: psycopg.Connection[dict[str, Any]] | None = None
        self._tx: AbstractContextManager[Any] | None = None
        self._connect()

    # -- the connection ---------------------------------------------------------------

    def _connect(self) -> psycopg.Connection[dict[str, Any]]:
        if self._conn is not None and not self._conn.closed and not self._conn.broken:
            return self._conn
        options: dict[str, Any] = {
            "autocommit": True,
            "row_factory": dict_row,
            "connect_timeout": 10,
            "application_name": "briefing",
            "keepalives": 1,
            "keepalives_idle": 30,
            "keepalives_interval": 10,
            "keepalives_count": 3,
        }
        password = os.environ.get(PASSWORD_ENV)
        if password:
            options["password"] = password
        try:
            self._conn = psycopg.connect(self._url, **options)
        except psycopg.Error as error:
            raise self._error("cannot connect", error) from None
        return self._conn

    @property
    def connection(self) -> psycopg.Connection[dict[str, Any]]:
        return self._connect()

    # -- transactions -----------------------------------------------------------------

    def _begin(self, durable: bool) -> None:
        conn = self._connect()
        try:
            self._tx = conn.transaction()
            self._tx.__enter__()  # ended by _commit or _rollback
            if not durable:
                conn.execute("SET LOCAL synchronous_commit = off")
        except psycopg.Error as error:
            self._rollback()
            raise self._error("write failed", error) from None

    def _commit(self) -> None:
        tx, self._tx = self._tx, None
        if tx is None:
            return
        try:
            tx.__exit__(None, None, None)
        except psycopg.Error as error:
            raise self._error("write failed", error) from None

    def _rollback(self) -> None:
        tx, self._tx = self._tx, None
        if tx is None:
            return
        try:
            failure = _RolledBack()
            tx.__exit__(type(failure), failure, None)
        except (psycopg.Error, _RolledBack):
            pass  # the connection is gone or the transaction already ended: nothing to undo

    def _serialize(self, key: str) -> None:
        self._execute(
            "SELECT pg_advisory_xact_lock(hashtextextended(current_schema() || ':' || ?, 0))",
            (key,),
        )

    # -- statements -------------------------------------------------------------------

    def _query(self, sql: str, params: Params) -> list[Row]:
        try:
            return self._connect().execute(to_pyformat(sql), tuple(params)).fetchall()
        except psycopg.Error as error:
            raise self._error("query failed", error) from None

    def _execute(self, sql: str, params: Params) -> int:
        try:
            return int(self._connect().execute(to_pyformat(sql), tuple(params)).rowcount)
        except psycopg.Error as error:
            raise self._error("write failed", error) from None

    def _executemany(self, sql: str, rows: list[Params]) -> None:
        try:
            with self._connect().cursor() as cursor:
                cursor.executemany(to_pyformat(sql), [tuple(row) for row in rows])
        except psycopg.Error as error:
            raise self._error("write failed", error) from None

    def _write_returning(self, sql: str, params: Params) -> list[Row]:
        try:
            return self._connect().execute(to_pyformat(sql), tuple(params)).fetchall()
        except psycopg.Error as error:
            raise self._error("write failed", error) from None

    def _insert(self, sql: str, params: Params) -> int | None:
        try:
            row = self._connect().execute(to_pyformat(sql + " RETURNING id"),
                                          tuple(params)).fetchone()
        except psycopg.Error as error:
            raise self._error("write failed", error) from None
        return int(row["id"]) if row is not None else None

    def run_script(self, sql: str) -> None:
        """Run a migration's statements as written (PostgreSQL syntax, no parameters)."""
        try:
            self._connect().execute(sql.encode("utf-8"))
        except psycopg.Error as error:
            raise self._error("migration failed", error) from None

    def _close(self) -> None:
        if self._conn is not None:
            self._conn.close()

    def _error(self, what: str, error: psycopg.Error) -> StoreError:
        first = (str(error).strip().splitlines() or [type(error).__name__])[0]
        return StoreError(f"{self.location}: {what}: {first}")


class _RolledBack(Exception):
    """Handed to psycopg's transaction block to make it roll back."""
