"""The scheduler's loop, its stop signals, and ``run_scheduler`` (what the CLI calls).

::

    run_scheduler(config, once=False)
      SQLite: lock <store>.schedule.lock ──> open store ──> SIGINT/SIGTERM handlers
      PostgreSQL:                            open store ──> handlers ──> worker heartbeat
        --once:  Runner.run_due() once, exit
        daemon:  Runner.run_due() at start (catch-up), then the `schedule` package
                 wakes the loop every `tick_seconds` to run it again, until stopped

Decisions:

* The ``schedule`` package drives the repetition: one heartbeat job,
  ``every(tick_seconds).seconds``. *What* is due comes from ``plan.py`` on each
  beat, never from ``schedule``'s own ``.at(time, tz)`` (daylight-saving
  bugs) nor from its intervals (they restart with the process). The heartbeat
  is a ``ClockedJob``: a ``schedule.Job`` that reads the injected clock instead
  of the wall clock, so tests run the real loop with a fake clock and a fake
  sleep, and no test sleeps.
* **Stopping.** The first SIGINT or SIGTERM sets the stop flag: the job in
  hand finishes (its digest is recorded), no further job starts, the loop
  exits with status 0. A second signal while a job runs abandons it at once
  (``JobAbandoned``): the digest is recorded ``failed`` and retried at the next
  start, and an email cut off mid-send is ``unknown`` in the outbox, never
  resent by itself. A SIGKILL (systemd's last resort) leaves the digest
  ``building``/``sending``; the next start recovers it the same way (on a shared
  PostgreSQL store, any other worker does, one worker lease later).
* Handlers are installed only in the main thread (``signal.signal`` allows
  nothing else) and restored on exit: the library never keeps them.
* **Delivery problems are loud.** A message that failed or whose fate is
  unknown, and that nobody has resent or dismissed (``briefing.deliver.
  delivery_problems``), is logged as an error: by the daemon when it first
  sees it (at start, then after each tick), and by ``--once`` in
  ``RunReport.problems`` every run, for the CLI to print and exit 1 on.
"""

from __future__ import annotations

import logging
import signal
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import ExitStack, contextmanager, nullcontext
from dataclasses import dataclass, field
from datetime import timedelta
from types import FrameType
from typing import TYPE_CHECKING, Any

import schedule

from briefing.config import Config, is_store_url
from briefing.errors import ConfigError
from briefing.schedule.lock import SchedulerLock, lock_path
from briefing.schedule.plan import next_delivery, scheduled_profiles, zone
from briefing.schedule.runner import (
    Clock,
    JobAbandoned,
    JobOutcome,
    Runner,
    Stopper,
    one_line,
    utc_now,
)
from briefing.schedule.workers import WorkerHeartbeat
from briefing.storage import open_storage

if TYPE_CHECKING:
    from briefing.deliver import DeliveryProblem

logger = logging.getLogger(__name__)

#: How often the daemon asks the plan what is due.
TICK_SECONDS = 30


class ClockedJob(schedule.Job):
    """A ``schedule`` interval job timed by an injected clock instead of the wall clock.

    ``schedule`` reads ``datetime.now()`` in ``should_run``, ``run`` and
    ``_schedule_next_run``; those three are all an interval job needs, and all
    that is overridden. Time-of-day features (``.at``, ``.until``, ``.to``) are
    refused: the plan handles clock times.
    """

    def __init__(self, interval: int, scheduler: schedule.Scheduler, clock: Clock) -> None:
        super().__init__(interval, scheduler)
        self._clock = clock

    @property
    def should_run(self) -> bool:
        return self.next_run is not None and self._clock() >= self.next_run

    def run(self) -> Any:
        assert self.job_func is not None
        result = self.job_func()
        self.last_run = self._clock()
        self._schedule_next_run()
        return result

    def _schedule_next_run(self) -> None:
        if self.unit not in ("seconds", "minutes", "hours"):
            raise schedule.ScheduleValueError(f"ClockedJob supports seconds, minutes and hours, "
                                              f"not {self.unit!r}")
        if self.at_time is not None or self.latest is not None or self.cancel_after is not None:
            raise schedule.ScheduleValueError("ClockedJob runs at fixed intervals only")
        self.period = timedelta(**{self.unit: self.interval})
        self.next_run = self._clock() + self.period


@dataclass
class RunReport:
    """What a scheduler run did (outcomes are kept for ``--once`` only)."""

    once: bool
    ticks: int = 0
    jobs: int = 0
    failed: int = 0
    abandoned: bool = False
    outcomes: list[JobOutcome] = field(default_factory=list)
    #: Messages of the scheduled profiles that failed or may not have arrived, not yet
    #: resent or dismissed (``--once``: as the run left them).
    problems: list[DeliveryProblem] = field(default_factory=list)


