"""Authenticated feeds on a real loopback server: headers and basic auth from the
environment, sent only to the source's own origin, never logged, stored or shown."""

from __future__ import annotations

import base64
import dataclasses
import logging
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler
from pathlib import Path

import pytest

from briefing.collect import collect
from briefing.collect.auth import credentials_for
from briefing.config import Config, SourceConfig, load_config
from briefing.errors import ConfigError
from briefing.storage import Storage as Store

from .conftest import for_server
from .server import DATA, LoopbackServer, redirect

TOKEN = "s3cr3t-T0KEN-9f8e7d"
API_KEY = "key-4242-abcd"
USER, PASSWORD = "reader@example.org", "pa55-w0rd-zz"
SECRETS = (TOKEN, API_KEY, PASSWORD, base64.b64encode(f"{USER}:{PASSWORD}".encode()).decode())


@pytest.fixture
def other() -> Iterator[LoopbackServer]:
    """A second server, reached by another host name (localhost): another origin."""
    httpd = LoopbackServer().start()
    try:
        yield httpd
    finally:
        httpd.stop()


@pytest.fixture(autouse=True)
def secrets_in_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PAYWALL_TOKEN", TOKEN)
    monkeypatch.setenv("PAYWALL_KEY", API_KEY)
    monkeypatch.setenv("PAYWALL_USER", USER)
    monkeypatch.setenv("PAYWALL_PASSWORD", PASSWORD)


def _config(config: Config, server: LoopbackServer, other: LoopbackServer) -> Config:
    fetch = for_server(server)
    allow = (*fetch.allow_private, f"localhost:{other.port}", f"127.0.0.1:{other.port}")
    return dataclasses.replace(config, fetch=dataclasses.replace(fetch, allow_private=allow))


def _paid_feed(url: str, **changes: object) -> SourceConfig:
    source = SourceConfig(
        name="Paid Ledger", type="feed", url=url,
        headers=(("Authorization", "Bearer ${PAYWALL_TOKEN}"), ("X-Api-Key", "${PAYWALL_KEY}")),
    )
    return dataclasses.replace(source, **changes)


def _guarded(body: bytes, check: dict[str, str]) -> object:
    """A route that answers 401 unless every header in ``check`` came as expected."""

    def handler(request: BaseHTTPRequestHandler) -> None:
        ok = all(request.headers.get(name) == value for name, value in check.items())
        status, payload = (200, body) if ok else (401, b"unauthorized")
        request.send_response(status)
        request.send_header("Content-Type", "application/rss+xml" if ok else "text/plain")
        request.send_header("Content-Length", str(len(payload)))
        request.end_headers()
        request.wfile.write(payload)

    return handler


def _rss(server: LoopbackServer) -> bytes:
    return (DATA / "rss20.xml").read_bytes().replace(b"{BASE}", server.base.encode())


def _secret_free(text: str) -> None:
    for secret in SECRETS:
        assert secret not in text


