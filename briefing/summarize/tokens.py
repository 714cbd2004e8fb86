"""Offline token counting: a deliberately pessimistic estimate, no tokenizer tables.

Real tokenizers (tiktoken and friends) download their tables at run time, which
this project cannot do, and every OpenAI-compatible server tokenizes a little
differently anyway. So requests are sized with an estimate that errs high:
English prose runs at about 4 characters per token, digits, punctuation and
non-Latin scripts at fewer, so we count ``max(chars / 3, utf-8 bytes / 4)``
and add a margin on top. Over-estimating only costs a little context; under-
estimating would make the server reject or truncate the request.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Iterable, Mapping

#: Characters per token assumed for the estimate (real English text is ~4).
CHARS_PER_TOKEN = 3.0
#: UTF-8 bytes per token assumed for scripts where one character is several bytes.
BYTES_PER_TOKEN = 4.0
#: Extra fraction added to every estimate.
MARGIN = 0.10
#: Tokens a chat message costs beyond its text (role, separators), per message.
MESSAGE_OVERHEAD = 8
#: Tokens always kept free between the prompt plus answer and the context window.
SAFETY_TOKENS = 64


def estimate_tokens(text: str) -> int:
    """A pessimistic token count for ``text``."""
    if not text:
        return 0
    raw = max(len(text) / CHARS_PER_TOKEN, len(text.encode("utf-8")) / BYTES_PER_TOKEN)
    return math.ceil(raw * (1 + MARGIN))


def estimate_messages(messages: Iterable[Mapping[str, str]]) -> int:
    """Estimated prompt tokens of a chat request."""
    return sum(estimate_tokens(m.get("content", "")) + MESSAGE_OVERHEAD for m in messages) + 3


def input_budget(context_tokens: int, max_output_tokens: int) -> int:
    """How many prompt tokens a request may use so prompt + answer fit the context window."""
    return max(0, context_tokens - max_output_tokens - SAFETY_TOKENS)


def chars_for_tokens(tokens: int) -> int:
    """The most characters of ASCII text that the estimate still counts as <= ``tokens``."""
    return max(0, math.floor(tokens * CHARS_PER_TOKEN / (1 + MARGIN)) - 1)


def truncate_to_tokens(text: str, tokens: int) -> str:
    """``text`` cut (at a paragraph or word boundary when possible) to fit ``tokens``."""
    if estimate_tokens(text) <= tokens:
        return text
    limit = chars_for_tokens(tokens)
    # Non-ASCII text has more bytes per character: shrink until the estimate agrees.
    while limit > 0 and estimate_tokens(text[:limit]) > tokens:
        limit = int(limit * 0.9)
    cut = text[:limit]
    for separator in ("\n", " "):
        at = cut.rfind(separator)
        if at > limit // 2:
            return cut[:at].rstrip()
    return cut


def split_to_tokens(text: str, tokens: int) -> list[str]:
    """``text`` cut into pieces of at most ``tokens`` each, at paragraph boundaries if possible."""
    if tokens <= 0:
        return []
    pieces: list[str] = []
    current: list[str] = []
    for paragraph in text.split("\n"):
        while estimate_tokens(paragraph) > tokens:  # one paragraph longer than a piece
            head = truncate_to_tokens(paragraph, tokens)
            if not head:
                head = paragraph[: max(1, chars_for_tokens(tokens))]
            if current:
                pieces.append("\n".join(current))
                current = []
            pieces.append(head)
            paragraph = paragraph[len(head) :].lstrip()
        candidate = [*current, paragraph]
        if current and estimate_tokens("\n".join(candidate)) > tokens:
            pieces.append("\n".join(current))
            current = [paragraph]
        else:
            current = candidate
    if current and "\n".join(current).strip():
        pieces.append("\n".join(current))
    return [piece for piece in pieces if piece.strip()]


class BudgetSpent(Exception):
    """The run's token budget would be exceeded by the next request."""


class TokenBudget:
    """A per-run cap on tokens (in + out), safe to share between worker threads.

    A request *reserves* its worst case (estimated prompt + max output) before
    it is sent and *settles* to what the server reports afterwards, so requests
    in flight at the same time can never jointly overshoot the cap.
    """

    def __init__(self, limit: int | None) -> None:
        self.limit = limit
        self.spent = 0
        self._reserved = 0
        self._lock = threading.Lock()

    def reserve(self, tokens: int) -> int:
        with self._lock:
            if self.limit is not None and self.spent + self._reserved + tokens > self.limit:
                raise BudgetSpent(f"{self.spent} of {self.limit} tokens spent")
            self._reserved += tokens
            return tokens

    def settle(self, reserved: int, used: int) -> None:
        with self._lock:
            self._reserved -= reserved
            self.spent += used

    @property
    def exhausted(self) -> bool:
        with self._lock:
            return self.limit is not None and self.spent + self._reserved >= self.limit
