"""The outbox: one row per (brief, recipient) in the store's ``outbox`` table.

::

    pending ──claim──> sending ──> sent
       ^                  │──────> failed   (5xx, or out of attempts)
       └──── release ─────┤
                          └──────> unknown  (dropped after DATA, or the sender died)

Every transition is one conditional ``UPDATE ... WHERE state = ...`` (and, when
leaving ``sending``, ``AND claimed_by = <me>``): of two processes racing for a
row, exactly one sees ``rowcount == 1``; the other leaves it alone. The
``UNIQUE (brief_id, recipient)`` constraint makes enqueueing idempotent.

A row left in ``sending`` by a process that died is never resent by itself:
``mark_orphans_unknown`` turns it into ``unknown`` (reported to the user), and
only ``claim(..., retry_unknown=True)`` (``briefing send --retry-unknown``)
takes it again; a ``failed`` one only ``claim(..., retry_failed=True)``
(``briefing send --retry-failed``), with a fresh count of attempts.

``problems`` lists the failed and unknown rows nobody has dealt with yet: until
each is resent or dismissed (``dismiss``, ``briefing send --dismiss``), ``send``
and ``schedule --once`` report it and exit non-zero.

The outbox is generic: a row is one brief for one target (an email address
here; a chat channel could be another), whatever the channel.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from briefing.claims import make_owner, owner_alive
from briefing.store import Store

STATES = ("pending", "sending", "sent", "failed", "unknown")


@dataclass(frozen=True, slots=True)
class OutboxRow:
    id: int
    brief_id: int
    recipient: str
    state: str
    message_id: str
    attempts: int
    claimed_by: str | None
    last_error: str | None
    dismissed: bool = False


@dataclass(frozen=True, slots=True)
class Problem:
    """A failed or unknown row not yet resent or dismissed, with its brief's place."""

    row: OutboxRow
    profile: str
    #: The brief's folder name: its local date ("2026-12-01", "2026-12-01-2").
    slug: str


def _now() -> str:
    return datetime.now(UTC).isoformat()