class Daemon:
    """The long-running loop around a ``Runner``; ``clock`` and ``sleep`` are injectable."""

    def __init__(
        self,
        runner: Runner,
        *,
        clock: Clock = utc_now,
        sleep: Callable[[float], None] | None = None,
        tick_seconds: int = TICK_SECONDS,
    ) -> None:
        self.runner = runner
        self.stopper = runner.stopper
        self.clock = clock
        self.sleep = sleep or self.stopper.sleep
        self.scheduler = schedule.Scheduler()
        self.heartbeat = ClockedJob(tick_seconds, self.scheduler, clock).seconds.do(self.tick)
        self.report = RunReport(once=False)
        #: The problems already logged (each is logged once, when first seen).
        self._reported: set[tuple[int, str, str]] = set()

    def tick(self) -> None:
        try:
            result = self.runner.run_due()
        except JobAbandoned:
            raise
        except Exception as error:  # run_due already guards; this is the last line
            logger.error("scheduler tick failed: %s", one_line(error))
            return
        self.report.ticks += 1
        self.report.jobs += sum(1 for o in result.outcomes if o.kind != "missed")
        self.report.failed += len(result.failed)
        self.log_problems()

    def log_problems(self) -> None:
        """Log, as errors, the delivery problems not logged yet; forget solved ones."""
        problems = problems_of(self.runner)
        current = {(p.brief_id, p.recipient, p.state): p for p in problems}
        for key, problem in current.items():
            if key not in self._reported:
                logger.error("%s", problem.line())
        self._reported = set(current)
        self.report.problems = problems

    def run(self) -> RunReport:
        self._log_start()
        try:
            self.tick()  # catch up at once: whatever fell due while nothing ran
            while not self.stopper.requested:
                self.scheduler.run_pending()
                if self.stopper.requested:
                    break
                next_run = self.scheduler.get_next_run()
                wait = (next_run - self.clock()).total_seconds() if next_run else TICK_SECONDS
                self.sleep(max(wait, 0.0))
        except JobAbandoned:
            self.report.abandoned = True
        logger.info("scheduler stopped (%s)", self.stopper.reason or "done")
        return self.report

    def _log_start(self) -> None:
        now = self.clock()
        for profile in self.runner.profiles:
            plan = profile.schedule
            assert plan is not None
            upcoming = next_delivery(plan, now).astimezone(zone(plan))
            logger.info(
                "scheduler: %s at %s %s on %s (next %s); collecting every %d min",
                profile.name, plan.deliver_at, plan.timezone, ",".join(plan.days),
                upcoming.strftime("%Y-%m-%d %H:%M %Z"), plan.collect_every_minutes,
            )


@contextmanager
def stop_on_signals(stopper: Stopper) -> Iterator[None]:
    """SIGINT/SIGTERM: first, stop after the job in hand; second, abandon it."""
    if threading.current_thread() is not threading.main_thread():
        yield  # signal.signal works in the main thread only; the caller stops us itself
        return

    def handle(signum: int, frame: FrameType | None) -> None:
        name = signal.Signals(signum).name
        if stopper.requested and stopper.in_job and not stopper.abandoned:
            stopper.abandoned = True
            logger.warning("%s again: abandoning the job in hand", name)
            raise JobAbandoned(name)
        if not stopper.requested:
            stopper.request(name)
            if stopper.in_job:
                logger.warning("%s: stopping after the job in hand (send it again to abandon "
                               "the job)", name)
            else:
                logger.info("%s: stopping", name)

    previous = {sig: signal.signal(sig, handle) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def run_scheduler(
    config: Config,
    *,
    profiles: Sequence[str] = (),
    once: bool = False,
    lock_wait: float = 0.0,
    clock: Clock = utc_now,
    sleep: Callable[[float], None] | None = None,
    tick_seconds: int = TICK_SECONDS,
    stopper: Stopper | None = None,
    handle_signals: bool = True,
    **seams: Any,
) -> RunReport:
    """``briefing schedule [--once]``: run due jobs once or until stopped.

    On SQLite the store's file lock is taken first (one scheduler per store); on
    PostgreSQL any number of schedulers may run, each beating as a worker
    (``briefing.schedule.workers``). Raises ``ConfigError`` when no profile (or a
    named one) has a schedule, and ``LockHeldError`` when another scheduler holds
    an SQLite store's lock. ``seams`` (``build``,
    ``send``, ``collect_sources``) pass through to ``Runner``.
    """
    chosen = scheduled_profiles(config, profiles)
    if not chosen:
        where = config.file or "briefing.toml"
        raise ConfigError(
            f"{where}: no profile has a schedule (add [profiles.NAME.schedule] with "
            "deliver_at and timezone)"
        )
    stopper = stopper or Stopper()
    with ExitStack() as stack:
        if not is_store_url(config.paths.store):
            # SQLite: one scheduler per store file, kept so by an OS file lock.
            lock = stack.enter_context(SchedulerLock(lock_path(config.paths.store)))
            lock.acquire(wait=lock_wait)
        store = stack.enter_context(open_storage(config.paths.store))
        stack.enter_context(stop_on_signals(stopper) if handle_signals else nullcontext())
        runner = Runner(config, store, profiles=[p.name for p in chosen], clock=clock,
                        stopper=stopper, **seams)
        if store.several_workers:
            lease = timedelta(seconds=config.workers.lease_seconds)
            stack.enter_context(WorkerHeartbeat(store, runner.owner, lease=lease, clock=clock))
        if not once:
            daemon = Daemon(runner, clock=clock, sleep=sleep, tick_seconds=tick_seconds)
            return daemon.run()
        return _run_once(runner)


def _run_once(runner: Runner) -> RunReport:
    report = RunReport(once=True)
    try:
        result = runner.run_due()
    except JobAbandoned:
        report.abandoned = True
        return report
    report.ticks, report.outcomes = 1, result.outcomes
    report.jobs = sum(1 for o in result.outcomes if o.kind != "missed")
    report.failed = len(result.failed)
    report.problems = problems_of(runner)
    return report


def problems_of(runner: Runner) -> list[DeliveryProblem]:
    """The runner's profiles' unresolved delivery problems; never raises ``Exception``."""
    from briefing.deliver import delivery_problems  # the renderer's imports: only here

    try:
        return delivery_problems(runner.config, runner.store, [p.name for p in runner.profiles])
    except Exception as error:  # a store that fails is logged; the run goes on
        logger.error("cannot list delivery problems: %s", one_line(error))
        return []
