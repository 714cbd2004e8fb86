"""The scheduler processes sharing a store and their heartbeats (table ``workers``)."""

from __future__ import annotations

from datetime import UTC, datetime

from briefing.storage.records import WorkerRecord
from briefing.storage.sql.database import Database


class SqlWorkers:
    def __init__(self, db: Database) -> None:
        self.db = db

    def register(self, owner: str, *, host: str, pid: int, now: datetime) -> None:
        t = self.db.dialect.time(now)
        with self.db.transaction(durable=False):
            self.db.execute(
                "INSERT INTO workers (owner, host, pid, started_at, heartbeat_at)"
                " VALUES (?, ?, ?, ?, ?) ON CONFLICT (owner) DO UPDATE SET"
                " heartbeat_at = excluded.heartbeat_at",
                (owner, host, pid, t, t),
            )

    def beat(self, owner: str, now: datetime) -> bool:
        with self.db.transaction(durable=False):
            return self.db.execute(
                "UPDATE workers SET heartbeat_at = ? WHERE owner = ?",
                (self.db.dialect.time(now), owner),
            ) == 1

    def unregister(self, owner: str) -> None:
        with self.db.transaction(durable=False):
            self.db.execute("DELETE FROM workers WHERE owner = ?", (owner,))

    def prune(self, before: datetime) -> int:
        with self.db.transaction(durable=False):
            return self.db.execute(
                "DELETE FROM workers WHERE heartbeat_at < ?", (self.db.dialect.time(before),)
            )

    def all(self) -> list[WorkerRecord]:
        read = self.db.dialect.read_time
        return [
            WorkerRecord(
                owner=row["owner"], host=row["host"], pid=int(row["pid"]),
                started_at=read(row["started_at"]) or datetime.now(UTC),
                heartbeat_at=read(row["heartbeat_at"]) or datetime.now(UTC),
            )
            for row in self.db.query("SELECT * FROM workers ORDER BY started_at, owner")
        ]