class Outbox:
    """The outbox rows of a store, as seen by one sending process (``owner``)."""

    def __init__(self, store: Store, owner: str | None = None) -> None:
        self.store = store
        self.owner = owner or make_owner()

    def enqueue(
        self, brief_id: int, recipients: Iterable[str], message_id: Callable[[], str]
    ) -> None:
        """Add a pending row for each recipient not yet in the outbox for this brief."""
        now = _now()
        with self.store.transaction() as db:
            for recipient in recipients:
                db.execute(
                    "INSERT OR IGNORE INTO outbox (brief_id, recipient, state, message_id,"
                    " created_at, updated_at) VALUES (?, ?, 'pending', ?, ?, ?)",
                    (brief_id, recipient, message_id(), now, now),
                )

    def rows(self, brief_id: int) -> list[OutboxRow]:
        result = self.store.query(
            "SELECT * FROM outbox WHERE brief_id = ? ORDER BY id", (brief_id,)
        )
        return [_row(row) for row in result]

    def row(self, row_id: int) -> OutboxRow | None:
        result = self.store.query("SELECT * FROM outbox WHERE id = ?", (row_id,))
        return _row(result[0]) if result else None

    def claim(
        self, row_id: int, *, retry_unknown: bool = False, retry_failed: bool = False
    ) -> bool:
        """Take a pending (or, on purpose, unknown or failed) row for sending; False if
        someone else has. A failed row taken again starts a fresh count of attempts."""
        states = ("pending",) + (("unknown",) if retry_unknown else ()) + (
            ("failed",) if retry_failed else ())
        marks = ", ".join("?" for _ in states)
        return self._update(
            "UPDATE outbox SET state = 'sending', claimed_by = ?, claimed_at = ?,"
            " attempts = CASE WHEN state = 'failed' THEN 1 ELSE attempts + 1 END,"
            " dismissed_at = NULL, updated_at = ?"
            f" WHERE id = ? AND state IN ({marks})",
            (self.owner, _now(), _now(), row_id, *states),
        )

    def mark_sent(self, row_id: int) -> bool:
        now = _now()
        return self._finish(row_id, "sent", None, sent_at=now)

    def mark_failed(self, row_id: int, error: str) -> bool:
        return self._finish(row_id, "failed", error)

    def mark_unknown(self, row_id: int, error: str) -> bool:
        return self._finish(row_id, "unknown", error)

    def release(self, row_id: int, error: str) -> bool:
        """Back to pending after a temporary failure (the attempt stays counted)."""
        return self._finish(row_id, "pending", error)

    def mark_orphans_unknown(self, brief_id: int, lease: timedelta) -> list[OutboxRow]:
        """Rows left in ``sending`` by a process that is gone become ``unknown``."""
        orphans: list[OutboxRow] = []
        for row in self.store.query(
            "SELECT * FROM outbox WHERE brief_id = ? AND state = 'sending'", (brief_id,)
        ):
            claimed_at = row["claimed_at"]
            since = datetime.fromisoformat(claimed_at) if claimed_at else None
            if owner_alive(row["claimed_by"], since, datetime.now(UTC), lease):
                continue
            changed = self._update(
                "UPDATE outbox SET state = 'unknown', updated_at = ?, last_error = ?"
                " WHERE id = ? AND state = 'sending' AND claimed_by IS ?",
                (_now(), "the sending process stopped mid-send; it may have been delivered",
                 row["id"], row["claimed_by"]),
            )
            if changed:
                orphans.append(_row(row))
        return orphans

    def settle_orphans(self, lease: timedelta) -> list[OutboxRow]:
        """``mark_orphans_unknown`` for every brief that has a row in ``sending``."""
        briefs = self.store.query("SELECT DISTINCT brief_id FROM outbox WHERE state = 'sending'")
        return [orphan for row in briefs
                for orphan in self.mark_orphans_unknown(int(row["brief_id"]), lease)]

    def problems(self, profiles: Iterable[str] | None = None) -> list[Problem]:
        """Failed and unknown rows not dismissed, of ``profiles``' briefs (default: all),
        oldest brief first."""
        sql = (
            "SELECT outbox.*, briefs.profile AS brief_profile, briefs.slug AS brief_slug"
            " FROM outbox JOIN briefs ON briefs.id = outbox.brief_id"
            " WHERE outbox.state IN ('failed', 'unknown') AND outbox.dismissed_at IS NULL"
        )
        params: list[object] = []
        if profiles is not None:
            names = list(profiles)
            sql += f" AND briefs.profile IN ({', '.join('?' for _ in names)})"
            params += names
        rows = self.store.query(sql + " ORDER BY outbox.brief_id, outbox.id", tuple(params))
        return [Problem(_row(row), row["brief_profile"], row["brief_slug"] or "")
                for row in rows]

    def dismiss(self, brief_id: int) -> list[OutboxRow]:
        """Mark brief ``brief_id``'s failed and unknown rows as dealt with (not resent);
        returns them."""
        now = _now()
        with self.store.transaction() as db:
            rows = db.execute(
                "SELECT * FROM outbox WHERE brief_id = ? AND state IN ('failed', 'unknown')"
                " AND dismissed_at IS NULL ORDER BY id", (brief_id,),
            ).fetchall()
            db.execute(
                "UPDATE outbox SET dismissed_at = ?, updated_at = ? WHERE brief_id = ?"
                " AND state IN ('failed', 'unknown') AND dismissed_at IS NULL",
                (now, now, brief_id),
            )
        return [_row(row) for row in rows]

    def _finish(
        self, row_id: int, state: str, error: str | None, *, sent_at: str | None = None
    ) -> bool:
        return self._update(
            "UPDATE outbox SET state = ?, last_error = ?, sent_at = COALESCE(?, sent_at),"
            " updated_at = ? WHERE id = ? AND state = 'sending' AND claimed_by = ?",
            (state, error, sent_at, _now(), row_id, self.owner),
        )

    def _update(self, sql: str, params: tuple[object, ...]) -> bool:
        with self.store.transaction() as db:
            cursor: sqlite3.Cursor = db.execute(sql, params)
            return cursor.rowcount == 1


def _row(row: sqlite3.Row) -> OutboxRow:
    return OutboxRow(
        id=int(row["id"]),
        brief_id=int(row["brief_id"]),
        recipient=row["recipient"],
        state=row["state"],
        message_id=row["message_id"],
        attempts=int(row["attempts"]),
        claimed_by=row["claimed_by"],
        last_error=row["last_error"],
        dismissed=row["dismissed_at"] is not None,
    )
