"""The LLM engine: stories in, grounded bullets out, through any OpenAI-compatible endpoint.

One story, one request, in the common case::

    story ──render prompts/story_bullets──> chat request ──validate (schema)──>
          ──ground each bullet (ids, numbers, names, URLs)──> StorySummary

When a story's articles do not fit the model's context, it goes map-reduce:
``article_facts`` per article (or per part of a long one), each fact grounded,
then ``story_bullets`` over the facts, which keep their article ids.

Failures never escape: a story whose request fails (endpoint down, budget spent,
answer invalid twice, no bullet grounded) gets its extractive bullets, marked
``EXTRACTIVE_FALLBACK``, and a note. Stories run on a thread pool of
``max_concurrency`` workers; each request is looked up in the cache first.
"""

from __future__ import annotations

import concurrent.futures
import dataclasses
import hashlib
import json
import logging
import random
import re
import threading
import time
import weakref
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from typing import Any

import openai

from briefing.config import Limits, LLMConfig
from briefing.errors import TemplateError
from briefing.summarize.extractive import extractive_bullets
from briefing.summarize.grounding import (
    AnswerError,
    Grounded,
    SourceDoc,
    answer_schema,
    ground_item,
    parse_answer,
    strip_injections,
)
from briefing.summarize.llm_log import CachedAnswer, CallRecord, LLMLog, scrub
from briefing.summarize.prompts import PromptLibrary, RenderedPrompt
from briefing.summarize.tokens import (
    BudgetSpent,
    TokenBudget,
    estimate_messages,
    estimate_tokens,
    input_budget,
    split_to_tokens,
    truncate_to_tokens,
)
from briefing.types import Article, Bullet, BulletOrigin, DroppedBullet, Story, StorySummary

log = logging.getLogger(__name__)

#: response_format modes, best first. llama.cpp's Python server takes json_object with a
#: schema; some servers take json_object only; the last resort puts the schema in the prompt.
FORMAT_MODES = ("json_schema", "json_object_schema", "json_object", "text")
MAX_FACTS = 8
MAX_TOP_LINES = 3

NOTE_UNAVAILABLE = "the LLM was unavailable"
NOTE_BUDGET = "the run's LLM token budget was spent"
NOTE_INVALID = "the model's answer was invalid"
NOTE_UNGROUNDED = "no model bullet passed the grounding check"
NOTE_REJECTED = "the LLM endpoint rejected the request"
NOTE_FAILED = "the LLM engine failed"


# -- errors ---------------------------------------------------------------------------


class LLMUnavailable(Exception):
    """The endpoint could not answer after retries; ``kind`` is a short code."""

    def __init__(self, kind: str) -> None:
        super().__init__(kind)
        self.kind = kind


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


