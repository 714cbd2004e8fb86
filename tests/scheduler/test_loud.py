"""`briefing schedule` makes delivery problems loud: `--once` (the README's cron line runs it
with -q) prints one error line per message that failed or may not have arrived and exits 1
until it is resent or dismissed; the daemon logs each problem once, as an error."""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest

from briefing.cli import main
from briefing.schedule import Stopper, run_scheduler

from .conftest import RECIPIENTS, FakeClock, digest_rows, scheduled_config, utc
from .test_manual import configure

ADA, BRIAN, CHEN = RECIPIENTS


def lines(text: str) -> list[str]:
    return [line for line in text.splitlines() if line.strip()]


def test_once_after_a_send_killed_mid_message_reports_it_and_exits_1(
    tmp_path: Path, start_server: object, capsys: pytest.CaptureFixture[str]
) -> None:
    server = start_server(script=["ok", "block"])  # type: ignore[operator]
    config_file, config, _ = configure(tmp_path, server)
    child = subprocess.Popen(
        [sys.executable, "-m", "briefing.cli", "schedule", "--once", "-q",
         "--config", str(config_file)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env={**os.environ},
    )
    try:
        assert server.handler.blocked.wait(60), "the scheduler never reached the second message"
        child.send_signal(signal.SIGKILL)  # systemd's last resort, an OOM kill, a reboot
        child.wait(10)
    finally:
        if child.poll() is None:
            child.kill()
            child.wait(10)
        server.handler.release.set()
    assert child.returncode == -signal.SIGKILL

    # The next cron run takes the interrupted digest over at once (its worker is gone)
    # and finishes it: Chen gets hers; Brian's message may or may not have arrived and
    # is never resent by itself: one error line, exit 1, -q or not.
    assert main(["schedule", "--once", "-q", "--config", str(config_file)]) == 1
    captured = capsys.readouterr()
    assert captured.out == ""
    assert len(lines(captured.err)) == 1, captured.err
    [line] = lines(captured.err)
    assert line.startswith("error: brief 1 (morning, ") and BRIAN in line
    assert "may not have been delivered" in line and "--retry-unknown" in line
    # Every later run says it again, until someone deals with it.
    assert main(["schedule", "--once", "-q", "--config", str(config_file)]) == 1
    assert len(lines(capsys.readouterr().err)) == 1
    assert main(["send", "--brief", "1", "--dismiss", "-q", "--config", str(config_file)]) == 0
    assert main(["schedule", "--once", "-q", "--config", str(config_file)]) == 0
    assert capsys.readouterr().err == ""
    assert server.handler.recipients().count(BRIAN) == 1  # never resent by itself
    assert server.handler.recipients().count(CHEN) == 1
    assert server.handler.recipients().count(ADA) == 1
    [digest] = digest_rows(config.paths.store)
    assert (digest["state"], digest["attempts"]) == ("sent", 2)


def test_once_reports_a_refused_recipient_on_every_run_until_resent(
    tmp_path: Path, start_server: object, capsys: pytest.CaptureFixture[str]
) -> None:
    server = start_server(script=["550"])  # type: ignore[operator]
    config_file, _, _ = configure(tmp_path, server)
    assert main(["schedule", "--once", "--config", str(config_file)]) == 1
    captured = capsys.readouterr()
    assert "1 job(s) run, 0 failed" in captured.out  # the digest went out...
    problems = [line for line in lines(captured.err) if line.startswith("error:")]
    assert len(problems) == 1 and ADA in problems[0] and "550" in problems[0]  # ...not to Ada
    assert main(["schedule", "--once", "-q", "--config", str(config_file)]) == 1
    assert len(lines(capsys.readouterr().err)) == 1
    assert main(["send", "--brief", "1", "--retry-failed", "-q", "-p", "morning",
                 "--config", str(config_file)]) == 0
    assert main(["schedule", "--once", "-q", "--config", str(config_file)]) == 0
    assert server.handler.recipients().count(ADA) == 1


def test_the_daemon_logs_each_problem_once_as_an_error(
    tmp_path: Path, start_server: object, caplog: pytest.LogCaptureFixture
) -> None:
    server = start_server(script=["550"])  # type: ignore[operator]
    _, config = scheduled_config(tmp_path, server)
    clock, stopper = FakeClock(utc(2026, 3, 30, 5, 50)), Stopper()

    def sleep(seconds: float) -> None:
        clock.sleep(seconds)
        if clock() >= utc(2026, 3, 30, 9, 0):
            stopper.request("test over")

    caplog.set_level(logging.INFO, logger="briefing")
    report = run_scheduler(config, clock=clock, sleep=sleep, stopper=stopper, tick_seconds=600,
                           handle_signals=False)
    assert report.ticks > 10
    errors = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
    assert len(errors) == 1 and ADA in errors[0] and "not delivered" in errors[0]
    assert [p.recipient for p in report.problems] == [ADA]


def test_a_new_store_never_reports_a_delivery_due_before_its_first_run(tmp_path: Path) -> None:
    """Started at 15:00 on a Monday, beyond the grace of its 07:00 digest: nothing missed."""
    _, config = scheduled_config(tmp_path, None, schedule={"catch_up_grace_minutes": 60})
    monday_1500 = utc(2026, 3, 30, 14, 0)
    report = run_scheduler(config, once=True, clock=FakeClock(monday_1500),
                           handle_signals=False, build=_never, send=_never)
    assert report.outcomes == [] and digest_rows(config.paths.store) == []
    # It remembers when it first ran: a restart the next morning changes nothing...
    later = run_scheduler(config, once=True, clock=FakeClock(monday_1500 + timedelta(hours=12)),
                          handle_signals=False, build=_never, send=_never)
    assert later.outcomes == [] and digest_rows(config.paths.store) == []
    # ...but a digest due after that first run and not made in time is missed.
    wednesday = run_scheduler(config, once=True, handle_signals=False, build=_never,
                              send=_never, clock=FakeClock(utc(2026, 4, 1, 9, 0)))
    assert [(o.result, str(o.day)) for o in wednesday.outcomes] == [("missed", "2026-03-31"),
                                                                     ("missed", "2026-04-01")]


def _never(*args: object, **kwargs: object) -> None:
    raise AssertionError("nothing may be built or sent")
