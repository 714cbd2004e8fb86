"""`briefing schedule` from the command line: exit codes and what it prints."""

from __future__ import annotations

from pathlib import Path

import pytest

from briefing.cli import main

from .conftest import RECIPIENTS, MailServer, digest_rows, free_port, scheduled_config
from .test_manual import configure


def test_once_runs_what_is_due_and_exits(
    tmp_path: Path, mail_server: MailServer, capsys: pytest.CaptureFixture[str]
) -> None:
    config_file, config, _ = configure(tmp_path, mail_server)
    assert main(["schedule", "--once", "--config", str(config_file)]) == 0
    captured = capsys.readouterr()
    assert "1 job(s) run, 0 failed" in captured.out
    assert "deliver morning" in captured.err and "sent after" in captured.err  # logged
    assert len(mail_server.received) == len(RECIPIENTS)
    assert main(["schedule", "--once", "-q", "--config", str(config_file)]) == 0
    assert capsys.readouterr().out == ""
    assert len(mail_server.received) == len(RECIPIENTS)
    assert [r["state"] for r in digest_rows(config.paths.store) if r["attempts"]] == ["sent"]


def test_once_exits_1_when_a_job_failed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config_file, _, _ = configure(tmp_path, None, port=free_port())  # nothing listens there
    assert main(["schedule", "--once", "--config", str(config_file)]) == 1
    captured = capsys.readouterr()
    assert "1 failed" in captured.out and "next attempt at" in captured.err


def test_nothing_scheduled_is_a_usage_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    plain = tmp_path / "plain.toml"
    plain.write_text("[profiles.morning]\n", encoding="utf-8")
    assert main(["schedule", "--once", "--config", str(plain)]) == 2
    assert "no profile has a schedule" in capsys.readouterr().err
    config_file, _ = scheduled_config(tmp_path, None)
    assert main(["schedule", "--once", "--profile", "other", "--config", str(config_file)]) == 2
    assert "no profile named 'other'" in capsys.readouterr().err
