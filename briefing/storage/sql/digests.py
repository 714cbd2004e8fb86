"""Scheduled digests (table ``digests``): one row per (profile, local date).

Every transition is one conditional UPDATE (or an INSERT that does nothing on a
conflict): of two processes racing, exactly one changes the row.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime

from briefing.storage.records import DigestRecord, ManualClaim
from briefing.storage.sql.database import Database, Row, marks
from briefing.storage.sql.outbox import SqlOutbox

_IN_PROGRESS = ("building", "sending")


class SqlDigests:
    def __init__(self, db: Database, outbox: SqlOutbox) -> None:
        self.db = db
        self._outbox = outbox

    # -- reading ----------------------------------------------------------------------

    def get(self, profile: str, day: date) -> DigestRecord | None:
        row = self.db.query_one(
            "SELECT * FROM digests WHERE profile = ? AND local_date = ?",
            (profile, self.db.dialect.day(day)),
        )
        return self._record(row) if row is not None else None

    def records(
        self, profiles: Sequence[str] | None = None, since: date | None = None
    ) -> list[DigestRecord]:
        sql, params = "SELECT * FROM digests WHERE 1 = 1", []
        if profiles is not None:
            if not profiles:
                return []
            sql += f" AND profile IN ({marks(len(profiles))})"
            params += list(profiles)
        if since is not None:
            sql += " AND local_date >= ?"
            params.append(self.db.dialect.day(since))
        rows = self.db.query(sql + " ORDER BY local_date, profile", params)
        return [self._record(row) for row in rows]

    def in_progress(self) -> list[DigestRecord]:
        rows = self.db.query(
            "SELECT * FROM digests WHERE state IN ('building', 'sending')"
            " ORDER BY local_date, profile"
        )
        return [self._record(row) for row in rows]

    # -- transitions --------------------------------------------------------------------

    def claim_build(
        self, profile: str, day: date, *, owner: str, scheduled_for: datetime, now: datetime,
        max_attempts: int,
    ) -> bool:
        d, t = self.db.dialect, self.db.dialect.time(now)
        with self.db.transaction():
            inserted = self.db.execute(
                "INSERT INTO digests (profile, local_date, state, attempts, origin,"
                " scheduled_for, claimed_by, claimed_at, created_at, updated_at)"
                " VALUES (?, ?, 'building', 1, 'schedule', ?, ?, ?, ?, ?)"
                " ON CONFLICT (profile, local_date) DO NOTHING",
                (profile, d.day(day), d.time(scheduled_for), owner, t, t, t),
            )
            if inserted == 1:
                return True
            return self.db.execute(
                "UPDATE digests SET state = 'building', attempts = attempts + 1,"
                " claimed_by = ?, claimed_at = ?, updated_at = ?, interrupted = ?"
                " WHERE profile = ? AND local_date = ? AND state = 'failed'"
                " AND brief_id IS NULL AND attempts < ?",
                (owner, t, t, False, profile, d.day(day), max_attempts),
            ) == 1

    def mark_built(
        self, profile: str, day: date, brief_id: int, *, owner: str, now: datetime
    ) -> bool:
        t = self.db.dialect.time(now)
        return self._update(
            "UPDATE digests SET state = 'built', brief_id = ?, built_at = ?, updated_at = ?,"
            " last_error = NULL"
            " WHERE profile = ? AND local_date = ? AND state = 'building' AND claimed_by = ?",
            (brief_id, t, t, profile, self.db.dialect.day(day), owner),
        )

    def claim_send(
        self, profile: str, day: date, *, owner: str, now: datetime, max_attempts: int,
        resume: bool,
    ) -> bool:
        d, t = self.db.dialect, self.db.dialect.time(now)
        if resume:
            return self._update(
                "UPDATE digests SET state = 'sending', claimed_at = ?, updated_at = ?"
                " WHERE profile = ? AND local_date = ? AND state = 'built' AND claimed_by = ?",
                (t, t, profile, d.day(day), owner),
            )
        return self._update(
            "UPDATE digests SET state = 'sending', attempts = attempts + 1, claimed_by = ?,"
            " claimed_at = ?, updated_at = ?, interrupted = ?"
            " WHERE profile = ? AND local_date = ? AND state IN ('built', 'failed')"
            " AND brief_id IS NOT NULL AND attempts < ?",
            (owner, t, t, False, profile, d.day(day), max_attempts),
        )

    def finish(
        self, profile: str, day: date, state: str, *, owner: str, now: datetime,
        error: str | None = None,
    ) -> bool:
        if state not in ("sent", "failed", "skipped"):
            raise ValueError(f"not a final state: {state}")
        t = self.db.dialect.time(now)
        return self._update(
            "UPDATE digests SET state = ?, last_error = ?, updated_at = ?,"
            " sent_at = coalesce(?, sent_at)"
            " WHERE profile = ? AND local_date = ? AND state IN ('building', 'sending')"
            " AND claimed_by = ?",
            (state, error, t, t if state == "sent" else None, profile,
             self.db.dialect.day(day), owner),
        )

    def record_missed(
        self, profile: str, day: date, *, scheduled_for: datetime, now: datetime, reason: str
    ) -> bool:
        d, t = self.db.dialect, self.db.dialect.time(now)
        with self.db.transaction():
            return self.db.execute(
                "INSERT INTO digests (profile, local_date, state, attempts, origin,"
                " scheduled_for, last_error, created_at, updated_at)"
                " VALUES (?, ?, 'skipped', 0, 'schedule', ?, ?, ?, ?)"
                " ON CONFLICT (profile, local_date) DO NOTHING",
                (profile, d.day(day), d.time(scheduled_for), reason, t, t),
            ) == 1

    def interrupt(self, record: DigestRecord, *, now: datetime, error: str) -> bool:
        d = self.db.dialect
        return self._update(
            "UPDATE digests SET state = 'failed', last_error = ?, updated_at = ?,"
            " interrupted = ?"
            " WHERE profile = ? AND local_date = ? AND state = ?"
            f" AND claimed_by {d.null_safe_eq} ?",
            (error, d.time(now), True, record.profile, d.day(record.local_date), record.state,
             record.claimed_by),
        )

    def claim_manual(
        self, profile: str, day: date, brief_id: int, *, owner: str, now: datetime
    ) -> ManualClaim:
        d, t = self.db.dialect, self.db.dialect.time(now)
        key = (profile, d.day(day))
        with self.db.transaction():
            if self.db.execute(
                "INSERT INTO digests (profile, local_date, state, brief_id, attempts,"
                " origin, claimed_by, claimed_at, created_at, updated_at)"
                " VALUES (?, ?, 'sending', ?, 1, 'manual', ?, ?, ?, ?)"
                " ON CONFLICT (profile, local_date) DO NOTHING",
                (*key, brief_id, owner, t, t, t),
            ) == 1:
                return ManualClaim(True, None)
            current = self.get(profile, day)
            # The outbox says whether an earlier brief of this digest reached anyone:
            # sending a second, different brief would mail those people twice.
            reached = (
                current is not None and current.brief_id is not None
                and self._outbox.reached_anyone(current.brief_id)
            )
            claimed = not reached and self.db.execute(
                "UPDATE digests SET state = 'sending', brief_id = ?, origin = 'manual',"
                " attempts = attempts + 1, claimed_by = ?, claimed_at = ?, updated_at = ?,"
                " last_error = NULL, interrupted = ?"
                " WHERE profile = ? AND local_date = ?"
                " AND state IN ('built', 'failed', 'skipped')"
                f" AND brief_id {d.null_safe_eq} ?",
                (brief_id, owner, t, t, False, *key,
                 current.brief_id if current is not None else None),
            ) == 1
            record = self.get(profile, day)
        partly = (
            record.brief_id
            if not claimed and record is not None
            and record.state not in ("sent", *_IN_PROGRESS)
            else None
        )
        return ManualClaim(claimed, record, partly)

    # -- when the scheduler first ran ---------------------------------------------------

    def record_first_run(self, profiles: Sequence[str], *, now: datetime) -> None:
        if not profiles:
            return
        t = self.db.dialect.time(now)
        with self.db.transaction():
            self.db.executemany(
                "INSERT INTO schedule_starts (profile, first_run_at) VALUES (?, ?)"
                " ON CONFLICT (profile) DO NOTHING",
                [(profile, t) for profile in dict.fromkeys(profiles)],
            )

    def first_runs(self, profiles: Sequence[str]) -> dict[str, datetime]:
        if not profiles:
            return {}
        rows = self.db.query(
            "SELECT profile, first_run_at FROM schedule_starts"
            f" WHERE profile IN ({marks(len(profiles))})", list(profiles),
        )
        return {row["profile"]: self.db.dialect.read_time(row["first_run_at"]) or
                datetime.now(UTC) for row in rows}

    # -- plumbing ---------------------------------------------------------------------

    def _update(self, sql: str, params: Sequence[object]) -> bool:
        with self.db.transaction():
            return self.db.execute(sql, params) == 1

    def _record(self, row: Row) -> DigestRecord:
        d = self.db.dialect
        return DigestRecord(
            profile=row["profile"],
            local_date=d.read_day(row["local_date"]),
            state=row["state"],
            brief_id=int(row["brief_id"]) if row["brief_id"] is not None else None,
            attempts=int(row["attempts"]),
            origin=row["origin"],
            scheduled_for=d.read_time(row["scheduled_for"]),
            claimed_by=row["claimed_by"],
            claimed_at=d.read_time(row["claimed_at"]),
            last_error=row["last_error"],
            updated_at=d.read_time(row["updated_at"]) or datetime.now(UTC),
            sent_at=d.read_time(row["sent_at"]),
            interrupted=bool(row["interrupted"]),
        )
