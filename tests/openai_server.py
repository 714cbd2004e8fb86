"""A fake OpenAI-compatible server on loopback, for tests and the benchmark.

It speaks the chat-completions wire protocol (``POST /v1/chat/completions``)
over real HTTP, so the real ``openai`` client talks to it unmodified. Each test
scripts it:

* ``server.queue(reply, ...)``: the next requests get these replies, in order;
* ``server.handler = fn``: ``fn(request) -> Reply`` answers everything else;
* ``server.reject_formats = {"json_schema"}``: refuse those response_format types
  the way ``reject_style`` says: "openai" (400), "llama-cpp-python" (its exact
  500 ``internal_server_error``, recorded from a real server: tests/data/servers/),
  or "fastapi-422" (a bare FastAPI validation error);
* ``server.latency``: seconds added to every answer; ``server.tokens_per_second``:
  the answer's completion tokens take that long to "compute" as well;
* ``server.slots = 1``: compute one request at a time, the others queue, like a
  local llama.cpp server; with ``cancel_on_disconnect`` (default) a request whose
  client hung up stops at once, otherwise it is computed to the end for nobody;
* ``Reply(chunks=..., content_length=...)``: a body streamed chunk by chunk.

The server notices a client that closes its connection while it computes and
counts it in ``disconnects``. By default it plays an honest model: one bullet
per article, each the first sentence of that article, citing it. Every request
is kept in ``requests``.
"""

from __future__ import annotations

import json
import re
import select
import socket
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any


@dataclass
class Request:
    path: str
    headers: dict[str, str]  # names in lower case
    body: dict[str, Any]

    @property
    def messages(self) -> list[dict[str, str]]:
        return list(self.body.get("messages", []))

    @property
    def system(self) -> str:
        return self.messages[0]["content"] if self.messages else ""

    @property
    def user(self) -> str:
        users = [m["content"] for m in self.messages if m["role"] == "user"]
        return users[0] if users else ""

    @property
    def format_type(self) -> str | None:
        response_format = self.body.get("response_format")
        return response_format.get("type") if isinstance(response_format, dict) else None

    @property
    def schema(self) -> dict[str, Any] | None:
        """The schema asked for, from response_format or (text mode) the system prompt."""
        response_format = self.body.get("response_format") or {}
        if "json_schema" in response_format:
            return dict(response_format["json_schema"]["schema"])
        if "schema" in response_format:
            return dict(response_format["schema"])
        marker = "JSON Schema:\n"
        if marker in self.system:
            schema: dict[str, Any] = json.loads(self.system.split(marker, 1)[1].splitlines()[0])
            return schema
        return None

    @property
    def task(self) -> str:
        schema = self.schema or {}
        key = (schema.get("required") or ["bullets"])[0]
        return {"bullets": "story_bullets", "facts": "article_facts", "lines": "top_lines"}[key]


@dataclass
class Reply:
    status: int = 200
    body: Any = None  # a JSON-able value, or str for a raw (possibly broken) body
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0
    #: A body sent chunk by chunk instead of ``body`` (ends with the connection).
    chunks: Iterable[bytes] | None = None
    #: The content-length header to declare for ``chunks`` (None: none, close at the end).
    content_length: int | None = None

    @property
    def completion_tokens(self) -> int:
        usage = self.body.get("usage") if isinstance(self.body, dict) else None
        return int(usage.get("completion_tokens", 0)) if isinstance(usage, dict) else 0


#: Answers recorded from real servers (see tests/data/servers/README.md).
RECORDED = Path(__file__).resolve().parent / "data" / "servers"


def recorded(name: str) -> dict[str, Any]:
    """One recorded exchange: ``{"request": ..., "status": ..., "body": ...}``."""
    data: dict[str, Any] = json.loads((RECORDED / name).read_text(encoding="utf-8"))
    return data


def completion(
    content: str | None,
    *,
    finish_reason: str = "stop",
    prompt_tokens: int = 100,
    completion_tokens: int = 20,
    delay: float = 0.0,
) -> Reply:
    """A 200 chat completion whose message content is ``content``."""
    body = {
        "id": "chatcmpl-test",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": "fake-model",
        "choices": [{
            "index": 0,
            "message": {"role": "assistant", "content": content},
            "finish_reason": finish_reason,
        }],
        "usage": {
            "prompt_tokens": prompt_tokens,
            "completion_tokens": completion_tokens,
            "total_tokens": prompt_tokens + completion_tokens,
        },
    }
    return Reply(200, body, delay=delay)


