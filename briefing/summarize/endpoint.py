"""One OpenAI-compatible chat endpoint: requests, retries and response formats.

Servers differ in what ``response_format`` they take, and in how they say no:
OpenAI answers 400, llama.cpp's C++ server 400, llama-cpp-python's server 500
(``internal_server_error``, "Input should be 'text' or 'json_object'"), others
422. So any 4xx or 5xx whose error names response_format, json_schema,
json_object or the schema moves one step down the chain: json_schema, then
json_object with the schema (llama.cpp), then plain json_object, then text with
the schema in the prompt. What worked is remembered per base URL and model.

Timeouts, 429 (Retry-After honoured), 5xx and refused connections are retried
with backoff and jitter; then ``LLMUnavailable``. Requests pass through the
endpoint's ``Pacing`` (adaptive concurrency, timeouts from the measured speed).
A timed-out request's connection is closed, so a server that checks can stop
computing it; its tokens are recorded as an estimate, since the server may
have processed it without ever telling us.
"""

from __future__ import annotations

import dataclasses
import functools
import json
import logging
import random
import re
import threading
import time
import weakref
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from typing import Any

import openai
from openai.types.chat import ChatCompletion

from briefing.config import LLMConfig
from briefing.summarize.grounding import (
    AnswerError,
    parse_answer,
)
from briefing.summarize.llm_log import CallRecord, LLMLog, scrub
from briefing.summarize.pacing import Pacing
from briefing.summarize.tokens import estimate_messages, estimate_tokens
from briefing.summarize.transport import is_too_large

log = logging.getLogger(__name__)

#: response_format modes, best first. llama.cpp's Python server takes json_object with a
#: schema; some servers take json_object only; the last resort puts the schema in the prompt.
FORMAT_MODES = ("json_schema", "json_object_schema", "json_object", "text")


# -- errors ---------------------------------------------------------------------------


class LLMUnavailable(Exception):
    """The endpoint could not answer after retries; ``kind`` is a short code.

    ``tokens_spent`` counts the estimated tokens of timed-out attempts, which the
    server may have processed: the run's budget is charged for them.
    """

    def __init__(self, kind: str, tokens_spent: int = 0, context_tokens: int | None = None) -> None:
        super().__init__(kind)
        self.kind = kind
        self.tokens_spent = tokens_spent
        #: For "context-overflow": the context size the server said it has, if it did.
        self.context_tokens = context_tokens


class AnswerFailed(Exception):
    """The model answered, but not usably, even after the one retry."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


class _FormatRejected(Exception):
    """The server refused the request's response_format."""


# -- the transport --------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """How hard to try one request. Tests shrink the delays; the defaults suit real servers."""

    max_retries: int = 2
    base_delay: float = 0.5
    max_delay: float = 8.0
    #: A Retry-After longer than this is not waited for: the story falls back instead.
    max_retry_after: float = 60.0
    #: After this many stories in a row found the endpoint unavailable, stop trying it.
    breaker_threshold: int = 3
    #: The shortest timeout the measured speed may set (``llm.timeout`` is the longest).
    min_timeout: float = 10.0

    def backoff(self, attempt: int, rng: random.Random) -> float:
        """Exponential backoff with "equal jitter": half fixed, half random."""
        ceiling = min(self.max_delay, self.base_delay * 2**attempt)
        return ceiling / 2 + rng.uniform(0, ceiling / 2)


@dataclass(frozen=True, slots=True)
class Completion:
    content: str | None
    finish_reason: str | None
    tokens_in: int
    tokens_out: int
    mode: str
    #: The validated answer, or why there is none (checked once, where it arrives).
    answer: dict[str, Any] | None = None
    problem: AnswerError | None = None
    #: Estimated tokens of earlier attempts that timed out (for the budget).
    abandoned_tokens: int = 0


@dataclass(frozen=True, slots=True)
class CallContext:
    """Who a request is for, as recorded in llm_calls."""

    task: str
    story_id: str | None
    prompt_version: str


def _retry_after(error: openai.APIStatusError) -> float | None:
    headers = error.response.headers
    if ms := headers.get("retry-after-ms"):
        try:
            return float(ms) / 1000
        except ValueError:
            pass
    value = headers.get("retry-after")
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        try:
            return max(0.0, parsedate_to_datetime(value).timestamp() - time.time())
        except (TypeError, ValueError):
            return None


