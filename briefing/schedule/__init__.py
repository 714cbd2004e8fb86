"""``briefing schedule``: collect through the day, deliver each profile's digest on time, once.

One module per job::

    plan.py     what is due: a pure function of (config, digest records, now), zoneinfo
    digests.py  the store's `digests` rows: which (profile, local date) was built and sent
    lock.py     one scheduler per store: flock on <store>.schedule.lock
    runner.py   running due jobs (build, send, collect); a job never raises
    daemon.py   the loop (the `schedule` package as heartbeat), signals, run_scheduler()
    manual.py   the digest gates publish() asks: the scheduler's, and `briefing build --send`'s

A profile is scheduled by a ``[profiles.NAME.schedule]`` table (``deliver_at``,
``timezone``, ``days``, ``collect_every_minutes``, ``catch_up_grace_minutes``,
``retry_every_minutes``, ``max_attempts_per_day``, ``send``); see
``briefing.config.ScheduleConfig``. "Exactly once" rests on three things: the
digest row (claimed with conditional UPDATEs), never rebuilding a digest whose
brief exists (a retry sends the same brief), and the outbox (one row per brief
and recipient).
"""

from __future__ import annotations

from briefing.schedule.daemon import ClockedJob, Daemon, RunReport, run_scheduler
from briefing.schedule.digests import DigestRecord, Digests
from briefing.schedule.lock import SchedulerLock, lock_path
from briefing.schedule.manual import ManualDigest, ScheduledDigest
from briefing.schedule.plan import Delivery, Missed, Plan, delivery_time, make_plan
from briefing.schedule.runner import JobAbandoned, JobOutcome, Runner, Stopper, TickReport

__all__ = [
    "ClockedJob",
    "Daemon",
    "Delivery",
    "DigestRecord",
    "Digests",
    "JobAbandoned",
    "JobOutcome",
    "ManualDigest",
    "Missed",
    "Plan",
    "RunReport",
    "Runner",
    "ScheduledDigest",
    "SchedulerLock",
    "Stopper",
    "TickReport",
    "delivery_time",
    "lock_path",
    "make_plan",
    "run_scheduler",
]
