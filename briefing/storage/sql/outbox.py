"""The email outbox (table ``outbox``): one row per (brief, recipient)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from datetime import datetime

from briefing.storage.records import OUTBOX_STATES, OutboxProblem, OutboxRow
from briefing.storage.sql.database import Database, Row, marks

_FINAL = ("sent", "failed", "unknown", "pending")
#: What claiming a row sets (parameters: owner, claimed_at, updated_at). A failed row
#: taken again (``--retry-failed``) starts a fresh count of attempts; a claimed row is
#: no longer dismissed (what happens next is a new outcome).
_CLAIM = (
    "state = 'sending', claimed_by = ?, claimed_at = ?,"
    " attempts = CASE WHEN state = 'failed' THEN 1 ELSE attempts + 1 END,"
    " dismissed_at = NULL, updated_at = ?"
)


class SqlOutbox:
    def __init__(self, db: Database) -> None:
        self.db = db

    def enqueue(
        self,
        brief_id: int,
        recipients: Sequence[str],
        message_id: Callable[[], str],
        *,
        now: datetime,
    ) -> None:
        t = self.db.dialect.time(now)
        with self.db.transaction():
            self.db.executemany(
                "INSERT INTO outbox (brief_id, recipient, state, message_id, created_at,"
                " updated_at) VALUES (?, ?, 'pending', ?, ?, ?)"
                " ON CONFLICT (brief_id, recipient) DO NOTHING",
                [(brief_id, recipient, message_id(), t, t)
                 for recipient in dict.fromkeys(recipients)],
            )

    def rows(self, brief_id: int) -> list[OutboxRow]:
        rows = self.db.query("SELECT * FROM outbox WHERE brief_id = ? ORDER BY id", (brief_id,))
        return [self._row(row) for row in rows]

    def row(self, row_id: int) -> OutboxRow | None:
        row = self.db.query_one("SELECT * FROM outbox WHERE id = ?", (row_id,))
        return self._row(row) if row is not None else None

    def claim(
        self, row_id: int, *, owner: str, now: datetime, states: Sequence[str] = ("pending",)
    ) -> bool:
        _check(states)
        t = self.db.dialect.time(now)
        with self.db.transaction():
            return self.db.execute(
                f"UPDATE outbox SET {_CLAIM}"
                f" WHERE id = ? AND state IN ({marks(len(states))})",
                (owner, t, t, row_id, *states),
            ) == 1

    def claim_next(
        self,
        brief_id: int,
        *,
        owner: str,
        now: datetime,
        recipients: Sequence[str],
        states: Sequence[str] = ("pending",),
        exclude: Iterable[int] = (),
    ) -> OutboxRow | None:
        claimed = self._claim(brief_id, owner, now, recipients, states, exclude, limit=1)
        return claimed[0] if claimed else None

    def claim_all(
        self,
        brief_id: int,
        *,
        owner: str,
        now: datetime,
        recipients: Sequence[str],
        states: Sequence[str] = ("pending",),
        exclude: Iterable[int] = (),
    ) -> list[OutboxRow]:
        return self._claim(brief_id, owner, now, recipients, states, exclude, limit=None)

    def _claim(
        self,
        brief_id: int,
        owner: str,
        now: datetime,
        recipients: Sequence[str],
        states: Sequence[str],
        exclude: Iterable[int],
        limit: int | None,
    ) -> list[OutboxRow]:
        """Pick rows (locking them, skipping rows another transaction has locked), then
        claim what was picked, in one transaction."""
        _check(states)
        wanted = list(dict.fromkeys(recipients))
        if not wanted:
            return []
        skip = sorted(set(exclude))
        sql = (
            f"SELECT id FROM outbox WHERE brief_id = ? AND state IN ({marks(len(states))})"
            f" AND recipient IN ({marks(len(wanted))})"
        )
        params: list[object] = [brief_id, *states, *wanted]
        if skip:
            sql += f" AND id NOT IN ({marks(len(skip))})"
            params += skip
        sql += " ORDER BY id" + (f" LIMIT {int(limit)}" if limit is not None else "")
        t = self.db.dialect.time(now)
        with self.db.transaction():
            picked = [int(row["id"]) for row in self.db.query(sql + self.db.dialect.lock_rows,
                                                               params)]
            if not picked:
                return []
            self.db.execute(
                f"UPDATE outbox SET {_CLAIM}"
                f" WHERE id IN ({marks(len(picked))}) AND state IN ({marks(len(states))})",
                (owner, t, t, *picked, *states),
            )
            rows = self.db.query(
                f"SELECT * FROM outbox WHERE id IN ({marks(len(picked))}) AND claimed_by = ?"
                " AND state = 'sending' ORDER BY id",
                (*picked, owner),
            )
        return [self._row(row) for row in rows]

    def finish(
        self, row_id: int, state: str, *, owner: str, now: datetime, error: str | None = None
    ) -> bool:
        if state not in _FINAL:
            raise ValueError(f"not a state a send ends in: {state}")
        t = self.db.dialect.time(now)
        with self.db.transaction():
            return self.db.execute(
                "UPDATE outbox SET state = ?, last_error = ?, sent_at = coalesce(?, sent_at),"
                " updated_at = ? WHERE id = ? AND state = 'sending' AND claimed_by = ?",
                (state, error, t if state == "sent" else None, t, row_id, owner),
            ) == 1

    def abandon(self, row_id: int, *, claimed_by: str | None, now: datetime, error: str) -> bool:
        with self.db.transaction():
            return self.db.execute(
                "UPDATE outbox SET state = 'unknown', updated_at = ?, last_error = ?"
                f" WHERE id = ? AND state = 'sending'"
                f" AND claimed_by {self.db.dialect.null_safe_eq} ?",
                (self.db.dialect.time(now), error, row_id, claimed_by),
            ) == 1

    def reached_anyone(self, brief_id: int) -> bool:
        return self.db.query_one(
            "SELECT 1 AS reached FROM outbox WHERE brief_id = ?"
            " AND state IN ('sent', 'sending', 'unknown') LIMIT 1",
            (brief_id,),
        ) is not None

    def briefs_sending(self) -> list[int]:
        rows = self.db.query(
            "SELECT DISTINCT brief_id FROM outbox WHERE state = 'sending' ORDER BY brief_id"
        )
        return [int(row["brief_id"]) for row in rows]

    def problems(self, profiles: Sequence[str] | None = None) -> list[OutboxProblem]:
        sql = (
            "SELECT outbox.*, briefs.profile AS brief_profile, briefs.slug AS brief_slug"
            " FROM outbox JOIN briefs ON briefs.id = outbox.brief_id"
            " WHERE outbox.state IN ('failed', 'unknown') AND outbox.dismissed_at IS NULL"
        )
        params: list[object] = []
        if profiles is not None:
            if not profiles:
                return []
            sql += f" AND briefs.profile IN ({marks(len(profiles))})"
            params += list(profiles)
        rows = self.db.query(sql + " ORDER BY outbox.brief_id, outbox.id", params)
        return [OutboxProblem(self._row(row), row["brief_profile"], row["brief_slug"] or "")
                for row in rows]

    def dismiss(self, brief_id: int, *, now: datetime) -> list[OutboxRow]:
        t = self.db.dialect.time(now)
        with self.db.transaction():
            rows = self.db.query(
                "SELECT * FROM outbox WHERE brief_id = ? AND state IN ('failed', 'unknown')"
                " AND dismissed_at IS NULL ORDER BY id" + self.db.dialect.lock_rows,
                (brief_id,),
            )
            if rows:
                self.db.execute(
                    f"UPDATE outbox SET dismissed_at = ?, updated_at = ?"
                    f" WHERE id IN ({marks(len(rows))}) AND state IN ('failed', 'unknown')"
                    " AND dismissed_at IS NULL",
                    (t, t, *(int(row["id"]) for row in rows)),
                )
        return [self._row(row) for row in rows]

    def _row(self, row: Row) -> OutboxRow:
        return OutboxRow(
            id=int(row["id"]),
            brief_id=int(row["brief_id"]),
            recipient=row["recipient"],
            state=row["state"],
            message_id=row["message_id"],
            attempts=int(row["attempts"]),
            claimed_by=row["claimed_by"],
            last_error=row["last_error"],
            claimed_at=self.db.dialect.read_time(row["claimed_at"]),
            dismissed=row["dismissed_at"] is not None,
        )


def _check(states: Sequence[str]) -> None:
    unknown = [state for state in states if state not in OUTBOX_STATES]
    if unknown or not states:
        raise ValueError(f"not outbox states: {unknown or states}")
