"""The daemon loop with an injected clock and sleep: daylight saving, surviving job errors,
the `schedule` heartbeat, stop signals. Build and send are stand-ins here (the real ones are
in test_runner.py and test_signals.py), so days of loop time take well under a second."""

from __future__ import annotations

import os
import signal
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
import schedule
from recorded import placeholder_brief

from briefing.config import Config
from briefing.deliver import SendReport
from briefing.schedule import ClockedJob, Stopper, run_scheduler
from briefing.storage import Storage, open_storage

from .conftest import RECIPIENTS, FakeClock, digest_rows, scheduled_config, utc


@dataclass
class Built:
    brief_id: int
    folder: Path
    brief: None = None  # no brief.json written: the archive update has nothing to take


class FakePipeline:
    """build/send stand-ins that record when they ran; the build records a real brief row."""

    def __init__(self, config: Config, clock: FakeClock) -> None:
        self.config, self.clock = config, clock
        self.builds: list[datetime] = []
        self.sends: list[int] = []
        self.fail_builds: list[BaseException] = []
        self.during_send: Callable[[], None] | None = None

    def build(self, config: Config, *, profile: str, now: datetime, collect_first: bool) -> Built:
        self.builds.append(now)
        if self.fail_builds:
            raise self.fail_builds.pop(0)
        with open_storage(config.paths.store) as store:
            brief_id = placeholder_brief(store, profile, now)
        return Built(brief_id, config.paths.out / profile / now.date().isoformat())

    def send(self, config: Config, store: Storage, brief_id: int, **_: Any) -> SendReport:
        self.sends.append(brief_id)
        if self.during_send:
            self.during_send()
        return SendReport(brief_id=brief_id, profile="morning", sent=list(RECIPIENTS))


def run_loop(config: Config, start: datetime, end: datetime, *, tick: int = 600,
             **kwargs: Any) -> tuple[FakePipeline, Any]:
    clock = FakeClock(start)
    stopper = Stopper()
    fake = kwargs.pop("fake", None) or FakePipeline(config, clock)

    def sleep(seconds: float) -> None:
        clock.sleep(seconds)
        if clock() >= end:
            stopper.request("test over")

    report = run_scheduler(config, clock=clock, sleep=sleep, stopper=stopper, tick_seconds=tick,
                           handle_signals=False, build=fake.build, send=fake.send, **kwargs)
    return fake, report


@pytest.mark.parametrize(
    ("start", "end", "expected"),
    [
        # Spring: Friday 07:00 GMT = 07:00 UTC; Monday 07:00 BST = 06:00 UTC.
        (utc(2026, 3, 27, 5, 0), utc(2026, 3, 30, 9, 0),
         [utc(2026, 3, 27, 7, 0), utc(2026, 3, 30, 6, 0)]),
        # Autumn: Friday 07:00 BST = 06:00 UTC; Monday 07:00 GMT = 07:00 UTC.
        (utc(2026, 10, 23, 5, 0), utc(2026, 10, 26, 9, 0),
         [utc(2026, 10, 23, 6, 0), utc(2026, 10, 26, 7, 0)]),
    ],
)
def test_the_loop_delivers_at_0700_london_across_the_clock_change(
    tmp_path: Path, start: datetime, end: datetime, expected: list[datetime]
) -> None:
    _, config = scheduled_config(tmp_path, None)
    fake, report = run_loop(config, start, end)
    assert fake.builds == expected  # each on the first tick at its time, and once
    assert len(fake.sends) == 2 and report.failed == 0
    rows = digest_rows(config.paths.store)
    assert [r["local_date"] for r in rows if r["state"] == "sent"] == [
        expected[0].date().isoformat(), expected[1].date().isoformat()
    ]
    # Thursday's was due before the scheduler first ran on this (new) store: the
    # schedule did not exist yet, so nothing is reported or recorded as missed.
    assert [r for r in rows if r["local_date"] < expected[0].date().isoformat()] == []