def answer(key: str, *items: tuple[str, list[str]], **kwargs: Any) -> Reply:
    """A completion whose content is ``{key: [{text, sources}, ...]}``."""
    data = {key: [{"text": text, "sources": sources} for text, sources in items]}
    return completion(json.dumps(data), **kwargs)


def error(status: int, message: str, headers: dict[str, str] | None = None) -> Reply:
    body = {"error": {"message": message, "type": "invalid_request_error", "code": None}}
    return Reply(status, body, headers or {})


_ARTICLE = re.compile(r'<untrusted_article id="(A\d+)">\n(.*?)</untrusted_article>', re.DOTALL)
_TOP_LINE = re.compile(r"^- (.+) \[([A0-9, ]+)\]$", re.MULTILINE)


def article_bodies(user_message: str) -> dict[str, str]:
    """Label -> body text of each article block in a user message."""
    bodies = {}
    for label, block in _ARTICLE.findall(user_message):
        _, _, body = block.partition("\n\n")
        bodies[label] = body.strip()
    return bodies


def first_sentence(text: str, max_chars: int) -> str:
    line = text.strip().splitlines()[0].removeprefix("- ") if text.strip() else ""
    match = re.match(r"(.+?[.!?])(\s|$)", line)
    sentence = match.group(1) if match else line
    if len(sentence) > max_chars:
        sentence = sentence[:max_chars].rsplit(" ", 1)[0]
    return sentence


def honest_model(request: Request) -> Reply:
    """Quotes each article's first sentence (or first fact), citing it."""
    schema = request.schema or {}
    key = (schema.get("required") or ["bullets"])[0]
    items_schema = schema.get("properties", {}).get(key, {})
    max_items = int(items_schema.get("maxItems", 5))
    max_chars = int(items_schema.get("items", {}).get("properties", {}).get("text", {})
                    .get("maxLength", 400))
    items: list[tuple[str, list[str]]] = []
    if key == "lines":
        for text, labels in _TOP_LINE.findall(request.user)[:max_items]:
            items.append((text, [label.strip() for label in labels.split(",")]))
    else:
        for label, body in article_bodies(request.user).items():
            sentence = first_sentence(body, max_chars)
            if sentence:
                items.append((sentence, [label]))
    tokens_in = sum(len(m["content"]) for m in request.messages) // 4
    return answer(key, *items[:max_items], prompt_tokens=tokens_in, completion_tokens=30)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False
    request_queue_size = 128  # the default backlog of 5 drops connects under concurrency

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # a client that hung up on a slow answer is expected, not a failure


