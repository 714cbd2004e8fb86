"""Servers that fail, stall, rate-limit or differ: the run goes on, the key never leaks."""

from __future__ import annotations

import logging
import socket
import time
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from openai_server import FakeOpenAI, Reply, Request, completion, error, honest_model

from briefing.config import Config, LLMConfig
from briefing.storage import Storage
from briefing.summarize.llm import LLMSummarizer, RetryPolicy
from briefing.summarize.select import make_summarizer
from briefing.types import Article, BulletOrigin, Story

FAST = RetryPolicy(max_retries=2, base_delay=0.001, max_delay=0.01)
KEY = "sk-test-0123456789-SECRET-abcdef"


def story(number: int, headline: str = "Acme cuts jobs") -> Story:
    text = (f"Acme Corp said it would cut {number * 100} jobs in Ohio. "
            "The union said it would fight the plan. Shares rose after the announcement.")
    return Story(f"s{number}", headline, (Article(
        id=number, source="test", outlet="Outlet", title=headline, text=text,
        content_hash=f"hash-{number}", fetched=datetime(2024, 5, 1, tzinfo=UTC),
    ),))


@pytest.fixture
def server() -> Iterator[FakeOpenAI]:
    with FakeOpenAI() as fake:
        yield fake


def summarizer_for(
    base_url: str, store: Storage | None, retry: RetryPolicy = FAST, **llm: object
) -> LLMSummarizer:
    settings: dict[str, object] = {"base_url": base_url, "model": "fake-model", **llm}
    config = Config(llm=LLMConfig(**settings))  # type: ignore[arg-type]
    summarizer = make_summarizer(config, store, retry=retry)
    assert isinstance(summarizer, LLMSummarizer)
    return summarizer


def outcomes(store: Storage) -> list[str]:
    return [call.outcome for call in store.llm.calls()]


def test_429_waits_for_retry_after(server: FakeOpenAI, store: Storage) -> None:
    server.queue(error(429, "slow down", {"retry-after": "0.3"}))
    started = time.monotonic()
    [summary] = summarizer_for(server.base_url, store).summarize([story(1)])
    assert time.monotonic() - started >= 0.3  # the backoff alone would be ~1 ms
    assert not summary.fell_back
    assert outcomes(store) == ["rate-limited", "ok"]


def test_a_retry_after_too_long_is_not_waited_for(server: FakeOpenAI, store: Storage) -> None:
    server.queue(error(429, "come back tomorrow", {"retry-after": "86400"}))
    retry = RetryPolicy(base_delay=0.001, max_retry_after=5)
    [summary] = summarizer_for(server.base_url, store, retry).summarize([story(1)])
    assert summary.fell_back and len(server.chat_requests) == 1


def test_a_5xx_is_retried(server: FakeOpenAI, store: Storage) -> None:
    server.queue(error(500, "oops"), error(503, "busy"))
    [summary] = summarizer_for(server.base_url, store).summarize([story(1)])
    assert not summary.fell_back
    assert outcomes(store) == ["server-error", "server-error", "ok"]


def test_a_server_that_keeps_failing_means_offline_bullets(
    server: FakeOpenAI, store: Storage
) -> None:
    server.handler = lambda request: error(500, "down")
    [summary] = summarizer_for(server.base_url, store).summarize([story(1)])
    assert len(server.chat_requests) == 3  # one try and max_retries=2 retries
    assert summary.fell_back
    assert summary.notes == ("summarized offline: the LLM server failed with an error",)
    assert summary.fallback_reason == "server-error"
    assert summary.bullets and all(
        b.origin is BulletOrigin.EXTRACTIVE_FALLBACK for b in summary.bullets)


def test_only_the_affected_stories_fall_back(server: FakeOpenAI, store: Storage) -> None:
    def flaky(request: Request) -> Reply:
        return error(502, "bad gateway") if "Flaky" in request.user else honest_model(request)

    server.handler = flaky
    stories = [story(n, "Flaky story" if n % 4 == 0 else "Acme cuts jobs") for n in range(1, 13)]
    summaries = summarizer_for(server.base_url, store).summarize(stories)
    assert [s.fell_back for s in summaries] == [n % 4 == 0 for n in range(1, 13)]
    assert sum(s.fell_back for s in summaries) == 3


def test_a_refused_connection_never_crashes_the_run(store: Storage) -> None:
    with socket.socket() as probe:  # a port with nothing listening
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    summarizer = summarizer_for(f"http://127.0.0.1:{port}/v1", store, max_concurrency=1)
    stories = [story(n) for n in range(1, 7)]
    summaries = summarizer.summarize(stories)
    assert all(s.fell_back and s.bullets for s in summaries)
    # The breaker stops trying after three stories found the endpoint down.
    assert outcomes(store) == ["connection"] * 9
    assert summarizer.top_lines(summaries, stories) == ()


