"""Run ``send_brief`` in a separate process (the kill test kills it mid-send).

Usage: python send_child.py CONFIG BRIEF_ID
"""

from __future__ import annotations

import sys
from pathlib import Path

from briefing.config import load_config
from briefing.deliver import send_brief
from briefing.storage import open_storage


def main() -> int:
    config = load_config(Path(sys.argv[1]))
    with open_storage(config.paths.store) as store:
        report = send_brief(config, store, int(sys.argv[2]))
    print("\n".join(report.lines()), flush=True)
    return 0 if report.ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
