"""The digest gates: a scheduled profile's digest goes out once a day, whoever sends it.

``briefing.publishing`` asks a gate before sending and tells it the outcome:

* ``ScheduledDigest``: the scheduler's job, which claimed the day's digest row
  before building (``Digests.claim_build``) or is retrying a send.
* ``ManualDigest``: ``briefing build --send`` on a scheduled profile. It claims
  that same row before sending, so:

  * if the scheduler (or an earlier ``build --send``) already sent today's
    digest, the new brief is built but not sent, and the caller is told so
    (``briefing send --brief ID`` still sends it, on purpose);
  * if the scheduler is building or sending it right now, nothing is sent;
  * if an earlier brief of today's digest already reached some recipients (a
    failed, partial delivery), a different brief is not sent to everyone:
    the caller is told to complete the earlier one;
  * otherwise this brief is sent, and the row records it, so the scheduler does
    not send the digest again later that day.

A profile without a schedule has no gate: every ``build --send`` sends the
brief it built.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from briefing.claims import make_owner
from briefing.config import Config
from briefing.publishing import SendClaim
from briefing.schedule.digests import Digests, ManualClaim
from briefing.schedule.plan import local_day
from briefing.storage import Storage


def utc_now() -> datetime:
    return datetime.now(UTC)


def classify_send(report: Any) -> tuple[str, str | None]:
    """(digest state, note) for a ``SendReport``: "sent" or "failed" (retry later)."""
    if report.deferred or report.in_progress:
        waiting = {**report.deferred, **{who: "being sent elsewhere" for who in
                                         report.in_progress}}
        return "failed", "not delivered yet: " + "; ".join(
            f"{who}: {why}" for who, why in waiting.items()
        )
    problems = [f"refused: {who}: {why}" for who, why in report.failed.items()]
    problems += [f"unknown: {who}: {why}" for who, why in report.unknown.items()]
    note = "; ".join(problems) or None
    if not (report.sent or report.already_sent) and report.failed:
        return "failed", note
    return "sent", note


@dataclass
class ScheduledDigest:
    """The scheduler's gate for one (profile, local date) digest it has claimed."""

    digests: Digests
    profile: str
    day: date
    clock: Callable[[], datetime]
    max_attempts: int
    #: True right after this job built the brief (the row is ``built``, claimed by it).
    resume: bool
    #: The state and note the digest was finished with (for the job's report).
    outcome: tuple[str, str | None] | None = None

    def built(self, store: Storage, brief_id: int) -> None:
        self.digests.mark_built(self.profile, self.day, brief_id, self.clock())

    def claim_send(self, store: Storage, brief_id: int) -> SendClaim:
        claimed = self.digests.claim_send(self.profile, self.day, now=self.clock(),
                                          max_attempts=self.max_attempts, resume=self.resume)
        return SendClaim(claimed, None if claimed else "another process has this digest")

    def finished(self, store: Storage, report: Any) -> None:
        state, note = classify_send(report)
        self._finish(state, note)

    def failed(self, store: Storage, error: str) -> None:
        self._finish("failed", error)

    def _finish(self, state: str, note: str | None) -> None:
        self.outcome = (state, note)
        self.digests.finish(self.profile, self.day, state, self.clock(), note)


@dataclass
class ManualDigest:
    """``briefing build --send``'s gate on a scheduled profile: today's digest row."""

    config: Config
    profile: str
    clock: Callable[[], datetime] = utc_now
    owner: str = field(default_factory=make_owner)
    _day: date | None = None

    def built(self, store: Storage, brief_id: int) -> None:
        return None  # a manual build claims the digest only when it sends

    def claim_send(self, store: Storage, brief_id: int) -> SendClaim:
        schedule = self.config.profile(self.profile).schedule
        assert schedule is not None
        self._day = local_day(schedule, self.clock())
        claim = Digests(store, self.owner).claim_manual(
            self.profile, self._day, brief_id, self.clock()
        )
        if claim.claimed:
            return SendClaim(True)
        note, ok = _refusal(self.profile, self._day.isoformat(), brief_id, claim)
        return SendClaim(False, note, ok)

    def finished(self, store: Storage, report: Any) -> None:
        state, note = classify_send(report)
        self._finish(store, state, note)

    def failed(self, store: Storage, error: str) -> None:
        self._finish(store, "failed", error)

    def _finish(self, store: Storage, state: str, note: str | None) -> None:
        assert self._day is not None
        Digests(store, self.owner).finish(self.profile, self._day, state, utc_now(), note)


_DOING = {"building": "built", "sending": "sent"}


def _refusal(profile: str, day: str, brief_id: int, claim: ManualClaim) -> tuple[str, bool]:
    record = claim.record
    what = f"the {profile} digest for {day}"
    if record is not None and record.state == "sent":
        by = "the scheduler" if record.origin == "schedule" else "an earlier build --send"
        return (
            f"not sent: {what} was already sent by {by} (brief {record.brief_id}); "
            f"`briefing send --brief {brief_id}` sends this one anyway",
            True,
        )
    if record is not None and record.state in ("building", "sending"):
        pid = record.claimer_pid
        return (
            f"not sent: {what} is being {_DOING[record.state]} by another "
            f"process (pid {pid if pid is not None else '?'}) right now",
            False,
        )
    earlier = claim.partly_sent_brief
    return (
        f"not sent: {what} already reached some recipients as brief {earlier}; "
        f"`briefing send --brief {earlier}` completes that delivery",
        False,
    )
