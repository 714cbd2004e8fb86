"""`briefing build --send`: the real CLI builds the examples and mails them once."""

from __future__ import annotations

from email import message_from_bytes
from email.message import EmailMessage
from email.policy import default
from pathlib import Path

import pytest

from briefing.cli import main

from .conftest import RECIPIENTS, MailServer, write_config


def test_build_send_delivers_once_per_recipient(
    tmp_path: Path, mail_server: MailServer, capsys: pytest.CaptureFixture[str]
) -> None:
    config = write_config(tmp_path, mail_server)
    args = ["build", "--config", str(config), "--profile", "morning", "--send"]
    assert main(args) == 0
    out = capsys.readouterr().out
    assert " written to " in out and f"{len(RECIPIENTS)} sent" in out
    assert sorted(mail_server.handler.recipients()) == sorted(RECIPIENTS)
    message = message_from_bytes(mail_server.received[0].data, policy=default)
    assert isinstance(message, EmailMessage)
    assert message.get_content_type() == "multipart/mixed"
    assert [part.get_content_type() for part in message.iter_attachments()] == ["application/pdf"]

    # Sending the same brief again reaches nobody twice.
    assert main(["send", "--config", str(config), "--profile", "morning"]) == 0
    assert len(mail_server.received) == len(RECIPIENTS)


def test_build_send_without_smtp_sender_keeps_the_brief_and_fails(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = tmp_path / "briefing.toml"
    config.write_text("[profiles.morning]\nrecipients = ['ada@example.org']\n")
    assert main(["build", "--config", str(config), "--profile", "morning", "--send"]) == 1
    captured = capsys.readouterr()
    assert " written to " in captured.out and "error" in captured.err.lower()
    assert list((tmp_path / "out" / "morning").glob("*/brief.pdf"))
