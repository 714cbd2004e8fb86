"""Honest reporting: what wrote the brief, each story's own reason, impossible settings refused."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from openai_server import FakeOpenAI, Reply, Request, error, honest_model

from briefing.assemble import _offline_notes
from briefing.config import Config, Limits, LLMConfig, load_config
from briefing.errors import ConfigError, SummarizerError
from briefing.storage import Storage
from briefing.summarize.llm import LLMSummarizer, RetryPolicy
from briefing.summarize.report import (
    dropped_summary,
    engine_summary,
    fallback_reason,
    offline_note,
    story_reasons,
)
from briefing.summarize.select import make_summarizer
from briefing.types import Article, Bullet, DroppedBullet, Story, StorySummary

FAST = RetryPolicy(max_retries=0, base_delay=0.001)


def summary(story_id: str, reason: str | None = None) -> StorySummary:
    bullet = Bullet("Acme Corp cut 1,200 jobs in Ohio.", (1,))
    return StorySummary(story_id, "Acme", (bullet,), fell_back=reason is not None,
                        fallback_reason=reason)


def test_engine_summary_says_what_wrote_the_brief() -> None:
    mixed = [summary(f"s{n}") for n in range(5)] + [summary("t1", "timeout"),
                                                     summary("t2", "timeout")]
    assert engine_summary(mixed, "llm:gemma") == (
        "5 stories by gemma, 2 written offline because the model timed out")
    assert engine_summary(mixed[:5], "llm:gemma") == "5 stories summarized by gemma"
    assert engine_summary([summary("a")], "llm:gemma") == "1 story summarized by gemma"
    offline = [summary("t1", "timeout"), summary("c", "too-long"), summary("t2", "timeout")]
    assert engine_summary(offline, "llm:gemma") == (
        "3 stories written offline (2 because the model timed out, 1 because the articles "
        "do not fit the model's context window)")
    assert engine_summary(mixed, "extractive") == (
        "summarized offline by the built-in extractive engine")


def test_each_story_keeps_its_own_reason() -> None:
    summaries = [summary("a"), summary("b", "timeout"), summary("c", "context-overflow"),
                 summary("d", "http-404")]
    assert story_reasons(summaries) == {
        "b": "the model timed out",
        "c": "the prompt was longer than the LLM server's context window",
        "d": "the LLM server refused the request (HTTP 404)",
    }
    assert offline_note(summaries) == (
        "3 of 4 stories summarized offline: 1 because the model timed out; 1 because the "
        "prompt was longer than the LLM server's context window; 1 because the LLM server "
        "refused the request (HTTP 404)")
    assert _offline_notes(summaries) == (offline_note(summaries),)
    assert offline_note([summary("a")]) is None
    assert fallback_reason("something-new") == "the LLM engine failed (something-new)"


def test_dropped_bullets_are_counted_for_readers() -> None:
    dropped = [DroppedBullet("a", "ungrounded-number"), DroppedBullet("a", "prompt-echo"),
               DroppedBullet("b", "ungrounded-number"), DroppedBullet("top-lines", "too-short")]
    assert dropped_summary(dropped) == (
        "4 model bullets were dropped: 2 with a number its sources do not state, "
        "1 repeating the prompt, 1 not a sentence.")
    assert dropped_summary([DroppedBullet("a", "duplicate")]) == (
        "1 model bullet was dropped: 1 repeating another line.")
    assert dropped_summary([]) is None


# -- settings that cannot work are refused before any request ---------------------------


@pytest.mark.parametrize(("context", "output", "fix"), [
    (1024, 1000, "raise llm.context_tokens to 1964 or more"),
    (2048, 1500, "lower llm.max_output_tokens to 1084 or less"),
])
def test_an_output_limit_that_leaves_no_room_is_refused_at_load(
    tmp_path: Path, context: int, output: int, fix: str
) -> None:
    toml = tmp_path / "briefing.toml"
    toml.write_text(f"[llm]\ncontext_tokens = {context}\nmax_output_tokens = {output}\n")
    with pytest.raises(ConfigError) as raised:
        load_config(cwd=tmp_path)
    message = str(raised.value)
    assert str(toml) in message and "llm.max_output_tokens" in message and fix in message
    assert len(message.splitlines()) == 1


def test_sound_llm_settings_load(tmp_path: Path) -> None:
    (tmp_path / "briefing.toml").write_text(
        "[llm]\ncontext_tokens = 2048\nmax_output_tokens = 600\nmax_response_bytes = 100000\n")
    llm = load_config(cwd=tmp_path).llm
    assert (llm.context_tokens, llm.max_output_tokens, llm.max_response_bytes) == (
        2048, 600, 100_000)
    assert LLMConfig().max_response_bytes == 4_000_000


@pytest.mark.parametrize(("line", "key"), [
    ("max_response_bytes = 100", "llm.max_response_bytes"),
    ("max_retries = -1", "llm.max_retries"),
    ("budget_tokens = 0", "llm.budget_tokens"),
])
def test_other_impossible_llm_settings(tmp_path: Path, line: str, key: str) -> None:
    (tmp_path / "briefing.toml").write_text(f"[llm]\n{line}\n")
    with pytest.raises(ConfigError, match=key):
        load_config(cwd=tmp_path)


def test_templates_too_long_for_the_context_are_refused_without_a_request(
    tmp_path: Path,
) -> None:
    prompts = tmp_path / "prompts"
    prompts.mkdir()
    padding = "Read carefully. " * 400
    (prompts / "story_bullets.system.j2").write_text(
        "{# version: 9 #}\n" + padding + "Write {{ max_bullets }} bullets.")
    with FakeOpenAI() as server:
        config = Config(llm=LLMConfig(base_url=server.base_url, context_tokens=2048,
                                      max_output_tokens=600))
        config = Config(llm=config.llm, paths=type(config.paths)(prompts=prompts))
        with pytest.raises(SummarizerError, match=r"llm\.context_tokens = 2048"):
            make_summarizer(config, None)
        assert server.chat_requests == []


# -- the fact step runs only when its result can be used ----------------------------------


def many_articles_story(count: int, words: int) -> Story:
    body = " ".join(f"Acme Corp reported {n} new orders from Ohio on Tuesday." for n in
                    range(words // 9))
    return Story("big", "Acme orders", tuple(Article(
        id=n, source="t", outlet=f"Outlet {n}", title=f"Acme orders {n}", text=body,
        content_hash=f"big-{n}", fetched=datetime(2024, 5, 1, tzinfo=UTC))
        for n in range(1, count + 1)))


@pytest.fixture
def server() -> Iterator[FakeOpenAI]:
    with FakeOpenAI() as fake:
        yield fake


def small_context(server: FakeOpenAI, store: Storage | None, **llm: object) -> LLMSummarizer:
    settings: dict[str, object] = {"base_url": server.base_url, "model": "tiny",
                                   "context_tokens": 1400, "max_output_tokens": 300, **llm}
    made = make_summarizer(Config(llm=LLMConfig(**settings),  # type: ignore[arg-type]
                                  limits=Limits(max_bullet_words=40)), store, retry=FAST)
    assert isinstance(made, LLMSummarizer)
    return made


def test_articles_whose_notes_cannot_fit_are_not_read(server: FakeOpenAI) -> None:
    # Forty long articles: one note each would never fit a 1,400-token context.
    story = many_articles_story(40, 600)
    with small_context(server, None) as engine:
        [result] = engine.summarize([story])
    facts = [r for r in server.chat_requests if r.task == "article_facts"]
    final = [r for r in server.chat_requests if r.task == "story_bullets"]
    assert not result.fell_back and len(final) == 1
    # Only the articles that fit the final prompt were sent for notes.
    cited = {label for r in facts for label in r.schema["properties"]["facts"]["items"][
        "properties"]["sources"]["items"]["enum"]} if facts else set()
    assert 1 <= len(cited) < 40
    assert len(facts) <= 4 * len(cited)  # MAX_FACT_PARTS per article


def test_no_request_when_even_one_note_cannot_fit(server: FakeOpenAI) -> None:
    story = many_articles_story(2, 600)
    headline = "Acme " * 500  # a headline alone larger than the room for a prompt
    story = Story(story.id, headline, story.articles)
    with small_context(server, None) as engine:
        [result] = engine.summarize([story])
    assert server.chat_requests == []
    assert result.fell_back and result.fallback_reason == "too-long"
    assert result.notes == (
        "summarized offline: the articles do not fit the model's context window",)


# -- the server's context window is learnt from its error ---------------------------------


def overflow_above(limit: int) -> object:
    def handler(request: Request) -> Reply:
        tokens = sum(len(m["content"]) for m in request.messages) // 3
        if tokens > limit:
            return Reply(400, {"error": {
                "message": f"This model's maximum context length is {limit} tokens. However, "
                           f"you requested {tokens + 300} tokens ({tokens} in the messages, "
                           "300 in the completion). Please reduce the length of the messages "
                           "or completion.",
                "type": "invalid_request_error", "param": "messages",
                "code": "context_length_exceeded"}})
        return honest_model(request)
    return handler


def test_a_context_overflow_teaches_the_real_window(server: FakeOpenAI, store: Storage) -> None:
    server.handler = overflow_above(1400)  # type: ignore[assignment]
    story = many_articles_story(2, 900)
    with small_context(server, store, context_tokens=16_000) as engine:
        [result] = engine.summarize([story])
        advice = " ".join(engine.advice)
    assert not result.fell_back
    assert "set [llm] context_tokens = 1400" in advice
    tasks = [r.task for r in server.chat_requests]
    assert tasks[0] == "story_bullets" and "article_facts" in tasks  # then map-reduce
    outcomes = [call.outcome for call in store.llm.calls()]
    assert outcomes[0] == "context-overflow" and outcomes[-1] == "ok"


def test_an_overflow_that_cannot_be_fixed_is_reported_as_such(server: FakeOpenAI) -> None:
    server.handler = lambda request: error(400, "context_length_exceeded")
    with small_context(server, None) as engine:
        [result] = engine.summarize([many_articles_story(1, 30)])
    assert result.fell_back and result.fallback_reason == "context-overflow"
    assert len(server.chat_requests) == 1  # not retried, the endpoint not declared down
