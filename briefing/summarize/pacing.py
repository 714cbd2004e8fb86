"""Pacing requests to what the server shows it can do, so a local server is not drowned.

A hosted API answers many requests at once in seconds; a llama.cpp server on a
laptop computes one at a time, at a few tokens per second. Sending it
``max_concurrency`` requests with a fixed timeout makes every request wait for
the others and time out, while the server goes on computing answers nobody
reads. So:

* **Concurrency adapts** (additive increase, multiplicative decrease): requests
  start at ``llm.max_concurrency`` at once; a timeout or an overload answer
  (503, 429) halves the limit, once per round of requests; after ``2 x limit``
  answers in a row it grows by one again, up to the configured value.
* **Timeouts follow the measured speed.** Every answer is a sample of seconds
  per token (prompt tokens weighted at ``PROMPT_WEIGHT``, as servers read a
  prompt far faster than they write); the next request gets ``SLACK`` times
  what the slowest recent sample predicts for its prompt and longest answer,
  never less than ``min_timeout`` and never more than ``llm.timeout``, which
  stays the cap (and what a retry, or a request before any sample, gets). The
  first answer pays for the connection and the client's warm-up, so it is only
  used until a second one arrives.

When a run timed out, ``advice`` says which settings to change and to what.
"""

from __future__ import annotations

import logging
import math
import threading
from collections import deque
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

log = logging.getLogger(__name__)

#: Prompt tokens cost about this much of a generated token's time.
PROMPT_WEIGHT = 0.1
#: A request may take this many times what the measured speed predicts.
SLACK = 3.0
#: Samples kept for the prediction (the slowest of them is used).
WINDOW = 8


@dataclass(frozen=True, slots=True)
class _Sample:
    seconds: float
    tokens_in: int
    tokens_out: int

    @property
    def per_unit(self) -> float:
        return self.seconds / (self.tokens_in * PROMPT_WEIGHT + self.tokens_out + 1)


class Pacing:
    """Shared by the worker threads of one endpoint: a gate and a stopwatch."""

    def __init__(self, max_concurrency: int, timeout_cap: float, min_timeout: float = 10.0) -> None:
        self.max_concurrency = max(1, max_concurrency)
        self.timeout_cap = timeout_cap
        self.min_timeout = min(min_timeout, timeout_cap)
        self._cond = threading.Condition()
        self._limit = self.max_concurrency
        self._in_flight = 0
        self._round = 0  # bumped at every decrease: one halving per round of requests
        self._streak = 0
        self._samples: deque[_Sample] = deque(maxlen=WINDOW)
        self._warm_up: _Sample | None = None
        self.lowest_limit = self.max_concurrency
        self.overloads = 0
        self.slowest_answer = 0.0
        self._tokens_out = 0
        self._seconds = 0.0

    @property
    def limit(self) -> int:
        with self._cond:
            return self._limit

    @contextmanager
    def slot(self) -> Iterator[int]:
        """Wait for a free slot under the current limit; yields the round it started in."""
        with self._cond:
            while self._in_flight >= self._limit:
                self._cond.wait()
            self._in_flight += 1
            started_in = self._round
        try:
            yield started_in
        finally:
            with self._cond:
                self._in_flight -= 1
                self._cond.notify_all()

    def answered(self, seconds: float, tokens_in: int, tokens_out: int) -> None:
        """A request came back (any answer the server computed): a speed sample."""
        with self._cond:
            sample = _Sample(seconds, tokens_in, tokens_out)
            if self._warm_up is None:
                self._warm_up = sample
            else:
                self._samples.append(sample)
            self.slowest_answer = max(self.slowest_answer, seconds)
            self._tokens_out += tokens_out
            self._seconds += seconds
            self._streak += 1
            if self._limit < self.max_concurrency and self._streak >= 2 * self._limit:
                self._limit += 1
                self._streak = 0
                self._cond.notify_all()

    def overloaded(self, started_in: int) -> None:
        """A request timed out or the server said it is busy: halve the limit."""
        with self._cond:
            self.overloads += 1
            self._streak = 0
            if started_in != self._round or self._limit == 1:
                return  # this round was already halved for; one decrease per round
            self._limit = max(1, self._limit // 2)
            self._round += 1
            self.lowest_limit = min(self.lowest_limit, self._limit)
            limit = self._limit
        log.info("the LLM server is overloaded: %d request(s) at once from now on", limit)

    def timeout_for(self, prompt_tokens: int, max_output_tokens: int, *, retry: bool) -> float:
        """Seconds the next request may take."""
        predicted = self.predict(prompt_tokens, max_output_tokens)
        if retry or predicted is None:
            return self.timeout_cap
        return min(self.timeout_cap, max(self.min_timeout, SLACK * predicted))

    def predict(self, prompt_tokens: int, max_output_tokens: int) -> float | None:
        """Seconds the slowest recent answer predicts for this request, or None unmeasured."""
        with self._cond:
            samples = self._samples or ([self._warm_up] if self._warm_up else [])
            if not samples:
                return None
            per_unit = max(sample.per_unit for sample in samples)
        return per_unit * (prompt_tokens * PROMPT_WEIGHT + max_output_tokens)

    def typical_answer_tokens(self, default: int) -> int:
        """The mean answer length of recent answers, or ``default`` before any."""
        with self._cond:
            samples = [*self._samples, *([self._warm_up] if self._warm_up else [])]
            if not samples:
                return default
            return round(sum(s.tokens_out for s in samples) / len(samples))

    @property
    def tokens_per_second(self) -> float | None:
        """Answer tokens written per second of waiting, over the run."""
        with self._cond:
            if not self._seconds or not self._tokens_out:
                return None
            return self._tokens_out / self._seconds

    def advice(
        self, *, timed_out: int, prompt_tokens: int, max_output_tokens: int, concurrency: int
    ) -> str:
        """What to change in briefing.toml after ``timed_out`` stories timed out."""
        stories = "story" if timed_out == 1 else "stories"
        parts = [f"{timed_out} {stories} timed out (llm.timeout = {self.timeout_cap:g} s, "
                 f"llm.max_concurrency = {concurrency})."]
        speed = self.tokens_per_second
        if speed is not None:
            parts.append(f"The server wrote about {speed:.1f} tokens/s and took up to "
                         f"{self.slowest_answer:.1f} s for an answer.")
        else:
            parts.append("No request was answered in time.")
        suggested_concurrency = self.lowest_limit if self.lowest_limit < concurrency else 1
        if self.lowest_limit < concurrency:
            parts.append(f"Requests at once were cut to {self.lowest_limit} after the timeouts.")
        predicted = self.predict(prompt_tokens, max_output_tokens)
        needed = 1.5 * predicted if predicted is not None else 3 * self.timeout_cap
        suggested_timeout = max(2 * self.timeout_cap, 30 * math.ceil(needed / 30))
        parts.append(f"In briefing.toml, set [llm] timeout = {suggested_timeout:g} and "
                     f"max_concurrency = {suggested_concurrency}, or lower max_output_tokens "
                     f"(now {max_output_tokens}) for shorter answers.")
        return " ".join(parts)
