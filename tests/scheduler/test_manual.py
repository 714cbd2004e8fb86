"""`briefing build --send` and the scheduler share the day's digest row: sent once, whoever sends.

The CLI reads the real clock, so these tests pick a fixed-offset zone where it is about noon
right now: the scheduler (given that same instant) and the CLI then agree on the local date,
whatever time the suite runs.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from briefing.cli import main
from briefing.config import Config
from briefing.schedule import run_scheduler

from .conftest import RECIPIENTS, FakeClock, MailServer, brief_count, digest_rows, scheduled_config


def noon_zone(now: datetime) -> str:
    """An Etc/GMT zone in which ``now`` is between 11:00 and 13:00 (far from midnight)."""
    offset = 12 - now.hour  # hours east of UTC; Etc/GMT names have the sign reversed
    return "Etc/GMT" + (f"-{offset}" if offset > 0 else f"+{-offset}")


def configure(
    tmp_path: Path, server: MailServer | None, **smtp: Any
) -> tuple[Path, Config, FakeClock]:
    """Profile "morning" scheduled daily at 06:00 where it is now about noon (within grace)."""
    now = datetime.now(UTC)
    config_file, config = scheduled_config(
        tmp_path, server,
        schedule={"deliver_at": "06:00", "timezone": noon_zone(now), "days": "daily",
                  "catch_up_grace_minutes": 480},
        **smtp,
    )
    return config_file, config, FakeClock(now)


def test_build_send_after_the_scheduler_sent_the_digest_builds_but_does_not_send(
    tmp_path: Path, mail_server: MailServer, capsys: pytest.CaptureFixture[str]
) -> None:
    config_file, config, clock = configure(tmp_path, mail_server)
    report = run_scheduler(config, once=True, clock=clock, handle_signals=False)
    assert [o.result for o in report.outcomes if o.kind == "deliver"] == ["sent"]
    assert len(mail_server.received) == len(RECIPIENTS)

    code = main(["build", "--config", str(config_file), "--profile", "morning", "--send"])
    captured = capsys.readouterr()
    assert code == 0
    assert " written to " in captured.out  # it still builds
    assert "not sent: the morning digest for" in captured.err
    assert "already sent by the scheduler" in captured.err
    assert len(mail_server.received) == len(RECIPIENTS)  # nobody got it twice
    assert brief_count(config.paths.store) == 2


def test_a_manual_build_send_first_means_the_scheduler_does_not_send_again(
    tmp_path: Path, mail_server: MailServer, capsys: pytest.CaptureFixture[str]
) -> None:
    config_file, config, clock = configure(tmp_path, mail_server)
    assert main(["build", "--config", str(config_file), "--profile", "morning", "--send"]) == 0
    assert f"{len(RECIPIENTS)} sent" in capsys.readouterr().out
    [row] = digest_rows(config.paths.store)
    assert (row["state"], row["origin"]) == ("sent", "manual")

    report = run_scheduler(config, once=True, clock=clock, handle_signals=False)
    assert [o for o in report.outcomes if o.kind == "deliver"] == []
    assert len(mail_server.received) == len(RECIPIENTS)
    # A second build --send the same day says so too.
    assert main(["build", "--config", str(config_file), "--profile", "morning", "--send"]) == 0
    assert "already sent by an earlier build --send" in capsys.readouterr().err
    assert len(mail_server.received) == len(RECIPIENTS)


def test_an_unscheduled_profile_keeps_plain_build_send(
    tmp_path: Path, mail_server: MailServer
) -> None:
    config_file, _config, _ = configure(tmp_path, mail_server)
    text = config_file.read_text(encoding="utf-8").replace(
        "[profiles.morning.schedule]", "[profiles.unused.schedule]\nsend = false\n#"
    )
    config_file.write_text(text, encoding="utf-8")
    for _ in range(2):  # each build --send sends the brief it built, as before
        assert main(["build", "--config", str(config_file), "--profile", "morning",
                     "--send"]) == 0
    assert len(mail_server.received) == 2 * len(RECIPIENTS)
    assert all(row["profile"] != "morning" for row in digest_rows(tmp_path / "store.db"))


def test_explicit_send_keeps_its_behaviour(
    tmp_path: Path, mail_server: MailServer
) -> None:
    config_file, config, clock = configure(tmp_path, mail_server)
    run_scheduler(config, once=True, clock=clock, handle_signals=False)
    # `briefing send` of the same brief: the outbox already has everyone, nothing is resent.
    assert main(["send", "--config", str(config_file), "--profile", "morning"]) == 0
    assert len(mail_server.received) == len(RECIPIENTS)


def test_noon_zone() -> None:
    for hour in range(24):
        moment = datetime(2026, 3, 30, hour, 30, tzinfo=UTC)
        local = moment.astimezone(ZoneInfo(noon_zone(moment)))
        assert 11 <= local.hour <= 13
