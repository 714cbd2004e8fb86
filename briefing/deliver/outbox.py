"""The outbox as one sending process sees it: one row per (brief, recipient).

::

    pending ──claim──> sending ──> sent
       ^                  │──────> failed   (5xx, or out of attempts)
       └──── release ─────┤
                          └──────> unknown  (dropped after DATA, or the sender died)

The store's outbox repository makes every transition one conditional write (and
``claim_next`` skips rows another process is claiming at that instant): of two
processes or machines racing for a row, exactly one gets it; the other leaves it
alone. Enqueueing is idempotent (one row per brief and recipient).

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

from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, datetime, timedelta

from briefing.claims import Liveness, make_owner
from briefing.storage import OutboxRow, Storage
from briefing.storage.records import OUTBOX_STATES, OutboxProblem

STATES = OUTBOX_STATES
#: A failed or unknown row not yet resent or dismissed, with its brief's place.
Problem = OutboxProblem
__all__ = ["STATES", "Outbox", "OutboxRow", "Problem"]


def _now() -> datetime:
    return datetime.now(UTC)


def _states(retry_unknown: bool, retry_failed: bool = False) -> tuple[str, ...]:
    return ("pending",) + (("unknown",) if retry_unknown else ()) + (
        ("failed",) if retry_failed else ())


class Outbox:
    """The outbox rows of a store, as seen by one sending process (``owner``)."""

    def __init__(
        self, store: Storage, owner: str | None = None, liveness: Liveness | None = None
    ) -> None:
        self.store = store
        self.owner = owner or make_owner()
        self._liveness = liveness

    def enqueue(
        self, brief_id: int, recipients: Iterable[str], message_id: Callable[[], str]
    ) -> None:
        """Add a pending row for each recipient not yet in the outbox for this brief."""
        self.store.outbox.enqueue(brief_id, list(recipients), message_id, now=_now())

    def rows(self, brief_id: int) -> list[OutboxRow]:
        return self.store.outbox.rows(brief_id)

    def row(self, row_id: int) -> OutboxRow | None:
        return self.store.outbox.row(row_id)

    def claim(
        self, row_id: int, *, retry_unknown: bool = False, retry_failed: bool = False
    ) -> bool:
        """Take a pending (or, on purpose, unknown or failed) row for sending; False if
        someone else has. A failed row taken again starts a fresh count of attempts."""
        return self.store.outbox.claim(row_id, owner=self.owner, now=_now(),
                                       states=_states(retry_unknown, retry_failed))

    def claim_next(
        self,
        brief_id: int,
        recipients: Sequence[str],
        *,
        retry_unknown: bool = False,
        retry_failed: bool = False,
        exclude: Iterable[int] = (),
    ) -> OutboxRow | None:
        """The next row of ``brief_id`` this process may send, claimed; None when done."""
        return self.store.outbox.claim_next(
            brief_id, owner=self.owner, now=_now(), recipients=recipients,
            states=_states(retry_unknown, retry_failed), exclude=exclude,
        )

    def claim_all(
        self,
        brief_id: int,
        recipients: Sequence[str],
        *,
        retry_unknown: bool = False,
        retry_failed: bool = False,
        exclude: Iterable[int] = (),
    ) -> list[OutboxRow]:
        """Every row of ``brief_id`` this process may send now, claimed (one Bcc message)."""
        return self.store.outbox.claim_all(
            brief_id, owner=self.owner, now=_now(), recipients=recipients,
            states=_states(retry_unknown, retry_failed), exclude=exclude,
        )

    def mark_sent(self, row_id: int) -> bool:
        return self.store.outbox.finish(row_id, "sent", owner=self.owner, now=_now())

    def mark_failed(self, row_id: int, error: str) -> bool:
        return self.store.outbox.finish(row_id, "failed", owner=self.owner, now=_now(),
                                        error=error)

    def mark_unknown(self, row_id: int, error: str) -> bool:
        return self.store.outbox.finish(row_id, "unknown", owner=self.owner, now=_now(),
                                        error=error)

    def release(self, row_id: int, error: str) -> bool:
        """Back to pending after a temporary failure (the attempt stays counted)."""
        return self.store.outbox.finish(row_id, "pending", owner=self.owner, now=_now(),
                                        error=error)

    def mark_orphans_unknown(self, brief_id: int, lease: timedelta) -> list[OutboxRow]:
        """Rows left in ``sending`` by a process that is gone become ``unknown``."""
        sending = [row for row in self.rows(brief_id) if row.state == "sending"]
        if not sending:
            return []
        liveness = self._liveness or Liveness.of(self.store)
        now = _now()
        orphans: list[OutboxRow] = []
        for row in sending:
            if liveness.alive(row.claimed_by, row.claimed_at, now, lease):
                continue
            if self.store.outbox.abandon(
                row.id, claimed_by=row.claimed_by, now=now,
                error="the sending process stopped mid-send; it may have been delivered",
            ):
                orphans.append(row)
        return orphans

    def settle_orphans(self, lease: timedelta) -> list[OutboxRow]:
        """``mark_orphans_unknown`` for every brief that has a row in ``sending``."""
        return [orphan for brief_id in self.store.outbox.briefs_sending()
                for orphan in self.mark_orphans_unknown(brief_id, lease)]

    def problems(self, profiles: Iterable[str] | None = None) -> list[Problem]:
        """Failed and unknown rows not dismissed, of ``profiles``' briefs (default: all),
        oldest brief first."""
        return self.store.outbox.problems(None if profiles is None else list(profiles))

    def dismiss(self, brief_id: int) -> list[OutboxRow]:
        """Mark brief ``brief_id``'s failed and unknown rows as dealt with (not resent);
        returns them."""
        return self.store.outbox.dismiss(brief_id, now=_now())
