"""A real HTTP server on 127.0.0.1 for collect tests: fixture feeds and hostile endpoints.

Static routes serve bytes with ETag and Last-Modified (answering 304 to a
matching conditional GET) and gzip when asked; ``{BASE}`` in a body becomes
the server's address. Handler routes misbehave on purpose: drip a byte at a
time, stream without end, redirect in circles. Every loop here is bounded in
bytes and time, so the server stops by itself even if a client never hangs up.
"""

from __future__ import annotations

import gzip
import hashlib
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

DATA = Path(__file__).parent / "data"
Handler = Callable[[BaseHTTPRequestHandler], None]


@dataclass
class Static:
    body: bytes
    content_type: str
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    etag: str | None = None
    last_modified: str | None = None


@dataclass(frozen=True)
class Hit:
    path: str
    headers: dict[str, str]  # lower-cased names


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    # socketserver's default backlog of 5 drops connections when a test opens a dozen at
    # once; the client then waits a full second to retry, which looks like a slow server.
    request_queue_size = 128


class LoopbackServer:
    def __init__(self) -> None:
        self.routes: dict[str, Static | Handler] = {}
        self.hits: list[Hit] = []
        self.bytes_sent: Counter[str] = Counter()
        self._lock = threading.Lock()
        self._httpd = _Server(("127.0.0.1", 0), _make_handler(self))
        self.port = self._httpd.server_address[1]
        self.base = f"http://127.0.0.1:{self.port}"
        # A short poll interval: shutdown() waits up to one interval.
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    def start(self) -> LoopbackServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._thread.is_alive():  # shutdown() waits forever for a loop that never ran
            self._httpd.shutdown()
        self._httpd.server_close()

    def url(self, path: str) -> str:
        return self.base + path

    # -- routes -----------------------------------------------------------------

    def add(
        self,
        path: str,
        body: bytes | str,
        content_type: str = "application/rss+xml; charset=utf-8",
        *,
        status: int = 200,
        headers: dict[str, str] | None = None,
        validators: bool = True,
    ) -> str:
        """Serve ``body`` at ``path`` (with ETag and Last-Modified unless told not to)."""
        data = body.encode("utf-8") if isinstance(body, str) else body
        data = data.replace(b"{BASE}", self.base.encode("ascii"))
        route = Static(data, content_type, status, dict(headers or {}))
        if validators:
            route.etag = '"' + hashlib.sha1(data).hexdigest()[:16] + '"'
            route.last_modified = "Wed, 18 Nov 2026 08:00:00 GMT"
        self.routes[path] = route
        return self.url(path)

    def add_file(self, path: str, name: str, content_type: str = "application/rss+xml") -> str:
        return self.add(path, (DATA / name).read_bytes(), content_type)

    def handle(self, path: str, handler: Handler) -> str:
        self.routes[path] = handler
        return self.url(path)

    def requests_to(self, path: str) -> list[Hit]:
        with self._lock:
            return [hit for hit in self.hits if hit.path == path]

    def _record(self, hit: Hit) -> None:
        with self._lock:
            self.hits.append(hit)

    def _sent(self, path: str, count: int) -> None:
        with self._lock:
            self.bytes_sent[path] += count


