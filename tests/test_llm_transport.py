"""Answers are read as a stream and cut off past llm.max_response_bytes."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from openai_server import FakeOpenAI, Reply, honest_model

from briefing.config import Config, LLMConfig
from briefing.storage import Storage
from briefing.summarize.llm import LLMSummarizer, RetryPolicy
from briefing.summarize.select import make_summarizer
from briefing.types import Article, Story

FAST = RetryPolicy(max_retries=2, base_delay=0.001, max_delay=0.01)
CAP = 256 * 1024
HUGE = 200 * 1024 * 1024  # 200 MB


def story() -> Story:
    return Story("s1", "Acme cuts jobs", (Article(
        id=1, source="t", outlet="Outlet", title="Acme cuts jobs",
        text="Acme Corp said it would cut 1,200 jobs in Ohio. The union will fight the plan.",
        content_hash="h1", fetched=datetime(2024, 5, 1, tzinfo=UTC)),))


def flood(total: int, chunk: int = 64 * 1024) -> Iterator[bytes]:
    """A never-ending-looking JSON answer: the opening, then spaces."""
    yield b'{"id": "x", "choices": [{"index": 0, "message": {"role": "assistant", "content": "'
    sent = 0
    block = b"A" * chunk
    while sent < total:
        yield block
        sent += chunk


def summarizer(base_url: str, store: Storage) -> LLMSummarizer:
    config = Config(llm=LLMConfig(base_url=base_url, model="m", max_response_bytes=CAP))
    made = make_summarizer(config, store, retry=FAST)
    assert isinstance(made, LLMSummarizer)
    return made


def outcomes(store: Storage) -> list[str]:
    return [call.outcome for call in store.llm.calls()]


@pytest.mark.parametrize("declared", [None, HUGE + 100])
def test_a_200_mb_answer_is_not_read_whole(store: Storage, declared: int | None) -> None:
    with FakeOpenAI() as server:
        server.queue(Reply(200, chunks=flood(HUGE), content_length=declared))
        started = time.monotonic()
        with summarizer(server.base_url, store) as engine:
            [summary] = engine.summarize([story()])
        elapsed = time.monotonic() - started
        streamed = server.bytes_streamed
    # The client stopped reading: what left the server is the cap plus socket buffers.
    assert streamed < 32 * 1024 * 1024, streamed
    assert elapsed < 20
    assert summary.fell_back and summary.fallback_reason == "too-large"
    assert summary.notes == ("summarized offline: the LLM server's answer was too large",)
    # Not asked again: a second flood would not help.
    assert outcomes(store) == ["too-large"]


def test_an_error_body_is_capped_too(store: Storage) -> None:
    with FakeOpenAI() as server:
        server.queue(Reply(500, chunks=flood(HUGE)))
        with summarizer(server.base_url, store) as engine:
            [summary] = engine.summarize([story()])
        assert server.bytes_streamed < 32 * 1024 * 1024
    assert summary.fallback_reason == "too-large"


def test_answers_under_the_cap_pass(store: Storage) -> None:
    with FakeOpenAI() as server:
        padding = " " * (CAP - 4096)  # a large but allowed answer

        def padded(request: object) -> Reply:
            reply = honest_model(request)  # type: ignore[arg-type]
            return Reply(200, json.dumps(reply.body) + padding)

        server.handler = padded
        with summarizer(server.base_url, store) as engine:
            [summary] = engine.summarize([story()])
    assert not summary.fell_back
    assert outcomes(store) == ["ok"]


def test_a_trickling_answer_is_held_to_the_timeout(store: Storage) -> None:
    def trickle() -> Iterator[bytes]:
        for _ in range(100):
            time.sleep(0.05)
            yield b" "

    with FakeOpenAI() as server:
        server.queue(Reply(200, chunks=trickle()))
        config = Config(llm=LLMConfig(base_url=server.base_url, model="m", timeout=1.0))
        engine = make_summarizer(config, store, retry=RetryPolicy(max_retries=0))
        assert isinstance(engine, LLMSummarizer)
        started = time.monotonic()
        with engine:
            [summary] = engine.summarize([story()])
        # Every byte came within the read timeout; the whole answer did not.
        assert time.monotonic() - started < 3.5
    assert summary.fallback_reason == "timeout"