_FORMAT_WORDS = re.compile(r"response_format|json_schema|json_object|schema|format", re.I)


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
        self._lock = threading.Lock()
        remembered = log_.endpoint_format(endpoint)
        self._mode = remembered if remembered in FORMAT_MODES else FORMAT_MODES[0]

    @property
    def client(self) -> openai.OpenAI:
        """The SDK client, made on first use and kept, so connections are reused
        across stories, runs and the top lines (building one costs ~25 ms)."""
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
        log.info("%s rejected response_format %s; using %s", self.endpoint, rejected, mode)
        self.log.set_endpoint_format(self.endpoint, mode)

    @staticmethod
    def _for_mode(
        messages: list[dict[str, str]], schema: dict[str, Any], mode: str
    ) -> list[dict[str, str]]:
        if mode == "json_schema":
            return messages
        # Without enforced structured output the schema goes into the (static) system
        # message, ahead of the articles, so prompt caching still covers the prefix.
        instruction = (
            "\n\nYour answer must be a single JSON object, with no other text, that is valid "
            f"against this JSON Schema:\n{json.dumps(schema, separators=(',', ':'))}"
        )
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
        return openai.omit

    def _send(
        self,
        messages: list[dict[str, str]],
        schema: dict[str, Any],
        mode: str,
        context: CallContext,
    ) -> Completion:
        attempt = 0
        while True:
            started = time.monotonic()
            try:
                response = self.client.chat.completions.create(
                    model=self.model,
                    messages=messages,  # type: ignore[arg-type]
                    temperature=self.llm.temperature,
                    max_tokens=self.llm.max_output_tokens,
                    response_format=self._response_format(schema, mode, context.task),
                )
            except openai.APIError as error:
                kind, delay = self._classify(error, mode, attempt)
                self._record(context, mode, started, outcome=kind, error=error)
                if kind == "format-rejected":
                    raise _FormatRejected from None
                if delay is None or attempt >= self.retry.max_retries:
                    raise LLMUnavailable(kind) from None
                attempt += 1
                self.sleep(delay)
                continue
            return self._completion(response, schema, mode, context, started)

    def _classify(
        self, error: openai.APIError, mode: str, attempt: int
    ) -> tuple[str, float | None]:
        """(outcome code, seconds to wait before retrying or None for "do not retry")."""
        backoff = self.retry.backoff(attempt, self.rng)
        if isinstance(error, openai.APITimeoutError):
            return "timeout", backoff
        if isinstance(error, openai.APIConnectionError):
            return "connection", backoff
        if not isinstance(error, openai.APIStatusError):
            return "error", None
        status = error.status_code
        if status == 429:
            wait = _retry_after(error)
            if wait is not None and wait > self.retry.max_retry_after:
                return "rate-limited", None
            return "rate-limited", backoff if wait is None else wait
        if status >= 500 or status in (408, 409):
            return "server-error" if status >= 500 else f"http-{status}", backoff
        if status in (400, 422) and mode != "text" and _FORMAT_WORDS.search(str(error.body)):
            return "format-rejected", None
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
    ) -> Completion:
        choice = response.choices[0] if getattr(response, "choices", None) else None
        usage = getattr(response, "usage", None)
        tokens_in = int(getattr(usage, "prompt_tokens", 0) or 0)
        tokens_out = int(getattr(usage, "completion_tokens", 0) or 0)
        completion = Completion(
            content=choice.message.content if choice is not None else None,
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
        self._record(context, mode, started, outcome=outcome, tokens=(tokens_in, tokens_out))
        return completion

    def _record(
        self,
        context: CallContext,
        mode: str,
        started: float,
        *,
        outcome: str,
        tokens: tuple[int, int] = (0, 0),
        error: Exception | None = None,
    ) -> None:
        detail = None
        if error is not None:
            detail = scrub(f"{type(error).__name__}: {error}", self.secrets)
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
                latency_ms=int((time.monotonic() - started) * 1000),
                outcome=outcome,
                error=detail,
            )
        )


# -- asking: cache, budget, validation, one retry ---------------------------------------


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


