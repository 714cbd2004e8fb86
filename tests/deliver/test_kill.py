"""The sending process is killed mid-send: after a restart nobody gets the brief twice."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

from briefing.deliver import send_brief

from .conftest import RECIPIENTS, ServerFactory, SetupFactory, outbox_states

CHILD = Path(__file__).with_name("send_child.py")


def test_a_send_killed_mid_message_is_unknown_and_never_duplicated(
    start_server: ServerFactory, setup: SetupFactory
) -> None:
    first, second, third = RECIPIENTS
    # The first message is accepted; the second is held at DATA until released.
    server = start_server(script=["ok", "block"])
    s = setup(server)
    child = subprocess.Popen(
        [sys.executable, str(CHILD), str(s.config_file), str(s.brief_id)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, env={**os.environ},
    )
    try:
        assert server.handler.blocked.wait(20), "the child never reached the second message"
        child.send_signal(signal.SIGKILL)
        child.wait(10)
    finally:
        if child.poll() is None:
            child.kill()
            child.wait(10)
        server.handler.release.set()
        assert child.stdout and child.stderr
        child.stdout.close()
        child.stderr.close()
    assert child.returncode == -signal.SIGKILL
    assert outbox_states(s.store, s.brief_id) == {
        first: "sent", second: "sending", third: "pending"
    }

    # Restart: the row the dead process left in "sending" is reported, not resent.
    report = send_brief(s.config, s.store, s.brief_id)
    assert report.sent == [third]
    assert report.already_sent == [first]
    assert second in report.unknown and "stopped mid-send" in report.unknown[second]
    counts = {r: server.handler.recipients().count(r) for r in RECIPIENTS}
    assert counts == {first: 1, second: 1, third: 1}

    # And again: still nothing twice.
    again = send_brief(s.config, s.store, s.brief_id)
    assert again.sent == [] and second in again.unknown
    assert len(server.received) == 3

    # Only on purpose: --retry-unknown resends it.
    retried = send_brief(s.config, s.store, s.brief_id, retry_unknown=True)
    assert retried.sent == [second]
    assert server.handler.recipients().count(second) == 2
    assert set(outbox_states(s.store, s.brief_id).values()) == {"sent"}
