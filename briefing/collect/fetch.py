"""Fetching feeds and pages over HTTP(S), defensively.

Every request made by ``briefing.collect`` goes through ``Fetcher.get``, which
enforces, whatever the server does:

- only http and https, on the first URL and on every redirect hop;
- server-side request forgery guard: the host is resolved *here*, every address
  it resolves to is checked (loopback, private, link-local, multicast, reserved
  and unspecified addresses are refused, ``briefing.netaddr``, unless a
  ``fetch.allow_private`` entry names the host, or a range holding the address,
  *and the port*), and the request is then sent to the checked address itself,
  so a second DNS answer cannot swap in another one (DNS rebinding). Every
  redirect hop is checked the same way against its own host and port, so an
  entry for ``intranet:8080`` never opens ``intranet:22``. TLS still verifies
  the certificate against the host name;
- at most ``max_redirects`` redirects, loops detected;
- connect and read timeouts, and one deadline for the whole request (all hops
  and the body), so a server dripping a byte a second cannot hold it;
- a body cap enforced while streaming, on the raw bytes and after decoding
  every layer of Content-Encoding (``briefing.collect.decoding``): a 100 MB
  answer or a 3 KB brotli bomb standing for 2 GiB is abandoned at the cap,
  never held whole. Decoding runs chunk by chunk in a worker thread, under the
  same deadline, so it never blocks the other fetches; codings that cannot be
  decoded are refused;
- conditional GET (If-None-Match / If-Modified-Since), compression, a
  descriptive User-Agent, and per-host concurrency and spacing.

Failures are raised as ``FetchError`` (a ``SourceError``) with a one-line
message that names no secret; httpx and socket exceptions never leak out.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import socket
import ssl
import time
import urllib.parse
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from dataclasses import dataclass
from types import TracebackType

import httpx

from briefing.collect.decoding import (
    ACCEPT_ENCODING,
    BodyDecoder,
    BodyTooLarge,
    DecodingError,
    codings,
)
from briefing.collect.urls import host_of, is_http_url
from briefing.config import FetchSettings
from briefing.errors import ConfigError, SourceError
from briefing.netaddr import AllowEntry, non_public_kind, parse_address, parse_allow_entry

#: Resolves (host, port) to IP address strings; injectable so tests can fake DNS.
Resolver = Callable[[str, int], Awaitable[list[str]]]

FEED_ACCEPT = (
    "application/rss+xml, application/atom+xml, application/feed+json, application/rdf+xml;q=0.9,"
    " application/xml;q=0.9, text/xml;q=0.9, application/json;q=0.8, */*;q=0.5"
)
PAGE_ACCEPT = "text/html, application/xhtml+xml;q=0.9, */*;q=0.5"
_REDIRECTS = {301, 302, 303, 307, 308}


class FetchError(SourceError):
    """A URL could not be fetched; the message is one line, fit to show a user.

    ``status`` is the HTTP status when the server answered with an error.
    """

    def __init__(self, message: str, *, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


class BlockedAddressError(FetchError):
    """The URL's host resolves to an address that is not fetched (SSRF guard)."""


@dataclass(frozen=True, slots=True)
class FetchResult:
    """One successful answer: 200 with its body, or 304 (not modified) without one."""

    url: str  # the final URL, after redirects
    status: int
    body: bytes = b""
    content_type: str = ""
    etag: str | None = None
    last_modified: str | None = None

    @property
    def not_modified(self) -> bool:
        return self.status == 304


@dataclass(slots=True)
class _Host:
    slots: asyncio.Semaphore
    next_start: float = 0.0


class AddressPolicy:
    """Which (host, port, addresses) may be fetched: public ones, plus ``allow_private``.

    An entry names a host and a port ("intranet.example:8080": that name, whatever
    it resolves to) or a range and a port ("10.0.0.0/8:443": addresses in it).
    """

    def __init__(self, allow_private: Sequence[str] = ()) -> None:
        entries: list[AllowEntry] = []
        for entry in allow_private:
            try:
                entries.append(parse_allow_entry(entry))
            except ValueError as error:  # settings made in code, not read from a file
                raise ConfigError(f"fetch.allow_private entry {entry!r}: {error}") from None
        self._entries = tuple(entries)

    def check(self, host: str, port: int, addresses: Sequence[str]) -> None:
        """Raise ``BlockedAddressError`` unless every address of ``host`` may be fetched."""
        if any(entry.admits_host(host, port) for entry in self._entries):
            return
        for text in addresses:
            address = parse_address(text)
            kind = non_public_kind(address)
            if kind and not any(entry.admits_address(address, port) for entry in self._entries):
                shown = f"[{host}]" if ":" in host else host
                raise BlockedAddressError(
                    f"refused: {host} resolves to a {kind} address ({address});"
                    f' list "{shown}:{port}" in fetch.allow_private to fetch it'
                )