def _messages(prompt: RenderedPrompt) -> list[dict[str, str]]:
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
        needed = estimate_messages(_messages(prompt)) + estimate_tokens(json.dumps(schema)) + 64
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
        messages = _messages(ask.prompt)
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
            # Servers that report no usage are charged the estimate, never nothing.
            used = (completion.tokens_in or estimate) + completion.tokens_out
            return completion
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
            base = _messages(smaller) if smaller is not None else messages
            return [*base[:1], {
                "role": "user",
                "content": base[1]["content"] + "\n\nKeep the answer short: fewer, shorter items.",
            }]
        repair = (
            f"Your previous answer was not usable ({error.detail}). Answer again with only a "
            "JSON object that is valid against this JSON Schema, and nothing else:\n"
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


def _untrusted(text: str) -> str:
    """Article text with our delimiters defused, so it cannot close its own fence."""
    return re.sub(r"(?i)<(/?)(untrusted_)", r"‹\1\2", text)


@dataclass(frozen=True, slots=True)
class _Source:
    """One article as the prompts show it, with the doc grounding checks it against."""

    fields: dict[str, str]
    doc: SourceDoc
    content_hash: str


def _source(label: str, article: Article) -> _Source:
    body, removed = strip_injections(article.text)
    title, removed_title = strip_injections(article.title)
    if removed or removed_title:
        log.info("article %s: %d instruction-like sentence(s) withheld from the model",
                 article.id, len(removed) + len(removed_title))
    fields = {
        "id": label,
        "outlet": _untrusted(article.outlet),
        "title": _untrusted(title),
        "published": article.published.date().isoformat() if article.published else "",
        "text": _untrusted(body),
    }
    shown = "\n".join([fields["outlet"], fields["title"], fields["published"], fields["text"]])
    doc = SourceDoc(label, article.id, shown, article.url, (*removed_title, *removed))
    return _Source(fields, doc, article.content_hash)


class LLMSummarizer:
    """The LLM engine. ``engine`` is "llm:<model>"; ``prompt_versions`` goes into brief.json."""

    def __init__(
        self,
        endpoint: ChatEndpoint,
        *,
        llm: LLMConfig,
        limits: Limits,
        prompts: PromptLibrary,
        log_: LLMLog,
        fallback: Callable[[Story, Limits], tuple[Bullet, ...]] | None = None,
    ) -> None:
        self.endpoint = endpoint
        self.llm = llm
        self.limits = limits
        self.prompts = prompts
        self.log = log_
        self.engine = f"llm:{endpoint.model}"
        self.prompt_versions: dict[str, str] = prompts.versions()
        self._check_prompts()
        self._fallback = fallback or extractive_bullets
        self._settings = {
            "temperature": llm.temperature,
            "max_output_tokens": llm.max_output_tokens,
            "min_bullets": limits.min_bullets,
            "max_bullets": limits.max_bullets,
            "max_bullet_words": limits.max_bullet_words,
        }
        self.asker = Asker(endpoint, log_, llm, self._settings)
        self._lock = threading.Lock()
        self._unavailable_streak = 0
        self._breaker_open = False

    def _check_prompts(self) -> None:
        """Render every task once with sample values, so a broken (user) template stops
        the run up front, naming the template, instead of failing story by story."""
        sample = {"id": "A1", "outlet": "Outlet", "title": "Title", "published": "", "text": "x"}
        words = self.limits.max_bullet_words
        self.prompts.render(
            "story_bullets", headline="Headline", sources=[sample], from_facts=False,
            min_bullets=self.limits.min_bullets, max_bullets=self.limits.max_bullets,
            max_words=words,
        )
        self.prompts.render(
            "article_facts", article=sample, part=1, parts=1, max_facts=MAX_FACTS, max_words=words
        )
        self.prompts.render(
            "top_lines", stories=[{"headline": "Headline", "bullets": [
                {"text": "Bullet", "sources": ["A1"]}]}],
            max_lines=MAX_TOP_LINES, max_words=words,
        )

    # -- public -----------------------------------------------------------------

    def close(self) -> None:
        """Write pending records and close the HTTP connections (connections are also
        closed when the summarizer is garbage-collected)."""
        self.log.flush()
        self.endpoint.close()

    def __enter__(self) -> LLMSummarizer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def summarize(self, stories: Sequence[Story]) -> list[StorySummary]:
        """One summary per story, in order; a fresh token budget (and a closed circuit
        breaker: the endpoint may be back) for this run."""
        self.asker.budget = TokenBudget(self.llm.budget_tokens)
        with self._lock:
            self._breaker_open = False
            self._unavailable_streak = 0
        if not stories:
            return []
        workers = max(1, min(self.llm.max_concurrency, len(stories)))
        try:
            with concurrent.futures.ThreadPoolExecutor(workers, "briefing-llm") as pool:
                return list(pool.map(self._summarize_safely, stories))
        finally:
            self.log.flush()

    def top_lines(
        self, summaries: Sequence[StorySummary], stories: Sequence[Story]
    ) -> tuple[Bullet, ...]:
        """Up to three lines across the brief, grounded like bullets; () on any failure."""
        try:
            return self._top_lines(summaries, stories)
        except (LLMUnavailable, AnswerFailed, BudgetSpent) as error:
            log.info("top lines skipped: %s", error)
        except Exception as error:  # the run must never fail because of the LLM
            log.warning("top lines failed: %s",
                        scrub(f"{type(error).__name__}: {error}", self.endpoint.secrets))
        finally:
            self.log.flush()
        return ()

    # -- one story --------------------------------------------------------------

    def _summarize_safely(self, story: Story) -> StorySummary:
        if self._breaker_is_open():
            return self._fall_back(story, NOTE_UNAVAILABLE)
        try:
            summary = self._summarize(story)
        except LLMUnavailable as error:
            self._note_unavailable(error.kind)
            log.warning("story %s: LLM unavailable (%s); summarized offline", story.id, error.kind)
            return self._fall_back(story, NOTE_REJECTED if error.kind == "rejected"
                                   else NOTE_UNAVAILABLE)
        except BudgetSpent:
            log.info("story %s: token budget spent; summarized offline", story.id)
            return self._fall_back(story, NOTE_BUDGET)
        except AnswerFailed as error:
            log.warning("story %s: unusable answer (%s); summarized offline", story.id, error.code)
            return self._fall_back(story, NOTE_INVALID, (DroppedBullet(story.id, error.code),))
        except TemplateError:
            raise  # the user's prompt templates are broken: a configuration error, not the LLM's
        except Exception as error:  # the run must never fail because of the LLM
            log.error("story %s: LLM engine failed: %s", story.id,
                      scrub(f"{type(error).__name__}: {error}", self.endpoint.secrets))
            return self._fall_back(story, NOTE_FAILED)
        self._note_available()
        return summary

    def _summarize(self, story: Story) -> StorySummary:
        sources = [_source(f"A{n}", article) for n, article in enumerate(story.articles, 1)]
        docs = {source.doc.label: source.doc for source in sources}
        answer = self._story_answer(story, sources)
        bullets: list[Bullet] = []
        dropped: list[DroppedBullet] = []
        seen: set[str] = set()
        for item in answer["bullets"]:
            result = ground_item(item, docs)
            if not isinstance(result, Grounded):
                log.info("story %s: dropped a bullet (%s)", story.id, result.reason)
                dropped.append(DroppedBullet(story.id, result.reason))
            elif result.text.casefold() not in seen:
                seen.add(result.text.casefold())
                bullets.append(Bullet(result.text, result.article_ids, BulletOrigin.LLM, True))
        if not bullets:
            return self._fall_back(story, NOTE_UNGROUNDED, tuple(dropped))
        return StorySummary(story.id, story.headline, tuple(bullets), dropped=tuple(dropped))

    def _story_context(self, story: Story, sources: list[dict[str, str]], facts: bool) -> Any:
        headline, _ = strip_injections(story.headline)
        return {
            "headline": _untrusted(headline),
            "sources": sources,
            "from_facts": facts,
            "min_bullets": self.limits.min_bullets,
            "max_bullets": self.limits.max_bullets,
            "max_words": self.limits.max_bullet_words,
        }

    def _bullets_ask(
        self, story: Story, sources: list[_Source], fields: list[dict[str, str]], facts: bool
    ) -> Ask:
        labels = [source.doc.label for source in sources]
        schema = answer_schema(
            "bullets", labels, self.limits.max_bullets, self.limits.max_bullet_words
        )
        prompt = self.prompts.render("story_bullets", **self._story_context(story, fields, facts))

        def shrink() -> RenderedPrompt:
            # Half of every source's text: the retry after a cut-off answer.
            halved = [{**f, "text": truncate_to_tokens(f["text"], estimate_tokens(f["text"]) // 2)}
                      for f in fields]
            return self.prompts.render("story_bullets", **self._story_context(story, halved, facts))

        return Ask(prompt, schema, CallContext("story_bullets", story.id, prompt.version),
                   tuple(source.content_hash for source in sources), shrink)

    def _story_answer(self, story: Story, sources: list[_Source]) -> dict[str, Any]:
        direct = self._bullets_ask(story, sources, [s.fields for s in sources], facts=False)
        if self.asker.fits(direct.prompt, direct.schema):
            return self.asker.ask(direct)
        # Map-reduce: the articles do not fit one request.
        notes = {source.doc.label: self._facts(story, source) for source in sources}
        if not any(notes.values()):
            raise AnswerFailed("no-facts")
        while True:
            fields = [{**s.fields, "text": "\n".join(f"- {fact}" for fact in notes[s.doc.label])}
                      for s in sources if notes[s.doc.label]]
            used = [s for s in sources if notes[s.doc.label]]
            reduce = self._bullets_ask(story, used, fields, facts=True)
            if self.asker.fits(reduce.prompt, reduce.schema):
                return self.asker.ask(reduce)
            longest = max(notes, key=lambda label: len(notes[label]))
            if len(notes[longest]) <= 1:
                raise AnswerFailed("too-long")
            notes[longest] = notes[longest][:-1]

    def _facts(self, story: Story, source: _Source) -> list[str]:
        """Grounded facts of one article, asked part by part so each part fits."""
        context = {"max_facts": MAX_FACTS, "max_words": self.limits.max_bullet_words}
        label = source.doc.label
        schema = answer_schema("facts", [label], MAX_FACTS, self.limits.max_bullet_words)
        empty = self.prompts.render(
            "article_facts", article={**source.fields, "text": ""}, part=1, parts=2, **context
        )
        room = (input_budget(self.llm.context_tokens, self.llm.max_output_tokens)
                - estimate_messages(_messages(empty)) - estimate_tokens(json.dumps(schema)) - 64)
        if room <= 0:
            raise AnswerFailed("too-long")  # context_tokens cannot hold even the instructions
        parts = split_to_tokens(source.fields["text"], room)
        facts: list[str] = []
        for number, part in enumerate(parts, 1):
            prompt = self.prompts.render(
                "article_facts", article={**source.fields, "text": part},
                part=number, parts=len(parts), **context,
            )
            ask = Ask(prompt, schema, CallContext("article_facts", story.id, prompt.version),
                      (source.content_hash,))
            try:
                answer = self.asker.ask(ask)
            except AnswerFailed as error:
                log.info("story %s: no facts from %s part %d (%s)", story.id, label, number,
                         error.code)
                continue
            for item in answer["facts"]:
                result = ground_item(item, {label: source.doc})
                if isinstance(result, Grounded):
                    facts.append(result.text)
        return facts

    # -- top lines --------------------------------------------------------------

    def _top_lines(
        self, summaries: Sequence[StorySummary], stories: Sequence[Story]
    ) -> tuple[Bullet, ...]:
        if self._breaker_is_open() or not summaries:
            return ()
        labels: dict[int, str] = {}
        docs: dict[str, SourceDoc] = {}
        for story in stories:
            for article in story.articles:
                if article.id not in labels:
                    labels[article.id] = f"A{len(labels) + 1}"
                    docs[labels[article.id]] = _source(labels[article.id], article).doc
        entries = [
            {
                "headline": _untrusted(strip_injections(summary.headline)[0]),
                "bullets": [
                    {"text": _untrusted(b.text), "sources": [labels[i] for i in b.article_ids
                                                             if i in labels]}
                    for b in summary.bullets
                ],
            }
            for summary in summaries
            if summary.bullets
        ]
        schema = answer_schema("lines", list(docs), MAX_TOP_LINES, self.limits.max_bullet_words)
        while entries:
            prompt = self.prompts.render(
                "top_lines", stories=entries, max_lines=MAX_TOP_LINES,
                max_words=self.limits.max_bullet_words,
            )
            if self.asker.fits(prompt, schema):
                break
            entries = entries[:-1]  # the least important stories go first
        else:
            return ()
        content = tuple(a.content_hash for story in stories for a in story.articles)
        answer = self.asker.ask(
            Ask(prompt, schema, CallContext("top_lines", None, prompt.version), content)
        )
        lines: list[Bullet] = []
        for item in answer["lines"]:
            result = ground_item(item, docs)
            if isinstance(result, Grounded):
                lines.append(Bullet(result.text, result.article_ids, BulletOrigin.LLM, True))
            else:
                log.info("top lines: dropped a line (%s)", result.reason)
        return tuple(lines)

    # -- fallback and the circuit breaker -----------------------------------------

    def _fall_back(
        self, story: Story, reason: str, dropped: tuple[DroppedBullet, ...] = ()
    ) -> StorySummary:
        bullets = tuple(
            dataclasses.replace(bullet, origin=BulletOrigin.EXTRACTIVE_FALLBACK)
            for bullet in self._fallback(story, self.limits)
        )
        return StorySummary(
            story.id, story.headline, bullets,
            notes=(f"summarized offline: {reason}",), dropped=dropped, fell_back=True,
        )

    def _breaker_is_open(self) -> bool:
        with self._lock:
            return self._breaker_open

    def _note_unavailable(self, kind: str) -> None:
        with self._lock:
            self._unavailable_streak += 1
            # A bad key or missing model will not fix itself within the run.
            if kind == "auth" or self._unavailable_streak >= self.endpoint.retry.breaker_threshold:
                if not self._breaker_open:
                    log.warning("the LLM endpoint looks down; remaining stories go offline")
                self._breaker_open = True

    def _note_available(self) -> None:
        with self._lock:
            self._unavailable_streak = 0
