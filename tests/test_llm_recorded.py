"""Answers recorded from a real llama-cpp-python server (tests/data/servers/), replayed.

The loopback server sends back, byte for byte, what ``llama_cpp.server`` 0.3.36
running gemma-3-270m answered to the project's own prompts; the engine must
handle each the way a user of that server needs.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from e2e.outputs import read_outputs
from openai_server import RECORDED, FakeOpenAI, Reply, Request, completion, recorded

from briefing.config import Config, LLMConfig, PathSettings
from briefing.pipeline import build_brief
from briefing.storage import Storage
from briefing.summarize.llm import LLMSummarizer, RetryPolicy
from briefing.summarize.select import make_summarizer
from briefing.types import Article, BulletOrigin, Story

FAST = RetryPolicy(max_retries=0, base_delay=0.001)


def replay(name: str) -> Reply:
    answer = recorded(name)
    return Reply(answer["status"], answer["body"])


def pipeline_story() -> Story:
    """The bundled example article the probes were recorded with."""
    path = next((RECORDED.parents[2] / "examples" / "articles" / "meridian-wire").glob(
        "*pipeline*.txt"))
    return Story("pipeline", "Talvia and Kestria sign pipeline deal", (Article(
        id=1, source="examples", outlet="Meridian Wire", title=path.stem[11:],
        text=path.read_text(encoding="utf-8"), content_hash="pipeline",
        fetched=datetime(2026, 11, 17, tzinfo=UTC)),))


@pytest.fixture
def server() -> Iterator[FakeOpenAI]:
    with FakeOpenAI() as fake:
        yield fake


def engine(server: FakeOpenAI, store: Storage | None, **llm: object) -> LLMSummarizer:
    settings: dict[str, object] = {"base_url": server.base_url, "model": "gemma-3-270m",
                                   "max_concurrency": 1, **llm}
    made = make_summarizer(Config(llm=LLMConfig(**settings)), store,  # type: ignore[arg-type]
                           retry=FAST)
    assert isinstance(made, LLMSummarizer)
    return made


def test_json_schema_refused_then_the_schema_grammar_answer_is_used(
    server: FakeOpenAI, store: Storage
) -> None:
    server.queue(replay("llama-cpp-python-json_schema.json"),
                 replay("llama-cpp-python-json_object_schema.json"))
    with engine(server, store) as summarizer:
        [summary] = summarizer.summarize([pipeline_story()])
    assert [r.format_type for r in server.chat_requests] == ["json_schema", "json_object"]
    assert not summary.fell_back
    assert [b.origin for b in summary.bullets] == [BulletOrigin.LLM]
    assert summary.bullets[0].text.startswith("Talvia and Kestria signed an agreement")
    rows = [(call.outcome, call.tokens_in, call.tokens_out) for call in store.llm.calls()]
    assert rows == [("format-rejected", 0, 0), ("ok", 1350, 81)]


def test_its_plain_json_object_answer_is_no_answer(server: FakeOpenAI, store: Storage) -> None:
    # Without the schema the model invents its own shape: the schema check refuses it.
    server.queue(replay("llama-cpp-python-json_object.json"),
                 replay("llama-cpp-python-json_object.json"))
    with engine(server, store) as summarizer:
        [summary] = summarizer.summarize([pipeline_story()])
    assert summary.fell_back and summary.fallback_reason == "schema"


def test_its_free_text_answer_is_cut_off_junk(server: FakeOpenAI, store: Storage) -> None:
    server.queue(replay("llama-cpp-python-text.json"), replay("llama-cpp-python-text.json"))
    with engine(server, store) as summarizer:
        [summary] = summarizer.summarize([pipeline_story()])
    assert summary.fell_back and summary.fallback_reason == "length"


def test_its_context_overflow_teaches_the_window(server: FakeOpenAI, store: Storage) -> None:
    overflow = recorded("llama-cpp-python-context-overflow.json")
    window = overflow["request"]["context"]
    served: list[Request] = []

    def handler(request: Request) -> Reply:
        served.append(request)
        if len(served) == 1:
            return Reply(overflow["status"], overflow["body"])
        return replay("llama-cpp-python-json_object_schema.json")

    server.handler = handler
    with engine(server, store, context_tokens=32_000) as summarizer:
        [summary] = summarizer.summarize([pipeline_story()])
        advice = " ".join(summarizer.advice)
        assert summarizer.llm.context_tokens == window
    assert f"set [llm] context_tokens = {window}" in advice
    assert not summary.fell_back


def recorded_build() -> list[dict[str, Any]]:
    lines = (RECORDED / "llama-cpp-python-answers.jsonl").read_text(encoding="utf-8")
    return [json.loads(line) for line in lines.splitlines() if line.strip()]


def as_reply(exchange: dict[str, Any]) -> Reply:
    if exchange["status"] != 200:
        return Reply(exchange["status"], exchange["error"])
    return completion(exchange["content"], finish_reason=exchange["finish_reason"],
                      prompt_tokens=exchange["usage"]["prompt_tokens"],
                      completion_tokens=exchange["usage"]["completion_tokens"])


def test_a_whole_build_of_its_real_answers_shows_no_junk(
    server: FakeOpenAI, tmp_path: Path
) -> None:
    """gemma-3-270m's real answers to a build of the bundled examples (issue #18): ids as
    bullets, the top-lines prompt three times citing every source. None may reach a reader;
    every story says why it was written offline."""
    exchanges = recorded_build()
    server.queue(*(as_reply(exchange) for exchange in exchanges))
    llm = LLMConfig(base_url=server.base_url, model="gemma-3-270m", context_tokens=4096,
                    max_output_tokens=400, max_concurrency=1, max_retries=0)
    config = Config(llm=llm, paths=PathSettings(store=tmp_path / "b.db", out=tmp_path / "out"))
    result = build_brief(config, engine="llm", out_root=tmp_path / "out")
    # The same requests, in the same order, as the real server saw.
    assert [r.task for r in server.chat_requests] == [e["task"] for e in exchanges]
    outputs = read_outputs(result.folder)
    flat = " ".join(outputs.everything().split())
    assert "busy reader should see first" not in flat
    data = outputs.data
    assert data["top_lines"] == []
    bullets = [b for story in data["stories"] for b in story["bullets"]]
    assert bullets and not any(re.fullmatch(r"\W*A\d+\W*(: .*)?", b["text"]) for b in bullets)
    assert {b["origin"] for b in bullets} == {"extractive-fallback"}
    notes = [story["notes"] for story in data["stories"]]
    assert notes.count(["summarized offline: no model bullet passed the checks"]) == 5
    assert notes.count(["summarized offline: the model found no usable facts in the "
                        "articles"]) == 1
    assert "6 of 6 stories summarized offline: 5 because no model bullet passed the checks; " \
        "1 because the model found no usable facts in the articles" in data["build_notes"]
    assert data["coverage"].endswith(
        "6 stories written offline (5 because no model bullet passed the checks, 1 because "
        "the model found no usable facts in the articles)")
    assert f"{data['dropped']['count']} model bullets were dropped: " in data["notes"][0]
    assert data["dropped"]["reasons"].get("too-short", 0) >= 5
