"""What the LLM engine remembers in the store: calls, cached answers, endpoint formats.

* ``llm_calls``: one row per request attempt, cache hits and failures included
  (model, tokens in and out, latency, outcome). Token counts the server did not
  report (a request that timed out, a server without usage) are our estimate,
  flagged ``tokens_estimated``. ``briefing usage`` reads it.
* ``llm_cache``: validated answers keyed by a hash of (task, prompt version and
  template hash, model, settings, the rendered messages, which carry the
  articles' content). A rebuild with no new articles is answered from here.
* ``llm_endpoints``: the ``response_format`` mode an endpoint accepted for a
  model, so the next run does not probe a server that rejects ``json_schema`` again.

Nothing here ever sees the API key: error texts go through ``scrub`` first.
Store failures are logged and swallowed, because bookkeeping must never turn
a good summary into a failed run.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import re
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from briefing.errors import StoreError
from briefing.redact import redact_text
from briefing.storage import Storage
from briefing.storage.records import CacheEntry, CallRow

log = logging.getLogger(__name__)

_KEY_LIKE = re.compile(r"\b(sk-[A-Za-z0-9_-]{6,}|Bearer\s+[A-Za-z0-9._~+/=-]{6,})")


def scrub(text: str, secrets: Sequence[str] = ()) -> str:
    """``text`` with every secret (and anything shaped like an API key) masked, and
    credentials in URLs redacted."""
    for secret in secrets:
        if secret and len(secret) >= 4:
            text = text.replace(secret, "***")
    return _KEY_LIKE.sub("***", redact_text(text))


@dataclass(frozen=True, slots=True)
class CallRecord:
    """One request attempt (or cache hit), as stored in ``llm_calls``."""

    endpoint: str
    model: str
    task: str
    outcome: str  # "ok", "invalid-json", "schema", "length", "format-rejected", "rate-limited", ...
    story_id: str | None = None
    prompt_version: str | None = None
    response_format: str | None = None
    tokens_in: int = 0
    tokens_out: int = 0
    #: The token counts are our estimate: the server reported none.
    tokens_estimated: bool = False
    latency_ms: int = 0
    cache_hit: bool = False
    error: str | None = None


@dataclass(frozen=True, slots=True)
class CachedAnswer:
    answer: dict[str, Any]
    tokens_in: int
    tokens_out: int


def _now() -> datetime:
    return datetime.now(UTC)


#: Rows kept in memory before they are written in one transaction.
FLUSH_EVERY = 64
#: ...or this many seconds after the last write: a slow local server answers once a
#: minute, and a run stopped half-way must not lose what it already spent.
FLUSH_SECONDS = 5.0


class LLMLog:
    """Persistence for the LLM engine; with ``store=None`` it keeps everything in memory.

    Call rows and cache entries are written behind, in batches (at ``FLUSH_EVERY``
    rows, ``FLUSH_SECONDS`` after the last write, and whenever the engine finishes a
    run or the top lines), because a
    commit per request serialises the worker threads on the store's lock and
    its fsync. Reads see unflushed entries, since they come from memory first.
    """

    def __init__(self, store: Storage | None, secrets: Sequence[str] = ()) -> None:
        self._store = store
        self._secrets = tuple(secrets)
        self._lock = threading.Lock()
        self._memory_cache: dict[str, CachedAnswer] = {}
        self._memory_formats: dict[tuple[str, str], str] = {}
        self._pending_calls: list[CallRow] = []
        self._pending_cache: list[CacheEntry] = []
        self.calls: list[CallRecord] = []  # this process's records, for tests and summaries
        self._flushed_at = time.monotonic()

    def record(self, call: CallRecord) -> None:
        if call.error is not None:
            call = dataclasses.replace(call, error=scrub(call.error, self._secrets)[:300])
        row = CallRow(
            started_at=_now(), endpoint=call.endpoint, model=call.model, task=call.task,
            outcome=call.outcome, story_id=call.story_id, prompt_version=call.prompt_version,
            response_format=call.response_format, tokens_in=call.tokens_in,
            tokens_out=call.tokens_out, latency_ms=call.latency_ms, cache_hit=call.cache_hit,
            error=call.error, tokens_estimated=call.tokens_estimated,
        )
        with self._lock:
            self.calls.append(call)
            if self._store is not None:
                self._pending_calls.append(row)
        self._flush_if_full()

    def remember(
        self, key: str, *, task: str, model: str, prompt_version: str, cached: CachedAnswer
    ) -> None:
        row = CacheEntry(key, task, model, prompt_version, json.dumps(cached.answer),
                         cached.tokens_in, cached.tokens_out, _now())
        with self._lock:
            self._memory_cache[key] = cached
            if self._store is not None:
                self._pending_cache.append(row)
        self._flush_if_full()

    def flush(self) -> None:
        """Write everything pending in one transaction; a store error is logged, not raised."""
        with self._lock:
            calls, self._pending_calls = self._pending_calls, []
            cache, self._pending_cache = self._pending_cache, []
            self._flushed_at = time.monotonic()
        if self._store is None or not (calls or cache):
            return
        try:
            self._store.llm.record(calls, cache)
        except StoreError as error:
            log.warning("could not record %d LLM calls: %s", len(calls),
                        scrub(str(error), self._secrets))

    def _flush_if_full(self) -> None:
        with self._lock:
            pending = len(self._pending_calls) + len(self._pending_cache)
            due = pending and time.monotonic() - self._flushed_at >= FLUSH_SECONDS
            full = pending >= FLUSH_EVERY or due
        if full:
            self.flush()

    def cached(self, key: str) -> CachedAnswer | None:
        with self._lock:
            if key in self._memory_cache:
                return self._memory_cache[key]
        if self._store is None:
            return None
        try:
            entry = self._store.llm.cached(key)
        except StoreError as error:
            log.warning("could not read the LLM cache: %s", error)
            return None
        if entry is None:
            return None
        try:
            answer = json.loads(entry.answer)
        except json.JSONDecodeError:
            return None
        return CachedAnswer(answer, entry.tokens_in, entry.tokens_out)

    def endpoint_format(self, endpoint: str, model: str) -> str | None:
        with self._lock:
            if (endpoint, model) in self._memory_formats:
                return self._memory_formats[(endpoint, model)]
        if self._store is None:
            return None
        try:
            return self._store.llm.endpoint_format(endpoint, model)
        except StoreError:
            return None

    def set_endpoint_format(self, endpoint: str, model: str, mode: str) -> None:
        with self._lock:
            self._memory_formats[(endpoint, model)] = mode
        if self._store is None:
            return
        try:
            self._store.llm.set_endpoint_format(endpoint, model, mode, now=_now())
        except StoreError as error:
            log.warning("could not remember the endpoint's response format: %s", error)
