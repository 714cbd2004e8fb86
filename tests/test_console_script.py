"""The ``briefing`` console script: ``main`` in a process of its own (issue 15).

``run`` is what the installed ``briefing`` command calls. It tunes the garbage
collector for one batch and skips the interpreter's last full collections, so
it must still exit with ``main``'s code and leave every output written, while
``main`` (what tests and library callers call) leaves the collector alone.
"""

from __future__ import annotations

import gc
import json
import os
import subprocess
import sys
import tomllib
from pathlib import Path

from briefing import cli

ROOT = Path(__file__).resolve().parents[1]
#: Reports, after everything else has run at exit, what ``run`` left the collector as.
RUN = """
import atexit, gc, json
atexit.register(lambda: print("GC", json.dumps({"frozen": gc.get_freeze_count(),
                                                 "threshold": gc.get_threshold()[0]})))
from briefing.cli import run
run()
"""
ARTICLE = """# Harbour cranes return to work after the storm

The port authority said on Monday that all twelve cranes at the east harbour
were back in service after inspections found no structural damage from the
weekend storm. Shipping lines had diverted four vessels to other ports.
"""


def _run(tmp_path: Path, *args: str) -> tuple[subprocess.CompletedProcess[str], dict[str, int]]:
    environ = {key: value for key, value in os.environ.items() if key != "BRIEFING_CONFIG"}
    environ["PYTHONPATH"] = str(ROOT)
    done = subprocess.run([sys.executable, "-c", RUN, *args], cwd=tmp_path, env=environ,
                          capture_output=True, text=True, timeout=180)
    line = next((line for line in done.stdout.splitlines() if line.startswith("GC ")), None)
    assert line is not None, done.stderr
    return done, json.loads(line.removeprefix("GC "))


def test_the_installed_command_is_run() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))
    assert project["project"]["scripts"]["briefing"] == "briefing.cli:run"


def test_a_build_through_run_writes_everything_and_exits_cleanly(tmp_path: Path) -> None:
    source = tmp_path / "articles"
    source.mkdir()
    (source / "cranes.md").write_text(ARTICLE, "utf-8")
    done, collector = _run(tmp_path, "build", "--source", str(source), "--engine", "extractive",
                           "-q", "--out", str(tmp_path / "out"))
    assert done.returncode == cli.EXIT_OK, done.stderr
    (brief,) = (tmp_path / "out" / "default").glob("*/brief.pdf")
    assert brief.read_bytes().rstrip().endswith(b"%%EOF")
    assert "Harbour cranes return to work" in (brief.parent / "brief.txt").read_text("utf-8")
    assert collector["frozen"] > 0
    assert collector["threshold"] == cli._GC_EVERY_ALLOCATIONS


def test_run_exits_with_mains_error_code(tmp_path: Path) -> None:
    done, _ = _run(tmp_path, "build", "--source", str(tmp_path / "missing"), "--engine",
                   "extractive", "-q", "--out", str(tmp_path / "out"))
    assert done.returncode == cli.EXIT_ERROR
    assert "missing" in done.stderr


def test_main_leaves_the_callers_collector_alone(tmp_path: Path) -> None:
    before = gc.get_threshold()
    frozen = gc.get_freeze_count()
    assert cli.main(["archive", "list", "--out", str(tmp_path / "out")]) == cli.EXIT_OK
    assert gc.get_threshold() == before
    assert gc.get_freeze_count() == frozen
