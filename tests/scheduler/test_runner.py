"""Scheduled deliveries with real parts: the bundled examples, the extractive engine, a real
SMTP server on loopback, the real store. Only the clock is injected."""

from __future__ import annotations

import logging
from datetime import timedelta
from pathlib import Path

import pytest

from briefing.collect import WEB_SOURCE_TYPES
from briefing.schedule import Stopper, run_scheduler
from briefing.schedule.runner import _WEB_SOURCE_TYPES

from .conftest import (
    RECIPIENTS,
    FakeClock,
    MailServer,
    brief_count,
    digest_rows,
    free_port,
    scheduled_config,
    utc,
)

#: Monday 30 March 2026, 07:00:30 BST: the 07:00 Europe/London digest is due.
MONDAY_0700 = utc(2026, 3, 30, 6, 0, 30)


def test_a_due_run_builds_and_sends_once_and_a_second_run_sends_nothing(
    tmp_path: Path, mail_server: MailServer
) -> None:
    _, config = scheduled_config(tmp_path, mail_server)
    clock = FakeClock(MONDAY_0700)
    report = run_scheduler(config, once=True, clock=clock, handle_signals=False)
    assert [(o.kind, o.result) for o in report.outcomes] == [("deliver", "sent")]
    assert sorted(mail_server.handler.recipients()) == sorted(RECIPIENTS)
    [row] = digest_rows(config.paths.store)
    assert (row["profile"], row["local_date"], row["state"], row["attempts"]) == (
        "morning", "2026-03-30", "sent", 1)
    assert row["brief_id"] and row["scheduled_for"] == "2026-03-30T06:00:00+00:00"
    assert list((config.paths.out / "morning").glob("*/brief.pdf"))

    # `--once` again, later the same day (and the next minute): nothing is due, nothing sent.
    for later in (timedelta(minutes=1), timedelta(hours=3)):
        clock.set(MONDAY_0700 + later)
        again = run_scheduler(config, once=True, clock=clock, handle_signals=False)
        assert again.outcomes == [] and not again.failed
    assert len(mail_server.received) == len(RECIPIENTS)
    assert brief_count(config.paths.store) == 1


def test_not_due_yet_runs_nothing(tmp_path: Path, mail_server: MailServer) -> None:
    _, config = scheduled_config(tmp_path, mail_server)
    report = run_scheduler(config, once=True, clock=FakeClock(MONDAY_0700 - timedelta(minutes=1)),
                           handle_signals=False)
    assert report.outcomes == [] and mail_server.received == []
    assert not (tmp_path / "out" / "morning").exists()


def test_smtp_down_fails_is_recorded_and_the_daemon_retries_the_same_brief_later(
    tmp_path: Path, start_server_on, caplog: pytest.LogCaptureFixture  # type: ignore[no-untyped-def]
) -> None:
    port = free_port()  # nothing listens there yet: the SMTP server is down
    _, config = scheduled_config(tmp_path, None, port=port)
    clock = FakeClock(MONDAY_0700)
    stopper = Stopper()
    servers: list[MailServer] = []

    def sleep(seconds: float) -> None:
        clock.sleep(seconds)
        if clock() >= utc(2026, 3, 30, 6, 15) and not servers:
            servers.append(start_server_on(port))  # the server comes back at 07:15 BST
        if clock() >= utc(2026, 3, 30, 7, 0):
            stopper.request("test over")

    caplog.set_level(logging.INFO, logger="briefing.schedule")
    report = run_scheduler(config, clock=clock, sleep=sleep, stopper=stopper, tick_seconds=60,
                           handle_signals=False)
    assert not report.abandoned and report.failed == 1 and report.ticks >= 59

    failure = [r.getMessage() for r in caplog.records if "failed after" in r.getMessage()]
    assert len(failure) == 1 and "cannot connect" in failure[0]
    assert "next attempt at 2026-03-30 07:30 BST" in failure[0]
    [row] = digest_rows(config.paths.store)
    assert (row["state"], row["attempts"]) == ("sent", 2)
    assert "cannot connect" not in (row["last_error"] or "")
    # The retry sent the brief built at 07:00: not rebuilt, everyone reached once.
    assert brief_count(config.paths.store) == 1
    assert sorted(servers[0].handler.recipients()) == sorted(RECIPIENTS)
    starts = [r.getMessage() for r in caplog.records if "starting (" in r.getMessage()]
    assert [s.split("(")[1].split(",")[0] for s in starts] == ["on time", "retry"]