def test_a_slow_server_times_out(store: Storage) -> None:
    with FakeOpenAI(latency=2.0) as slow:
        retry = RetryPolicy(max_retries=1, base_delay=0.001)
        summarizer = summarizer_for(slow.base_url, store, retry, timeout=0.2)
        started = time.monotonic()
        [summary] = summarizer.summarize([story(1)])
        assert time.monotonic() - started < 1.5
    assert summary.fell_back
    assert outcomes(store) == ["timeout", "timeout"]


def test_json_schema_rejection_falls_back_to_json_object_and_is_remembered(
    server: FakeOpenAI, store: Storage
) -> None:
    server.reject_formats = {"json_schema"}
    [summary] = summarizer_for(server.base_url, store).summarize([story(1)])
    assert not summary.fell_back
    first, second = server.chat_requests
    assert first.format_type == "json_schema" and second.format_type == "json_object"
    assert second.body["response_format"]["schema"]["required"] == ["bullets"]
    assert outcomes(store) == ["format-rejected", "ok"]
    # The next run on this store starts with what worked.
    summarizer_for(server.base_url, store).summarize([story(2)])
    assert server.chat_requests[2].format_type == "json_object"
    assert len(server.chat_requests) == 3


def test_no_structured_output_at_all_puts_the_schema_in_the_prompt(
    server: FakeOpenAI, store: Storage
) -> None:
    server.reject_formats = {"json_schema", "json_object"}
    [summary] = summarizer_for(server.base_url, store).summarize([story(1)])
    assert not summary.fell_back
    last = server.chat_requests[-1]
    assert "response_format" not in last.body
    assert "JSON Schema" in last.system and '"maxItems"' in last.system
    assert [r.format_type for r in server.chat_requests] == [
        "json_schema", "json_object", "json_object", None]


def test_a_server_that_ignores_response_format_is_still_parsed(
    server: FakeOpenAI, store: Storage
) -> None:
    def chatty(request: Request) -> Reply:
        reply = honest_model(request)
        content = reply.body["choices"][0]["message"]["content"]
        return completion(f"Sure! Here is the JSON:\n```json\n{content}\n```\nHope it helps.")

    server.handler = chatty
    [summary] = summarizer_for(server.base_url, store).summarize([story(1)])
    assert not summary.fell_back and summary.bullets[0].origin is BulletOrigin.LLM


def test_the_api_key_appears_nowhere(
    server: FakeOpenAI, store: Storage, monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", KEY)
    caplog.set_level(logging.DEBUG)

    def leaky(request: Request) -> Reply:
        # A hostile or careless server that echoes the credentials it got.
        seen = request.headers.get("authorization", "")
        if "Flaky" in request.user:
            return error(500, f"internal error while handling {seen}")
        return error(401, f"invalid key {seen.removeprefix('Bearer ')}")

    server.handler = leaky
    summarizer = summarizer_for(server.base_url, store)
    summaries = summarizer.summarize([story(1, "Flaky story"), story(2)])
    assert server.chat_requests[0].headers["authorization"] == f"Bearer {KEY}"
    assert all(s.fell_back for s in summaries)
    texts = [record.getMessage() for record in caplog.records]
    texts += [str(record.args) for record in caplog.records]
    texts += [repr(call) for call in store.llm.calls()]
    texts += [str(store.llm.endpoint_format(server.base_url, "fake-model"))]
    texts += [repr(s) for s in summaries]
    assert any("invalid key" in text for text in texts)  # the error was kept, scrubbed
    assert not [text for text in texts if KEY in text]


def test_without_a_key_local_servers_get_a_placeholder(server: FakeOpenAI, store: Storage) -> None:
    summarizer_for(server.base_url, store).summarize([story(1)])
    assert server.chat_requests[0].headers["authorization"] == "Bearer not-needed"


def test_the_next_run_tries_the_endpoint_again(server: FakeOpenAI, store: Storage) -> None:
    server.handler = lambda request: error(503, "maintenance")
    summarizer = summarizer_for(server.base_url, store, max_concurrency=1)
    assert all(s.fell_back for s in summarizer.summarize([story(n) for n in range(1, 6)]))
    assert len(server.chat_requests) == 9  # three stories, then the breaker opened
    server.handler = honest_model
    assert not any(s.fell_back for s in summarizer.summarize([story(6)]))
    summarizer.close()
    assert not summarizer.summarize([story(7)])[0].fell_back  # a new client after close()
