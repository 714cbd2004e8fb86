"""The HTTP transport under the openai client: answers read as a stream, within a cap.

The SDK reads a whole response body into memory before looking at it, error
bodies included. A broken or hostile server could send hundreds of megabytes,
so the body is read chunk by chunk through ``CappedTransport``, which stops
(and closes the connection) once more than ``max_bytes`` arrived, or at once
when the declared length is over it. It also holds each request to its timeout
as a *total* deadline: the HTTP read timeout only bounds the wait for the next
chunk, and a server trickling a byte a second would never trip it.

Both failures are ``httpx2`` transport errors, which the SDK turns into
``APIConnectionError`` / ``APITimeoutError``; ``ResponseTooLarge`` stays
reachable as the error's ``__cause__``.
"""

from __future__ import annotations

import functools
import ssl
import threading
import time
from collections.abc import Iterator

import certifi
import httpcore2  # noqa: F401  httpx2 imports it on first use: ~100 ms in the first request
import httpx2
import openai


class ResponseTooLarge(httpx2.ReadError):
    """The server's answer was longer than ``llm.max_response_bytes``."""


def is_too_large(error: BaseException) -> bool:
    """Whether ``error`` (an SDK error) was caused by a response over the cap."""
    cause: BaseException | None = error
    for _ in range(8):  # exception chains are short; never loop on a cycle
        if cause is None:
            break
        if isinstance(cause, ResponseTooLarge):
            return True
        cause = cause.__cause__ or cause.__context__
    return False


class _CappedStream(httpx2.SyncByteStream):
    def __init__(
        self,
        inner: httpx2.SyncByteStream,
        max_bytes: int,
        deadline: float | None,
        request: httpx2.Request,
    ) -> None:
        self._inner = inner
        self._max_bytes = max_bytes
        self._deadline = deadline
        self._request = request

    def __iter__(self) -> Iterator[bytes]:
        received = 0
        for chunk in self._inner:
            received += len(chunk)
            if received > self._max_bytes:
                raise ResponseTooLarge(
                    f"the answer is longer than {self._max_bytes:,} bytes", request=self._request
                )
            if self._deadline is not None and time.monotonic() > self._deadline:
                raise httpx2.ReadTimeout("the answer took too long to arrive",
                                         request=self._request)
            yield chunk

    def close(self) -> None:
        self._inner.close()


@functools.cache
def _tls_context() -> ssl.SSLContext:
    """One verifying TLS context per process: loading the CA bundle takes ~100 ms."""
    return ssl.create_default_context(cafile=certifi.where())


class CappedTransport(httpx2.BaseTransport):
    """An ``HTTPTransport`` whose response bodies stop at ``max_bytes``.

    Plain-HTTP requests (a local server) go through a transport that never makes a
    TLS connection, so it needs no CA bundle; https requests (a hosted API, or a
    redirect) through one that verifies certificates, made on first use.
    """

    def __init__(self, max_bytes: int, inner: httpx2.BaseTransport | None = None) -> None:
        self.max_bytes = max_bytes
        self._inner = inner
        # verify=False only skips loading the CA bundle: no TLS is ever spoken on it.
        self._plain = httpx2.HTTPTransport(verify=False) if inner is None else None
        self._tls: httpx2.BaseTransport | None = None
        self._lock = threading.Lock()

    def _transport_for(self, request: httpx2.Request) -> httpx2.BaseTransport:
        if self._inner is not None:
            return self._inner
        with self._lock:
            if request.url.scheme == "http" and self._plain is not None:
                return self._plain
            self._tls = self._tls or httpx2.HTTPTransport(verify=_tls_context())
            return self._tls

    def handle_request(self, request: httpx2.Request) -> httpx2.Response:
        timeout = request.extensions.get("timeout", {}).get("read")
        deadline = time.monotonic() + float(timeout) if timeout else None
        response = self._transport_for(request).handle_request(request)
        declared = response.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > self.max_bytes:
            response.close()  # not a byte of it is read
            raise ResponseTooLarge(
                f"the answer declares {int(declared):,} bytes, over {self.max_bytes:,}",
                request=request,
            )
        assert isinstance(response.stream, httpx2.SyncByteStream)
        return httpx2.Response(
            status_code=response.status_code,
            headers=response.headers,
            stream=_CappedStream(response.stream, self.max_bytes, deadline, request),
            extensions=response.extensions,
        )

    def close(self) -> None:
        for transport in (self._inner, self._plain, self._tls):
            if transport is not None:
                transport.close()


def http_client(max_bytes: int, timeout: float) -> httpx2.Client:
    """The SDK's default HTTP client (its limits, redirects), on a capped transport."""
    return openai.DefaultHttpxClient(transport=CappedTransport(max_bytes), timeout=timeout)
