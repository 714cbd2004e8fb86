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

* Every transition is one conditional write in the store's digest repository
  (leaving ``building``/``sending`` only by the claim's owner), the first claim an
  insert that does nothing on a conflict: of two processes racing for a digest,
  on one machine or several, exactly one is told it won. That is what lets
  several schedulers share a PostgreSQL store; on SQLite the file lock
  (``lock.py``) keeps to one scheduler, and this keeps it and a manual
  ``build --send`` apart.
* Once a digest has a brief and its sending has started, it is never rebuilt:
  a retry sends the *same* brief again, and the outbox (one row per brief and
  recipient) makes sure nobody gets it twice. Rebuilding would make a new
  brief, new outbox rows, and a second email.
* ``attempts`` counts jobs (a build-and-send is one attempt), for
  ``max_attempts_per_day``; the claim increments it, so a crash still counts.
* A row left ``building`` or ``sending`` by a process that is gone (killed,
  its worker's heartbeat older than the worker lease, or its last write
  failed) is turned into ``failed`` and ``interrupted`` by ``recover``, and
  taken over at once by the next plan (the failure was the process's, not the
  digest's): a ``sending`` one keeps its brief, so the retry only reaches the
  recipients the outbox has not yet delivered to (a message cut off mid-send is
  ``unknown`` there and not resent).
* Times are whatever the caller passes as ``now`` (the scheduler's injectable
  clock), stored as UTC ISO strings, so tests can move time freely.
* The ``schedule_starts`` table remembers when the scheduler first ran for each
  profile on this store: a delivery due before then is never reported or
  recorded as missed (the schedule did not exist yet for this store).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from briefing.claims import DEFAULT_WORKER_LEASE, Liveness, make_owner
from briefing.storage import DigestRecord, ManualClaim, Storage
from briefing.storage.records import DIGEST_STATES

STATES = DIGEST_STATES
IN_PROGRESS = ("building", "sending")
#: A claim older than this is considered abandoned even if its pid is alive
#: (pid reuse, or a claim made on another host by a process that is not a worker).
DEFAULT_LEASE = timedelta(hours=1)

__all__ = ["DEFAULT_LEASE", "IN_PROGRESS", "STATES", "DigestRecord", "Digests", "ManualClaim"]


class Digests:
    """The digest rows of a store, as seen by one process (``owner``)."""

    def __init__(
        self, store: Storage, owner: str | None = None, *,
        worker_lease: timedelta = DEFAULT_WORKER_LEASE,
    ) -> None:
        self.store = store
        self.owner = owner or make_owner()
        self.worker_lease = worker_lease

    # -- reading ----------------------------------------------------------------------

    def get(self, profile: str, day: date) -> DigestRecord | None:
        return self.store.digests.get(profile, day)

    def records(
        self, profiles: list[str] | None = None, since: date | None = None
    ) -> list[DigestRecord]:
        """Rows of ``profiles`` (default: all) from ``since`` on, oldest first."""
        return self.store.digests.records(profiles, since)

    # -- the scheduler's transitions ----------------------------------------------------

    def claim_build(
        self, profile: str, day: date, *, scheduled_for: datetime, now: datetime,
        max_attempts: int,
    ) -> bool:
        """Start building: a new row, or a failed one that has no brief yet."""
        return self.store.digests.claim_build(
            profile, day, owner=self.owner, scheduled_for=scheduled_for, now=now,
            max_attempts=max_attempts,
        )

    def mark_built(self, profile: str, day: date, brief_id: int, now: datetime) -> bool:
        return self.store.digests.mark_built(profile, day, brief_id, owner=self.owner, now=now)

    def claim_send(
        self, profile: str, day: date, *, now: datetime, max_attempts: int, resume: bool
    ) -> bool:
        """Start sending the digest's brief.

        ``resume``: this job just built it (same attempt). Otherwise it is a new
        attempt on a digest whose brief exists: ``built`` (a crash before
        sending) or ``failed`` after the build.
        """
        return self.store.digests.claim_send(profile, day, owner=self.owner, now=now,
                                             max_attempts=max_attempts, resume=resume)

    def finish(
        self, profile: str, day: date, state: str, now: datetime, error: str | None = None
    ) -> bool:
        """End this process's job on the digest: ``sent``, ``failed`` or ``skipped``."""
        return self.store.digests.finish(profile, day, state, owner=self.owner, now=now,
                                         error=error)

    def record_missed(
        self, profile: str, day: date, *, scheduled_for: datetime, now: datetime, reason: str
    ) -> bool:
        """Note a delivery that was not made in time (and will not be): ``skipped``."""
        return self.store.digests.record_missed(profile, day, scheduled_for=scheduled_for,
                                                now=now, reason=reason)

    def recover(
        self, now: datetime, lease: timedelta = DEFAULT_LEASE
    ) -> list[DigestRecord]:
        """Rows left ``building``/``sending`` by a process that is gone become ``failed``
        (``interrupted``: taken over at once).

        Call it between jobs: a claim by this very owner is then stale too (its
        closing write failed), so it is recovered as well.
        """
        stuck = self.store.digests.in_progress()
        if not stuck:
            return []
        liveness = Liveness.of(self.store, self.worker_lease)
        recovered: list[DigestRecord] = []
        for record in stuck:
            mine = record.claimed_by == self.owner
            if not mine and liveness.alive(record.claimed_by, record.claimed_at, now, lease):
                continue
            doing = "building" if record.state == "building" else "sending"
            pid = record.claimer_pid
            error = (
                f"interrupted while {doing} (process {pid if pid is not None else '?'} "
                "stopped before finishing)"
            )
            if self.store.digests.interrupt(record, now=now, error=error):
                recovered.append(record)
        return recovered

    # -- when the scheduler first ran ----------------------------------------------------

    def record_first_run(self, profiles: list[str], now: datetime) -> None:
        """Remember ``now`` as the scheduler's first run for each profile that has none."""
        self.store.digests.record_first_run(profiles, now=now)

    def first_runs(self, profiles: list[str]) -> dict[str, datetime]:
        """When the scheduler first ran for each of ``profiles`` (those it ever ran for)."""
        return self.store.digests.first_runs(profiles)

    # -- a manual ``briefing build --send`` ---------------------------------------------

    def claim_manual(
        self, profile: str, day: date, brief_id: int, now: datetime
    ) -> ManualClaim:
        """Claim the day's digest for sending ``brief_id``, unless it went out already.

        Refused when the digest was sent, is being built or sent right now, or
        when an earlier brief of it already reached someone (sending a second,
        different brief would mail those people twice).
        """
        return self.store.digests.claim_manual(profile, day, brief_id, owner=self.owner,
                                               now=now)
