"""What is due now: a pure function of (config, digest records, last collections, now).

No I/O and no clock: the caller passes ``now`` (an aware datetime), so tests
drive every rule with an injected clock, and the daemon and ``--once`` decide
alike. The ``schedule`` package only wakes the daemon up; it never decides
*what* runs (its ``.at(time, tz)`` has had daylight-saving bugs, and its
intervals count from process start, which a restart loses).

Rules (decisions):

* **Delivery time.** Day D's digest is due at ``deliver_at`` on D in the
  schedule's time zone, converted to UTC with ``zoneinfo``: 07:00
  Europe/London is 07:00 UTC in winter and 06:00 UTC in summer. A time that
  does not exist that day (inside the spring-forward gap, 01:30 on the last
  Sunday of March in London) is read with the offset before the gap, which
  lands after it (02:30 BST); a time that happens twice (the autumn repeat)
  goes out at its first occurrence. Only days listed in ``days`` count.
* **Catch-up.** A first attempt is due from the delivery time until
  ``catch_up_grace_minutes`` after it, so a scheduler that was down at 07:00
  and starts at 08:30 delivers at once. Later than that the delivery is
  *missed*: reported (and recorded as ``skipped``), never made; unless it was
  due before the scheduler first ran for the profile on this store
  (``first_run``): a schedule that did not exist yet missed nothing.
* **Never doubled.** A digest with a record is never started afresh: ``sent``
  and ``skipped`` are final, and so is ``built`` when the schedule does not
  send; ``building``/``sending`` belong to a job in progress (stale ones are
  recovered by ``Digests.recover`` before planning).
* **Retries.** A ``failed`` digest is due again ``retry_every_minutes`` after
  the failure (at once when it failed because its process stopped: another
  worker takes it over), up to ``max_attempts_per_day`` attempts in all, until the end
  of its local day (or the end of its grace window, when that runs past
  midnight). A digest whose brief exists is *sent* again, never rebuilt. A
  ``built`` digest whose send never started (a crash in between) is resumed.
* **Days looked at.** Local today and yesterday (so a missed digest of
  yesterday is reported once), and further back only as far as the grace
  window reaches.
* **Collection.** A profile's feed and page sources are due for collection
  when the least recently attempted of them was attempted
  ``collect_every_minutes`` ago or more, or never. The store's source health
  table says when, so this too survives restarts and works with ``--once``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Literal
from zoneinfo import ZoneInfo

from briefing.config import SCHEDULE_DAYS, Config, ProfileConfig, ScheduleConfig
from briefing.errors import ConfigError, ScheduleError
from briefing.schedule.digests import DigestRecord

#: A first attempt this close to the delivery time is "on time"; later, a "catch-up".
ON_TIME = timedelta(minutes=5)

Action = Literal["build", "send"]
Reason = Literal["on time", "catch-up", "retry", "resume"]


@dataclass(frozen=True, slots=True)
class Delivery:
    """A digest to build (and send), or to send again, now."""

    profile: str
    day: date
    #: The delivery time, in UTC.
    scheduled_for: datetime
    action: Action
    reason: Reason
    #: The number this attempt will have (1 for the first).
    attempt: int
    #: The brief to send again (action "send").
    brief_id: int | None = None


@dataclass(frozen=True, slots=True)
class Missed:
    """A delivery whose time passed beyond the catch-up grace with no attempt."""

    profile: str
    day: date
    scheduled_for: datetime


@dataclass(frozen=True, slots=True)
class Plan:
    deliveries: tuple[Delivery, ...] = ()
    missed: tuple[Missed, ...] = ()
    #: Profiles whose feed and page sources are due for collection.
    collections: tuple[str, ...] = ()


# -- clock arithmetic ------------------------------------------------------------------


def zone(schedule: ScheduleConfig) -> ZoneInfo:
    return ZoneInfo(schedule.timezone)


def clock_time(schedule: ScheduleConfig) -> time:
    hours, minutes = schedule.deliver_at.split(":")
    return time(int(hours), int(minutes))


def local_day(schedule: ScheduleConfig, moment: datetime) -> date:
    """The date ``moment`` falls on in the schedule's time zone."""
    return _aware(moment).astimezone(zone(schedule)).date()


def delivers_on(schedule: ScheduleConfig, day: date) -> bool:
    return SCHEDULE_DAYS[day.weekday()] in schedule.days


def delivery_time(schedule: ScheduleConfig, day: date) -> datetime:
    """When day ``day``'s digest is due, in UTC (see the module notes on DST)."""
    local = datetime.combine(day, clock_time(schedule), tzinfo=zone(schedule))
    return local.astimezone(UTC)


def day_end(schedule: ScheduleConfig, day: date) -> datetime:
    """Local midnight after ``day``, in UTC (a day is 23 or 25 hours long at a clock change)."""
    return datetime.combine(day + timedelta(days=1), time(0), tzinfo=zone(schedule)).astimezone(UTC)


def retry_deadline(schedule: ScheduleConfig, day: date) -> datetime:
    """Attempts on ``day``'s digest stop here: its local midnight, or its grace end if later."""
    grace_end = delivery_time(schedule, day) + timedelta(minutes=schedule.catch_up_grace_minutes)
    return max(day_end(schedule, day), grace_end)


def next_retry(schedule: ScheduleConfig, record: DigestRecord) -> datetime | None:
    """When a failed digest will be tried again, or None when it will not (today)."""
    if record.state != "failed" or record.attempts >= schedule.max_attempts_per_day:
        return None
    # A digest whose process stopped (a worker killed) is taken over at once: the
    # failure was the process's, not the digest's.
    wait = timedelta(0) if record.interrupted else timedelta(minutes=schedule.retry_every_minutes)
    at = record.updated_at + wait
    return at if at < retry_deadline(schedule, record.local_date) else None


