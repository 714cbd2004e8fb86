"""``briefing build --send`` on a scheduled profile: the day's digest goes out once.

A profile with a schedule has one digest per local day (in the schedule's time
zone), recorded in the ``digests`` table. A manual ``build --send`` claims that
same row before sending, so:

* if the scheduler (or an earlier ``build --send``) already sent today's
  digest, the new brief is built but not sent, and the caller is told so
  (``briefing send --brief ID`` still sends it, on purpose);
* if the scheduler is building or sending it right now, nothing is sent;
* if an earlier brief of today's digest already reached some recipients (a
  failed, partial delivery), a different brief is not sent to everyone:
  the caller is told to complete the earlier one;
* otherwise this brief is sent, and the row records it, so the scheduler does
  not send the digest again later that day.

A profile without a schedule keeps the plain behaviour: every ``build --send``
sends the brief it built.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from briefing.config import Config
from briefing.schedule.digests import Digests, ManualClaim
from briefing.schedule.plan import local_day
from briefing.schedule.runner import classify_send, one_line, utc_now
from briefing.store import Store


@dataclass(frozen=True)
class ManualSend:
    #: The send's report, or None when the digest was not sent (``note`` says why).
    report: Any
    note: str | None = None
    #: False when the user should act (the digest is neither sent nor being sent).
    ok: bool = True


def send_built_brief(
    config: Config,
    store: Store,
    profile: str,
    brief_id: int,
    *,
    now: datetime | None = None,
    send: Callable[..., Any] | None = None,
) -> ManualSend:
    """Send ``brief_id`` (just built for ``profile``) unless today's digest went out already."""
    if send is None:
        from briefing.deliver import send_brief

        send = send_brief
    schedule = config.profile(profile).schedule
    if schedule is None:
        report = send(config, store, brief_id)
        return ManualSend(report, ok=report.ok)
    now = now or utc_now()
    day = local_day(schedule, now)
    digests = Digests(store)
    claim = digests.claim_manual(profile, day, brief_id, now)
    if not claim.claimed:
        reason, ok = _refusal(profile, day.isoformat(), brief_id, claim)
        return ManualSend(None, reason, ok)
    try:
        report = send(config, store, brief_id)
    except BaseException as error:
        digests.finish(profile, day, "failed", utc_now(), one_line(error))
        raise
    state, note = classify_send(report)
    digests.finish(profile, day, state, utc_now(), note)
    return ManualSend(report, ok=report.ok)


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
