"""Fixtures for collect tests: a loopback server, a config allowed to reach it, a store."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator

import pytest

from briefing.config import Config, FetchSettings, SourceConfig

from .server import LoopbackServer

#: Small limits keep the hostile cases fast; loopback must be allowed explicitly, port
#: by port (``for_server``): the allow-list names host and port.
TEST_FETCH = FetchSettings(
    connect_timeout=2.0,
    read_timeout=2.0,
    deadline=3.0,
    max_body_bytes=2_000_000,
    max_redirects=3,
    user_agent="briefing-tests/1 (collect test suite)",
    concurrency=8,
    per_host_concurrency=8,
    per_host_delay=0.0,
    max_entries_per_feed=50,
)


def for_server(server: LoopbackServer, settings: FetchSettings = TEST_FETCH) -> FetchSettings:
    """``settings`` allowed to reach ``server`` (127.0.0.1 on its port) and nothing else."""
    return dataclasses.replace(settings, allow_private=(f"127.0.0.1:{server.port}",))


@pytest.fixture
def server() -> Iterator[LoopbackServer]:
    httpd = LoopbackServer().start()
    try:
        yield httpd
    finally:
        httpd.stop()


@pytest.fixture
def web_config(config: Config, server: LoopbackServer) -> Config:
    return dataclasses.replace(config, fetch=for_server(server))


def with_fetch(config: Config, **changes: object) -> Config:
    """``config`` with some [fetch] settings changed."""
    return dataclasses.replace(config, fetch=dataclasses.replace(config.fetch, **changes))


def feed(name: str, url: str, outlet: str | None = None) -> SourceConfig:
    return SourceConfig(name=name, type="feed", url=url, outlet=outlet)


def page(name: str, url: str) -> SourceConfig:
    return SourceConfig(name=name, type="page", url=url)
