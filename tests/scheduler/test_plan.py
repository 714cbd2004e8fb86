"""plan.py: what is due, as a pure function of (schedule, records, now). No store, no clock."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from briefing.config import Config, ProfileConfig, ScheduleConfig
from briefing.errors import ConfigError
from briefing.schedule.digests import DigestRecord
from briefing.schedule.plan import (
    collection_due,
    delivery_time,
    make_plan,
    next_delivery,
    next_retry,
    profile_plan,
)

from .conftest import utc

LONDON = ScheduleConfig(deliver_at="07:00", timezone="Europe/London",
                        days=("mon", "tue", "wed", "thu", "fri"))
MONDAY = date(2026, 3, 30)  # the day after the clocks went forward: 07:00 BST = 06:00 UTC


def record(day: date, state: str, *, attempts: int = 1, brief_id: int | None = None,
           updated_at: datetime | None = None, profile: str = "morning") -> DigestRecord:
    return DigestRecord(
        profile=profile, local_date=day, state=state, brief_id=brief_id, attempts=attempts,
        origin="schedule", scheduled_for=None, claimed_by=None, claimed_at=None,
        last_error=None, updated_at=updated_at or utc(2026, 3, 30, 6, 1), sent_at=None,
    )


def due(schedule: ScheduleConfig, now: datetime, *records: DigestRecord) -> list[tuple]:
    deliveries, _ = profile_plan("morning", schedule, {r.local_date: r for r in records}, now)
    return [(d.day, d.action, d.reason, d.attempt) for d in deliveries]


def missed(schedule: ScheduleConfig, now: datetime, *records: DigestRecord) -> list[date]:
    _, gone = profile_plan("morning", schedule, {r.local_date: r for r in records}, now)
    return [m.day for m in gone]


# -- due and not due ------------------------------------------------------------------------


def test_not_due_before_the_time_and_due_from_it() -> None:
    assert due(LONDON, utc(2026, 3, 30, 5, 59, 59)) == []
    assert due(LONDON, utc(2026, 3, 30, 6, 0)) == [(MONDAY, "build", "on time", 1)]
    assert due(LONDON, utc(2026, 3, 30, 6, 4)) == [(MONDAY, "build", "on time", 1)]


def test_days_of_the_week() -> None:
    saturday = utc(2026, 4, 4, 8, 0)  # 09:00 BST on a Saturday: not a weekday
    friday = record(date(2026, 4, 3), "sent")
    assert due(LONDON, saturday, friday) == [] and missed(LONDON, saturday, friday) == []
    weekends = replace(LONDON, days=("sat", "sun"))
    assert due(weekends, saturday) == [(date(2026, 4, 4), "build", "catch-up", 1)]
    assert due(weekends, utc(2026, 3, 30, 6, 0)) == []


def test_next_delivery_skips_days_off() -> None:
    friday_evening = utc(2026, 4, 3, 18, 0)
    assert next_delivery(LONDON, friday_evening) == utc(2026, 4, 6, 6, 0)  # Monday 07:00 BST


# -- catch-up -----------------------------------------------------------------------------


def test_a_missed_run_is_caught_up_within_the_grace_and_not_beyond() -> None:
    # Down at 07:00; started at 09:59 BST: within the 180-minute grace.
    assert due(LONDON, utc(2026, 3, 30, 8, 59)) == [(MONDAY, "build", "catch-up", 1)]
    assert missed(LONDON, utc(2026, 3, 30, 8, 59)) == []
    # Started at 10:00 BST: beyond it. Missed, reported, never made.
    assert due(LONDON, utc(2026, 3, 30, 9, 0)) == []
    assert missed(LONDON, utc(2026, 3, 30, 9, 0)) == [MONDAY]
    shorter = replace(LONDON, catch_up_grace_minutes=30)
    assert due(shorter, utc(2026, 3, 30, 6, 29)) == [(MONDAY, "build", "catch-up", 1)]
    assert due(shorter, utc(2026, 3, 30, 6, 30)) == []


def test_a_late_evening_digest_is_caught_up_after_midnight() -> None:
    late = replace(LONDON, deliver_at="23:30", days=("mon", "tue", "wed", "thu", "fri", "sat",
                                                     "sun"))
    # 01:00 BST on Tuesday: Monday's 23:30 digest is 90 minutes late, within the grace.
    assert due(late, utc(2026, 3, 31, 0, 0)) == [(MONDAY, "build", "catch-up", 1)]


def test_yesterdays_missed_digest_is_reported_once_then_recorded() -> None:
    tuesday_early = utc(2026, 3, 31, 5, 0)  # 06:00 BST: Monday's was never made
    assert missed(LONDON, tuesday_early) == [MONDAY]
    assert missed(LONDON, tuesday_early, record(MONDAY, "skipped", attempts=0)) == []


# -- never doubled -----------------------------------------------------------------------------


@pytest.mark.parametrize("state", ["sent", "skipped", "building", "sending"])
def test_a_recorded_digest_is_never_started_again(state: str) -> None:
    at = utc(2026, 3, 30, 6, 40)
    assert due(LONDON, at, record(MONDAY, state)) == []
    assert missed(LONDON, at, record(MONDAY, state)) == []
    assert due(LONDON, at + timedelta(hours=10), record(MONDAY, state)) == []


def test_a_built_digest_is_sent_not_rebuilt_and_only_when_the_schedule_sends() -> None:
    built = record(MONDAY, "built", brief_id=7)
    assert due(LONDON, utc(2026, 3, 30, 6, 10), built) == [(MONDAY, "send", "resume", 2)]
    assert due(replace(LONDON, send=False), utc(2026, 3, 30, 6, 10), built) == []


# -- retries ----------------------------------------------------------------------------------


def test_a_failed_digest_is_retried_later_the_same_day_up_to_the_maximum() -> None:
    failed_at = utc(2026, 3, 30, 6, 1)
    failed = record(MONDAY, "failed", updated_at=failed_at)
    assert due(LONDON, failed_at + timedelta(minutes=29), failed) == []
    assert due(LONDON, failed_at + timedelta(minutes=30), failed) == [
        (MONDAY, "build", "retry", 2)
    ]
    # With its brief built (the send failed), the retry sends that brief again.
    sent_half = record(MONDAY, "failed", brief_id=3, updated_at=failed_at)
    deliveries, _ = profile_plan("morning", LONDON, {MONDAY: sent_half},
                                 failed_at + timedelta(hours=1))
    assert [(d.action, d.brief_id) for d in deliveries] == [("send", 3)]
    # Out of attempts: no more today.
    spent = record(MONDAY, "failed", attempts=4, updated_at=failed_at)
    assert due(LONDON, failed_at + timedelta(hours=2), spent) == []
    assert next_retry(LONDON, spent) is None
    assert next_retry(LONDON, failed) == failed_at + timedelta(minutes=30)


def test_retries_stop_at_the_end_of_the_local_day() -> None:
    late_failure = record(MONDAY, "failed", updated_at=utc(2026, 3, 30, 22, 45))  # 23:45 BST
    assert next_retry(LONDON, late_failure) is None  # 00:15 BST is Tuesday
    assert due(LONDON, utc(2026, 3, 30, 23, 16), late_failure) == []


# -- daylight saving ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (date(2026, 3, 28), utc(2026, 3, 28, 7, 0)),   # Saturday before: GMT
        (date(2026, 3, 29), utc(2026, 3, 29, 6, 0)),   # the Sunday itself, after 01:00 UTC: BST
        (date(2026, 3, 30), utc(2026, 3, 30, 6, 0)),   # Monday after: BST
        (date(2026, 10, 24), utc(2026, 10, 24, 6, 0)),  # Saturday before: BST
        (date(2026, 10, 25), utc(2026, 10, 25, 7, 0)),  # the Sunday itself: GMT again
        (date(2026, 10, 26), utc(2026, 10, 26, 7, 0)),  # Monday after: GMT
    ],
)
def test_london_0700_is_0700_local_on_both_sides_of_the_clock_change(
    day: date, expected: datetime
) -> None:
    daily = replace(LONDON, days=("mon", "tue", "wed", "thu", "fri", "sat", "sun"))
    assert delivery_time(daily, day) == expected
    local = expected.astimezone(ZoneInfo("Europe/London"))
    assert (local.hour, local.minute, local.date()) == (7, 0, day)
    # And the plan agrees: due at the instant, not a second before.
    assert (day, "build", "on time", 1) in due(daily, expected)
    assert (day, "build", "on time", 1) not in due(daily, expected - timedelta(seconds=1))


def test_a_time_in_the_spring_gap_goes_out_after_it_and_an_autumn_repeat_once() -> None:
    small_hours = replace(LONDON, deliver_at="01:30", days=("sun",))
    # 01:30 does not exist on 29 March 2026 in London: 02:30 BST, i.e. 01:30 UTC.
    assert delivery_time(small_hours, date(2026, 3, 29)) == utc(2026, 3, 29, 1, 30)
    # 01:30 happens twice on 25 October 2026: the first one, 01:30 BST = 00:30 UTC.
    assert delivery_time(small_hours, date(2026, 10, 25)) == utc(2026, 10, 25, 0, 30)
    first = utc(2026, 10, 25, 0, 30)
    sent = record(date(2026, 10, 25), "sent")
    assert due(small_hours, first + timedelta(hours=1), sent) == []  # not again at 01:30 GMT


def test_moscow_has_no_clock_change() -> None:
    moscow = replace(LONDON, timezone="Europe/Moscow")
    assert delivery_time(moscow, date(2026, 3, 27)) == utc(2026, 3, 27, 4, 0)
    assert delivery_time(moscow, date(2026, 3, 30)) == utc(2026, 3, 30, 4, 0)


# -- collection and the whole plan ---------------------------------------------------------------


def test_collection_is_due_every_n_minutes_or_when_never_done() -> None:
    now = utc(2026, 3, 30, 12, 0)
    assert collection_due(LONDON, None, now)
    assert not collection_due(LONDON, now - timedelta(minutes=59), now)
    assert collection_due(LONDON, now - timedelta(minutes=60), now)


def test_make_plan_covers_only_scheduled_profiles() -> None:
    config = Config(
        profiles={
            "morning": ProfileConfig(name="morning", schedule=LONDON),
            "moscow": ProfileConfig(name="moscow",
                                    schedule=replace(LONDON, timezone="Europe/Moscow")),
            "adhoc": ProfileConfig(name="adhoc"),
        },
        file=Path("briefing.toml"),
    )
    now = utc(2026, 3, 30, 6, 0)
    plan = make_plan(config, [record(MONDAY, "sent", profile="moscow")], now,
                     last_collected={"morning": now - timedelta(hours=2),
                                     "moscow": now - timedelta(minutes=5)})
    assert [(d.profile, d.day) for d in plan.deliveries] == [("morning", MONDAY)]
    assert plan.collections == ("morning",)
    only = make_plan(config, [], now, profiles=["moscow"])
    assert [d.profile for d in only.deliveries] == ["moscow"]
    with pytest.raises(ConfigError, match="profile 'adhoc' has no schedule"):
        make_plan(config, [], now, profiles=["adhoc"])


def test_the_clock_must_be_aware() -> None:
    with pytest.raises(ValueError, match="aware"):
        profile_plan("morning", LONDON, {}, datetime(2026, 3, 30, 6, 0))


def test_a_digest_whose_worker_died_is_due_again_at_once() -> None:
    failed = record(MONDAY, "failed", updated_at=utc(2026, 3, 30, 6, 10))
    now = utc(2026, 3, 30, 6, 11)
    assert due(LONDON, now, failed) == []  # an ordinary failure waits retry_every_minutes
    interrupted = replace(failed, interrupted=True)  # its process stopped: not its fault
    assert due(LONDON, now, interrupted) == [(MONDAY, "build", "retry", 2)]


def test_nothing_due_before_the_first_run_is_ever_missed() -> None:
    tuesday_noon = utc(2026, 3, 31, 11, 0)  # Monday's and Tuesday's 07:00 are beyond grace

    def missed_since(first_run: datetime) -> list[date]:
        _, gone = profile_plan("morning", LONDON, {}, tuesday_noon, first_run)
        return [m.day for m in gone]

    assert missed(LONDON, tuesday_noon) == [MONDAY, MONDAY + timedelta(days=1)]
    assert missed_since(utc(2026, 3, 31, 10, 0)) == []  # first started at 11:00 BST today
    assert missed_since(utc(2026, 3, 30, 12, 0)) == [MONDAY + timedelta(days=1)]
    assert missed_since(utc(2026, 3, 30, 6, 0)) == [MONDAY, MONDAY + timedelta(days=1)]
    # A catch-up within the grace still happens on the very first start.
    _, gone = profile_plan("morning", LONDON, {}, utc(2026, 3, 30, 7, 0), utc(2026, 3, 30, 7, 0))
    deliveries, _ = profile_plan("morning", LONDON, {}, utc(2026, 3, 30, 7, 0),
                                 utc(2026, 3, 30, 7, 0))
    assert gone == [] and [d.reason for d in deliveries] == ["catch-up"]
