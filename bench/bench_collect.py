"""Benchmark: collect 200 feeds of 50 entries each from loopback servers.

A plain fetch-and-parse loop (httpx with the same concurrency, then feedparser
on each body) is the yardstick for a first collect into a fresh store: the
ratio of their CPU seconds, measured in this run (target: at most 2, issue 15:
collecting also decodes, normalises, cleans, deduplicates, sketches and stores
every entry). The two run in turn for ``--rounds`` rounds, in alternating order,
and the median of the rounds' ratios is the figure: on a shared machine one
pair can be 10% off either way. Prints entries per second and the peak memory
of the first collect, then collects again while every feed answers 304 Not
Modified, and prints the time of the second run as a fraction of the first
(target: under 10%).

The feeds are served by a separate process (so the server does not compete
with the collector for the GIL) on several loopback addresses, 127.0.0.1 to
127.0.0.N, so the per-host limits act as they would across real sites.

    python bench/bench_collect.py [--feeds 200] [--entries 50] [--hosts 8] [--rounds 3]
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import hashlib
import json
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from threading import Thread
from typing import ClassVar
from urllib.parse import urlsplit

import feedparser
import httpx

from briefing.collect import collect
from briefing.config import Config, FetchSettings, SourceConfig
from briefing.storage import open_storage

WORDS = (  # noqa: SIM905 -- a paragraph of words reads better than a list of 80 strings
    "harbour council ferry terminal drought wheat library rail strike pay deal night bus route "
    "wildfire hills battery research cod quota museum masks hospital waiting list bank rate "
    "inflation budget minister school teachers bridge repairs port workers election mayor "
    "court ruling river flood farmers market prices energy grid wind solar storage housing "
    "rents tenants police report museum exhibition festival concert football league cup final "
    "weather storm coast road closure airport flights union talks report survey data science"
).split()


def article_text(rng: random.Random) -> str:
    return "".join(
        "<p>" + " ".join(rng.choice(WORDS) for _ in range(45)).capitalize() + ".</p>"
        for _ in range(4)
    )


def make_feed(base: str, number: int, entries: int) -> bytes:
    rng = random.Random(number)
    items = "".join(
        f"<item><title>Story {number}-{i}: {rng.choice(WORDS)} {rng.choice(WORDS)}</title>"
        f"<link>{base}/a/{number}/{i}?utm_source=rss</link>"
        f"<pubDate>Thu, 20 Nov 2026 08:00:00 GMT</pubDate>"
        f"<description><![CDATA[{article_text(rng)}]]></description></item>"
        for i in range(entries)
    )
    return (
        f'<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel>'
        f"<title>Outlet {number}</title><link>{base}/</link>{items}</channel></rss>"
    ).encode()


# -- the server process ------------------------------------------------------------------


def serve(hosts: int, feeds: int, entries: int) -> None:
    """Serve ``feeds`` feeds spread over ``hosts`` loopback addresses; print their URLs."""

    class Server(ThreadingHTTPServer):
        daemon_threads = True
        request_queue_size = 256

    servers = [Server((f"127.0.0.{h + 1}", 0), Handler) for h in range(hosts)]
    bodies: ClassVar[dict[tuple[int, str], tuple[bytes, str]]] = {}
    urls: list[str] = []
    for number in range(feeds):
        host = number % hosts
        base = f"http://127.0.0.{host + 1}:{servers[host].server_address[1]}"
        body = make_feed(base, number, entries)
        bodies[(servers[host].server_address[1], f"/feed/{number}.xml")] = (
            body, '"' + hashlib.sha1(body).hexdigest() + '"'
        )
        urls.append(f"{base}/feed/{number}.xml")
    Handler.bodies = bodies
    for server in servers:
        Thread(target=server.serve_forever, daemon=True).start()
    print(json.dumps(urls), flush=True)
    sys.stdin.read()  # serve until the parent closes our stdin


class Handler(BaseHTTPRequestHandler):
    bodies: ClassVar[dict[tuple[int, str], tuple[bytes, str]]] = {}

    def log_message(self, format: str, *args: object) -> None:
        pass

    def do_GET(self) -> None:
        found = self.bodies.get((self.server.server_address[1], self.path))
        if found is None:
            self.send_response(404)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        body, etag = found
        if self.headers.get("If-None-Match") == etag:
            self.send_response(304)
            self.send_header("ETag", etag)
            self.end_headers()
            return
        self.send_response(200)
        self.send_header("Content-Type", "application/rss+xml; charset=utf-8")
        self.send_header("ETag", etag)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


# -- the benchmark -----------------------------------------------------------------------


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--feeds", type=int, default=200)
    parser.add_argument("--entries", type=int, default=50)
    parser.add_argument("--hosts", type=int, default=8)
    parser.add_argument("--rounds", type=int, default=3,
                        help="plain loop and first collect, in turn (the median ratio counts)")
    parser.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve(args.hosts, args.feeds, args.entries)
        return 0

    server = subprocess.Popen(
        [sys.executable, __file__, "--serve", "--feeds", str(args.feeds),
         "--entries", str(args.entries), "--hosts", str(args.hosts)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
    )
    try:
        assert server.stdout is not None
        urls: list[str] = json.loads(server.stdout.readline())
        return run(urls, args.entries, max(1, args.rounds))
    finally:
        if server.stdin:
            server.stdin.close()
        server.wait(timeout=10)


async def plain_loop(urls: list[str], concurrency: int) -> int:
    """Fetch every feed and parse it with feedparser, nothing else: entries parsed."""
    gate = asyncio.Semaphore(concurrency)
    async with httpx.AsyncClient(timeout=30) as client:

        async def one(url: str) -> int:
            async with gate:
                response = await client.get(url)
            return len(feedparser.parse(response.content).entries)

        return sum(await asyncio.gather(*(one(url) for url in urls)))


def run(urls: list[str], entries: int, rounds: int) -> int:
    fetch = FetchSettings(
        concurrency=16,
        per_host_concurrency=4,
        per_host_delay=0.0,
        # The servers are on loopback: each one's port is allowed, nothing else.
        allow_private=tuple(sorted({f"127.0.0.0/8:{urlsplit(url).port}" for url in urls})),
        max_entries_per_feed=entries,
    )
    sources = [SourceConfig(name=f"feed-{i}", type="feed", url=url) for i, url in enumerate(urls)]
    config = dataclasses.replace(Config(), fetch=fetch)
    ratios: list[float] = []
    failed = 0
    for number in range(rounds):
        # Alternating which goes first, so neither always finds the process warmer.
        order = ("plain", "collect") if number % 2 == 0 else ("collect", "plain")
        for step in order:
            if step == "plain":
                cpu = time.process_time()
                started = time.perf_counter()
                parsed = asyncio.run(plain_loop(urls, fetch.concurrency))
                plain_time, plain_cpu = time.perf_counter() - started, time.process_time() - cpu
                continue
            with tempfile.TemporaryDirectory() as tmp, open_storage(Path(tmp) / "b.db") as store:
                rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
                cpu = time.process_time()
                started = time.perf_counter()
                first = collect(config, store, sources)
                first_time, first_cpu = time.perf_counter() - started, time.process_time() - cpu
                failed += len(first.failures)
                if number == 0:
                    # Peak memory only means something before the later rounds raise it.
                    rss_peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
                    first_round, first_round_time, rss_first = first, first_time, rss_before
                    started = time.perf_counter()
                    second = collect(config, store, sources)
                    second_time = time.perf_counter() - started
        ratios.append(first_cpu / plain_cpu)
        print(f"round {number + 1}: plain loop {plain_cpu:.2f} s CPU ({plain_time:.2f} s), "
              f"first collect {first_cpu:.2f} s CPU ({first_time:.2f} s), "
              f"ratio {ratios[-1]:.2f}", flush=True)

    total = len(urls) * entries
    ratio = second_time / first_round_time
    print(f"feeds: {len(urls)} x {entries} entries = {total} entries")
    print(f"first collect: {first_round_time:.2f} s, {total / first_round_time:.0f} entries/s "
          f"({first_round.new} new, {first_round.duplicates} duplicates, "
          f"{first_round.near_duplicates} near-duplicates, {failed} failed)")
    print(f"plain fetch-and-parse loop: {plain_time:.2f} s, {plain_cpu:.2f} s CPU "
          f"({parsed} entries parsed)")
    collect_ratio = statistics.median(ratios)
    print(f"first collect / plain loop CPU ratio: {collect_ratio:.2f}, median of {len(ratios)} "
          f"round{'s' if len(ratios) > 1 else ''} (target <= 2: "
          f"{'met' if collect_ratio <= 2 else 'NOT met'})")
    print(f"peak memory (max RSS): {rss_peak / 1024:.0f} MB "
          f"(+{(rss_peak - rss_first) / 1024:.0f} MB during the first collect)")
    print(f"second collect (all 304): {second_time:.3f} s, "
          f"{second.unchanged_sources} unchanged, {second.new} new")
    print(f"second/first time ratio: {ratio:.3f} (target < 0.10)")
    if failed or second.unchanged_sources != len(urls):
        print("FAIL: some feeds failed or did not answer 304")
        return 1
    return 0 if ratio < 0.10 else 1


if __name__ == "__main__":
    sys.exit(main())
