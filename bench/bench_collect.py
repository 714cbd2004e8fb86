"""Benchmark: `briefing collect` of 200 feeds of 50 entries each from loopback servers.

A plain fetch-and-parse loop (httpx with the same concurrency, then feedparser
on each body) is the yardstick for a first collect into a fresh store: the
ratio of their CPU seconds, measured in this run (target: at most 2, issue 15:
collecting also decodes, normalises, cleans, deduplicates, sketches and stores
every entry). Both are whole commands in fresh processes, imports included:
the loop as a script of its own, the collect as the installed ``briefing
collect`` runs (``bench/measure.py``). The two run in turn for ``--rounds``
rounds, in alternating order, and the median of the rounds' ratios is the
figure: on a shared machine one pair can be 10% off either way. Prints entries
per second and the peak memory of the first collect, then collects again while
every feed answers 304 Not Modified, and prints that second collect's CPU time
as a fraction of the first's (target: under 10%; start-up included).

The feeds are served by a separate process (so the server does not compete
with the collector for the CPU) on several loopback addresses, 127.0.0.1 to
127.0.0.N, so the per-host limits act as they would across real sites.

    python bench/bench_collect.py [--feeds 200] [--entries 50] [--hosts 8] [--rounds 3]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import re
import statistics
import subprocess
import sys
import tempfile
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from threading import Thread
from typing import ClassVar
from urllib.parse import urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parent))

from measure import Measured, run_cli, run_python

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


#: The yardstick, a script of its own: fetch every feed (as many at once as the collect
#: fetches) and parse it with feedparser, nothing else; prints the entries parsed.
PLAIN_LOOP = """
import asyncio, json, sys
import feedparser, httpx

async def main(urls, concurrency):
    gate = asyncio.Semaphore(concurrency)
    async with httpx.AsyncClient(timeout=30) as client:
        async def one(url):
            async with gate:
                response = await client.get(url)
            return len(feedparser.parse(response.content).entries)
        return sum(await asyncio.gather(*(one(url) for url in urls)))

print(asyncio.run(main(json.loads(open(sys.argv[1]).read()), int(sys.argv[2]))))
"""
CONCURRENCY, PER_HOST = 16, 4
SUMMARY = re.compile(r"(\d+) web source\(s\): (\d+) new article\(s\), .* "
                     r"(\d+) source\(s\) unchanged, (\d+) failed")


def write_config(folder: Path, urls: list[str], entries: int) -> Path:
    """A config collecting every feed into a store of its own in ``folder``."""
    # The servers are on loopback: each one's port is allowed, nothing else.
    allowed = sorted({f"127.0.0.0/8:{urlsplit(url).port}" for url in urls})
    lines = [
        "[paths]", f"store = {json.dumps(str(folder / 'store.db'))}",
        f"out = {json.dumps(str(folder / 'out'))}",
        "[fetch]", f"concurrency = {CONCURRENCY}", f"per_host_concurrency = {PER_HOST}",
        "per_host_delay = 0.0", f"max_entries_per_feed = {entries}",
        f"allow_private = {json.dumps(allowed)}",
    ]
    for number, url in enumerate(urls):
        lines += ["[[sources]]", f'name = "feed-{number}"', 'type = "feed"', f'url = "{url}"']
    config = folder / "briefing.toml"
    config.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return config


def collect(config: Path, folder: Path) -> tuple[Measured, tuple[int, ...]]:
    """``briefing collect``, measured; (sources, new, unchanged, failed) from its summary."""
    measured = run_cli(["collect", "--config", str(config)], folder, stdout=folder / "said.txt")
    said = (folder / "said.txt").read_text("utf-8")
    found = SUMMARY.search(said)
    if measured.code != 0 or found is None:
        raise SystemExit(f"briefing collect failed ({measured.code}): {said}{measured.stderr}")
    return measured, tuple(int(number) for number in found.groups())


def run(urls: list[str], entries: int, rounds: int) -> int:
    ratios: list[float] = []
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        (work / "urls.json").write_text(json.dumps(urls), encoding="utf-8")
        plain_args = ["-c", PLAIN_LOOP, str(work / "urls.json"), str(CONCURRENCY)]
        # Unmeasured: compiles the package's bytecode, as an installed package has it.
        collect(write_config(work, urls[:1], 1), work)
        for number in range(rounds):
            folder = work / f"round-{number + 1}"
            folder.mkdir()
            config = write_config(folder, urls, entries)  # a fresh store each round
            # Alternating which goes first, so neither always finds the machine warmer.
            order = ("plain", "collect") if number % 2 == 0 else ("collect", "plain")
            for step in order:
                if step == "plain":
                    plain = run_python(plain_args, work, stdout=work / "parsed.txt")
                    parsed = int((work / "parsed.txt").read_text("utf-8"))
                else:
                    first, (sources, new, _, failed) = collect(config, folder)
            ratios.append(first.cpu / plain.cpu)
            print(f"round {number + 1}: plain loop {plain.cpu:.2f} s CPU ({plain.wall:.2f} s), "
                  f"first collect {first.cpu:.2f} s CPU ({first.wall:.2f} s), "
                  f"ratio {ratios[-1]:.2f}", flush=True)
            if number == 0:
                first_round, first_new, first_failed = first, new, failed
                second, (_, second_new, unchanged, second_failed) = collect(config, folder)

    total = len(urls) * entries
    collect_ratio = statistics.median(ratios)
    ratio = second.cpu / first_round.cpu
    print(f"feeds: {len(urls)} x {entries} entries = {total} entries")
    print(f"first collect: {first_round.wall:.2f} s, {total / first_round.wall:.0f} entries/s "
          f"({first_new} new, {first_failed} failed)")
    print(f"plain fetch-and-parse loop: {plain.wall:.2f} s, {plain.cpu:.2f} s CPU "
          f"({parsed} entries parsed)")
    print(f"first collect / plain loop CPU ratio: {collect_ratio:.2f}, median of {len(ratios)} "
          f"round{'s' if len(ratios) > 1 else ''} (target <= 2: "
          f"{'met' if collect_ratio <= 2 else 'NOT met'})")
    print(f"peak memory of the first collect (max RSS): {first_round.peak_mb:.0f} MB")
    print(f"second collect (all 304): {second.cpu:.2f} s CPU ({second.wall:.2f} s), "
          f"{unchanged} unchanged, {second_new} new")
    print(f"second/first CPU ratio: {ratio:.3f} (target < 0.10)")
    if first_failed or second_failed or unchanged != sources:
        print("FAIL: some feeds failed or did not answer 304")
        return 1
    return 0 if ratio < 0.10 else 1


if __name__ == "__main__":
    sys.exit(main())
