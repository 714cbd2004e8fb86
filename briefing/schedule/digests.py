"""The store's ``digests`` table: which (profile, local date) digests were built and sent.

One row per profile and local date (the date in the profile's schedule time
zone), created by the first attempt::

    (no row) ──claim_build──> building ──mark_built──> built ──claim_send──> sending ──> sent
                                 │                       │  (send = false: final)  └──> failed
                                 ├──> skipped (nothing new to brief)               (retry: send
                                 └──> failed  (retry: claim_build again)            the same brief)
    (no row) ──record_missed──> skipped   (the delivery time passed beyond the catch-up grace)
    (no row) | built | failed | skipped ──claim_manual──> sending   (``briefing build --send``)

Decisions:

* Every transition is one conditional ``UPDATE ... WHERE state = ...`` (and,
  when leaving ``building``/``sending``, ``AND claimed_by = <me>``), or an
  ``INSERT OR IGNORE`` for the first claim: of two processes racing for a
  digest, exactly one sees ``rowcount == 1``. The file lock (``lock.py``) keeps
  to one scheduler per store; this keeps a scheduler and a manual
  ``build --send`` apart.
* Once a digest has a brief and its sending has started, it is never rebuilt:
  a retry sends the *same* brief again, and the outbox (one row per brief and
  recipient) makes sure nobody gets it twice. Rebuilding would make a new
  brief, new outbox rows, and a second email.
* ``attempts`` counts jobs (a build-and-send is one attempt), for
  ``max_attempts_per_day``; the claim increments it, so a crash still counts.
* A row left ``building`` or ``sending`` by a process that is gone (killed,
  or its last write failed) is turned into ``failed`` by ``recover`` and
  retried like any failure: a ``sending`` one keeps its brief, so the retry
  only reaches the recipients the outbox has not yet delivered to (a message
  cut off mid-send is ``unknown`` there and not resent).
* Times are whatever the caller passes as ``now`` (the scheduler's injectable
  clock), stored as UTC ISO strings, so tests can move time freely.
* The ``schedule_starts`` table remembers when the scheduler first ran for each
  profile on this store: a delivery due before then is never reported or
  recorded as missed (the schedule did not exist yet for this store).
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from briefing.claims import make_owner, owner_alive
from briefing.store import Store

STATES = ("building", "built", "sending", "sent", "failed", "skipped")
IN_PROGRESS = ("building", "sending")
#: A claim older than this is considered abandoned even if its pid is alive
#: (pid reuse, or a claim made on another host sharing the store).
DEFAULT_LEASE = timedelta(hours=1)


@dataclass(frozen=True, slots=True)
class DigestRecord:
    profile: str
    local_date: date
    state: str
    brief_id: int | None
    attempts: int
    #: "schedule" (briefing schedule) or "manual" (briefing build --send).
    origin: str
    scheduled_for: datetime | None
    claimed_by: str | None
    claimed_at: datetime | None
    last_error: str | None
    updated_at: datetime
    sent_at: datetime | None

    @property
    def claimer_pid(self) -> int | None:
        """The pid in ``claimed_by`` (``host/pid/random``), when there is one."""
        pid = (self.claimed_by or "").split("/")[1:2]
        return int(pid[0]) if pid and pid[0].isdigit() else None


@dataclass(frozen=True, slots=True)
class ManualClaim:
    """What ``claim_manual`` found: whether this process may send, and the row as it is now."""

    claimed: bool
    record: DigestRecord | None
    #: The brief that already reached some recipients, when that is why it was refused.
    partly_sent_brief: int | None = None


def _iso(moment: datetime | None) -> str | None:
    return moment.astimezone(UTC).isoformat() if moment is not None else None


def _time(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text) if text else None


def _record(row: sqlite3.Row) -> DigestRecord:
    return DigestRecord(
        profile=row["profile"],
        local_date=date.fromisoformat(row["local_date"]),
        state=row["state"],
        brief_id=row["brief_id"],
        attempts=int(row["attempts"]),
        origin=row["origin"],
        scheduled_for=_time(row["scheduled_for"]),
        claimed_by=row["claimed_by"],
        claimed_at=_time(row["claimed_at"]),
        last_error=row["last_error"],
        updated_at=_time(row["updated_at"]) or datetime.now(UTC),
        sent_at=_time(row["sent_at"]),
    )


class Digests:
    """The digest rows of a store, as seen by one process (``owner``)."""

    def __init__(self, store: Store, owner: str | None = None) -> None:
        self.store = store
        self.owner = owner or make_owner()

    # -- reading ----------------------------------------------------------------------

    def get(self, profile: str, day: date) -> DigestRecord | None:
        rows = self.store.query(
            "SELECT * FROM digests WHERE profile = ? AND local_date = ?",
            (profile, day.isoformat()),
        )
        return _record(rows[0]) if rows else None

    def records(
        self, profiles: list[str] | None = None, since: date | None = None
    ) -> list[DigestRecord]:
        """Rows of ``profiles`` (default: all) from ``since`` on, oldest first."""
        sql, params = "SELECT * FROM digests WHERE 1 = 1", []
        if profiles is not None:
            sql += f" AND profile IN ({', '.join('?' for _ in profiles)})"
            params += profiles
        if since is not None:
            sql += " AND local_date >= ?"
            params.append(since.isoformat())
        rows = self.store.query(sql + " ORDER BY local_date, profile", tuple(params))
        return [_record(row) for row in rows]

    # -- the scheduler's transitions ----------------------------------------------------

    def claim_build(
        self, profile: str, day: date, *, scheduled_for: datetime, now: datetime,
        max_attempts: int,
    ) -> bool:
        """Start building: a new row, or a failed one that has no brief yet."""
        with self.store.transaction() as db:
            inserted = db.execute(
                "INSERT OR IGNORE INTO digests (profile, local_date, state, attempts, origin,"
                " scheduled_for, claimed_by, claimed_at, created_at, updated_at)"
                " VALUES (?, ?, 'building', 1, 'schedule', ?, ?, ?, ?, ?)",
                (profile, day.isoformat(), _iso(scheduled_for), self.owner, _iso(now),
                 _iso(now), _iso(now)),
            ).rowcount
            if inserted == 1:
                return True
            return db.execute(
                "UPDATE digests SET state = 'building', attempts = attempts + 1,"
                " claimed_by = ?, claimed_at = ?, updated_at = ?"
                " WHERE profile = ? AND local_date = ? AND state = 'failed'"
                " AND brief_id IS NULL AND attempts < ?",
                (self.owner, _iso(now), _iso(now), profile, day.isoformat(), max_attempts),
            ).rowcount == 1

    def mark_built(self, profile: str, day: date, brief_id: int, now: datetime) -> bool:
        return self._update(
            "UPDATE digests SET state = 'built', brief_id = ?, built_at = ?, updated_at = ?,"
            " last_error = NULL"
            " WHERE profile = ? AND local_date = ? AND state = 'building' AND claimed_by = ?",
            (brief_id, _iso(now), _iso(now), profile, day.isoformat(), self.owner),
        )

    def claim_send(
        self, profile: str, day: date, *, now: datetime, max_attempts: int, resume: bool
    ) -> bool:
        """Start sending the digest's brief.

        ``resume``: this job just built it (same attempt). Otherwise it is a new
        attempt on a digest whose brief exists: ``built`` (a crash before
        sending) or ``failed`` after the build.
        """
        if resume:
            return self._update(
                "UPDATE digests SET state = 'sending', claimed_at = ?, updated_at = ?"
                " WHERE profile = ? AND local_date = ? AND state = 'built' AND claimed_by = ?",
                (_iso(now), _iso(now), profile, day.isoformat(), self.owner),
            )
        return self._update(
            "UPDATE digests SET state = 'sending', attempts = attempts + 1, claimed_by = ?,"
            " claimed_at = ?, updated_at = ?"
            " WHERE profile = ? AND local_date = ? AND state IN ('built', 'failed')"
            " AND brief_id IS NOT NULL AND attempts < ?",
            (self.owner, _iso(now), _iso(now), profile, day.isoformat(), max_attempts),
        )

    def finish(
        self, profile: str, day: date, state: str, now: datetime, error: str | None = None
    ) -> bool:
        """End this process's job on the digest: ``sent``, ``failed`` or ``skipped``."""
        if state not in ("sent", "failed", "skipped"):
            raise ValueError(f"not a final state: {state}")
        return self._update(
            "UPDATE digests SET state = ?, last_error = ?, updated_at = ?,"
            " sent_at = CASE WHEN ? = 'sent' THEN ? ELSE sent_at END"
            " WHERE profile = ? AND local_date = ? AND state IN ('building', 'sending')"
            " AND claimed_by = ?",
            (state, error, _iso(now), state, _iso(now), profile, day.isoformat(), self.owner),
        )

    def record_missed(
        self, profile: str, day: date, *, scheduled_for: datetime, now: datetime, reason: str
    ) -> bool:
        """Note a delivery that was not made in time (and will not be): ``skipped``."""
        with self.store.transaction() as db:
            return db.execute(
                "INSERT OR IGNORE INTO digests (profile, local_date, state, attempts, origin,"
                " scheduled_for, last_error, created_at, updated_at)"
                " VALUES (?, ?, 'skipped', 0, 'schedule', ?, ?, ?, ?)",
                (profile, day.isoformat(), _iso(scheduled_for), reason, _iso(now), _iso(now)),
            ).rowcount == 1

    def recover(
        self, now: datetime, lease: timedelta = DEFAULT_LEASE
    ) -> list[DigestRecord]:
        """Rows left ``building``/``sending`` by a process that is gone become ``failed``.

        Call it between jobs: a claim by this very owner is then stale too (its
        closing write failed), so it is recovered as well.
        """
        recovered: list[DigestRecord] = []
        rows = self.store.query(
            "SELECT * FROM digests WHERE state IN ('building', 'sending')"
        )
        for record in map(_record, rows):
            mine = record.claimed_by == self.owner
            if not mine and owner_alive(record.claimed_by, record.claimed_at, now, lease):
                continue
            doing = "building" if record.state == "building" else "sending"
            pid = record.claimer_pid
            error = (
                f"interrupted while {doing} (process {pid if pid is not None else '?'} "
                "stopped before finishing)"
            )
            if self._update(
                "UPDATE digests SET state = 'failed', last_error = ?, updated_at = ?"
                " WHERE profile = ? AND local_date = ? AND state = ? AND claimed_by IS ?",
                (error, _iso(now), record.profile, record.local_date.isoformat(),
                 record.state, record.claimed_by),
            ):
                recovered.append(record)
        return recovered

    # -- when the scheduler first ran ----------------------------------------------------

    def record_first_run(self, profiles: list[str], now: datetime) -> None:
        """Remember ``now`` as the scheduler's first run for each profile that has none."""
        with self.store.transaction() as db:
            db.executemany(
                "INSERT OR IGNORE INTO schedule_starts (profile, first_run_at) VALUES (?, ?)",
                [(profile, _iso(now)) for profile in profiles],
            )

    def first_runs(self, profiles: list[str]) -> dict[str, datetime]:
        """When the scheduler first ran for each of ``profiles`` (those it ever ran for)."""
        rows = self.store.query(
            "SELECT profile, first_run_at FROM schedule_starts"
            f" WHERE profile IN ({', '.join('?' for _ in profiles)})", tuple(profiles),
        )
        return {row["profile"]: datetime.fromisoformat(row["first_run_at"]) for row in rows}

    # -- a manual ``briefing build --send`` ---------------------------------------------

    def claim_manual(
        self, profile: str, day: date, brief_id: int, now: datetime
    ) -> ManualClaim:
        """Claim the day's digest for sending ``brief_id``, unless it went out already.

        Refused when the digest was sent, is being built or sent right now, or
        when an earlier brief of it already reached someone (sending a second,
        different brief would mail those people twice).
        """
        key = (profile, day.isoformat())
        with self.store.transaction() as db:
            if db.execute(
                "INSERT OR IGNORE INTO digests (profile, local_date, state, brief_id, attempts,"
                " origin, claimed_by, claimed_at, created_at, updated_at)"
                " VALUES (?, ?, 'sending', ?, 1, 'manual', ?, ?, ?, ?)",
                (*key, brief_id, self.owner, _iso(now), _iso(now), _iso(now)),
            ).rowcount == 1:
                return ManualClaim(True, None)
            claimed = db.execute(
                "UPDATE digests SET state = 'sending', brief_id = ?, origin = 'manual',"
                " attempts = attempts + 1, claimed_by = ?, claimed_at = ?, updated_at = ?,"
                " last_error = NULL"
                " WHERE profile = ? AND local_date = ? AND state IN ('built', 'failed', 'skipped')"
                " AND (brief_id IS NULL OR NOT EXISTS (SELECT 1 FROM outbox"
                "  WHERE outbox.brief_id = digests.brief_id"
                "  AND outbox.state IN ('sent', 'sending', 'unknown')))",
                (brief_id, self.owner, _iso(now), _iso(now), *key),
            ).rowcount == 1
            row = db.execute(
                "SELECT * FROM digests WHERE profile = ? AND local_date = ?", key
            ).fetchone()
        record = _record(row) if row is not None else None
        partly = (
            record.brief_id
            if not claimed and record is not None and record.state not in ("sent", *IN_PROGRESS)
            else None
        )
        return ManualClaim(claimed, record, partly)

    # -- plumbing ---------------------------------------------------------------------

    def _update(self, sql: str, params: tuple[object, ...]) -> bool:
        with self.store.transaction() as db:
            return db.execute(sql, params).rowcount == 1
