"""SIGTERM in the middle of a job, to a real scheduler process; then a restart sends nothing twice.

The child (schedule_child.py) is the real daemon (lock, signals, loop, build, send) on a clock
that starts at Monday 07:00:30 BST. The SMTP server holds its answer to the second message
until the test releases it, so the child is observably inside the send when signalled. Every
wait has a timeout; nothing sleeps for correctness.
"""

from __future__ import annotations

import os
import queue
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path

from briefing.schedule import run_scheduler
from briefing.storage import open_storage

from .conftest import (
    RECIPIENTS,
    FakeClock,
    MailServer,
    brief_count,
    digest_rows,
    scheduled_config,
    utc,
)

CHILD = Path(__file__).with_name("schedule_child.py")
START = utc(2026, 3, 30, 6, 0, 30)  # Monday 07:00:30 BST: the 07:00 digest is due


class Child:
    def __init__(self, config_file: Path) -> None:
        self.process = subprocess.Popen(
            [sys.executable, str(CHILD), str(config_file), START.isoformat()],
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, env={**os.environ},
        )
        self.lines: queue.Queue[str] = queue.Queue()
        self.log: list[str] = []
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.process.stderr is not None
        for line in self.process.stderr:
            self.lines.put(line)

    def wait_for_line(self, text: str, timeout: float = 20) -> str:
        while True:
            line = self.lines.get(timeout=timeout)  # queue.Empty fails the test
            self.log.append(line)
            if text in line:
                return line

    def signal(self, signum: int) -> None:
        self.process.send_signal(signum)


@contextmanager
def child_process(config_file: Path, server: MailServer) -> Iterator[Child]:
    child = Child(config_file)
    try:
        yield child
    finally:
        server.handler.release.set()
        if child.process.poll() is None:
            child.process.kill()
        child.process.wait(10)
        assert child.process.stderr is not None
        child.process.stderr.close()


def outbox(store_path: Path) -> dict[str, str]:
    with open_storage(store_path) as store:
        return {row.recipient: row.state
                for record in store.briefs.records() for row in store.outbox.rows(record.id)}


def test_sigterm_mid_job_finishes_the_job_exits_cleanly_and_a_restart_sends_nothing(
    tmp_path: Path, start_server
) -> None:  # type: ignore[no-untyped-def]
    server = start_server(script=["ok", "block"])
    config_file, config = scheduled_config(tmp_path, server)
    with child_process(config_file, server) as child:
        assert server.handler.blocked.wait(60), "the child never reached the second message"
        child.signal(signal.SIGTERM)
        child.wait_for_line("stopping after the job in hand")
        assert child.process.poll() is None  # still inside the job, waiting for the server
        server.handler.release.set()
        assert child.process.wait(timeout=20) == 0
    assert [row["state"] for row in digest_rows(config.paths.store)] == ["sent"]
    assert sorted(server.handler.recipients()) == sorted(RECIPIENTS)

    # Restart (daemon catch-up, a minute later): nothing is due, nobody gets it twice.
    report = run_scheduler(config, once=True, clock=FakeClock(START + timedelta(minutes=1)),
                           handle_signals=False)
    assert report.outcomes == []
    assert len(server.received) == len(RECIPIENTS) and brief_count(config.paths.store) == 1


def test_a_second_sigterm_abandons_the_job_at_once_and_the_retry_sends_nothing_twice(
    tmp_path: Path, start_server
) -> None:  # type: ignore[no-untyped-def]
    first, second, third = RECIPIENTS
    server = start_server(script=["ok", "block"])
    # A patient client (30 s): only hanging up, not waiting, ends the job within the 10 s below.
    config_file, config = scheduled_config(tmp_path, server, timeout=30)
    with child_process(config_file, server) as child:
        assert server.handler.blocked.wait(60), "the child never reached the second message"
        child.signal(signal.SIGTERM)
        child.wait_for_line("stopping after the job in hand")
        child.signal(signal.SIGTERM)
        # The server is still holding its answer: the child hangs up rather than wait for it.
        assert child.process.wait(timeout=10) == 130
    [row] = digest_rows(config.paths.store)
    assert row["state"] == "failed" and "abandoned" in row["last_error"]
    assert outbox(config.paths.store) == {first: "sent", second: "sending", third: "pending"}

    # Restart after the retry interval: the same brief goes to whoever has not had it.
    # The message cut off mid-send is "unknown" (maybe delivered) and not resent.
    clock = FakeClock(START + timedelta(minutes=31))
    report = run_scheduler(config, once=True, clock=clock, handle_signals=False)
    assert [o.result for o in report.outcomes] == ["sent"]
    assert outbox(config.paths.store) == {first: "sent", second: "unknown", third: "sent"}
    counts = {r: server.handler.recipients().count(r) for r in RECIPIENTS}
    assert counts == {first: 1, second: 1, third: 1}
    assert brief_count(config.paths.store) == 1
    [row] = digest_rows(config.paths.store)
    assert row["state"] == "sent" and "unknown" in row["last_error"]
    clock.advance(hours=1)
    assert run_scheduler(config, once=True, clock=clock, handle_signals=False).outcomes == []
    assert len(server.received) == 3
