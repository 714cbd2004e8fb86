"""One scheduler worker, as if on a machine of its own: the real `briefing schedule` loop.

Usage: python worker_child.py CONFIG HOSTNAME [TICK_SECONDS]

The host name this process reports is HOSTNAME, so workers started side by side
on one test machine cannot see each other's pids: a dead one is found out the
way it would be across machines, by its heartbeat running out. Everything else
(store, heartbeat, plan, build, archive, send) is the real thing, on the real
clock. SIGTERM stops it after the job in hand.
"""

from __future__ import annotations

import logging
import socket
import sys
from pathlib import Path


def main() -> int:
    config_path, hostname = Path(sys.argv[1]), sys.argv[2]
    tick = int(sys.argv[3]) if len(sys.argv) > 3 else 1
    socket.gethostname = lambda: hostname  # before briefing names this process's claims

    from briefing.config import load_config
    from briefing.schedule import run_scheduler

    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter(f"{hostname} %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger("briefing")
    root.handlers[:] = [handler]
    root.setLevel(logging.INFO)
    report = run_scheduler(load_config(config_path), tick_seconds=tick)
    return 130 if report.abandoned else 0


if __name__ == "__main__":
    raise SystemExit(main())
