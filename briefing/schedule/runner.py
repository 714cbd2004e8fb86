"""Running the jobs the plan says are due; a job never raises.

``Runner.run_due()`` is one tick: recover digests a dead process left in
progress, plan (``plan.make_plan``) with the injected clock, record missed
deliveries, run the due deliveries, then the due collections. Every job is
logged when it starts and when it ends, with its outcome.

Decisions:

* **A job never raises** (``Exception``): a failure is logged, recorded on
  the digest (``failed`` with a one-line ``last_error``) and retried by a later
  plan. Only ``JobAbandoned`` (a ``BaseException``, raised by a second stop
  signal) goes through, after recording the digest as ``failed``.
* **Nothing new** (``NoArticlesError``): the digest is ``skipped`` with the
  reason, and not retried all day.
* **A send's outcome**: temporary trouble (recipients still pending, or one
  being sent by another process right now, or no connection at all) makes
  the digest ``failed``, so it is retried; so does a send that reached nobody.
  Otherwise it is ``sent``, with refusals (5xx) and unknown fates noted in
  ``last_error`` and the log; the outbox never resends those by itself.
* **Collection before delivery**: the build collects the profile's feeds
  itself (``collect_first``), so deliveries run first, on time, and the
  collections are planned again afterwards (a build just collected).
* Building, the archive and sending go through ``briefing.publishing``, the path
  ``briefing build --send`` takes too, with its error policy: an archive failure
  is a warning, never a failed delivery. The digest row is its gate.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any, Literal
from zoneinfo import ZoneInfo

from briefing.claims import Liveness
from briefing.config import Config, ProfileConfig, ScheduleConfig
from briefing.errors import NoArticlesError, one_line
from briefing.publishing import Publisher
from briefing.schedule.digests import DEFAULT_LEASE, Digests
from briefing.schedule.manual import ScheduledDigest, utc_now
from briefing.schedule.plan import (
    Delivery,
    Plan,
    earliest_day,
    make_plan,
    next_retry,
    scheduled_profiles,
    zone,
)
from briefing.storage import SourceRef, Storage

logger = logging.getLogger(__name__)

#: briefing.collect.WEB_SOURCE_TYPES, without importing the collector (numpy, scipy) to read it.
_WEB_SOURCE_TYPES = ("feed", "page")

Clock = Callable[[], datetime]
Result = Literal["sent", "built", "skipped", "failed", "taken", "missed", "collected"]


class JobAbandoned(BaseException):
    """Raised (by a second stop signal) to abandon the job in hand.

    A ``BaseException``, so the ``except Exception`` that keeps jobs from
    killing the daemon does not swallow it.
    """


class Stopper:
    """The stop flag the signal handlers set and the loop and runner check."""

    def __init__(self) -> None:
        self.requested = False
        #: True while a job runs (a second signal then abandons it).
        self.in_job = False
        self.abandoned = False
        self.reason: str | None = None

    def request(self, reason: str) -> None:
        self.requested = True
        self.reason = self.reason or reason

    def sleep(self, seconds: float) -> None:
        """Sleep up to ``seconds``, waking early once a stop is requested.

        Short naps: ``time.sleep`` resumes after a signal whose handler returns
        (PEP 475), so a long one would hold a stop up until it ends.
        """
        end = time.monotonic() + max(seconds, 0.0)
        while not self.requested:
            left = end - time.monotonic()
            if left <= 0:
                return
            time.sleep(min(left, 0.5))


@dataclass(frozen=True, slots=True)
class JobOutcome:
    kind: Literal["deliver", "collect", "missed"]
    profile: str
    result: Result
    detail: str = ""
    day: date | None = None
    brief_id: int | None = None

    @property
    def failed(self) -> bool:
        return self.result == "failed"


@dataclass
class TickReport:
    outcomes: list[JobOutcome] = field(default_factory=list)
    #: Digests recovered from a process that stopped mid-job.
    recovered: int = 0

    @property
    def failed(self) -> list[JobOutcome]:
        return [o for o in self.outcomes if o.failed]


class Runner:
    """Runs due jobs against one store. ``build``/``send``/``collect_sources`` are seams
    for embedding programs and tests; they default to the real pipeline."""

    def __init__(
        self,
        config: Config,
        store: Storage,
        *,
        profiles: Sequence[str] | None = None,
        clock: Clock = utc_now,
        stopper: Stopper | None = None,
        owner: str | None = None,
        build: Callable[..., Any] | None = None,
        send: Callable[..., Any] | None = None,
        collect_sources: Callable[..., Any] | None = None,
    ) -> None:
        self.config = config
        self.store = store
        self.profiles = scheduled_profiles(config, profiles)
        self.clock = clock
        self.stopper = stopper or Stopper()
        self.worker_lease = timedelta(seconds=config.workers.lease_seconds)
        self.digests = Digests(store, owner, worker_lease=self.worker_lease)
        #: The name every claim of this scheduler carries (its worker row's, too).
        self.owner = self.digests.owner
        # The one publish path, the same as `briefing build --send`'s.
        self.publisher = Publisher(config, build=build, send=send, owner=self.owner)
        self._collect = collect_sources

    # -- one tick ---------------------------------------------------------------------

    def plan(self, now: datetime) -> Plan:
        names = [p.name for p in self.profiles]
        records = self.digests.records(names, since=earliest_day(self.config, self.profiles, now))
        return make_plan(self.config, records, now, profiles=names,
                         last_collected=self._last_collected(),
                         first_runs=self.digests.first_runs(names))

    def run_due(self) -> TickReport:
        """Run everything due now; never raises ``Exception``."""
        report = TickReport()
        try:
            now = self.clock()
            recovered = self.digests.recover(now)
            for record in recovered:
                logger.warning(
                    "deliver %s %s: the job was interrupted (%s by pid %s); it will be retried",
                    record.profile, record.local_date, record.state, record.claimer_pid,
                )
            report.recovered = len(recovered)
            # The first run on this store dates the schedule: nothing before it is missed.
            self.digests.record_first_run([p.name for p in self.profiles], now)
            plan = self.plan(now)
            for missed in plan.missed:
                report.outcomes.append(self._record_missed(missed.profile, missed.day,
                                                           missed.scheduled_for, now))
            for delivery in plan.deliveries:
                if self.stopper.requested:
                    break
                if self._builder_at_work(delivery, now):
                    continue
                report.outcomes.append(self.deliver(delivery))
            if not self.stopper.requested:
                for name in self.plan(self.clock()).collections:
                    if self.stopper.requested:
                        break
                    report.outcomes.append(self.collect(name))
        except Exception as error:  # the store itself failed: log, and try next tick
            logger.error("scheduler tick failed: %s", one_line(error))
            logger.debug("scheduler tick failed", exc_info=True)
        return report

    # -- deliveries -------------------------------------------------------------------

    def _builder_at_work(self, job: Delivery, now: datetime) -> bool:
        """A ``built`` digest whose builder is alive is about to be sent by it: with
        several workers, ``built`` is a passing state, not a crash to resume."""
        if job.reason != "resume":
            return False
        record = self.digests.get(job.profile, job.day)
        if record is None or record.claimed_by in (None, self.owner):
            return False
        liveness = Liveness.of(self.store, self.worker_lease)
        return liveness.alive(record.claimed_by, record.claimed_at, now, DEFAULT_LEASE)

    def deliver(self, job: Delivery) -> JobOutcome:
        """Build (unless the digest has its brief) and send; record the outcome."""
        schedule = self.config.profile(job.profile).schedule
        assert schedule is not None
        name = f"deliver {job.profile} {job.day}"
        started = time.perf_counter()
        logger.info("%s: starting (%s, attempt %d of %d, due %s)", name, job.reason,
                    job.attempt, schedule.max_attempts_per_day, _local(schedule, job.scheduled_for))
        self.stopper.in_job = True
        try:
            outcome = self._deliver(job, schedule, name)
        except JobAbandoned:
            self._finish(job, "failed", "abandoned: the scheduler was stopped mid-job")
            logger.warning("%s: abandoned (stop requested twice); it will be retried", name)
            raise
        except Exception as error:
            self._finish(job, "failed", one_line(error))
            outcome = JobOutcome("deliver", job.profile, "failed", one_line(error), job.day)
            logger.debug("%s failed", name, exc_info=True)
        finally:
            self.stopper.in_job = False
        self._log_end(name, outcome, schedule, time.perf_counter() - started)
        return outcome

    def _deliver(self, job: Delivery, schedule: ScheduleConfig, name: str) -> JobOutcome:
        """One digest through the publish path (``briefing.publishing``), gated by its row."""
        day, now = job.day, self.clock()
        gate = ScheduledDigest(self.digests, job.profile, day, self.clock,
                               schedule.max_attempts_per_day, resume=job.action == "build")
        brief_id = job.brief_id
        if job.action == "build":
            if not self.digests.claim_build(job.profile, day, scheduled_for=job.scheduled_for,
                                            now=now, max_attempts=schedule.max_attempts_per_day):
                return JobOutcome("deliver", job.profile, "taken",
                                  "another process has this digest", day)
            try:
                # In the profile's own time zone: the brief's folder and date are its day.
                result = self.publisher.publish(
                    job.profile, send=schedule.send, digest=gate,
                    now=now.astimezone(ZoneInfo(schedule.timezone)), collect_first=True,
                )
            except NoArticlesError as error:
                self._finish(job, "skipped", f"nothing to brief: {one_line(error)}")
                return JobOutcome("deliver", job.profile, "skipped",
                                  f"nothing to brief: {one_line(error)}", day)
            brief_id = result.brief_id
            if not schedule.send:
                return JobOutcome("deliver", job.profile, "built",
                                  f"brief {brief_id} built (send = false)", day, brief_id)
            delivery = result.delivery
        else:
            assert brief_id is not None
            delivery = self.publisher.deliver(brief_id, digest=gate)
        assert delivery is not None
        if gate.outcome is None:  # the gate refused: another process has it
            return JobOutcome("deliver", job.profile, "taken",
                              delivery.note or "another process has this digest", day, brief_id)
        state, note = gate.outcome
        report = delivery.report
        counts = (f"{len(report.sent)} sent, {len(report.already_sent)} already sent"
                  if report is not None else "nothing sent")
        detail = f"brief {brief_id}: {counts}" + (f"; {note}" if note else "")
        return JobOutcome("deliver", job.profile, "sent" if state == "sent" else "failed",
                          detail, day, brief_id)

    def _finish(self, job: Delivery, state: str, error: str | None) -> None:
        try:
            self.digests.finish(job.profile, job.day, state, self.clock(), error)
        except Exception as failure:  # recover() picks the row up at the next tick
            logger.error("deliver %s %s: cannot record %s: %s", job.profile, job.day, state,
                         one_line(failure))

    def _record_missed(
        self, profile: str, day: date, scheduled_for: datetime, now: datetime
    ) -> JobOutcome:
        schedule = self.config.profile(profile).schedule
        assert schedule is not None
        reason = (
            f"missed: not running at {_local(schedule, scheduled_for)} nor within the "
            f"{schedule.catch_up_grace_minutes}-minute catch-up grace"
        )
        if self.digests.record_missed(profile, day, scheduled_for=scheduled_for, now=now,
                                      reason=reason):
            logger.warning("deliver %s %s: %s; not delivered", profile, day, reason)
        return JobOutcome("missed", profile, "missed", reason, day)

    def _log_end(
        self, name: str, outcome: JobOutcome, schedule: ScheduleConfig, seconds: float
    ) -> None:
        took = f"{seconds:.1f} s"
        if outcome.result == "failed":
            record = self.digests.get(outcome.profile, outcome.day) if outcome.day else None
            retry = next_retry(schedule, record) if record is not None else None
            then = (f"next attempt at {_local(schedule, retry)}" if retry is not None
                    else "giving up for today")
            log = logger.warning if retry is not None else logger.error
            log("%s: failed after %s: %s; %s", name, took, outcome.detail, then)
        elif outcome.result == "skipped":
            logger.warning("%s: skipped after %s: %s", name, took, outcome.detail)
        else:
            logger.info("%s: %s after %s: %s", name, outcome.result, took, outcome.detail)

    # -- collection -------------------------------------------------------------------

    def _web_sources(self, profile: ProfileConfig) -> list[Any]:
        return [s for s in self.config.sources_for(profile) if s.type in _WEB_SOURCE_TYPES]

    def _last_collected(self) -> dict[str, datetime | None]:
        """Each profile with web sources -> its least recent collection attempt (None: never)."""
        if not any(self._web_sources(profile) for profile in self.profiles):
            return {}
        from briefing.collect import source_health

        attempts = {row.name: row.last_attempt for row in source_health(self.store)}
        result: dict[str, datetime | None] = {}
        for profile in self.profiles:
            names = [s.name for s in self._web_sources(profile)]
            if not names:
                continue
            times = [attempts.get(n) for n in names]
            result[profile.name] = None if None in times else min(t for t in times if t)
        return result

    def collect(self, profile_name: str) -> JobOutcome:
        """Fetch one profile's due feed and page sources now; never raises ``Exception``.

        Sources are claimed in batches (``workers.collect_batch``): each is collected
        once per ``collect_every_minutes`` however many workers share the store, and
        workers collecting the same profile at once split its sources between them.
        """
        profile = self.config.profile(profile_name)
        schedule = profile.schedule
        assert schedule is not None
        name = f"collect {profile_name}"
        started = time.perf_counter()
        sources = {s.name: s for s in self._web_sources(profile)}
        logger.info("%s: starting (%d source(s))", name, len(sources))
        self.stopper.in_job = True
        new = claimed_total = 0
        notes: list[str] = []
        try:
            from briefing.collect import collect, failure_note
            from briefing.collect.dedup import NearDuplicateIndex

            # One near-duplicate index for the whole job: loaded once, whatever the batches.
            extra = {} if self._collect else {
                "index": NearDuplicateIndex(self.store, now=self.clock())}
            run = self._collect or collect
            interval = timedelta(minutes=schedule.collect_every_minutes)
            # Alone on a store (SQLite), a worker takes all due sources at once.
            batch = self.config.workers.collect_batch if self.store.several_workers \
                else max(len(sources), 1)
            while not self.stopper.requested:
                now = self.clock()
                left = [SourceRef(s.name, s.type, s.url) for s in sources.values()]
                names = self.store.sources.claim_due(
                    left, owner=self.owner, now=now, interval=interval,
                    live_since=now - self.worker_lease, limit=batch,
                )
                if not names:
                    break
                try:
                    report = run(self.config, self.store, [sources.pop(n) for n in names],
                                 now=now, **extra)
                finally:  # whatever was not recorded (a crash) is free for others again
                    self.store.sources.release(self.owner, names)
                claimed_total += len(names)
                new += report.new
                note = failure_note(report)
                if note:
                    notes.append(note)
        except JobAbandoned:
            logger.warning("%s: abandoned (stop requested twice)", name)
            raise
        except Exception as error:
            logger.warning("%s: failed: %s", name, one_line(error))
            logger.debug("%s failed", name, exc_info=True)
            return JobOutcome("collect", profile_name, "failed", one_line(error))
        finally:
            self.stopper.in_job = False
        if not claimed_total:
            logger.info("%s: nothing to do: another worker has collected these sources", name)
            return JobOutcome("collect", profile_name, "taken",
                              "another worker has collected these sources")
        detail = f"{new} new article(s) from {claimed_total} source(s)"
        if notes:
            detail += f"; {'; '.join(notes)}"
        logger.info("%s: done after %.1f s: %s", name, time.perf_counter() - started, detail)
        return JobOutcome("collect", profile_name, "collected", detail)


def _local(schedule: ScheduleConfig, moment: datetime) -> str:
    """"2026-03-30 07:00 BST" in the schedule's own time zone."""
    return moment.astimezone(zone(schedule)).strftime("%Y-%m-%d %H:%M %Z")
