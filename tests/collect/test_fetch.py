"""Fetcher: limits, conditional GET, redirects and the address guard, on a real loopback server."""

from __future__ import annotations

import asyncio
import dataclasses
import gzip
import time
import urllib.parse

import pytest

from briefing.collect.fetch import (
    FEED_ACCEPT,
    AddressPolicy,
    BlockedAddressError,
    Fetcher,
    FetchError,
    FetchResult,
    Resolver,
)
from briefing.config import FetchSettings

from .conftest import TEST_FETCH, for_server
from .server import Endless, LoopbackServer, drip, raw, redirect, slow


def fetch(
    url: str,
    settings: FetchSettings | None = None,
    *,
    resolver: Resolver | None = None,
    **kwargs: str,
) -> FetchResult:
    """GET ``url``; by default with TEST_FETCH allowing 127.0.0.1 on the URL's own port."""
    if settings is None:
        port = urllib.parse.urlsplit(url).port or 80
        settings = dataclasses.replace(TEST_FETCH, allow_private=(f"127.0.0.1:{port}",))

    async def run() -> FetchResult:
        async with Fetcher(settings, resolver=resolver) as fetcher:
            return await fetcher.get(url, **kwargs)

    return asyncio.run(run())


def fake_dns(table: dict[str, list[str]]) -> Resolver:
    async def resolve(host: str, port: int) -> list[str]:
        if host not in table:
            raise OSError(f"no such host {host}")
        return table[host]

    return resolve


def test_user_agent_compression_and_validators(server: LoopbackServer) -> None:
    url = server.add_file("/feeds/rss20.xml", "rss20.xml")
    answer = fetch(url, accept=FEED_ACCEPT)
    hit = server.requests_to("/feeds/rss20.xml")[0]
    assert hit.headers["user-agent"] == TEST_FETCH.user_agent
    assert "gzip" in hit.headers["accept-encoding"]
    assert answer.status == 200 and answer.body.startswith(b"<?xml")  # gzip was undone
    assert answer.etag and answer.last_modified
    again = fetch(url, etag=answer.etag)
    assert again.not_modified and again.body == b""
    by_date = fetch(url, last_modified=answer.last_modified)
    assert by_date.not_modified


def test_redirects_are_followed_and_bounded(server: LoopbackServer) -> None:
    server.add_file("/feeds/rss20.xml", "rss20.xml")
    server.handle("/old", redirect("/feeds/rss20.xml", 301))
    answer = fetch(server.url("/old"))
    assert answer.url == server.url("/feeds/rss20.xml")
    for hop in range(5):
        server.handle(f"/chain/{hop}", redirect(f"/chain/{hop + 1}"))
    with pytest.raises(FetchError, match="more than 3 redirects"):
        fetch(server.url("/chain/0"))
    server.handle("/nowhere", redirect(""))
    with pytest.raises(FetchError, match="redirect without a Location"):
        fetch(server.url("/nowhere"))


def test_body_cap_applies_to_declared_streamed_and_decompressed_sizes(
    server: LoopbackServer,
) -> None:
    settings = dataclasses.replace(for_server(server), max_body_bytes=1_000_000)
    declared = Endless(100_000_000, declare_length=True)
    server.handle("/declared", declared)
    with pytest.raises(FetchError, match=r"answer \(100 MB\) is over the 1 MB limit"):
        fetch(server.url("/declared"), settings)
    streamed = Endless(100_000_000)
    server.handle("/streamed", streamed)
    with pytest.raises(FetchError, match="over the 1 MB limit"):
        fetch(server.url("/streamed"), settings)
    assert streamed.sent < 20_000_000
    # 20 MB of zeros gzip to ~20 KB: the cap counts what it inflates to.
    bomb = gzip.compress(b"\0" * 20_000_000)
    assert len(bomb) < 100_000
    server.handle("/bomb", raw(bomb, {"Content-Encoding": "gzip", "Content-Type": "text/xml"}))
    with pytest.raises(FetchError, match="over the 1 MB limit"):
        fetch(server.url("/bomb"), settings)


def test_a_server_dripping_a_byte_a_second_is_cut_at_the_deadline(server: LoopbackServer) -> None:
    server.handle("/drip", drip(interval=1.0))
    settings = dataclasses.replace(for_server(server), deadline=1.0, read_timeout=5.0)
    started = time.monotonic()
    with pytest.raises(FetchError, match="no complete answer within the 1 s deadline"):
        fetch(server.url("/drip"), settings)
    assert time.monotonic() - started < 1.5


def test_connection_refused_and_http_errors(server: LoopbackServer) -> None:
    with pytest.raises(FetchError, match="HTTP 404 Not Found") as caught:
        fetch(server.url("/missing"))
    assert caught.value.status == 404
    unused = LoopbackServer()  # bound, then closed: nothing listens on its port
    port = unused.port
    unused.stop()
    with pytest.raises(FetchError, match="cannot connect"):
        fetch(f"http://127.0.0.1:{port}/feed.xml")


def test_only_http_and_https(server: LoopbackServer) -> None:
    for url in ("ftp://127.0.0.1/feed.xml", "file:///etc/passwd", "gopher://x/"):
        with pytest.raises(FetchError, match="only http and https"):
            fetch(url)


