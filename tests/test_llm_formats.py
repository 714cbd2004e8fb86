"""response_format negotiation by what the server says, whatever the status code."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from openai_server import FakeOpenAI, Reply, error, recorded

from briefing.config import Config, LLMConfig
from briefing.storage import Storage
from briefing.summarize.llm import LLMSummarizer, RetryPolicy
from briefing.summarize.select import make_summarizer
from briefing.types import Article, Story

FAST = RetryPolicy(max_retries=2, base_delay=0.001, max_delay=0.01)


def story(number: int) -> Story:
    text = (f"Acme Corp said it would cut {number * 100} jobs in Ohio. "
            "The union said it would fight the plan.")
    return Story(f"s{number}", "Acme cuts jobs", (Article(
        id=number, source="t", outlet="Outlet", title="Acme cuts jobs", text=text,
        content_hash=f"h{number}", fetched=datetime(2024, 5, 1, tzinfo=UTC)),))


@pytest.fixture
def server() -> Iterator[FakeOpenAI]:
    with FakeOpenAI() as fake:
        yield fake


def engine(
    server: FakeOpenAI, store: Storage, model: str = "gemma", concurrency: int = 1
) -> LLMSummarizer:
    config = Config(llm=LLMConfig(base_url=server.base_url, model=model,
                                  max_concurrency=concurrency))
    made = make_summarizer(config, store, retry=FAST)
    assert isinstance(made, LLMSummarizer)
    return made


def outcomes(store: Storage) -> list[str]:
    return [call.outcome for call in store.llm.calls()]


def test_llama_cpp_python_answers_500_and_is_understood(server: FakeOpenAI, store: Storage) -> None:
    # Its exact answer, recorded from a real llama_cpp.server (tests/data/servers/).
    answer = recorded("llama-cpp-python-json_schema.json")
    assert answer["status"] == 500
    assert answer["body"]["error"]["type"] == "internal_server_error"
    assert "Input should be 'text' or 'json_object'" in answer["body"]["error"]["message"]
    server.reject_formats = {"json_schema"}
    server.reject_style = "llama-cpp-python"
    with engine(server, store) as first:
        summaries = first.summarize([story(n) for n in range(1, 4)])
    assert not any(s.fell_back for s in summaries)
    # One probe, not three stories times three retries of a "server error".
    assert [r.format_type for r in server.chat_requests] == [
        "json_schema", "json_object", "json_object", "json_object"]
    assert server.chat_requests[1].body["response_format"]["schema"]["required"] == ["bullets"]
    assert outcomes(store) == ["format-rejected", "ok", "ok", "ok"]


def test_concurrent_stories_each_move_on_at_once(server: FakeOpenAI, store: Storage) -> None:
    server.reject_formats = {"json_schema"}
    server.reject_style = "llama-cpp-python"
    with engine(server, store, concurrency=4) as summarizer:
        summaries = summarizer.summarize([story(n) for n in range(1, 9)])
    assert not any(s.fell_back for s in summaries)
    # Stories already in flight probe too, but none is retried as a server error.
    assert set(outcomes(store)) == {"format-rejected", "ok"}
    assert outcomes(store).count("ok") == 8
    assert outcomes(store).count("format-rejected") <= 4


@pytest.mark.parametrize(("status", "body"), [
    (500, {"error": {"message": "json_schema is not supported", "type": "server_error"}}),
    (501, {"error": "response_format not implemented"}),
    (400, {"error": {"message": "Unknown field: schema", "type": "invalid_request_error"}}),
    (422, {"detail": [{"loc": ["body", "response_format"], "msg": "extra fields not permitted"}]}),
    (404, "no such route for response_format"),
])
def test_any_status_naming_the_format_moves_down_the_chain(
    server: FakeOpenAI, store: Storage, status: int, body: object
) -> None:
    server.queue(Reply(status, body))
    with engine(server, store) as summarizer:
        [summary] = summarizer.summarize([story(1)])
    assert not summary.fell_back
    assert [r.format_type for r in server.chat_requests] == ["json_schema", "json_object"]


def test_a_500_about_something_else_is_a_server_error(server: FakeOpenAI, store: Storage) -> None:
    server.queue(error(500, "CUDA out of memory"), error(500, "CUDA out of memory"))
    with engine(server, store) as summarizer:
        [summary] = summarizer.summarize([story(1)])
    assert not summary.fell_back
    assert outcomes(store) == ["server-error", "server-error", "ok"]
    assert {r.format_type for r in server.chat_requests} == {"json_schema"}


def test_the_whole_chain_down_to_the_prompt(server: FakeOpenAI, store: Storage) -> None:
    server.queue(
        Reply(500, {"error": {"message": "json_schema: unsupported"}}),
        Reply(500, {"error": {"message": "response_format.schema: extra field"}}),
        Reply(400, {"error": {"message": "'response_format' is not supported"}}),
    )
    with engine(server, store) as summarizer:
        [summary] = summarizer.summarize([story(1)])
    assert not summary.fell_back
    assert [r.format_type for r in server.chat_requests] == [
        "json_schema", "json_object", "json_object", None]
    assert "JSON Schema" in server.chat_requests[-1].system


def test_what_worked_is_remembered_per_base_url_and_model(
    server: FakeOpenAI, store: Storage
) -> None:
    server.reject_formats = {"json_schema"}
    server.reject_style = "llama-cpp-python"
    with engine(server, store, "gemma") as summarizer:
        summarizer.summarize([story(1)])
    with engine(server, store, "gemma") as again:  # the next run: no probe
        again.summarize([story(2)])
    assert [r.format_type for r in server.chat_requests] == [
        "json_schema", "json_object", "json_object"]
    server.reject_formats = set()
    with engine(server, store, "qwen") as other:  # another model on the same server
        other.summarize([story(3)])
    assert server.chat_requests[-1].format_type == "json_schema"
    assert store.llm.endpoint_format(server.base_url, "gemma") == "json_object_schema"
    assert store.llm.endpoint_format(server.base_url, "qwen") is None  # json_schema worked


def test_the_fake_server_plays_fastapi_422_as_well(server: FakeOpenAI, store: Storage) -> None:
    server.reject_formats = {"json_schema"}
    server.reject_style = "fastapi-422"
    with engine(server, store) as summarizer:
        [summary] = summarizer.summarize([story(1)])
    assert not summary.fell_back
    assert outcomes(store) == ["format-rejected", "ok"]
