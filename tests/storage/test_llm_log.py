"""`briefing usage`: totals per day and model from the LLM call log, on both backends."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from briefing.storage import Storage
from briefing.storage.records import CallRow
from briefing.summarize import llm_log
from briefing.summarize.llm_log import CachedAnswer, CallRecord, LLMLog
from briefing.usage import UsageRow, format_usage, usage_rows


def record(log: LLMLog, model: str, outcome: str = "ok", *, hit: bool = False) -> None:
    # A timeout's tokens are our estimate: the server may have computed the answer.
    log.record(CallRecord(endpoint="http://127.0.0.1/v1", model=model, task="story_bullets",
                          outcome=outcome, tokens_in=0 if hit else 1200,
                          tokens_out=0 if hit else 150, cache_hit=hit,
                          tokens_estimated=outcome == "timeout"))


def test_usage_totals_per_day_and_model(storage: Storage) -> None:
    log = LLMLog(storage)
    record(log, "gpt-4o-mini")
    record(log, "gpt-4o-mini", "timeout")
    record(log, "gpt-4o-mini", hit=True)
    log.flush()
    storage.llm.record([CallRow(started_at=datetime(2024, 5, 1, 8, tzinfo=UTC),
                              endpoint="http://127.0.0.1/v1", model="llama3",
                              task="story_bullets", outcome="ok", tokens_in=1200,
                              tokens_out=150)], [])
    rows = usage_rows(storage)
    assert rows[0] == UsageRow("2024-05-01", "llama3", 1, 0, 1200, 150, 0)
    today = rows[1]
    assert (today.model, today.calls, today.cache_hits, today.tokens_in, today.tokens_out,
            today.errors, today.estimated_tokens) == ("gpt-4o-mini", 2, 1, 2400, 300, 1, 1350)
    text = format_usage(rows)
    assert "cache hits" in text and "2024-05-01" in text and "llama3" in text
    *_, total, footnote = text.splitlines()
    assert total.split() == ["total", "3", "1", "3,600", "450", "1", "1,350"]
    assert footnote.startswith("* ") and "estimate" in footnote and "timed out" in footnote
    assert "* " not in format_usage(rows[:1])  # nothing estimated, no footnote


def test_no_usage_yet(storage: Storage) -> None:
    assert usage_rows(storage) == []
    assert format_usage([]) == "No LLM calls recorded yet."


def test_the_cache_and_endpoint_formats_survive_a_new_log(storage: Storage) -> None:
    first = LLMLog(storage)
    first.remember("k", task="t", model="m", prompt_version="1",
                   cached=CachedAnswer({"bullets": []}, 10, 2))
    first.flush()
    LLMLog(storage).set_endpoint_format("http://x/v1", "gemma", "json_object")
    fresh = LLMLog(storage)
    assert fresh.cached("k") == CachedAnswer({"bullets": []}, 10, 2)
    assert fresh.endpoint_format("http://x/v1", "gemma") == "json_object"
    assert fresh.endpoint_format("http://x/v1", "another-model") is None
    assert fresh.cached("missing") is None


def test_records_reach_the_store_when_due_even_before_the_run_ends(
    storage: Storage, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A slow local server answers once a minute: a run killed half-way keeps its records.
    log = LLMLog(storage)
    record(log, "gemma")
    assert usage_rows(storage) == []  # written behind, in a batch
    monkeypatch.setattr(llm_log, "FLUSH_SECONDS", 0.0)
    record(log, "gemma", "timeout")
    [row] = usage_rows(storage)
    assert row.calls == 2 and row.estimated_tokens == 1350
