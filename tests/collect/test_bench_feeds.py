"""bench/bench_feeds.py runs at HEAD (a tiny size; its figures are for people, not asserts)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_bench_feeds_runs_and_prints_its_figures() -> None:
    result = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "bench_feeds.py"), "--feeds", "2", "--entries", "5",
         "--corpus-files", "20"],
        capture_output=True, text=True, timeout=120, check=True, cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    lines = result.stdout.splitlines()
    assert lines[0] == "2 feeds of 5 entries per case"
    for case in ("utf-8, HTML descriptions", "koi8-r, nothing declared", "utf-8, escaped twice"):
        (line,) = [line for line in lines if line.startswith(case + ":")]
        assert "ms CPU per feed" in line and "ratio" in line
    assert lines[-1].startswith("feedparser's test feeds:")
