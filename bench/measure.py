"""Whole commands in child processes: their own CPU seconds, wall time and peak memory.

Benchmarks measure what a user waits for, imports included, so each figure is one
fresh process. CPU time (user + system, from ``wait4``) is the steady figure on a
shared machine; wall time swings with load. Children run without
``PYTHONDONTWRITEBYTECODE``, so the package's bytecode is compiled once (by a
first, unmeasured run) and then loaded as an installed package loads it.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CLI = "from briefing.cli import run; run()"


@dataclass(frozen=True)
class Measured:
    cpu: float  # seconds, user + system
    wall: float
    peak_mb: float  # maximum resident set
    code: int
    stderr: str


def child_environment() -> dict[str, str]:
    env = {key: value for key, value in os.environ.items()
           if key not in ("PYTHONDONTWRITEBYTECODE", "BRIEFING_CONFIG")}
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    return env


def run_python(
    args: list[str], cwd: Path, env: dict[str, str] | None = None, stdout: Path | None = None
) -> Measured:
    """``python ARGS`` in a fresh process, measured; its output goes to ``stdout`` if given."""
    started = time.perf_counter()
    with open(stdout or os.devnull, "wb") as out:
        child = subprocess.Popen([sys.executable, *args], cwd=cwd,
                                 env=env or child_environment(), stdout=out,
                                 stderr=subprocess.PIPE)
        assert child.stderr is not None
        stderr = child.stderr.read().decode("utf-8", "replace")
        _, status, usage = os.wait4(child.pid, 0)
    child.returncode = os.waitstatus_to_exitcode(status)
    return Measured(usage.ru_utime + usage.ru_stime, time.perf_counter() - started,
                    usage.ru_maxrss / 1024, child.returncode, stderr)


def run_cli(
    args: list[str], cwd: Path, env: dict[str, str] | None = None, stdout: Path | None = None
) -> Measured:
    """``briefing ARGS`` in a fresh process, measured."""
    return run_python(["-c", CLI, *args], cwd, env, stdout)


def build(corpus: Path, folder: Path, env: dict[str, str] | None = None) -> Measured:
    """``briefing build`` of ``corpus`` into a fresh folder with a store of its own."""
    folder.mkdir(parents=True)
    result = run_cli(["build", "--source", str(corpus), "--engine", "extractive", "-q",
                      "--out", str(folder / "out")], folder, env)
    if result.code != 0:
        raise SystemExit(f"briefing build of {corpus} failed ({result.code}): {result.stderr}")
    return result


def brief_folder(folder: Path) -> Path:
    """The one brief a ``build`` wrote under ``folder``."""
    return next(folder.glob("out/*/*/brief.json")).parent