async def system_resolver(host: str, port: int) -> list[str]:
    """The host's addresses from the system resolver, in its order, without repeats."""
    loop = asyncio.get_running_loop()
    infos = await loop.getaddrinfo(host, port, type=socket.SOCK_STREAM, proto=socket.IPPROTO_TCP)
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


@functools.cache
def _tls_context() -> ssl.SSLContext:
    # Loading the CA bundle takes about 0.1 s; a worker collecting in batches opens a
    # client per batch, so every client shares the one context (read-only once made).
    return httpx.create_ssl_context()


class Fetcher:
    """An HTTP client with the limits above; use as ``async with Fetcher(settings) as f``."""

    def __init__(
        self,
        settings: FetchSettings,
        *,
        resolver: Resolver | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.settings = settings
        self.policy = AddressPolicy(settings.allow_private)
        self._resolve = resolver or system_resolver
        self._transport = transport
        self._slots = asyncio.Semaphore(settings.concurrency)
        self._hosts: dict[str, _Host] = {}
        self._client: httpx.AsyncClient | None = None

    async def __aenter__(self) -> Fetcher:
        s = self.settings
        self._client = httpx.AsyncClient(
            timeout=httpx.Timeout(
                connect=s.connect_timeout, read=s.read_timeout, write=s.read_timeout,
                pool=s.deadline,
            ),
            # Connections are never reused: each request goes to the address checked for
            # it, and a TLS session opened for one host name must not serve another.
            limits=httpx.Limits(max_connections=s.concurrency, max_keepalive_connections=0),
            # Only codings that can be decoded within the body cap are asked for.
            headers={"User-Agent": s.user_agent, "Accept-Encoding": ACCEPT_ENCODING},
            follow_redirects=False,  # followed here, so every hop is checked
            trust_env=False,  # an environment proxy would bypass the address checks
            transport=self._transport,
            verify=_tls_context(),
        )
        return self

    async def __aexit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if self._client is not None:
            await self._client.aclose()

    async def get(
        self,
        url: str,
        *,
        accept: str = PAGE_ACCEPT,
        etag: str | None = None,
        last_modified: str | None = None,
    ) -> FetchResult:
        """GET ``url`` within every limit; raises ``FetchError`` (one line) on any failure."""
        headers = {"Accept": accept}
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        deadline = self.settings.deadline
        async with self._host_turn(host_of(url)), self._slots:
            try:
                async with asyncio.timeout(deadline):
                    return await self._follow(url, headers)
            except TimeoutError:
                raise FetchError(f"no complete answer within the {deadline:g} s deadline") from None
            except FetchError:
                raise
            except httpx.TimeoutException as error:
                raise FetchError(f"timed out ({_timeout_kind(error)})") from error
            except httpx.HTTPError as error:
                raise FetchError(_describe(error)) from error
            except OSError as error:  # DNS failures and the like, below httpx
                raise FetchError(f"network error: {_one_line(error)}") from error

    @contextlib.asynccontextmanager
    async def _host_turn(self, host: str) -> AsyncIterator[None]:
        """Wait for a slot at ``host`` and for its spacing delay, then hold the slot."""
        state = self._hosts.get(host)
        if state is None:
            state = self._hosts[host] = _Host(asyncio.Semaphore(self.settings.per_host_concurrency))
        async with state.slots:
            now = time.monotonic()
            start = max(now, state.next_start)
            # Claimed before sleeping, so the next waiter queues behind this start time.
            state.next_start = start + self.settings.per_host_delay
            if start > now:
                await asyncio.sleep(start - now)
            yield

    async def _follow(self, url: str, headers: dict[str, str]) -> FetchResult:
        visited: set[str] = set()
        current = url
        for _ in range(self.settings.max_redirects + 1):
            if not is_http_url(current):
                raise FetchError("refused: only http and https URLs are fetched")
            visited.add(current)
            result = await self._request(current, headers)
            if isinstance(result, FetchResult):
                return result
            following = urllib.parse.urljoin(current, result)
            if not is_http_url(following):
                raise FetchError("refused: redirected to a URL that is not http or https")
            if following in visited:
                raise FetchError("redirect loop")
            current = following
        raise FetchError(f"more than {self.settings.max_redirects} redirects")

    async def _request(self, url: str, headers: dict[str, str]) -> FetchResult | str:
        """One hop: the result, or the Location of a redirect."""
        assert self._client is not None, "use Fetcher as an async context manager"
        target = httpx.URL(url)
        host = target.raw_host.decode("ascii")
        port = target.port or (443 if target.scheme == "https" else 80)
        try:
            addresses = await self._resolve(host, port)
        except OSError as error:
            raise FetchError(f"cannot resolve {host}: {_one_line(error)}") from error
        if not addresses:
            raise FetchError(f"cannot resolve {host}: no address")
        self.policy.check(host, port, addresses)
        hop_headers = {**headers, "Host": target.netloc.decode("ascii")}
        extensions = {"sni_hostname": host} if target.scheme == "https" else {}
        last_error: httpx.ConnectError | None = None
        for address in addresses:
            request = self._client.build_request(
                "GET", target.copy_with(host=address), headers=hop_headers, extensions=extensions
            )
            try:
                response = await self._client.send(request, stream=True)
            except httpx.ConnectError as error:  # try the host's next address
                last_error = error
                continue
            try:
                return await self._read(url, response)
            finally:
                await response.aclose()
        assert last_error is not None
        raise FetchError(f"cannot connect to {host}: {_one_line(last_error)}")

    async def _read(self, url: str, response: httpx.Response) -> FetchResult | str:
        status = response.status_code
        if status in _REDIRECTS:
            location = response.headers.get("location")
            if not location:
                raise FetchError(f"HTTP {status} redirect without a Location")
            return location
        if status == 304:
            return FetchResult(url=url, status=304)
        if not 200 <= status < 300:
            raise FetchError(f"HTTP {status} {response.reason_phrase}".strip(), status=status)
        limit = self.settings.max_body_bytes
        declared = response.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > limit:
            declared_size = _size(int(declared))
            raise FetchError(f"the answer ({declared_size}) is over the {_size(limit)} limit")
        try:
            body = await _read_body(response, limit)
        except BodyTooLarge:
            raise FetchError(f"the answer is over the {_size(limit)} limit") from None
        except DecodingError as error:
            raise FetchError(f"the answer cannot be decoded: {error}") from None
        return FetchResult(
            url=url,
            status=status,
            body=body,
            content_type=response.headers.get("content-type", ""),
            etag=response.headers.get("etag"),
            last_modified=response.headers.get("last-modified"),
        )


async def _read_body(response: httpx.Response, limit: int) -> bytes:
    """The body, decoded, within ``limit`` bytes raw and decoded; raises ``BodyTooLarge``."""
    decoder = BodyDecoder(codings(response.headers.get_list("content-encoding")), limit)
    received = 0
    async for chunk in response.aiter_raw():
        received += len(chunk)
        if received > limit:
            raise BodyTooLarge
        if decoder.identity:
            decoder.feed(chunk)  # nothing to decode: no thread needed
        else:
            # A chunk's decoding is bounded by the cap, but can take a while: off the loop.
            await asyncio.to_thread(decoder.feed, chunk)
    return decoder.finish() if decoder.identity else await asyncio.to_thread(decoder.finish)


def _size(count: int) -> str:
    return f"{count / 1_000_000:g} MB" if count >= 1_000_000 else f"{count:,} bytes"


def _timeout_kind(error: httpx.TimeoutException) -> str:
    if isinstance(error, httpx.ConnectTimeout):
        return "connecting"
    if isinstance(error, httpx.ReadTimeout):
        return "waiting for data"
    return "sending the request" if isinstance(error, httpx.WriteTimeout) else "waiting"


def _describe(error: httpx.HTTPError) -> str:
    if isinstance(error, httpx.DecodingError):
        return "the answer's compression or encoding is broken"
    if isinstance(error, httpx.ConnectError):
        return f"cannot connect: {_one_line(error)}"
    if isinstance(error, httpx.RemoteProtocolError):
        return f"the server broke the HTTP protocol: {_one_line(error)}"
    return f"{type(error).__name__}: {_one_line(error)}"


def _one_line(error: BaseException) -> str:
    text = " ".join(str(error).split()) or type(error).__name__
    return text if len(text) <= 200 else text[:199] + "…"
