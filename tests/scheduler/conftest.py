"""Scheduler fixtures: an injectable clock, scheduled configs, and the loopback SMTP server.

The SMTP server, its scripted faults and the config writer are the deliver
tests' own (``tests/deliver/conftest.py``), imported here so both suites
exercise the same real server.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from deliver.conftest import (  # the fixtures register by being imported
    RECIPIENTS,
    MailServer,
    ScriptedHandler,
    free_port,
    mail_server,
    start_server,
    toml_value,
    write_config,
)

from briefing.config import Config, load_config
from briefing.storage import open_storage

__all__ = [
    "RECIPIENTS",
    "FakeClock",
    "MailServer",
    "free_port",
    "mail_server",
    "scheduled_config",
    "start_server",
    "start_server_on",
]


class FakeClock:
    """The scheduler's clock, moved by hand (or by the loop's sleep): no test sleeps."""

    def __init__(self, now: datetime) -> None:
        assert now.tzinfo is not None
        self.now = now
        self.slept: list[float] = []

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> datetime:
        self.now += timedelta(**delta)
        return self.now

    def set(self, moment: datetime) -> None:
        self.now = moment

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += timedelta(seconds=seconds)


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0,
        second: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, second, tzinfo=UTC)


def scheduled_config(
    folder: Path,
    server: MailServer | None,
    *,
    port: int | None = None,
    schedule: dict[str, Any] | None = None,
    extra: str = "",
    **smtp: Any,
) -> tuple[Path, Config]:
    """The deliver tests' config (profile "morning", three recipients) plus a schedule.

    Default schedule: 07:00 Europe/London on weekdays; the bundled example
    articles, written by the extractive engine.
    """
    if port is not None:
        smtp = {"port": port, **smtp}
    path = write_config(folder, server, **smtp)
    table: dict[str, Any] = {
        "deliver_at": "07:00", "timezone": "Europe/London", "days": "weekdays",
        "retry_every_minutes": 30, "max_attempts_per_day": 4,
    }
    table.update(schedule or {})
    lines = ["", "[profiles.morning.schedule]"]
    lines += [f"{key} = {toml_value(value)}" for key, value in table.items()]
    lines += ["", "[brief]", 'engine = "extractive"', "", "[archive]", "site = false", extra]
    with path.open("a", encoding="utf-8") as file:
        file.write("\n".join(lines) + "\n")
    return path, load_config(path)


@pytest.fixture
def start_server_on() -> Iterator[Any]:
    """Start a plain aiosmtpd server on a given port (an SMTP server that comes back up)."""
    started: list[Controller] = []

    def start(port: int, script: list[str] | None = None) -> MailServer:
        handler = ScriptedHandler(script=list(script or []))
        controller = Controller(handler, hostname="127.0.0.1", port=port,
                                server_hostname="localhost", ready_timeout=5)
        controller.start()
        started.append(controller)
        return MailServer("127.0.0.1", port, handler, controller)

    yield start
    for controller in started:
        controller.stop()


def digest_rows(store_path: Path | str) -> list[dict[str, Any]]:
    """Every digest record, oldest day first, as a dict (dates and times as ISO text)."""
    with open_storage(store_path) as store:
        records = store.digests.records()
    return [
        {key: value.isoformat() if isinstance(value, date | datetime) else value
         for key, value in dataclasses.asdict(record).items()}
        for record in records
    ]


def brief_count(store_path: Path | str, profile: str = "morning") -> int:
    """Briefs of ``profile`` the store holds, published or pending."""
    with open_storage(store_path) as store:
        return len(store.briefs.records(profile)) + sum(
            1 for record in store.briefs.pending() if record.profile == profile)