class FakeOpenAI:
    """The server. Use as a context manager; ``base_url`` ends in /v1."""

    def __init__(self, *, latency: float = 0.0) -> None:
        self.latency = latency
        self.handler: Callable[[Request], Reply] = honest_model
        self.reject_formats: set[str] = set()
        self.reject_style = "openai"
        self.tokens_per_second: float | None = None
        self.slots: int | None = None
        self.cancel_on_disconnect = True
        self.requests: list[Request] = []
        self.max_in_flight = 0
        self.disconnects = 0
        #: Bytes of ``Reply.chunks`` bodies written before the client stopped reading.
        self.bytes_streamed = 0
        #: Seconds spent computing answers that nobody received.
        self.wasted_seconds = 0.0
        self._in_flight = 0
        self._slots: threading.Semaphore | None = None
        self._queue: list[Reply] = []
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._httpd = _Server(("127.0.0.1", 0), self._make_handler())
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )

    @property
    def base_url(self) -> str:
        host, port = self._httpd.server_address[:2]
        return f"http://{host!s}:{port}/v1"

    @property
    def chat_requests(self) -> list[Request]:
        return [r for r in self.requests if r.path.endswith("/chat/completions")]

    def queue(self, *replies: Reply) -> None:
        with self._lock:
            self._queue.extend(replies)

    def __enter__(self) -> FakeOpenAI:
        self._thread.start()
        return self

    def _slot(self) -> threading.Semaphore | None:
        with self._lock:
            if self.slots is not None and self._slots is None:
                self._slots = threading.Semaphore(self.slots)
            return self._slots

    def __exit__(self, *exc: object) -> None:
        self._stopping.set()
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(timeout=5)

    def _reply(self, request: Request) -> Reply:
        with self._lock:
            self.requests.append(request)
            if request.format_type in self.reject_formats:
                return self._rejection(request.format_type or "")
            if self._queue:
                return self._queue.pop(0)
        return self.handler(request)

    def _rejection(self, kind: str) -> Reply:
        if self.reject_style == "llama-cpp-python":
            answer = recorded("llama-cpp-python-json_schema.json")
            return Reply(answer["status"], answer["body"])
        if self.reject_style == "fastapi-422":
            detail = [{"type": "literal_error", "loc": ["body", "response_format", "type"],
                       "msg": "Input should be 'text' or 'json_object'", "input": kind}]
            return Reply(422, {"detail": detail})
        return error(400, f"response_format of type '{kind}' is not supported by this server")

    def _make_handler(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            # Headers and body leave in one write, with Nagle off: otherwise delayed
            # ACKs add ~40 ms to every answer and swamp the latency being measured.
            wbufsize = 1 << 16
            disable_nagle_algorithm = True

            def log_message(self, format: str, *args: Any) -> None:
                pass

            def do_GET(self) -> None:
                # GET /_stats: what the server saw, for a client in another process.
                with server._lock:
                    stats = {"requests": len(server.chat_requests),
                             "max_in_flight": server.max_in_flight}
                self._send(Reply(200, stats) if self.path == "/_stats" else Reply(404, {}))

            def do_POST(self) -> None:
                length = int(self.headers.get("content-length") or 0)
                raw = self.rfile.read(length)
                try:
                    body = json.loads(raw or b"{}")
                except json.JSONDecodeError:
                    body = {}
                headers = {name.lower(): value for name, value in self.headers.items()}
                request = Request(self.path, headers, body)
                with server._lock:
                    server._in_flight += 1
                    server.max_in_flight = max(server.max_in_flight, server._in_flight)
                try:
                    reply = server._reply(request)
                    if self._compute(reply):
                        self._send(reply)
                finally:
                    with server._lock:
                        server._in_flight -= 1

            def _compute(self, reply: Reply) -> bool:
                """Wait for a slot, then "compute" the answer; False if the client left."""
                seconds = server.latency + reply.delay
                if server.tokens_per_second:
                    seconds += reply.completion_tokens / server.tokens_per_second
                slots = server._slot()
                if slots is not None:
                    while not slots.acquire(timeout=0.01):
                        if server._stopping.is_set() or self._client_left():
                            return False
                try:
                    deadline = time.monotonic() + seconds
                    while (left := deadline - time.monotonic()) > 0:
                        if server._stopping.wait(min(left, 0.01)):
                            return False
                        if server.cancel_on_disconnect and self._client_left():
                            return False
                    if self._client_left():
                        with server._lock:
                            server.wasted_seconds += seconds
                        return False
                    return True
                finally:
                    if slots is not None:
                        slots.release()

            def _client_left(self) -> bool:
                """Whether the client closed the connection (EOF waiting on the socket)."""
                connection: socket.socket = self.connection
                try:
                    readable, _, _ = select.select([connection], [], [], 0)
                    if not readable:
                        return False
                    gone = connection.recv(1, socket.MSG_PEEK) == b""
                except OSError:
                    gone = True
                if gone:
                    with server._lock:
                        server.disconnects += 1
                    self.close_connection = True
                return gone

            def _send(self, reply: Reply) -> None:
                if reply.chunks is not None:
                    self._send_chunks(reply)
                    return
                payload = reply.body if isinstance(reply.body, str) else json.dumps(reply.body)
                data = payload.encode("utf-8")
                try:
                    self.send_response(reply.status)
                    self.send_header("content-type", "application/json")
                    self.send_header("content-length", str(len(data)))
                    for name, value in reply.headers.items():
                        self.send_header(name, value)
                    self.end_headers()
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):
                    pass

            def _send_chunks(self, reply: Reply) -> None:
                self.close_connection = True
                try:
                    self.send_response(reply.status)
                    self.send_header("content-type", "application/json")
                    if reply.content_length is not None:
                        self.send_header("content-length", str(reply.content_length))
                    self.send_header("connection", "close")
                    self.end_headers()
                    self.wfile.flush()
                    for chunk in reply.chunks or ():
                        self.wfile.write(chunk)
                        with server._lock:
                            server.bytes_streamed += len(chunk)
                except (BrokenPipeError, ConnectionResetError):
                    pass

        return Handler