def _make_handler(server: LoopbackServer) -> type[BaseHTTPRequestHandler]:
    class RequestHandler(BaseHTTPRequestHandler):
        server_version = "LoopbackTest/1"

        def log_message(self, format: str, *args: object) -> None:
            pass  # keep test output clean

        def do_GET(self) -> None:
            path = self.path
            server._record(Hit(path, {k.lower(): v for k, v in self.headers.items()}))
            route = server.routes.get(path) or server.routes.get(path.split("?", 1)[0])
            try:
                if route is None:
                    self._send(404, b"not found", "text/plain")
                elif isinstance(route, Static):
                    self._static(route)
                else:
                    route(self)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client gave up: expected for every hostile route

        def _static(self, route: Static) -> None:
            # As HTTP says: If-None-Match, when sent, decides alone.
            match = self.headers.get("If-None-Match")
            if match is not None:
                fresh = route.etag is not None and match == route.etag
            else:
                since = self.headers.get("If-Modified-Since")
                fresh = route.last_modified is not None and since == route.last_modified
            if fresh:
                self._send(304, b"", None)
                return
            body, headers = route.body, dict(route.headers)
            if route.etag:
                headers["ETag"] = route.etag
            if route.last_modified:
                headers["Last-Modified"] = route.last_modified
            if "gzip" in (self.headers.get("Accept-Encoding") or "") and route.status == 200:
                body = gzip.compress(body)
                headers["Content-Encoding"] = "gzip"
            self._send(route.status, body, route.content_type, headers)

        def _send(
            self, status: int, body: bytes, content_type: str | None,
            headers: dict[str, str] | None = None,
        ) -> None:
            self.send_response(status)
            if content_type:
                self.send_header("Content-Type", content_type)
            for name, value in (headers or {}).items():
                self.send_header(name, value)
            if status != 304:
                self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if body and status != 304:
                self.wfile.write(body)
                server._sent(self.path, len(body))

    return RequestHandler


# -- hostile handlers ------------------------------------------------------------------


def drip(interval: float = 0.25, limit: int = 40) -> Handler:
    """Answer 200, then send one byte every ``interval`` seconds (``limit`` bytes at most)."""

    def handler(request: BaseHTTPRequestHandler) -> None:
        request.send_response(200)
        request.send_header("Content-Type", "application/rss+xml")
        request.end_headers()
        request.wfile.flush()
        for byte in b'<?xml version="1.0"?><rss version="2.0"><channel>'[:limit]:
            request.wfile.write(bytes([byte]))
            request.wfile.flush()
            time.sleep(interval)

    return handler


class Endless:
    """Stream ``total`` bytes of a feed-like body in 64 KB chunks, until the client hangs up.

    ``sent`` counts the bytes the client accepted, to show it stopped at its cap.
    """

    chunk = b"<item><title>x</title></item>" * 2200  # ~64 KB

    def __init__(self, total: int = 100_000_000, *, declare_length: bool = False) -> None:
        self.total = total
        self.declare_length = declare_length
        self.sent = 0

    def __call__(self, request: BaseHTTPRequestHandler) -> None:
        request.send_response(200)
        request.send_header("Content-Type", "application/rss+xml")
        if self.declare_length:
            request.send_header("Content-Length", str(self.total))
        request.end_headers()
        started = time.monotonic()
        while self.sent < self.total and time.monotonic() - started < 10:
            request.wfile.write(self.chunk)
            self.sent += len(self.chunk)


def redirect(location: str, status: int = 302) -> Handler:
    def handler(request: BaseHTTPRequestHandler) -> None:
        request.send_response(status)
        request.send_header("Location", location)
        request.send_header("Content-Length", "0")
        request.end_headers()

    return handler


def status(code: int, body: bytes = b"error") -> Handler:
    def handler(request: BaseHTTPRequestHandler) -> None:
        request.send_response(code)
        request.send_header("Content-Type", "text/plain")
        request.send_header("Content-Length", str(len(body)))
        request.end_headers()
        request.wfile.write(body)

    return handler


def slow(seconds: float, body: bytes = b"<rss version='2.0'><channel></channel></rss>") -> Handler:
    """Wait ``seconds`` before answering: a slow but well-behaved server."""

    def handler(request: BaseHTTPRequestHandler) -> None:
        time.sleep(seconds)
        request.send_response(200)
        request.send_header("Content-Type", "application/rss+xml")
        request.send_header("Content-Length", str(len(body)))
        request.end_headers()
        request.wfile.write(body)

    return handler


def raw(body: bytes, headers: dict[str, str]) -> Handler:
    """Send ``body`` as is with exactly these headers (e.g. a pre-compressed body)."""

    def handler(request: BaseHTTPRequestHandler) -> None:
        request.send_response(200)
        for name, value in headers.items():
            request.send_header(name, value)
        request.send_header("Content-Length", str(len(body)))
        request.end_headers()
        request.wfile.write(body)

    return handler