def test_nothing_new_to_brief_is_skipped_with_its_reason_and_not_retried(
    tmp_path: Path, mail_server: MailServer
) -> None:
    (tmp_path / "empty").mkdir()
    extra = '[[sources]]\nname = "desk"\ntype = "folder"\npath = "empty"\n'
    _, config = scheduled_config(tmp_path, mail_server, extra=extra)
    clock = FakeClock(MONDAY_0700)
    report = run_scheduler(config, once=True, clock=clock, handle_signals=False)
    assert [(o.result, o.failed) for o in report.outcomes] == [("skipped", False)]
    [row] = digest_rows(config.paths.store)
    assert row["state"] == "skipped" and "no usable article" in row["last_error"]
    clock.advance(hours=2)
    assert run_scheduler(config, once=True, clock=clock, handle_signals=False).outcomes == []
    assert mail_server.received == []


def test_a_missed_delivery_beyond_the_grace_is_recorded_not_made(
    tmp_path: Path, mail_server: MailServer
) -> None:
    _, config = scheduled_config(tmp_path, mail_server, schedule={"catch_up_grace_minutes": 60})
    clock = FakeClock(MONDAY_0700 - timedelta(hours=12))  # running since Sunday evening...
    assert run_scheduler(config, once=True, clock=clock, handle_signals=False).outcomes == []
    clock.set(MONDAY_0700 + timedelta(minutes=61))  # ...then down past Monday's grace
    report = run_scheduler(config, once=True, clock=clock, handle_signals=False)
    assert [o.result for o in report.outcomes] == ["missed"]
    rows = {row["local_date"]: row for row in digest_rows(config.paths.store)}
    assert rows["2026-03-30"]["state"] == "skipped"
    assert "60-minute catch-up grace" in rows["2026-03-30"]["last_error"]
    assert mail_server.received == [] and brief_count(config.paths.store) == 0


def test_a_schedule_that_does_not_send_only_builds(
    tmp_path: Path, mail_server: MailServer
) -> None:
    _, config = scheduled_config(tmp_path, mail_server, schedule={"send": False})
    clock = FakeClock(MONDAY_0700)
    report = run_scheduler(config, once=True, clock=clock, handle_signals=False)
    assert [o.result for o in report.outcomes] == ["built"]
    clock.advance(hours=1)
    assert run_scheduler(config, once=True, clock=clock, handle_signals=False).outcomes == []
    assert mail_server.received == [] and brief_count(config.paths.store) == 1


def test_the_runner_knows_the_web_source_types_without_importing_the_collector() -> None:
    assert tuple(WEB_SOURCE_TYPES) == _WEB_SOURCE_TYPES


def test_the_digest_is_dated_by_the_profiles_own_clock(
    tmp_path: Path, mail_server: MailServer
) -> None:
    # 07:00 in Tokyo on Tuesday 31 March is still Monday 30 March in UTC (and on
    # most servers): the brief's folder and date must be Tokyo's day.
    schedule = {"timezone": "Asia/Tokyo"}
    _, config = scheduled_config(tmp_path, mail_server, schedule=schedule)
    report = run_scheduler(config, once=True, clock=FakeClock(utc(2026, 3, 30, 22, 0, 30)),
                           handle_signals=False)
    assert ("deliver", "sent") in [(o.kind, o.result) for o in report.outcomes]
    sent = [row for row in digest_rows(config.paths.store) if row["state"] == "sent"]
    assert [row["local_date"] for row in sent] == ["2026-03-31"]
    folders = [p.name for p in (config.paths.out / "morning").iterdir()]
    assert folders == ["2026-03-31"]
