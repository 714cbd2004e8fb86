"""A tiny run of bench/bench_email.py, so it keeps running at HEAD (figures: run it alone)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.slow
def test_bench_email_small() -> None:
    done = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "bench_email.py"), "--articles", "30",
         "--large", "150"],
        capture_output=True, text=True, timeout=600, cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    assert done.returncode == 0, done.stderr
    out = done.stdout
    cost = re.search(r"per-citation links cost ([\d,]+) bytes", out)
    assert cost and int(cost.group(1).replace(",", "")) > 0, out
    size = re.search(r"email HTML part: ([\d,]+) bytes as sent", out)
    assert size and int(size.group(1).replace(",", "")) < 90_000, out
    assert re.search(r"budgeted to [\d,]+ bytes \(budget 90,000: met\)", out), out