@pytest.mark.parametrize(
    ("address", "kind"),
    [
        ("127.0.0.1", "loopback"),
        ("10.1.2.3", "private"),
        ("172.16.0.9", "private"),
        ("192.168.1.1", "private"),
        ("169.254.169.254", "link-local"),  # the cloud metadata endpoint
        ("224.0.0.1", "multicast"),
        ("0.0.0.0", "unspecified"),
        ("240.0.0.1", "reserved"),
        ("100.64.0.1", "non-public"),  # carrier-grade NAT
        ("::1", "loopback"),
        ("fe80::1", "link-local"),
        ("fc00::1", "private"),
        ("::ffff:127.0.0.1", "loopback"),
    ],
)
def test_non_public_addresses_are_refused(address: str, kind: str) -> None:
    with pytest.raises(BlockedAddressError, match=f"resolves to a {kind} address"):
        AddressPolicy().check("host.example", 80, [address])


def test_public_addresses_and_the_allow_list() -> None:
    AddressPolicy().check("example.org", 443, ["93.184.216.34", "2606:4700::6810:85e5"])
    AddressPolicy(["10.0.0.0/8:443"]).check("intranet", 443, ["10.20.30.40"])
    AddressPolicy(["Intranet.Example.:8080"]).check("intranet.example", 8080, ["192.168.0.2"])
    AddressPolicy(["[fd00::/8]:443"]).check("v6.intranet", 443, ["fd12::1"])
    with pytest.raises(BlockedAddressError):
        AddressPolicy(["10.0.0.0/8:443"]).check("other", 443, ["192.168.0.2"])
    # One bad address among good ones is enough to refuse (DNS rebinding tricks).
    with pytest.raises(BlockedAddressError):
        AddressPolicy().check("mixed.example", 443, ["93.184.216.34", "127.0.0.1"])


@pytest.mark.parametrize(
    ("entries", "host", "port", "address"),
    [
        (["intranet.example:8080"], "intranet.example", 22, "192.168.0.2"),  # another port
        (["intranet.example:8080"], "other.example", 8080, "192.168.0.2"),  # another host
        (["10.0.0.0/8:443"], "intranet", 80, "10.20.30.40"),  # another port of the range
        (["10.0.0.0/8:443"], "intranet", 443, "11.0.0.1"),  # public, but...
        (["127.0.0.1:8080"], "localhost", 8080, "::1"),  # the entry is IPv4 only
    ],
)
def test_an_allow_entry_opens_one_host_or_range_on_one_port(
    entries: list[str], host: str, port: int, address: str
) -> None:
    policy = AddressPolicy(entries)
    if address == "11.0.0.1":  # a public address needs no entry at all
        policy.check(host, port, [address])
        return
    with pytest.raises(BlockedAddressError, match=f'list "{host}:{port}" in fetch.allow_private'):
        policy.check(host, port, [address])


def test_requests_go_to_the_checked_address_with_the_host_name(server: LoopbackServer) -> None:
    url = server.add_file("/feeds/rss20.xml", "rss20.xml")
    resolver = fake_dns({
        "news.example": ["127.0.0.1"],
        "rebind.example": ["8.8.8.8", "127.0.0.1"],
        "metadata.example": ["169.254.169.254"],
    })
    settings = dataclasses.replace(TEST_FETCH, allow_private=(f"127.0.0.0/8:{server.port}",))
    named = url.replace("127.0.0.1", "news.example")
    answer = fetch(named, settings, resolver=resolver)
    assert answer.status == 200 and answer.url == named
    assert server.requests_to("/feeds/rss20.xml")[-1].headers["host"] == (
        f"news.example:{server.port}"
    )
    closed = dataclasses.replace(TEST_FETCH, allow_private=())
    with pytest.raises(BlockedAddressError, match=r"loopback address \(127.0.0.1\)"):
        fetch(url.replace("127.0.0.1", "rebind.example"), closed, resolver=resolver)
    with pytest.raises(BlockedAddressError, match=r"link-local address \(169\.254\.169\.254\)"):
        fetch("http://metadata.example/latest/meta-data/", settings, resolver=resolver)
    with pytest.raises(FetchError, match=r"cannot resolve nowhere\.example"):
        fetch(f"http://nowhere.example:{server.port}/feed", settings, resolver=resolver)


def test_per_host_concurrency_and_spacing(server: LoopbackServer) -> None:
    server.handle("/slow", slow(0.3))

    async def three(settings: FetchSettings) -> float:
        async with Fetcher(settings) as fetcher:
            started = time.monotonic()
            await asyncio.gather(*(fetcher.get(server.url("/slow")) for _ in range(3)))
            return time.monotonic() - started

    allowed = for_server(server)
    parallel = asyncio.run(three(allowed))
    one_at_a_time = asyncio.run(three(dataclasses.replace(allowed, per_host_concurrency=1)))
    spaced = asyncio.run(three(dataclasses.replace(allowed, per_host_delay=0.25)))
    assert parallel < 0.6
    assert one_at_a_time >= 0.85
    assert 0.8 <= spaced < 1.3  # starts at 0, 0.25 and 0.5 s, each taking 0.3 s
