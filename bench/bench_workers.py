"""Benchmark: collect 600 feeds (0.2 s latency each) with 1 and with 3 workers.

Each worker is a separate process running the scheduler's collection job
(``Runner.collect``, what ``briefing schedule`` runs when a profile's feeds are
due) with its heartbeat, all sharing one PostgreSQL store: they split the feeds
between them by claiming batches of due sources (``workers.collect_batch``), each
feed collected once. The workers are started and connected first, then told to go
together, and the clock stops when the last has reported: the time is the
collection's, not Python's start-up or shutdown. The feeds come from
a separate server process on many loopback addresses (127.0.0.1 to 127.0.0.N, so
per-host limits act as across real sites); every answer waits ``--latency``
seconds first. The same collection is timed with 1 worker and with N, each on a
fresh store, and the speed-up printed (target: at least 2.5x with 3 workers).

PostgreSQL: ``--postgres URL`` or $BRIEFING_TEST_POSTGRES_URL (a database the
bench may create schemas in), else a throwaway cluster started here (Debian's
postgresql package; see tests/pgcluster.py).

    python bench/bench_workers.py [--feeds 600] [--latency 0.2] [--workers 3]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import random
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

import pgcluster  # noqa: E402  (tests/pgcluster.py: a throwaway PostgreSQL cluster)

from briefing.storage import open_storage  # noqa: E402

TARGET = 2.5
WORDS = (  # noqa: SIM905 -- a paragraph of words reads better than a list of strings
    "harbour council ferry terminal drought wheat library rail strike pay deal night bus "
    "route wildfire hills battery research museum hospital bank rate inflation budget "
    "school bridge port election court river flood market energy grid housing weather"
).split()


# -- the feed server process -----------------------------------------------------------------


def make_feed(base: str, number: int, entries: int) -> bytes:
    rng = random.Random(number)
    items = "".join(
        f"<item><title>Story {number}-{i}: {rng.choice(WORDS)} {rng.choice(WORDS)}</title>"
        f"<link>{base}/a/{number}/{i}</link>"
        "<pubDate>Thu, 20 Nov 2026 08:00:00 GMT</pubDate><description><![CDATA[<p>"
        + " ".join(rng.choice(WORDS) for _ in range(60)).capitalize()
        + ".</p>]]></description></item>"
        for i in range(entries)
    )
    return (f'<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel>'
            f"<title>Outlet {number}</title><link>{base}/</link>{items}</channel></rss>").encode()


async def _serve(feeds: int, entries: int, hosts: int, latency: float) -> None:
    bodies: dict[tuple[int, str], bytes] = {}

    async def answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        # One request per connection (the fetcher keeps none alive), answered after the
        # latency. An asyncio server, not a thread per request: the feed server shares the
        # machine's cores with the workers being timed, so it should cost them little.
        try:
            head = await reader.readuntil(b"\r\n\r\n")
            port = writer.get_extra_info("sockname")[1]
            path = head.split(b" ", 2)[1].decode("latin-1")
            await asyncio.sleep(latency)  # the far-away site
            body = bodies.get((port, path))
            status = b"200 OK" if body is not None else b"404 Not Found"
            writer.write(b"HTTP/1.1 " + status + b"\r\n"
                         b"Content-Type: application/rss+xml; charset=utf-8\r\n"
                         b"Content-Length: %d\r\nConnection: close\r\n\r\n" % len(body or b"")
                         + (body or b""))
            await writer.drain()
        except (OSError, IndexError, asyncio.IncompleteReadError, asyncio.LimitOverrunError):
            pass
        finally:
            writer.close()

    servers = [await asyncio.start_server(answer, f"127.0.0.{h + 1}", 0, backlog=512)
               for h in range(hosts)]
    urls: list[str] = []
    for number in range(feeds):
        host, port = servers[number % hosts].sockets[0].getsockname()[:2]
        base = f"http://{host}:{port}"
        bodies[(port, f"/feed/{number}.xml")] = make_feed(base, number, entries)
        urls.append(f"{base}/feed/{number}.xml")
    print(json.dumps(urls), flush=True)
    await asyncio.to_thread(sys.stdin.read)


def serve(feeds: int, entries: int, hosts: int, latency: float) -> None:
    """Serve the feeds; print their URLs as one JSON line; serve until stdin closes."""
    asyncio.run(_serve(feeds, entries, hosts, latency))


# -- a worker process ------------------------------------------------------------------------


def work(config_path: Path) -> int:
    """One worker: connect and register, say "ready", wait for "go", collect, report."""
    from datetime import timedelta

    # The collector itself (httpx, feedparser, trafilatura): briefing.collect
    # loads it lazily, on the first collection, and start-up is not what is timed.
    import briefing.collect.collector  # noqa: F401
    from briefing.config import load_config
    from briefing.schedule.runner import Runner
    from briefing.schedule.workers import WorkerHeartbeat

    config = load_config(config_path)
    with open_storage(config.paths.store) as store:
        runner = Runner(config, store)
        lease = timedelta(seconds=config.workers.lease_seconds)
        with WorkerHeartbeat(store, runner.owner, lease=lease, clock=lambda: datetime.now(UTC)):
            print("ready", flush=True)
            sys.stdin.readline()
            cpu = time.process_time()
            outcome = runner.collect("wire")
            cpu = time.process_time() - cpu  # every thread's: the fetches' parsing too
    print(json.dumps({"result": outcome.result, "detail": outcome.detail, "cpu": cpu}),
          flush=True)
    return 0 if outcome.result in ("collected", "taken") else 1


# -- one timed run ---------------------------------------------------------------------------


def write_config(folder: Path, store: str, urls: list[str], batch: int) -> Path:
    # A schedule that delivers nothing now: only the collection is due.
    now = datetime.now(UTC)
    offset = 12 - now.hour
    zone = "Etc/GMT" if offset == 0 else f"Etc/GMT{'-' if offset > 0 else '+'}{abs(offset)}"
    ports = sorted({urlsplit(url).port for url in urls})
    lines = [
        "[paths]", f"store = {json.dumps(store)}", f"out = {json.dumps(str(folder / 'out'))}",
        "", "[workers]", f"collect_batch = {batch}",
        "", "[fetch]", "full_text = false",
        "allow_private = [" + ", ".join(f'"127.0.0.0/8:{port}"' for port in ports) + "]",
        "", "[archive]", "site = false",
    ]
    for index, url in enumerate(urls):
        lines += ["", "[[sources]]", f'name = "feed-{index:04}"', 'type = "feed"',
                  f"url = {json.dumps(url)}"]
    lines += ["", "[profiles.wire]", 'recipients = ["desk@news.example"]',
              "[profiles.wire.schedule]", 'deliver_at = "18:00"', f'timezone = "{zone}"',
              'days = "daily"', "collect_every_minutes = 60", "send = false"]
    path = folder / "briefing.toml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def timed_run(base_url: str, urls: list[str], workers: int, entries: int,
              batch: int) -> tuple[float, float, int, int, int]:
    """(seconds, the workers' CPU seconds while collecting, sources collected, failed sources,
    articles) for ``workers`` processes."""
    schema = f"bench_{workers}w_{uuid.uuid4().hex[:8]}"
    store = pgcluster.create_schema(base_url, schema)
    try:
        with tempfile.TemporaryDirectory() as tmp:
            config = write_config(Path(tmp), store, urls, batch)
            open_storage(store).close()  # migrate first, as `briefing store migrate` would
            env = {**os.environ, "PYTHONPATH": str(ROOT)}
            processes = [
                subprocess.Popen([sys.executable, __file__, "--worker", str(config)], env=env,
                                 cwd=tmp, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                 text=True)
                for _ in range(workers)
            ]
            for process in processes:  # every worker started, connected and registered
                assert process.stdout is not None
                if process.stdout.readline().strip() != "ready":
                    raise SystemExit("a worker did not start")
            started = time.perf_counter()
            for process in processes:
                assert process.stdin is not None
                process.stdin.write("go\n")
                process.stdin.flush()
            # Done when every worker has reported its collection (its last line): the
            # interpreter's teardown afterwards (0.3 to 0.6 s with numpy, scipy and
            # psycopg loaded) is no more the collection's than its start-up is.
            reports = [process.stdout.readline() for process in processes if process.stdout]
            seconds = time.perf_counter() - started
            results = [report + process.communicate(timeout=1800)[0]
                       for report, process in zip(reports, processes, strict=True)]
            cpu = 0.0
            for process, output in zip(processes, results, strict=True):
                if process.returncode != 0:
                    print(f"worker exited {process.returncode}: {output.strip()[-800:]}")
                with contextlib.suppress(ValueError, IndexError):
                    cpu += float(json.loads(output.strip().splitlines()[-1])["cpu"])
            with open_storage(store) as storage:
                rows = storage.sources.all()
                collected = sum(1 for row in rows if row.last_success is not None)
                failed = sum(1 for row in rows if row.consecutive_failures)
                articles = storage.articles.count()
        return seconds, cpu, collected, failed, articles
    finally:
        pgcluster.drop_schema(base_url, schema)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--feeds", type=int, default=600)
    parser.add_argument("--entries", type=int, default=3)
    parser.add_argument("--latency", type=float, default=0.2)
    parser.add_argument("--workers", type=int, default=3)
    parser.add_argument("--hosts", type=int, default=100)
    parser.add_argument("--batch", type=int, default=50,
                        help="sources a worker claims at once (workers.collect_batch)")
    parser.add_argument("--postgres", metavar="URL",
                        default=os.environ.get(pgcluster.URL_ENV))
    parser.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--worker", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker is not None:
        return work(args.worker)
    if args.serve:
        serve(args.feeds, args.entries, args.hosts, args.latency)
        return 0

    cluster = None
    if not args.postgres:
        try:
            cluster = pgcluster.start_cluster()
        except pgcluster.ClusterUnavailable as error:
            print(f"no PostgreSQL server: {error}")
            return 2
    base_url = args.postgres or cluster.url()  # type: ignore[union-attr]
    server = subprocess.Popen(
        [sys.executable, __file__, "--serve", "--feeds", str(args.feeds), "--entries",
         str(args.entries), "--hosts", str(min(args.hosts, args.feeds)), "--latency",
         str(args.latency)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
    )
    try:
        assert server.stdout is not None
        urls: list[str] = json.loads(server.stdout.readline())
        print(f"{len(urls)} feeds x {args.entries} entries, {args.latency:g} s latency each, "
              f"batches of {args.batch}, PostgreSQL store")
        times: dict[int, float] = {}
        ok = True
        for workers in (1, args.workers):
            seconds, cpu, collected, failed, articles = timed_run(
                base_url, urls, workers, args.entries, args.batch)
            times[workers] = seconds
            # CPU seconds per wall second: near the machine's cores, the workers are
            # bound by CPU, not by the sites' latency, and more workers cannot help.
            print(f"{workers} worker(s): {seconds:.2f} s, {collected / seconds:.1f} feeds/s "
                  f"({collected} of {len(urls)} feeds collected, {failed} failed, "
                  f"{articles} articles); workers' CPU while collecting {cpu:.1f} s "
                  f"({cpu / max(collected, 1) * 1000:.1f} ms per feed; {cpu / seconds:.2f} of "
                  f"{os.cpu_count()} cores)")
            ok = ok and collected == len(urls) and not failed
            ok = ok and articles == len(urls) * args.entries
        speedup = times[1] / times[args.workers]
        print(f"speed-up with {args.workers} workers: {speedup:.2f}x (target >= {TARGET:g}x)")
        if not ok:
            print("FAIL: some feeds were not collected exactly once")
            return 1
        return 0 if speedup >= TARGET else 1
    finally:
        if server.stdin:
            server.stdin.close()
        server.wait(timeout=10)
        if cluster is not None:
            cluster.stop()


if __name__ == "__main__":
    sys.exit(main())