def next_delivery(schedule: ScheduleConfig, now: datetime) -> datetime:
    """The first delivery time strictly after ``now`` (for the log)."""
    day = local_day(schedule, now)
    for offset in range(8):
        candidate = day + timedelta(days=offset)
        if delivers_on(schedule, candidate) and delivery_time(schedule, candidate) > now:
            return delivery_time(schedule, candidate)
    raise ScheduleError("no delivery day in a week")  # config validation forbids it


# -- what is due -----------------------------------------------------------------------


def profile_plan(
    profile: str,
    schedule: ScheduleConfig,
    records: Mapping[date, DigestRecord],
    now: datetime,
    first_run: datetime | None = None,
) -> tuple[list[Delivery], list[Missed]]:
    """One profile's due deliveries and newly missed ones, oldest day first.

    ``first_run``: when the scheduler first ran for this profile; nothing due
    before it is missed.
    """
    now = _aware(now)
    grace = timedelta(minutes=schedule.catch_up_grace_minutes)
    today = local_day(schedule, now)
    first = min(today - timedelta(days=1), local_day(schedule, now - grace))
    deliveries: list[Delivery] = []
    missed: list[Missed] = []
    day = first
    while day <= today:
        current, day = day, day + timedelta(days=1)
        if not delivers_on(schedule, current):
            continue
        due_at = delivery_time(schedule, current)
        if due_at > now:
            continue
        record = records.get(current)
        if record is None:
            if now < due_at + grace:
                reason: Reason = "on time" if now - due_at < ON_TIME else "catch-up"
                deliveries.append(Delivery(profile, current, due_at, "build", reason, 1))
            elif current >= today - timedelta(days=1) and (
                first_run is None or due_at >= first_run
            ):
                missed.append(Missed(profile, current, due_at))
            continue
        again = _again(schedule, record, due_at, now)
        if again is not None:
            deliveries.append(again)
    return deliveries, missed


def _again(
    schedule: ScheduleConfig, record: DigestRecord, due_at: datetime, now: datetime
) -> Delivery | None:
    """The next attempt on a digest that has a record, if one is due now."""
    if record.attempts >= schedule.max_attempts_per_day:
        return None
    if now >= retry_deadline(schedule, record.local_date):
        return None
    attempt = record.attempts + 1
    if record.state == "built" and schedule.send and record.brief_id is not None:
        return Delivery(record.profile, record.local_date, due_at, "send", "resume", attempt,
                        record.brief_id)
    if record.state == "failed":
        retry_at = next_retry(schedule, record)
        if retry_at is None or now < retry_at:
            return None
        action: Action = "send" if record.brief_id is not None else "build"
        return Delivery(record.profile, record.local_date, due_at, action, "retry", attempt,
                        record.brief_id)
    return None  # sent, skipped, built without sending, or in progress


def collection_due(
    schedule: ScheduleConfig, last_collected: datetime | None, now: datetime
) -> bool:
    if last_collected is None:
        return True
    return _aware(now) - last_collected >= timedelta(minutes=schedule.collect_every_minutes)


def make_plan(
    config: Config,
    records: Iterable[DigestRecord],
    now: datetime,
    *,
    profiles: Sequence[str] | None = None,
    last_collected: Mapping[str, datetime | None] | None = None,
    first_runs: Mapping[str, datetime] | None = None,
) -> Plan:
    """Everything due at ``now`` for ``profiles`` (default: every scheduled profile).

    ``last_collected`` maps each profile that has feed or page sources to its
    least recent collection attempt (None: never); profiles absent from it
    have nothing to collect. ``first_runs`` maps profiles to the scheduler's
    first run on this store: deliveries due before it are never missed.
    """
    chosen = scheduled_profiles(config, profiles)
    by_key = {(r.profile, r.local_date): r for r in records}
    deliveries: list[Delivery] = []
    missed: list[Missed] = []
    collections: list[str] = []
    for profile in chosen:
        assert profile.schedule is not None
        mine = {day: r for (name, day), r in by_key.items() if name == profile.name}
        due, gone = profile_plan(profile.name, profile.schedule, mine, now,
                                 (first_runs or {}).get(profile.name))
        deliveries += due
        missed += gone
        if (
            last_collected is not None
            and profile.name in last_collected
            and collection_due(profile.schedule, last_collected[profile.name], now)
        ):
            collections.append(profile.name)
    deliveries.sort(key=lambda d: (d.scheduled_for, d.profile))
    return Plan(tuple(deliveries), tuple(missed), tuple(collections))


def scheduled_profiles(
    config: Config, names: Sequence[str] | None = None
) -> list[ProfileConfig]:
    """The profiles to schedule: ``names`` (each must have a schedule), or all that have one."""
    if names:
        chosen = [config.profile(name) for name in dict.fromkeys(names)]
        for profile in chosen:
            if profile.schedule is None:
                where = config.file or "briefing.toml"
                raise ConfigError(
                    f"{where}: profile {profile.name!r} has no schedule "
                    f"(add a [profiles.{profile.name}.schedule] table)"
                )
        return chosen
    return [p for p in config.profiles.values() if p.schedule is not None]


def earliest_day(config: Config, profiles: Sequence[ProfileConfig], now: datetime) -> date:
    """The oldest local date any plan at ``now`` looks at (to load only those records)."""
    days = [
        local_day(p.schedule, _aware(now) - timedelta(minutes=p.schedule.catch_up_grace_minutes))
        for p in profiles if p.schedule is not None
    ]
    return min(days, default=_aware(now).date()) - timedelta(days=2)


def _aware(moment: datetime) -> datetime:
    if moment.tzinfo is None:
        raise ValueError("the scheduler's clock must give aware datetimes")
    return moment