#: An error naming one of these is about the response_format we sent.
_FORMAT_WORDS = re.compile(r"response_format|json_schema|json_object|\bschema\b", re.I)

#: Appended to the system message when the server does not enforce the schema itself.
SCHEMA_INSTRUCTION = (
    "Your answer must be a single JSON object, with no other text, that is valid "
    "against this JSON Schema:"
)


def _error_text(error: openai.APIStatusError) -> str:
    body = error.body if isinstance(error.body, str) else json.dumps(error.body, default=str)
    return f"{error.message} {body}"


def _names_format(error: openai.APIStatusError) -> bool:
    return bool(_FORMAT_WORDS.search(_error_text(error)))


#: How servers say the prompt was too long: OpenAI and llama-cpp-python answer code
#: "context_length_exceeded", llama.cpp's C++ server type "exceed_context_size_error".
_OVERFLOW = re.compile(
    r"context_length_exceeded|exceed_context_size|exceeds? (?:the )?(?:available )?context",
    re.I)
_CONTEXT_SIZE = re.compile(
    r"maximum context length is (\d+)|context size \((\d+) tokens\)|\"n_ctx\": ?(\d+)", re.I)


def context_overflow(error: openai.APIStatusError) -> int | None:
    """For an error saying the prompt did not fit: the server's context size (0 when it
    does not say); None for any other error."""
    text = _error_text(error)
    if not _OVERFLOW.search(text):
        return None
    match = _CONTEXT_SIZE.search(text)
    return int(next(group for group in match.groups() if group)) if match else 0


