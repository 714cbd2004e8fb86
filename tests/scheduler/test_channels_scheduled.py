"""The scheduler and `briefing build --send` post to a profile's chat channels too,
once per digest, through the same outbox as the email."""

from __future__ import annotations

import json
from pathlib import Path

from deliver.test_channels import Receiver, receiver  # the fixture registers by import

from briefing.cli import main

from .conftest import RECIPIENTS, MailServer
from .test_manual import configure

__all__ = ["receiver"]


def test_the_digest_goes_to_channels_once(
    tmp_path: Path, mail_server: MailServer, receiver: Receiver
) -> None:
    config_file, _, _ = configure(tmp_path, mail_server)
    text = config_file.read_text(encoding="utf-8")
    hook = receiver.url("json", "/hook")
    recipients_line = next(line for line in text.splitlines() if line.startswith("recipients"))
    config_file.write_text(text.replace(
        recipients_line, f"{recipients_line}\nnotify = {json.dumps([hook])}"), encoding="utf-8")

    assert main(["schedule", "--once", "-q", "--config", str(config_file)]) == 0
    assert len(receiver.accepted("/hook")) == 1
    assert len(mail_server.received) == len(RECIPIENTS)
    payload = json.loads(receiver.accepted("/hook")[0].body)
    assert "1. " in payload["message"] and "articles from" in payload["message"]
    assert payload["attachments"][0]["filename"] == "brief.pdf"

    # Again, and a manual build --send the same day: the digest went out, nothing twice.
    assert main(["schedule", "--once", "-q", "--config", str(config_file)]) == 0
    assert main(["build", "-q", "--config", str(config_file), "--profile", "morning",
                 "--send"]) == 0
    assert len(receiver.accepted("/hook")) == 1
    assert len(mail_server.received) == len(RECIPIENTS)
