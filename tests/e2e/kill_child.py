"""Run ``briefing`` and SIGKILL it at the Nth file-system step it takes under a folder.

Usage: python kill_child.py WATCHED_FOLDER N [briefing arguments...]

Python's audit hooks fire before each file operation, so the process dies just
before the Nth write-open, folder open (to flush it), mkdir, rename/replace or
removal under WATCHED_FOLDER.
N = 0 never kills: the run prints how many such steps it took (the last line of
stdout, "steps: K"), so a test can kill it at every one.
"""

from __future__ import annotations

import os
import signal
import sys

WRITE_FLAGS = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_TRUNC | os.O_APPEND
EVENTS = {"open", "os.mkdir", "os.rename", "os.remove", "os.rmdir", "shutil.rmtree"}


def _writes(args: tuple[object, ...]) -> bool:
    mode = args[1] if len(args) > 1 else None
    flags = args[2] if len(args) > 2 else 0
    if isinstance(mode, str):
        return any(ch in mode for ch in "wax+")
    return isinstance(flags, int) and bool(flags & WRITE_FLAGS)


def main() -> int:
    watched, target, argv = os.path.realpath(sys.argv[1]), int(sys.argv[2]), sys.argv[3:]
    steps = 0

    def hook(event: str, args: tuple[object, ...]) -> None:
        nonlocal steps
        if event not in EVENTS or not args:
            return
        path = args[0]
        if not isinstance(path, str | bytes | os.PathLike):
            return
        real = os.path.realpath(os.fsdecode(path))
        if not real.startswith(watched):
            return
        # Opening a folder is how its entries are flushed (fsync): a step worth dying at.
        if event == "open" and not _writes(args) and not os.path.isdir(real):
            return
        steps += 1
        if steps == target:
            os.kill(os.getpid(), signal.SIGKILL)

    sys.addaudithook(hook)
    from briefing.cli import main as briefing

    code = briefing(argv)
    print(f"steps: {steps}", flush=True)
    return code


if __name__ == "__main__":
    raise SystemExit(main())
