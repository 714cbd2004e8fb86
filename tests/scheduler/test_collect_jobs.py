"""Collection through the day: each scheduled profile's feeds every collect_every_minutes,
from a real loopback feed server, timed by the store's source health (so --once works too)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from collect.server import LoopbackServer

from briefing.schedule import run_scheduler

from .conftest import FakeClock, MailServer, scheduled_config, utc


@pytest.fixture
def feeds() -> Iterator[LoopbackServer]:
    server = LoopbackServer().start()
    try:
        yield server
    finally:
        server.stop()


def test_feeds_are_collected_every_n_minutes_and_by_the_build(
    tmp_path: Path, feeds: LoopbackServer, mail_server: MailServer
) -> None:
    url = feeds.add_file("/ledger.xml", "rss20.xml")
    extra = "\n".join([
        "[fetch]", f'allow_private = ["127.0.0.1:{feeds.port}"]', "connect_timeout = 2.0",
        "read_timeout = 2.0", "deadline = 3.0", "per_host_delay = 0.0", "full_text = false",
        "[[sources]]", 'name = "ledger"', 'type = "feed"', f'url = "{url}"',
    ])
    _, config = scheduled_config(tmp_path, mail_server, extra=extra,
                                 schedule={"collect_every_minutes": 45})
    clock = FakeClock(utc(2026, 3, 30, 4, 0))  # 05:00 BST: two hours before the digest

    def once() -> list[tuple[str, str]]:
        report = run_scheduler(config, once=True, clock=clock, handle_signals=False)
        return [(o.kind, o.result) for o in report.outcomes if o.kind != "missed"]

    assert once() == [("collect", "collected")]  # never collected: at once
    first = len(feeds.requests_to("/ledger.xml"))
    clock.advance(minutes=44)
    assert once() == []
    clock.advance(minutes=1)
    assert once() == [("collect", "collected")]
    assert len(feeds.requests_to("/ledger.xml")) == first + 1
    # 07:00 BST: the build collects first, so no separate collection is due after it.
    clock.set(utc(2026, 3, 30, 6, 0))
    assert once() == [("deliver", "sent")]
    assert len(feeds.requests_to("/ledger.xml")) == first + 2
    assert mail_server.received
    clock.advance(minutes=44)
    assert once() == []
