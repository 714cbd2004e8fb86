"""Local servers are not drowned: concurrency adapts, timeouts follow the measured speed,
abandoned requests are closed, their tokens estimated, and a timed-out run gives advice."""

from __future__ import annotations

import logging
import threading
import time
from datetime import UTC, datetime

import pytest
from openai_server import FakeOpenAI, Reply, Request, completion, error, honest_model

from briefing.config import Config, LLMConfig
from briefing.storage import Storage
from briefing.summarize.llm import LLMSummarizer, RetryPolicy
from briefing.summarize.pacing import Pacing
from briefing.summarize.select import make_summarizer
from briefing.types import Article, Story
from briefing.usage import format_usage, usage_rows


def story(number: int) -> Story:
    text = (f"Story {number}: Acme Corp said it would cut {number * 100} jobs in Ohio. "
            "The union said it would fight the plan.")
    return Story(f"s{number}", f"Acme cuts jobs {number}", (Article(
        id=number, source="t", outlet="Outlet", title=f"Acme cuts jobs {number}", text=text,
        content_hash=f"hash-{number}", fetched=datetime(2024, 5, 1, tzinfo=UTC)),))


def engine_for(
    server: FakeOpenAI, store: Storage | None, retry: RetryPolicy, **llm: object
) -> LLMSummarizer:
    settings: dict[str, object] = {"base_url": server.base_url, "model": "local", **llm}
    made = make_summarizer(Config(llm=LLMConfig(**settings)), store,  # type: ignore[arg-type]
                           retry=retry)
    assert isinstance(made, LLMSummarizer)
    return made


# -- the pacing rules on their own -----------------------------------------------------


def test_the_limit_halves_once_per_round_and_grows_back_slowly() -> None:
    pacing = Pacing(8, 60.0)
    rounds = []
    for _ in range(4):  # four requests of the same round time out together
        with pacing.slot() as started_in:
            rounds.append(started_in)
    for started_in in rounds:
        pacing.overloaded(started_in)
    assert pacing.limit == 4
    with pacing.slot() as started_in:
        pass
    pacing.overloaded(started_in)
    assert pacing.limit == 2 and pacing.lowest_limit == 2
    for _ in range(3):
        pacing.answered(1.0, 100, 10)
    assert pacing.limit == 2  # not yet: 2 x limit answers in a row
    pacing.answered(1.0, 100, 10)
    assert pacing.limit == 3
    for _ in range(6 + 8):
        pacing.answered(1.0, 100, 10)
    assert pacing.limit == 5


def test_the_slot_blocks_past_the_limit() -> None:
    pacing = Pacing(1, 60.0)
    entered = threading.Event()

    def second() -> None:
        with pacing.slot():
            entered.set()

    with pacing.slot():
        thread = threading.Thread(target=second)
        thread.start()
        assert not entered.wait(0.2)
    assert entered.wait(2)
    thread.join()


def test_timeouts_follow_the_measured_speed_within_the_cap() -> None:
    pacing = Pacing(4, 60.0, min_timeout=1.0)
    assert pacing.timeout_for(1000, 500, retry=False) == 60.0  # nothing measured yet
    pacing.answered(0.5, 1000, 100)  # fast: ~0.0024 s per weighted token
    fast = pacing.timeout_for(1000, 500, retry=False)
    assert 1.0 <= fast < 10
    assert pacing.timeout_for(1000, 500, retry=True) == 60.0  # a retry gets the cap
    pacing.answered(40.0, 1000, 100)  # a slow answer: the slowest recent one counts
    assert pacing.timeout_for(1000, 500, retry=False) == 60.0
    assert pacing.timeout_for(10, 5, retry=False) >= 1.0


# -- against a loopback server ---------------------------------------------------------


def test_503_when_busy_brings_concurrency_down(store: Storage) -> None:
    with FakeOpenAI(latency=0.1) as server:

        def single_slot(request: Request) -> Reply:
            with server._lock:
                busy = server._in_flight > 1
            return error(503, "server busy") if busy else honest_model(request)

        server.handler = single_slot
        retry = RetryPolicy(max_retries=4, base_delay=0.01, max_delay=0.05)
        with engine_for(server, store, retry, max_concurrency=4) as engine:
            summaries = engine.summarize([story(n) for n in range(1, 9)])
            assert engine.endpoint.pacing.lowest_limit == 1
    assert not any(s.fell_back for s in summaries)
    outcomes = [call.outcome for call in store.llm.calls()]
    assert outcomes.count("ok") == 8 and "server-error" in outcomes


