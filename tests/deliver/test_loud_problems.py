"""Delivery problems nobody can miss: `briefing send` prints one error line per message that
failed or may not have arrived, even with -q, and exits 1 until it is resent
(--retry-failed, --retry-unknown) or dismissed (--dismiss)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from briefing.cli import main
from briefing.config import load_config
from briefing.storage import open_storage

from .conftest import (
    RECIPIENTS,
    ServerFactory,
    Setup,
    SetupFactory,
    outbox_states,
    record,
    write_config,
)

ADA, BRIAN, CHEN = RECIPIENTS


def send(s: Setup, *args: str, config: Path | None = None) -> int:
    return main(["send", "-p", "morning", "--config", str(config or s.config_file), *args])


def errors(err: str) -> list[str]:
    return [line for line in err.splitlines() if line.strip()]


def second_brief(s: Setup, rendered: tuple[object, Path]) -> int:
    brief, folder = rendered
    brief_id, _ = record(s.store, brief, folder, s.config.paths.out)  # type: ignore[arg-type]
    return brief_id


def test_a_refused_recipient_is_reported_until_resent_on_purpose(
    start_server: ServerFactory, setup: SetupFactory, rendered_brief: tuple[object, Path],
    capsys: pytest.CaptureFixture[str],
) -> None:
    server = start_server(script=["550"])
    s = setup(server)
    assert send(s, "-q") == 1
    out, err = capsys.readouterr()
    assert out == ""  # -q: the summary goes, the problems stay
    [line] = errors(err)
    assert line.startswith(f"error: brief {s.brief_id} (morning, {s.folder.name}) not "
                           f"delivered to {ADA}: smtp: DATA: 550")
    assert f"briefing send --brief {s.brief_id} --retry-failed" in line

    # The next day's brief goes to everyone; yesterday's refusal is still reported.
    later = second_brief(s, rendered_brief)
    assert send(s) == 1
    out, err = capsys.readouterr()
    assert f"brief {later} (morning): 3 sent" in out
    assert [f"brief {s.brief_id} " in line and ADA in line for line in errors(err)] == [True]

    # Mailbox fixed: resend on purpose. Ada gets brief 1 once; nothing is reported any more.
    assert send(s, "--brief", str(s.brief_id), "--retry-failed") == 0
    assert server.handler.recipients().count(ADA) == 2  # brief 1 (retried) and brief 2
    assert outbox_states(s.store, s.brief_id)[ADA] == "sent"
    assert send(s, "-q") == 0 and capsys.readouterr().err == ""


def test_retry_failed_starts_a_fresh_count_of_attempts(
    start_server: ServerFactory, setup: SetupFactory, capsys: pytest.CaptureFixture[str]
) -> None:
    server = start_server(script=["451", "451", "451", "ok", "ok", "451", "ok"])
    s = setup(server)  # max_attempts = 3: Ada's three 4xx answers use them all
    assert send(s) == 1
    assert "gave up after 3 attempts" in capsys.readouterr().err
    # On purpose, the row gets its attempts back: one more 4xx is retried, then it goes.
    assert send(s, "--retry-failed") == 0
    [row] = [row for row in s.store.outbox.rows(s.brief_id) if row.recipient == ADA]
    assert (row.state, row.attempts) == ("sent", 2)


def test_an_unknown_message_is_reported_until_dismissed(
    start_server: ServerFactory, setup: SetupFactory, capsys: pytest.CaptureFixture[str]
) -> None:
    server = start_server(script=["drop"])
    s = setup(server)
    assert send(s) == 1
    [line] = errors(capsys.readouterr().err)
    assert f"may not have been delivered to {ADA}" in line and "--retry-unknown" in line
    assert send(s, "-q") == 1  # a later run: still loud, still nothing resent
    assert len(errors(capsys.readouterr().err)) == 1
    assert server.handler.recipients().count(ADA) == 1

    # The operator checked with Ada: it arrived. Dismissed, not resent.
    assert send(s, "--brief", str(s.brief_id), "--dismiss") == 0
    out, err = capsys.readouterr()
    assert f"dismissed: brief {s.brief_id}: {ADA}: unknown" in out and err == ""
    assert send(s, "-q") == 0 and capsys.readouterr().err == ""
    assert outbox_states(s.store, s.brief_id)[ADA] == "unknown"  # the record stays true
    assert server.handler.recipients().count(ADA) == 1


def test_a_recipient_taken_out_of_the_config_is_not_reported(
    start_server: ServerFactory, setup: SetupFactory, tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    server = start_server(script=["550"])
    s = setup(server)
    assert send(s) == 1
    capsys.readouterr()
    without_ada = write_config(tmp_path, server, recipients=(BRIAN, CHEN))
    assert send(s, "-q", config=without_ada) == 0
    assert capsys.readouterr().err == ""
    assert load_config(without_ada).profile("morning").recipients == (BRIAN, CHEN)


def test_a_send_killed_mid_message_is_reported_by_the_next_command(
    start_server: ServerFactory, setup: SetupFactory, capsys: pytest.CaptureFixture[str]
) -> None:
    """A row a dead process left "sending" is found by any later send (of any brief)."""
    s = setup(start_server())
    long_ago = datetime(2020, 1, 1, tzinfo=UTC)
    with open_storage(s.config.paths.store) as store:
        store.outbox.enqueue(s.brief_id, [BRIAN], lambda: "<x@news.example>", now=long_ago)
        [row] = store.outbox.rows(s.brief_id)
        assert store.outbox.claim(row.id, owner="gone-host/999999/dead", now=long_ago)
    assert send(s, "-q") == 1
    [line] = errors(capsys.readouterr().err)
    assert f"may not have been delivered to {BRIAN}" in line and "stopped mid-send" in line
