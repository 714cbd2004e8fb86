"""The answer cache, the per-run budget and the llm_calls log."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from openai_server import FakeOpenAI, error, honest_model

from briefing.config import Config, LLMConfig, PathSettings
from briefing.storage import Storage
from briefing.summarize.llm import LLMSummarizer, RetryPolicy
from briefing.summarize.select import make_summarizer
from briefing.types import Article, BulletOrigin, Story

FAST = RetryPolicy(max_retries=1, base_delay=0.001, max_delay=0.01)


def story(number: int, extra: str = "") -> Story:
    text = (f"Acme Corp said it would cut {number * 100} jobs in Ohio. "
            f"The union said it would fight the plan.{extra} Shares rose after the news.")
    return Story(f"s{number}", f"Acme story {number}", (Article(
        id=number, source="test", outlet="Outlet", title=f"Acme story {number}", text=text,
        content_hash=f"hash-{number}-{len(extra)}", fetched=datetime(2024, 5, 1, tzinfo=UTC),
    ),))


@pytest.fixture
def server() -> Iterator[FakeOpenAI]:
    with FakeOpenAI() as fake:
        yield fake


def build(
    server: FakeOpenAI, store: Storage, stories: list[Story], *, prompts: Path | None = None,
    **llm: object,
) -> tuple[LLMSummarizer, list[object]]:
    """One run as the pipeline does it: a fresh summarizer, stories, then top lines."""
    settings: dict[str, object] = {"base_url": server.base_url, "model": "fake-model", **llm}
    config = Config(llm=LLMConfig(**settings), paths=PathSettings(prompts=prompts))  # type: ignore[arg-type]
    summarizer = make_summarizer(config, store, retry=FAST)
    assert isinstance(summarizer, LLMSummarizer)
    summaries = summarizer.summarize(stories)
    lines = summarizer.top_lines(summaries, stories)
    return summarizer, [*summaries, lines]


def test_a_rebuild_with_no_new_articles_makes_no_call(server: FakeOpenAI, store: Storage) -> None:
    stories = [story(n) for n in range(1, 6)]
    _, first = build(server, store, stories)
    calls = len(server.chat_requests)
    assert calls == 6  # five stories and the top lines
    _, second = build(server, store, stories)
    assert len(server.chat_requests) == calls
    assert second == first
    hits = sum(call.cache_hit for call in store.llm.calls())
    assert hits == 6


def test_only_new_content_is_sent(server: FakeOpenAI, store: Storage) -> None:
    build(server, store, [story(1), story(2)])
    server.requests.clear()
    build(server, store, [story(1), story(2, extra=" A new paragraph arrived.")])
    tasks = [r.task for r in server.chat_requests]
    assert tasks == ["story_bullets", "top_lines"]
    assert "new paragraph" in server.chat_requests[0].user


def test_model_settings_and_prompts_are_part_of_the_key(
    server: FakeOpenAI, store: Storage, tmp_path: Path
) -> None:
    build(server, store, [story(1)])
    build(server, store, [story(1)], model="other-model")
    build(server, store, [story(1)], temperature=0.7)
    prompts = tmp_path / "prompts"
    prompts.mkdir()
    (prompts / "story_bullets.system.j2").write_text(
        "{# version: 9 #}\nWrite at most {{ max_bullets }} bullets as JSON.", encoding="utf-8")
    summarizer, _ = build(server, store, [story(1)], prompts=prompts)
    assert summarizer.prompt_versions["story_bullets"] == "9+1"
    assert [r.task for r in server.chat_requests].count("story_bullets") == 4


def test_failures_are_not_cached(server: FakeOpenAI, store: Storage) -> None:
    server.handler = lambda request: error(500, "down")
    _, [summary, _lines] = build(server, store, [story(1)])
    assert summary.fell_back  # type: ignore[attr-defined]
    server.handler = honest_model
    _, [summary, _lines] = build(server, store, [story(1)])
    assert not summary.fell_back  # type: ignore[attr-defined]


def test_the_budget_stops_llm_work(server: FakeOpenAI, store: Storage) -> None:
    # A story request reserves ~920 tokens (pessimistic prompt estimate + 200 out) and
    # the fake server reports ~400 used: two fit in 1,500, a third would not.
    _, results = build(server, store, [story(n) for n in range(1, 6)],
                       budget_tokens=1500, max_output_tokens=200, max_concurrency=1)
    summaries = results[:-1]
    fell_back = [s.fell_back for s in summaries]  # type: ignore[attr-defined]
    assert fell_back == [False, False, True, True, True]
    assert summaries[4].notes == (  # type: ignore[attr-defined]
        "summarized offline: the run's LLM token budget was spent",)
    assert all(b.origin is BulletOrigin.EXTRACTIVE_FALLBACK
               for b in summaries[4].bullets)  # type: ignore[attr-defined]
    assert results[-1] == ()  # no budget left for the top lines either
    spent = sum(call.tokens_in + call.tokens_out for call in store.llm.calls())
    assert 0 < spent <= 1500


def test_every_call_is_logged(server: FakeOpenAI, store: Storage) -> None:
    build(server, store, [story(1)])
    build(server, store, [story(1)])
    rows = store.llm.calls()
    assert [(r.task, r.cache_hit, r.outcome) for r in rows] == [
        ("story_bullets", False, "ok"), ("top_lines", False, "ok"),
        ("story_bullets", True, "ok"), ("top_lines", True, "ok"),
    ]
    first = rows[0]
    assert first.model == "fake-model" and first.story_id == "s1"
    assert first.tokens_in > 0 and first.tokens_out == 30
    assert first.latency_ms >= 0 and first.response_format == "json_schema"
    assert first.endpoint == server.base_url
    assert first.prompt_version == "1"
