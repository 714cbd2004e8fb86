"""Benchmark: a 40-story LLM brief against a loopback server with a fixed latency.

    python bench/bench_llm.py [--stories 40] [--latency 0.2] [--concurrency 8]

With every call taking L seconds and C calls in flight, the stories should be
summarized within 1.25 x ceil(stories / C) x L plus the offline (extractive)
time for the same stories. A second build with no new articles must make zero
calls. Both figures are printed; the exit status is 1 when either misses.
The top lines are one more call after the stories (they need the bullets), so
they are timed and printed separately.

The fake server runs in a child process (``--serve``), so its own work does not
compete with the client for the interpreter lock and inflate the figures.
"""

from __future__ import annotations

import argparse
import json
import math
import subprocess
import sys
import tempfile
import time
import urllib.request
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from openai_server import FakeOpenAI  # noqa: E402

from briefing.config import Config, Limits, LLMConfig  # noqa: E402
from briefing.storage import open_storage  # noqa: E402
from briefing.summarize.extractive import ExtractiveSummarizer  # noqa: E402
from briefing.summarize.llm import LLMSummarizer  # noqa: E402
from briefing.summarize.select import make_summarizer  # noqa: E402
from briefing.types import Article, Story  # noqa: E402

CITIES = ("Lyon", "Porto", "Leeds", "Turin", "Graz", "Malmo", "Ghent", "Bilbao")


def stories(count: int) -> list[Story]:
    result = []
    for n in range(count):
        city = CITIES[n % len(CITIES)]
        articles = tuple(
            Article(
                id=n * 2 + k + 1, source="bench", outlet=f"Outlet {k + 1}",
                title=f"{city} council votes on plan {n}",
                text=(f"The {city} council approved plan {n} on Tuesday by {20 + k} votes. "
                      f"Mayor Ana Silva said the plan would cost {n + 3} million euros. "
                      f"Opposition leaders in {city} called the vote rushed. "
                      "Work is due to start next spring, officials said."),
                content_hash=f"bench-{n}-{k}", fetched=datetime(2024, 5, 1, tzinfo=UTC),
            )
            for k in range(2)
        )
        result.append(Story(f"s{n}", f"{city} council votes on plan {n}", articles))
    return result


def serve(latency: float) -> None:
    """Child process: run the fake server until stdin closes; print its URL first."""
    with FakeOpenAI(latency=latency) as server:
        print(server.base_url, flush=True)
        sys.stdin.read()


def server_requests(base_url: str) -> int:
    stats_url = base_url.removesuffix("/v1") + "/_stats"
    with urllib.request.urlopen(stats_url, timeout=5) as response:
        return int(json.load(response)["requests"])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stories", type=int, default=40)
    parser.add_argument("--latency", type=float, default=0.2, help="seconds added to each call")
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve(args.latency)
        return 0
    child = subprocess.Popen(
        [sys.executable, __file__, "--serve", "--latency", str(args.latency)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
    )
    try:
        assert child.stdout is not None
        return run(args, child.stdout.readline().strip())
    finally:
        if child.stdin is not None:
            child.stdin.close()
        child.wait(timeout=10)


def run(args: argparse.Namespace, base_url: str) -> int:
    batch = stories(args.stories)
    limits = Limits()

    started = time.perf_counter()
    ExtractiveSummarizer(limits).summarize(batch)
    offline = time.perf_counter() - started

    with tempfile.TemporaryDirectory() as tmp:
        config = Config(limits=limits, llm=LLMConfig(
            base_url=base_url, model="bench-model", max_concurrency=args.concurrency))
        with open_storage(Path(tmp) / "bench.db") as store:
            summarizer = make_summarizer(config, store)
            assert isinstance(summarizer, LLMSummarizer)
            started = time.perf_counter()
            summaries = summarizer.summarize(batch)
            first = time.perf_counter() - started
            started = time.perf_counter()
            lines = summarizer.top_lines(summaries, batch)
            top = time.perf_counter() - started
            first_calls = server_requests(base_url)
            fell_back = sum(s.fell_back for s in summaries)

            rebuild = make_summarizer(config, store)
            assert isinstance(rebuild, LLMSummarizer)
            started = time.perf_counter()
            again = rebuild.summarize(batch)
            rebuild.top_lines(again, batch)
            second = time.perf_counter() - started
            second_calls = server_requests(base_url) - first_calls
            summarizer.close()
            rebuild.close()

    bound = 1.25 * math.ceil(args.stories / args.concurrency) * args.latency + offline
    print(f"stories={args.stories} latency={args.latency:.3f}s concurrency={args.concurrency}")
    print(f"offline (extractive) build:   {offline:.3f}s")
    print(f"first LLM build (stories):    {first:.3f}s  bound {bound:.3f}s  "
          f"ratio {first / bound:.2f}  {'OK' if first <= bound else 'MISSED'}")
    print(f"  + top lines (1 call):       {top:.3f}s  ({len(lines)} lines)")
    print(f"  calls: {first_calls}, stories summarized offline: {fell_back}")
    print(f"second build, no new articles: {second:.3f}s, LLM calls: {second_calls}  "
          f"{'OK' if second_calls == 0 else 'MISSED'}")
    return 0 if first <= bound and second_calls == 0 and fell_back == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