def test_headers_from_the_environment_open_a_paid_feed(
    server: LoopbackServer, other: LoopbackServer, config: Config, store: Store,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    url = server.handle("/paid.xml", _guarded(_rss(server), {  # type: ignore[arg-type]
        "Authorization": f"Bearer {TOKEN}", "X-Api-Key": API_KEY}))
    report = collect(_config(config, server, other), store, [_paid_feed(url)])
    assert report.failures == () and report.new == 3
    # Without the variables the same feed is refused by the server: the headers did it.
    hit = server.requests_to("/paid.xml")[-1]
    assert hit.headers["authorization"] == f"Bearer {TOKEN}"
    _secret_free(caplog.text)


def test_basic_auth_from_the_environment(
    server: LoopbackServer, other: LoopbackServer, config: Config, store: Store
) -> None:
    expected = "Basic " + base64.b64encode(f"{USER}:{PASSWORD}".encode()).decode()
    url = server.handle("/basic.xml", _guarded(_rss(server),  # type: ignore[arg-type]
                                               {"Authorization": expected}))
    source = SourceConfig(name="Members", type="feed", url=url,
                          username_env="PAYWALL_USER", password_env="PAYWALL_PASSWORD")
    report = collect(_config(config, server, other), store, [source])
    assert report.failures == () and report.new == 3


@pytest.mark.parametrize("host", ["localhost", "127.0.0.1"])
def test_credentials_never_follow_a_redirect_to_another_host_or_port(
    server: LoopbackServer, other: LoopbackServer, config: Config, store: Store, host: str
) -> None:
    other.add("/moved.xml", _rss(other))
    url = server.handle("/paid.xml", redirect(f"http://{host}:{other.port}/moved.xml"))
    report = collect(_config(config, server, other), store, [_paid_feed(url)])
    assert report.failures == () and report.new == 3  # the redirect was followed...
    assert server.requests_to("/paid.xml")[0].headers["x-api-key"] == API_KEY
    moved = other.requests_to("/moved.xml")
    assert moved, "the redirect was not followed"
    for hit in moved:  # ...without the secrets
        assert "authorization" not in hit.headers and "x-api-key" not in hit.headers
        _secret_free(repr(hit.headers))


def test_a_redirect_within_the_origin_keeps_them(
    server: LoopbackServer, other: LoopbackServer, config: Config, store: Store
) -> None:
    server.handle("/new.xml", _guarded(_rss(server),  # type: ignore[arg-type]
                                       {"X-Api-Key": API_KEY}))
    url = server.handle("/paid.xml", redirect("/new.xml", 301))
    report = collect(_config(config, server, other), store, [_paid_feed(url)])
    assert report.failures == () and report.new == 3


def test_teaser_pages_get_them_on_the_same_host_only(
    server: LoopbackServer, other: LoopbackServer, config: Config, store: Store
) -> None:
    page = (DATA / "articles" / "harbour.html").read_bytes()
    server.add("/articles/here.html", page, "text/html; charset=utf-8")
    other.add("/articles/there.html", page.replace(b"Port workers", b"Dock staff"),
              "text/html; charset=utf-8")
    teaser = "Dock workers walked out on Monday morning after talks collapsed… Read more"
    rss = f"""<?xml version="1.0"?><rss version="2.0"><channel><title>Paid</title>
      <item><title>Here</title><link>{server.base}/articles/here.html</link>
        <description>{teaser}</description></item>
      <item><title>There</title><link>http://localhost:{other.port}/articles/there.html</link>
        <description>{teaser}</description></item></channel></rss>"""
    url = server.add("/teasers.xml", rss)
    collect(_config(config, server, other), store, [_paid_feed(url)])
    here = server.requests_to("/articles/here.html")
    there = other.requests_to("/articles/there.html")
    assert here and there
    assert all(hit.headers.get("x-api-key") == API_KEY for hit in here)
    assert all("x-api-key" not in hit.headers and "authorization" not in hit.headers
               for hit in there)


def test_a_missing_variable_fails_that_source_alone_and_names_no_secret(
    server: LoopbackServer, other: LoopbackServer, config: Config, store: Store,
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    monkeypatch.delenv("PAYWALL_KEY")
    paid = server.handle("/paid.xml", _guarded(_rss(server),  # type: ignore[arg-type]
                                               {"X-Api-Key": API_KEY}))
    free = server.add_file("/free.xml", "atom.xml", "application/atom+xml")
    report = collect(_config(config, server, other), store,
                     [_paid_feed(paid), SourceConfig(name="Free", type="feed", url=free)])
    assert report.new == 2
    (failure,) = report.failures
    assert failure.source == "Paid Ledger"
    assert "PAYWALL_KEY is not set" in failure.error
    assert not server.requests_to("/paid.xml")  # nothing sent half-authenticated
    _secret_free(failure.error + caplog.text)


def test_secrets_are_never_stored_nor_in_errors(
    server: LoopbackServer, other: LoopbackServer, config: Config, store: Store,
    caplog: pytest.LogCaptureFixture, tmp_path: Path,
) -> None:
    caplog.set_level(logging.DEBUG)
    good = server.handle("/paid.xml", _guarded(_rss(server),  # type: ignore[arg-type]
                                               {"X-Api-Key": API_KEY}))
    refused = server.handle("/refused.xml", _guarded(b"", {"X-Api-Key": "other"}))  # type: ignore[arg-type]
    report = collect(_config(config, server, other), store,
                     [_paid_feed(good), _paid_feed(refused, name="Refused")])
    assert report.new == 3
    (failure,) = report.failures
    assert "401" in failure.error
    store.close()
    stored = b"".join(path.read_bytes() for path in tmp_path.glob("briefing.db*"))
    assert b"Paid Ledger" in stored  # the store was read: the source's health is there
    for secret in SECRETS:
        assert secret.encode() not in stored
    _secret_free(caplog.text + repr(report))
    credentials = credentials_for(_paid_feed(good))
    assert credentials is not None
    _secret_free(repr(credentials) + str(credentials))


def _write(tmp_path: Path, source: str) -> Path:
    path = tmp_path / "briefing.toml"
    path.write_text(f"[[sources]]\n{source}\n", encoding="utf-8")
    return path


@pytest.mark.parametrize(("source", "message"), [
    ('name = "a"\ntype = "feed"\nurl = "https://a.example/f"\n'
     'headers = { Authorization = "Bearer abc123" }',
     "sources[0].headers.Authorization must take its secret from an environment variable"),
    ('name = "a"\ntype = "feed"\nurl = "https://user:pw@a.example/f"',
     "sources[0].url must not hold a user name or password"),
    ('name = "a"\ntype = "folder"\npath = "x"\nheaders = { X-Key = "${K}" }',
     "headers and username_env/password_env are for feed and page sources"),
    ('name = "a"\ntype = "feed"\nurl = "https://a.example/f"\nusername_env = "U"',
     "basic auth needs both username_env and password_env"),
    ('name = "a"\ntype = "feed"\nurl = "https://a.example/f"\nheaders = { Host = "${H}" }',
     "sources[0].headers.Host is not a header a source may set"),
])
def test_config_refuses_secrets_in_the_file_and_bad_headers(
    tmp_path: Path, source: str, message: str
) -> None:
    with pytest.raises(ConfigError, match=message.replace("[", r"\[").replace("]", r"\]")):
        load_config(_write(tmp_path, source))


def test_config_reads_headers(tmp_path: Path) -> None:
    config = load_config(_write(tmp_path, 'name = "a"\ntype = "feed"\nurl = "https://a.example/f"\n'
                                'headers = { Authorization = "Bearer ${T}", Cookie = "s=${C}" }'))
    assert config.sources[0].headers == (("Authorization", "Bearer ${T}"), ("Cookie", "s=${C}"))
