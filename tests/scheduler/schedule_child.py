"""Run the scheduler daemon in a separate process, on a clock starting at a given instant.

Usage: python schedule_child.py CONFIG START_ISO [--once]

The clock is START plus the real time elapsed, so the delivery the test set
up is due at once; everything else (lock, signals, loop, build, send) is the
real thing. The signal tests send SIGTERM to this process mid-job. Exit
status: 0 stopped cleanly, 130 a job was abandoned, 1 a job failed (--once).
"""

from __future__ import annotations

import logging
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path

from briefing.config import load_config
from briefing.schedule import run_scheduler


def main() -> int:
    config = load_config(Path(sys.argv[1]))
    start, began = datetime.fromisoformat(sys.argv[2]), time.monotonic()
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger("briefing")
    root.handlers[:] = [handler]
    root.setLevel(logging.INFO)
    report = run_scheduler(
        config, once="--once" in sys.argv,
        clock=lambda: start + timedelta(seconds=time.monotonic() - began),
    )
    if report.abandoned:
        return 130
    return 1 if report.once and report.failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
