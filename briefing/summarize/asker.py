"""One question to the model: cache first, then the endpoint, then validation.

An ``Ask`` carries rendered prompts and the answer's JSON Schema. The
``Asker`` looks it up in the cache (keyed by content, prompt version, model
and settings), sends it when needed, validates the answer, and retries once
with a repair instruction on invalid JSON or a truncated answer.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from briefing.config import LLMConfig
from briefing.summarize.endpoint import (
    AnswerFailed,
    CallContext,
    ChatEndpoint,
    Completion,
    LLMUnavailable,
)
from briefing.summarize.grounding import (
    AnswerError,
)
from briefing.summarize.llm_log import CachedAnswer, CallRecord, LLMLog
from briefing.summarize.prompts import RenderedPrompt
from briefing.summarize.tokens import (
    TokenBudget,
    estimate_messages,
    estimate_tokens,
    input_budget,
    truncate_to_tokens,
)

log = logging.getLogger(__name__)

#: Added to the prompt when the answer was cut off at the output limit.
SHORTER_INSTRUCTION = "Keep the answer short: fewer, shorter items."
#: Sent after an unusable answer, followed by the schema.
REPAIR_INSTRUCTION = (
    "Answer again with only a JSON object that is valid against this JSON Schema, "
    "and nothing else:"
)


@dataclass(frozen=True, slots=True)
class Ask:
    """One question to the model: a rendered prompt, its schema and cache identity."""

    prompt: RenderedPrompt
    schema: dict[str, Any]
    context: CallContext
    #: Content hashes of the articles behind the prompt (they also enter via the text).
    content: tuple[str, ...] = ()
    #: A smaller version of the prompt, for the retry after a truncated answer.
    shrink: Callable[[], RenderedPrompt | None] | None = None


def chat_messages(prompt: RenderedPrompt) -> list[dict[str, str]]:
    # Static instructions first, articles last: providers cache the common prefix.
    return [{"role": "system", "content": prompt.system}, {"role": "user", "content": prompt.user}]


class Asker:
    """Answers an ``Ask`` from the cache or the endpoint, validated against its schema."""

    def __init__(
        self, endpoint: ChatEndpoint, log_: LLMLog, llm: LLMConfig, settings: Mapping[str, Any]
    ) -> None:
        self.endpoint = endpoint
        self.log = log_
        self.llm = llm
        self.settings = dict(settings)
        self.budget = TokenBudget(llm.budget_tokens)

    def fits(self, prompt: RenderedPrompt, schema: dict[str, Any]) -> bool:
        """Whether the prompt, the schema (in case it must go in the prompt) and the
        longest answer fit the model's context window."""
        needed = estimate_messages(chat_messages(prompt)) + estimate_tokens(json.dumps(schema)) + 64
        return needed <= input_budget(self.llm.context_tokens, self.llm.max_output_tokens)

    def cache_key(self, ask: Ask) -> str:
        payload = {
            "task": ask.prompt.task,
            "version": ask.prompt.version,
            "templates": ask.prompt.fingerprint,
            "model": self.endpoint.model,
            "settings": self.settings,
            "content": list(ask.content),
            "messages": [ask.prompt.system, ask.prompt.user],
            "schema": ask.schema,
        }
        return hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()

    def ask(self, ask: Ask) -> dict[str, Any]:
        key = self.cache_key(ask)
        cached = self.log.cached(key)
        if cached is not None:
            self.log.record(CallRecord(
                endpoint=self.endpoint.endpoint, model=self.endpoint.model,
                task=ask.context.task, story_id=ask.context.story_id,
                prompt_version=ask.context.prompt_version, cache_hit=True, outcome="ok",
            ))
            return cached.answer
        messages = chat_messages(ask.prompt)
        completion = self._complete(messages, ask)
        try:
            answer = self.check(completion)
        except AnswerError as error:
            messages = self._retry_messages(messages, completion, error, ask)
            completion = self._complete(messages, ask)
            try:
                answer = self.check(completion)
            except AnswerError as second:
                raise AnswerFailed(second.code) from None
        self.log.remember(
            key, task=ask.prompt.task, model=self.endpoint.model,
            prompt_version=ask.prompt.version,
            cached=CachedAnswer(answer, completion.tokens_in, completion.tokens_out),
        )
        return answer

    def _complete(self, messages: list[dict[str, str]], ask: Ask) -> Completion:
        estimate = estimate_messages(messages) + estimate_tokens(json.dumps(ask.schema))
        reserved = self.budget.reserve(estimate + self.llm.max_output_tokens)
        used = 0
        try:
            completion = self.endpoint.complete(messages, ask.schema, ask.context)
            # Timed-out attempts before the answer count too: the server may have run them.
            used = completion.tokens_in + completion.tokens_out + completion.abandoned_tokens
            return completion
        except LLMUnavailable as error:
            used = error.tokens_spent
            raise
        finally:
            self.budget.settle(reserved, used)

    @staticmethod
    def check(completion: Completion) -> dict[str, Any]:
        if completion.answer is None:
            raise completion.problem or AnswerError("invalid-json", "no answer")
        return completion.answer

    def _retry_messages(
        self,
        messages: list[dict[str, str]],
        completion: Completion,
        error: AnswerError,
        ask: Ask,
    ) -> list[dict[str, str]]:
        if error.code == "length":
            smaller = ask.shrink() if ask.shrink is not None else None
            base = chat_messages(smaller) if smaller is not None else messages
            return [*base[:1], {
                "role": "user",
                "content": base[1]["content"] + "\n\n" + SHORTER_INSTRUCTION,
            }]
        repair = (
            f"Your previous answer was not usable ({error.detail}). {REPAIR_INSTRUCTION}\n"
            + json.dumps(ask.schema, separators=(",", ":"))
        )
        previous = truncate_to_tokens(completion.content or "", 400)
        retry = [*messages, {"role": "assistant", "content": previous},
                 {"role": "user", "content": repair}]
        if estimate_messages(retry) > input_budget(
            self.llm.context_tokens, self.llm.max_output_tokens
        ):
            retry = [*messages[:1], {"role": "user", "content": messages[1]["content"]
                                     + "\n\n" + repair}]
        return retry


# -- the summarizer -------------------------------------------------------------------