def test_a_single_slot_server_is_not_drowned(store: Storage) -> None:
    # Like llama-cpp-python: one request computed at a time, the others queue.
    with FakeOpenAI(latency=0.4) as server:
        server.slots = 1
        retry = RetryPolicy(max_retries=2, base_delay=0.01, max_delay=0.05, min_timeout=0.5)
        with engine_for(server, store, retry, max_concurrency=4, timeout=1.0) as engine:
            summaries = engine.summarize([story(n) for n in range(1, 7)])
            assert engine.endpoint.pacing.lowest_limit <= 2
        # The abandoned requests were closed, and the server dropped them.
        assert server.disconnects >= 1
    assert not any(s.fell_back for s in summaries)


def test_a_stalled_request_is_abandoned_early_once_the_speed_is_known(store: Storage) -> None:
    stalled = threading.Event()
    with FakeOpenAI() as server:

        def stall_once(request: Request) -> Reply:
            if "Story 4:" in request.user and not stalled.is_set():
                stalled.set()
                reply = honest_model(request)
                reply.delay = 30.0
                return reply
            return honest_model(request)

        server.handler = stall_once
        retry = RetryPolicy(max_retries=1, base_delay=0.01, min_timeout=0.5)
        started = time.monotonic()
        with engine_for(server, store, retry, max_concurrency=1, timeout=30.0,
                        max_output_tokens=200) as engine:
            summaries = engine.summarize([story(n) for n in range(1, 6)])
        elapsed = time.monotonic() - started
        # The client hung up on the stalled request: the server saw it go.
        assert server.disconnects == 1
    assert elapsed < 10, elapsed  # not the configured 30 s
    assert not any(s.fell_back for s in summaries)
    rows = store.llm.calls()
    assert [row.outcome for row in rows] == ["ok"] * 3 + ["timeout"] + ["ok"] * 2
    timeout = rows[3]
    # Its tokens are estimated (the server may have computed it) and marked so.
    assert timeout.tokens_estimated and timeout.tokens_in > 0
    assert timeout.tokens_out > 0 and "no answer within" in (timeout.error or "")
    assert not any(row.tokens_estimated for row in rows if row.outcome == "ok")


def test_a_run_that_times_out_says_which_settings_to_change(
    store: Storage, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING)
    with FakeOpenAI(latency=2.0) as server:
        retry = RetryPolicy(max_retries=0, base_delay=0.01, breaker_threshold=10)
        with engine_for(server, store, retry, max_concurrency=2, timeout=0.3) as engine:
            summaries = engine.summarize([story(n) for n in range(1, 4)])
            advice = " ".join(engine.advice)
            spent = engine.asker.budget.spent
    assert all(s.fallback_reason == "timeout" for s in summaries)
    assert all(s.notes == ("summarized offline: the model timed out",) for s in summaries)
    assert "3 stories timed out (llm.timeout = 0.3 s, llm.max_concurrency = 2)" in advice
    assert "set [llm] timeout = " in advice and "max_concurrency = 1" in advice
    assert advice in caplog.text
    # The abandoned requests' tokens count, as estimates, in the budget and in usage.
    assert spent > 0
    [row] = usage_rows(store)
    assert row.errors == 3 and row.estimated_tokens == row.tokens_in + row.tokens_out > 0
    assert "estimate" in format_usage([row])


def test_a_server_without_usage_figures_is_charged_an_estimate(store: Storage) -> None:
    with FakeOpenAI() as server:

        def no_usage(request: Request) -> Reply:
            reply = honest_model(request)
            body = dict(reply.body)
            body.pop("usage")
            return Reply(200, body)

        server.handler = no_usage
        with engine_for(server, store, RetryPolicy(max_retries=0)) as engine:
            [summary] = engine.summarize([story(1)])
    assert not summary.fell_back
    [row] = store.llm.calls()
    assert row.tokens_estimated and row.tokens_in > 0 and row.tokens_out > 0


def test_reported_usage_is_kept_as_reported(store: Storage) -> None:
    with FakeOpenAI() as server:
        server.queue(completion(
            '{"bullets": [{"text": "Story 1: Acme Corp said it would cut 100 jobs in Ohio.",'
            ' "sources": ["A1"]}]}', prompt_tokens=321, completion_tokens=45))
        with engine_for(server, store, RetryPolicy(max_retries=0)) as engine:
            engine.summarize([story(1)])
    [row] = store.llm.calls()
    assert (row.tokens_in, row.tokens_out, row.tokens_estimated) == (321, 45, False)


def test_no_top_lines_are_asked_when_no_story_got_an_answer(store: Storage) -> None:
    with FakeOpenAI(latency=2.0) as server:
        retry = RetryPolicy(max_retries=0, base_delay=0.01)
        with engine_for(server, store, retry, timeout=0.3) as engine:
            stories = [story(1), story(2)]
            summaries = engine.summarize(stories)
            sent = len(server.chat_requests)
            assert engine.top_lines(summaries, stories) == ()
        assert len(server.chat_requests) == sent == 2
