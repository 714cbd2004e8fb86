"""What `briefing collect` loads, run as the installed command runs it (issue 15).

A collect of feeds needs httpx and feedparser, and numpy once there are new
articles to sketch. trafilatura loads only when a page is read (in the worker
thread that reads it), and a collect that finds nothing new (every feed answers
304) never loads numpy. httpx's own command-line client (click, pygments, rich)
is never loaded.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

from .server import LoopbackServer
from .test_build_from_feeds import write_config

ROOT = Path(__file__).resolve().parents[2]
WATCHED = ("httpx", "feedparser", "numpy", "trafilatura", "click", "pygments", "rich")
RUN = f"""
import atexit, json, sys
atexit.register(lambda: print("LOADED", json.dumps(
    sorted(name for name in {WATCHED!r} if name in sys.modules))))
from briefing.cli import run
run()
"""


def _collect(tmp_path: Path, config: Path) -> tuple[subprocess.CompletedProcess[str], set[str]]:
    environ = {key: value for key, value in os.environ.items() if key != "BRIEFING_CONFIG"}
    environ["PYTHONPATH"] = str(ROOT)
    done = subprocess.run([sys.executable, "-c", RUN, "collect", "--config", str(config)],
                          cwd=tmp_path, env=environ, capture_output=True, text=True, timeout=180)
    line = next((line for line in done.stdout.splitlines() if line.startswith("LOADED ")), None)
    assert line is not None, done.stderr
    return done, set(json.loads(line.removeprefix("LOADED ")))


def test_a_feed_collect_loads_what_it_uses(tmp_path: Path, server: LoopbackServer) -> None:
    config = write_config(tmp_path, {"ledger": server.add_file("/ledger.xml", "rss20.xml")})

    first, loaded = _collect(tmp_path, config)
    assert first.returncode == 0, first.stderr
    assert re.search(r"\b[1-9]\d* new", first.stdout), first.stdout
    assert loaded == {"httpx", "feedparser", "numpy"}

    # Nothing new: every feed answers 304, and nothing is sketched.
    second, loaded = _collect(tmp_path, config)
    assert second.returncode == 0, second.stderr
    assert re.search(r"\b0 new", second.stdout), second.stdout
    assert loaded == {"httpx", "feedparser"}


def test_a_page_is_read_with_trafilatura_loaded_on_demand(
    tmp_path: Path, server: LoopbackServer
) -> None:
    article = server.add_file("/articles/harbour.html", "articles/harbour.html", "text/html")
    config = write_config(tmp_path, {}, port=server.port)
    text = config.read_text("utf-8")
    config.write_text(text + f'[[sources]]\nname = "harbour"\ntype = "page"\nurl = "{article}"\n',
                      "utf-8")

    done, loaded = _collect(tmp_path, config)
    assert done.returncode == 0, done.stderr
    assert re.search(r"\b1 new", done.stdout), done.stdout
    assert "trafilatura" in loaded
    assert not loaded & {"click", "pygments", "rich"}
