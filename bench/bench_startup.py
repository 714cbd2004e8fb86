"""How long the CLI takes to start, and what Apprise would add if it were imported eagerly.

Apprise (chat channels) is imported only when a profile has notify targets; this
prints the CLI's import time, Apprise's own import time, and the ratio it would
cost every `briefing` command otherwise. Each figure is the median of --repeat
fresh interpreters.

    python bench/bench_startup.py [--repeat 5]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time

CLI = "import briefing.cli, sys; print('apprise' in sys.modules)"
APPRISE = "import apprise"


def timed(code: str) -> tuple[float, str]:
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True)
    return time.perf_counter() - started, done.stdout.strip()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    baseline = statistics.median(timed("pass")[0] for _ in range(args.repeat))
    runs = [timed(CLI) for _ in range(args.repeat)]
    cli = statistics.median(seconds for seconds, _ in runs) - baseline
    loaded = runs[-1][1]
    apprise = statistics.median(timed(APPRISE)[0] for _ in range(args.repeat)) - baseline
    print(f"interpreter alone: {baseline * 1000:.0f} ms")
    print(f"import briefing.cli: {cli * 1000:.0f} ms (apprise imported: {loaded})")
    print(f"import apprise: {apprise * 1000:.0f} ms")
    print(f"apprise imported eagerly would make the CLI's imports x{(cli + apprise) / cli:.2f}")
    return 0 if loaded == "False" else 1


if __name__ == "__main__":
    raise SystemExit(main())
