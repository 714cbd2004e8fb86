"""One scheduler per store: an OS file lock beside the SQLite file.

``<store>.schedule.lock`` is locked with ``fcntl.flock`` (exclusive,
non-blocking) for the scheduler's whole life. Decisions:

* ``flock`` belongs to the open file: the kernel drops it when the process
  ends, however it ends (SIGKILL included), so a crash never leaves a stale
  lock to clean up by hand. The file itself is never deleted (deleting a lock
  file races with a process that has just opened it).
* The holder writes its pid (and host and start time) into the file, so the
  refusal can say who holds it.
* Waiting is optional and short (``--once`` from cron may overlap the end of
  the previous run); the poll uses an injectable clock and sleep.
* A manual ``briefing build --send`` does not take this lock: the digest row
  it claims in SQLite (``digests.py``) keeps it and the scheduler apart.
* ``flock`` is advisory and local: a store on a network file system shared
  by several hosts is not protected by it (the SQLite claims still are).
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import socket
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType

from briefing.errors import LockHeldError, ScheduleError

LOCK_SUFFIX = ".schedule.lock"


def lock_path(store: Path | str) -> Path:
    """The lock file of a store: ``<store>.schedule.lock``, beside it."""
    return Path(f"{store}{LOCK_SUFFIX}")


def holder_pid(path: Path) -> int | None:
    """The pid written by the process holding (or that last held) the lock."""
    try:
        first = path.read_text(encoding="utf-8").split("\n", 1)[0].strip()
    except (OSError, UnicodeDecodeError):
        return None
    return int(first) if first.isdigit() else None


class SchedulerLock:
    """An exclusive ``flock`` on ``path``; ``acquire`` raises ``LockHeldError`` when taken."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._fd: int | None = None

    @property
    def held(self) -> bool:
        return self._fd is not None

    def acquire(
        self,
        *,
        wait: float = 0.0,
        poll: float = 0.1,
        monotonic: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if self._fd is not None:
            return
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
        except OSError as error:
            raise ScheduleError(
                f"{self.path}: cannot open the scheduler lock: {error.strerror or error}"
            ) from error
        deadline = monotonic() + max(wait, 0.0)
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if monotonic() >= deadline:
                    os.close(fd)
                    raise LockHeldError(self._held_message(wait)) from None
                sleep(poll)
            except OSError as error:
                os.close(fd)
                raise ScheduleError(
                    f"{self.path}: cannot lock: {error.strerror or error}"
                ) from error
        self._fd = fd
        stamp = f"{os.getpid()}\n{socket.gethostname()}\n{datetime.now(UTC).isoformat()}\n"
        with contextlib.suppress(OSError):  # the pid is a courtesy; the lock is what counts
            os.ftruncate(fd, 0)
            os.pwrite(fd, stamp.encode("utf-8"), 0)

    def release(self) -> None:
        if self._fd is None:
            return
        fd, self._fd = self._fd, None
        with contextlib.suppress(OSError):
            os.ftruncate(fd, 0)  # no stale pid for the next refusal to name
        os.close(fd)  # closing drops the flock

    def _held_message(self, wait: float) -> str:
        pid = holder_pid(self.path)
        who = f"pid {pid}" if pid is not None else "pid unknown"
        waited = f" (waited {wait:g} s)" if wait > 0 else ""
        return (
            f"{self.path}: another briefing scheduler holds this store's lock ({who}){waited}; "
            "stop it first, or point this one at another store"
        )

    def __enter__(self) -> SchedulerLock:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self.release()
