"""Decompression bombs: capped after decoding, recorded as failures, memory bounded.

``briefing build`` runs as a child process (the real CLI) against a loopback
server answering three bombs (``br``, ``gzip, gzip``, ``deflate``, each far more
than the memory allowed) beside a good feed, with a good local folder too. A
wrapper process waits for it and reports its peak memory (``ru_maxrss`` of its
only child), so nothing else this test process did is counted.
"""

from __future__ import annotations

import asyncio
import dataclasses
import gzip
import json
import sqlite3
import subprocess
import sys
import zlib
from pathlib import Path

import brotli  # type: ignore[import-untyped]
import pytest

from briefing.collect.fetch import Fetcher, FetchError

from .bombs import Bomb, all_bombs, br, deflate, gzip_in_gzip
from .conftest import for_server
from .server import LoopbackServer, raw

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "articles" / "harbour-ledger"
PEAK_LIMIT_MB = 300
#: Runs the CLI as its only child and prints the child's exit status and peak RSS in KB.
WRAPPER = """
import resource, subprocess, sys
cli = "from briefing.cli import main; raise SystemExit(main())"
done = subprocess.run([sys.executable, "-c", cli, *sys.argv[1:]],
                      stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
sys.stdout.write(done.stdout)
sys.stderr.write(done.stderr)
print(f"@@ {done.returncode} {resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss}")
"""


def serve_bomb(server: LoopbackServer, bomb: Bomb, content_type: str) -> str:
    headers = {"Content-Type": content_type, "Content-Encoding": bomb.encoding,
               "Content-Length": str(len(bomb.body))}
    return server.handle(f"/{bomb.name}", raw(bomb.body, headers))


def fetch(url: str, server: LoopbackServer, max_body_bytes: int = 2_000_000) -> None:
    settings = dataclasses.replace(for_server(server), max_body_bytes=max_body_bytes)

    async def run() -> None:
        async with Fetcher(settings) as fetcher:
            await fetcher.get(url)

    asyncio.run(run())


@pytest.mark.parametrize("make", [br, gzip_in_gzip, deflate], ids=["br", "gzip-gzip", "deflate"])
def test_each_bomb_is_cut_at_the_cap_after_decoding(server: LoopbackServer, make: object) -> None:
    bomb: Bomb = make()  # type: ignore[operator]
    url = serve_bomb(server, bomb, "text/html")
    assert len(bomb.body) < 5_000_000 < bomb.expands_to  # under the raw cap, far over decoded
    with pytest.raises(FetchError, match=r"^the answer is over the 5 MB limit$"):
        fetch(url, server, max_body_bytes=5_000_000)


def test_unknown_or_too_many_encodings_are_refused(server: LoopbackServer) -> None:
    zstd = server.handle("/zstd", raw(b"\x28\xb5\x2f\xfd" + b"x" * 40,
                                      {"Content-Encoding": "zstd", "Content-Length": "44"}))
    with pytest.raises(FetchError, match="cannot be decoded: unsupported content encoding 'zstd'"):
        fetch(zstd, server)
    body = b"<rss/>"
    for _ in range(4):
        body = gzip.compress(body)
    stacked = server.handle("/stacked", raw(body, {"Content-Encoding": "gzip, gzip, gzip, gzip",
                                                   "Content-Length": str(len(body))}))
    with pytest.raises(FetchError, match="4 stacked content encodings"):
        fetch(stacked, server)
    broken = server.handle("/broken", raw(b"not gzip at all",
                                          {"Content-Encoding": "gzip", "Content-Length": "15"}))
    with pytest.raises(FetchError, match="cannot be decoded: broken gzip data"):
        fetch(broken, server)


def test_stacked_and_raw_deflate_bodies_decode(server: LoopbackServer) -> None:
    feed = (Path(__file__).parent / "data" / "rss20.xml").read_bytes()
    raw_deflate = zlib.compressobj(9, zlib.DEFLATED, -15)
    cases = {
        "/gzip-br": (brotli.compress(gzip.compress(feed)), "gzip, br"),
        "/x-gzip": (gzip.compress(feed), "x-gzip"),
        "/raw-deflate": (raw_deflate.compress(feed) + raw_deflate.flush(), "deflate"),
        "/identity": (feed, "identity"),
    }

    async def run() -> list[bytes]:
        async with Fetcher(for_server(server)) as fetcher:
            return [(await fetcher.get(server.url(path))).body for path in cases]

    for path, (body, encoding) in cases.items():
        server.handle(path, raw(body, {"Content-Encoding": encoding,
                                       "Content-Length": str(len(body))}))
    assert asyncio.run(run()) == [feed] * len(cases)


def test_a_build_with_bombs_finishes_with_the_good_sources_in_bounded_memory(
    tmp_path: Path, server: LoopbackServer
) -> None:
    good = server.add_file("/ledger.xml", "rss20.xml")
    urls = {bomb.name: serve_bomb(server, bomb, "text/html") for bomb in all_bombs()}
    sources = [("ledger", "feed", good), *((name, "page", url) for name, url in urls.items())]
    lines = [
        "[paths]", 'out = "out"', 'store = "store.db"',
        "[fetch]", f'allow_private = ["127.0.0.1:{server.port}"]', "deadline = 20",
        "respect_robots = false", "per_host_delay = 0",
        "[[sources]]", 'name = "harbour"', 'type = "folder"', f'path = "{EXAMPLES}"',
    ]
    for name, kind, url in sources:
        lines += ["[[sources]]", f'name = "{name}"', f'type = "{kind}"', f'url = "{url}"']
    config = tmp_path / "briefing.toml"
    config.write_text("\n".join(lines) + "\n", encoding="utf-8")

    done = subprocess.run(
        [sys.executable, "-c", WRAPPER, "build", "--config", str(config), "--engine", "extractive"],
        capture_output=True, text=True, timeout=300, cwd=tmp_path,
    )
    status, peak_kb = done.stdout.rsplit("@@ ", 1)[1].split()
    peak_mb = int(peak_kb) / 1024
    print(f"\npeak memory of `briefing build` with three bombs: {peak_mb:.0f} MB")
    assert status == "0", done.stderr
    assert peak_mb < PEAK_LIMIT_MB

    (day,) = (tmp_path / "out" / "default").iterdir()
    brief = json.loads((day / "brief.json").read_text(encoding="utf-8"))
    titles = {source["title"] for source in brief["sources"]}
    assert "Saltmere dockers walk out as pay talks collapse" in titles  # the local folder
    assert "Harbour council approves new ferry terminal" in titles  # the good feed
    note = " ".join(brief["notes"])
    assert "3 of 4 sources could not be fetched" in note
    for name in urls:
        assert f"{name} (the answer is over the 10 MB limit)" in note
    with sqlite3.connect(tmp_path / "store.db") as db:
        errors = dict(db.execute("SELECT name, last_error FROM sources"))
    assert errors["ledger"] is None
    for name in urls:
        assert errors[name] == "the answer is over the 10 MB limit"