def test_a_job_that_raises_never_kills_the_daemon_and_is_retried(tmp_path: Path) -> None:
    _, config = scheduled_config(tmp_path, None, schedule={"retry_every_minutes": 20})
    start = utc(2026, 3, 30, 5, 50)
    fake = FakePipeline(config, FakeClock(start))
    fake.fail_builds = [RuntimeError("LLM endpoint down"), KeyError("surprise")]
    fake, report = run_loop(config, start, utc(2026, 3, 30, 8, 0), tick=60, fake=fake)
    assert fake.builds == [utc(2026, 3, 30, 6, 0), utc(2026, 3, 30, 6, 20),
                           utc(2026, 3, 30, 6, 40)]
    assert report.failed == 2 and len(fake.sends) == 1
    [row] = digest_rows(config.paths.store)
    assert (row["state"], row["attempts"], row["last_error"]) == ("sent", 3, None)


def test_failures_stop_at_the_maximum_attempts(tmp_path: Path) -> None:
    _, config = scheduled_config(tmp_path, None, schedule={"max_attempts_per_day": 2,
                                                           "retry_every_minutes": 10})
    start = utc(2026, 3, 30, 5, 59)
    fake = FakePipeline(config, FakeClock(start))
    fake.fail_builds = [RuntimeError("down")] * 5
    fake, report = run_loop(config, start, utc(2026, 3, 30, 12, 0), tick=60, fake=fake)
    assert len(fake.builds) == 2 and report.failed == 2
    [row] = digest_rows(config.paths.store)
    assert (row["state"], row["attempts"]) == ("failed", 2)
    assert row["last_error"] == "RuntimeError: down"


def test_clocked_job_follows_the_injected_clock() -> None:
    clock = FakeClock(utc(2026, 1, 1, 0, 0))
    runs: list[datetime] = []
    scheduler = schedule.Scheduler()
    ClockedJob(90, scheduler, clock).seconds.do(lambda: runs.append(clock()))
    scheduler.run_pending()
    assert runs == []
    clock.advance(seconds=89)
    scheduler.run_pending()
    assert runs == []
    clock.advance(seconds=1)
    scheduler.run_pending()
    assert runs == [utc(2026, 1, 1, 0, 1, 30)]
    assert scheduler.get_next_run() == utc(2026, 1, 1, 0, 3, 0)
    with pytest.raises(schedule.ScheduleValueError):
        ClockedJob(1, scheduler, clock).days.do(lambda: None)


def test_sigterm_during_a_job_finishes_it_then_stops(tmp_path: Path) -> None:
    _, config = scheduled_config(tmp_path, None)
    clock = FakeClock(utc(2026, 3, 30, 6, 0))
    fake = FakePipeline(config, clock)
    fake.during_send = lambda: os.kill(os.getpid(), signal.SIGTERM)
    before = signal.getsignal(signal.SIGTERM)
    report = run_scheduler(config, clock=clock, sleep=clock.sleep, build=fake.build,
                           send=fake.send)
    assert not report.abandoned and report.ticks == 1 and clock.slept == []
    assert digest_rows(config.paths.store)[0]["state"] == "sent"
    assert signal.getsignal(signal.SIGTERM) is before  # handlers restored


def test_a_second_signal_abandons_the_job_and_it_is_retried(tmp_path: Path) -> None:
    _, config = scheduled_config(tmp_path, None)
    clock = FakeClock(utc(2026, 3, 30, 6, 0))
    fake = FakePipeline(config, clock)

    def two_signals() -> None:
        os.kill(os.getpid(), signal.SIGINT)
        os.kill(os.getpid(), signal.SIGTERM)
        raise AssertionError("the second signal should have abandoned the job")

    fake.during_send = two_signals
    report = run_scheduler(config, once=True, clock=clock, build=fake.build, send=fake.send)
    assert report.abandoned
    [row] = digest_rows(config.paths.store)
    assert row["state"] == "failed" and "abandoned" in row["last_error"]
    # Next start: retried (the same brief, not a new build) once the retry time comes.
    fake.during_send = None
    clock.advance(minutes=30)
    again = run_scheduler(config, once=True, clock=clock, build=fake.build, send=fake.send)
    assert [o.result for o in again.outcomes] == ["sent"]
    assert len(fake.builds) == 1 and fake.sends == [row["brief_id"]] * 2


def test_no_scheduled_profile_is_a_clear_error(tmp_path: Path, config: Config) -> None:
    from briefing.errors import ConfigError

    with pytest.raises(ConfigError, match=r"no profile has a schedule"):
        run_scheduler(config, once=True, handle_signals=False)
    assert not Path(f"{config.paths.store}.schedule.lock").exists()