class ChatEndpoint:
    """Sends chat requests to one endpoint: retries, backoff, response_format fallback."""

    def __init__(
        self,
        client_factory: Callable[[], openai.OpenAI],
        *,
        endpoint: str,
        model: str,
        llm: LLMConfig,
        log_: LLMLog,
        retry: RetryPolicy,
        secrets: Sequence[str] = (),
        sleep: Callable[[float], None] = time.sleep,
        rng: random.Random | None = None,
        pacing: Pacing | None = None,
    ) -> None:
        self._client_factory = client_factory
        self._client: openai.OpenAI | None = None
        self._finalizer: weakref.finalize[Any, Any] | None = None
        self.endpoint = endpoint
        self.model = model
        self.llm = llm
        self.log = log_
        self.retry = retry
        self.secrets = tuple(secrets)
        self.sleep = sleep
        self.rng = rng or random.Random()
        self.pacing = pacing or Pacing(llm.max_concurrency, llm.timeout, retry.min_timeout)
        _build_response_types()
        self._lock = threading.Lock()
        remembered = log_.endpoint_format(endpoint, model)
        self._mode = remembered if remembered in FORMAT_MODES else FORMAT_MODES[0]

    @property
    def client(self) -> openai.OpenAI:
        """The SDK client, made on first use (or by ``LLMSummarizer``, before its first
        run) and kept, so connections are reused across stories, runs and the top lines
        (building one costs ~25 ms)."""
        with self._lock:
            if self._client is None:
                self._client = self._client_factory()
                # Closed with the endpoint even if nobody calls close(): no socket leaks.
                self._finalizer = weakref.finalize(self, self._client.close)
            return self._client

    def close(self) -> None:
        with self._lock:
            if self._finalizer is not None:
                self._finalizer()
            self._client = self._finalizer = None

    @property
    def mode(self) -> str:
        with self._lock:
            return self._mode

    def complete(
        self, messages: list[dict[str, str]], schema: dict[str, Any], context: CallContext
    ) -> Completion:
        """One answer, in the best response_format this endpoint accepts."""
        while True:
            mode = self.mode
            try:
                return self._send(self._for_mode(messages, schema, mode), schema, mode, context)
            except _FormatRejected:
                self._downgrade(mode)

    def _downgrade(self, rejected: str) -> None:
        with self._lock:
            if self._mode != rejected:  # another thread already moved on
                return
            position = FORMAT_MODES.index(rejected)
            if position + 1 >= len(FORMAT_MODES):
                raise LLMUnavailable("rejected")
            self._mode = FORMAT_MODES[position + 1]
            mode = self._mode
        log.info("%s (%s) rejected response_format %s; using %s",
                 self.endpoint, self.model, rejected, mode)
        self.log.set_endpoint_format(self.endpoint, self.model, mode)

    @staticmethod
    def _for_mode(
        messages: list[dict[str, str]], schema: dict[str, Any], mode: str
    ) -> list[dict[str, str]]:
        if mode == "json_schema":
            return messages
        # Without enforced structured output the schema goes into the (static) system
        # message, ahead of the articles, so prompt caching still covers the prefix.
        instruction = f"\n\n{SCHEMA_INSTRUCTION}\n{json.dumps(schema, separators=(',', ':'))}"
        first, *rest = messages
        return [{**first, "content": first["content"] + instruction}, *rest]

    @staticmethod
    def _response_format(schema: dict[str, Any], mode: str, name: str) -> Any:
        if mode == "json_schema":
            return {
                "type": "json_schema",
                "json_schema": {"name": name, "schema": schema, "strict": True},
            }
        if mode == "json_object_schema":
            return {"type": "json_object", "schema": schema}
        if mode == "json_object":
            return {"type": "json_object"}
        return None

    def _body(
        self, messages: list[dict[str, str]], schema: dict[str, Any], mode: str, name: str
    ) -> dict[str, Any]:
        body: dict[str, Any] = {
            "model": self.model,
            "messages": messages,
            "temperature": self.llm.temperature,
            "max_tokens": self.llm.max_output_tokens,
        }
        response_format = self._response_format(schema, mode, name)
        if response_format is not None:
            body["response_format"] = response_format
        return body

    def _send(
        self,
        messages: list[dict[str, str]],
        schema: dict[str, Any],
        mode: str,
        context: CallContext,
    ) -> Completion:
        prompt_tokens = estimate_messages(messages)
        abandoned = 0
        attempt = 0
        while True:
            with self.pacing.slot() as round_started:
                timeout = self.pacing.timeout_for(
                    prompt_tokens, self.llm.max_output_tokens, retry=attempt > 0)
                client = self.client  # made before the clock starts: not the server's time
                started = time.monotonic()
                try:
                    # The SDK's own POST: its auth, errors and response types, without the
                    # recursive transform of ``chat.completions.create``'s parameters, which
                    # costs ~10 ms of CPU (and the GIL) per request for plain dicts.
                    response = client.post(
                        "/chat/completions",
                        body=self._body(messages, schema, mode, context.task),
                        cast_to=ChatCompletion,
                        options={"timeout": timeout},
                    )
                except openai.APIError as error:
                    kind, delay = self._classify(error, mode, attempt)
                    size = (context_overflow(error) or None
                            if isinstance(error, openai.APIStatusError) else None)
                    if kind in ("timeout", "rate-limited") or _status(error) == 503:
                        self.pacing.overloaded(round_started)
                    if kind == "timeout":
                        # The connection is closed; the server may have computed (part of)
                        # the answer all the same, so its tokens are estimated, not zero.
                        tokens = (prompt_tokens, self._typical_answer_tokens())
                        abandoned += sum(tokens)
                        self._record(context, mode, started, outcome=kind, error=error,
                                     tokens=tokens, estimated=True,
                                     detail=f"no answer within {timeout:.0f} s")
                    else:
                        self._record(context, mode, started, outcome=kind, error=error)
                else:
                    completion = self._completion(
                        response, schema, mode, context, started, prompt_tokens)
                    self.pacing.answered(time.monotonic() - started, completion.tokens_in,
                                         completion.tokens_out)
                    return dataclasses.replace(completion, abandoned_tokens=abandoned)
            if kind == "format-rejected":
                raise _FormatRejected from None
            if kind == "context-overflow":
                raise LLMUnavailable(kind, abandoned, size) from None
            if delay is None or attempt >= self.retry.max_retries:
                raise LLMUnavailable(kind, abandoned) from None
            attempt += 1
            self.sleep(delay)

    def _typical_answer_tokens(self) -> int:
        return self.pacing.typical_answer_tokens(default=self.llm.max_output_tokens)

    def _classify(
        self, error: openai.APIError, mode: str, attempt: int
    ) -> tuple[str, float | None]:
        """(outcome code, seconds to wait before retrying or None for "do not retry")."""
        backoff = self.retry.backoff(attempt, self.rng)
        if isinstance(error, openai.APITimeoutError):
            return "timeout", backoff
        if isinstance(error, openai.APIConnectionError):
            if is_too_large(error):
                return "too-large", None  # asking again would bring the same flood
            return "connection", backoff
        if not isinstance(error, openai.APIStatusError):
            return "error", None
        status = error.status_code
        # Whatever the status (llama-cpp-python answers 500): an error about the
        # response_format means "try the next format", not "the server is down".
        if context_overflow(error) is not None:
            return "context-overflow", None  # the story may go map-reduce: see llm.py
        if mode != "text" and _names_format(error):
            return "format-rejected", None
        if status == 429:
            wait = _retry_after(error)
            if wait is not None and wait > self.retry.max_retry_after:
                return "rate-limited", None
            return "rate-limited", backoff if wait is None else wait
        if status >= 500 or status in (408, 409):
            return "server-error" if status >= 500 else f"http-{status}", backoff
        if status in (401, 403):
            return "auth", None
        return f"http-{status}", None

    def _completion(
        self,
        response: Any,
        schema: dict[str, Any],
        mode: str,
        context: CallContext,
        started: float,
        prompt_tokens: int,
    ) -> Completion:
        choice = response.choices[0] if getattr(response, "choices", None) else None
        content = choice.message.content if choice is not None else None
        usage = getattr(response, "usage", None)
        tokens_in = int(getattr(usage, "prompt_tokens", 0) or 0)
        tokens_out = int(getattr(usage, "completion_tokens", 0) or 0)
        # A server that reports no usage is charged our estimate, marked as such.
        estimated = not (tokens_in or tokens_out)
        if estimated:
            tokens_in, tokens_out = prompt_tokens, estimate_tokens(content or "")
        completion = Completion(
            content=content,
            finish_reason=choice.finish_reason if choice is not None else None,
            tokens_in=tokens_in,
            tokens_out=tokens_out,
            mode=mode,
        )
        # The outcome recorded is the answer's: a 200 with unusable JSON is not "ok".
        try:
            if completion.finish_reason == "length":
                raise AnswerError("length", "the answer was cut off at the output limit")
            completion = dataclasses.replace(
                completion, answer=parse_answer(completion.content, schema))
            outcome = "ok"
        except AnswerError as error:
            completion = dataclasses.replace(completion, problem=error)
            outcome = error.code
        self._record(context, mode, started, outcome=outcome, tokens=(tokens_in, tokens_out),
                     estimated=estimated)
        return completion

    def _record(
        self,
        context: CallContext,
        mode: str,
        started: float,
        *,
        outcome: str,
        tokens: tuple[int, int] = (0, 0),
        estimated: bool = False,
        error: Exception | None = None,
        detail: str | None = None,
    ) -> None:
        text = None
        if error is not None:
            text = scrub(f"{type(error).__name__}: {error}", self.secrets)
            if detail:
                text = f"{text} ({detail})"
        self.log.record(
            CallRecord(
                endpoint=self.endpoint,
                model=self.model,
                task=context.task,
                story_id=context.story_id,
                prompt_version=context.prompt_version,
                response_format=mode,
                tokens_in=tokens[0],
                tokens_out=tokens[1],
                tokens_estimated=estimated,
                latency_ms=int((time.monotonic() - started) * 1000),
                outcome=outcome,
                error=text,
            )
        )


@functools.cache
def _build_response_types() -> None:
    """Have pydantic build the SDK's response models now: it does so lazily, and ~50 ms
    of it would otherwise land on the first answer (and the worker threads behind it)."""
    sample: dict[str, Any] = {
        "id": "warm-up", "object": "chat.completion", "created": 0, "model": "m",
        "choices": [{"index": 0, "finish_reason": "stop",
                     "message": {"role": "assistant", "content": "{}"}}],
        "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
    }
    ChatCompletion.construct(**sample)  # the SDK's path for answers: no validation


def _status(error: openai.APIError) -> int | None:
    return error.status_code if isinstance(error, openai.APIStatusError) else None
