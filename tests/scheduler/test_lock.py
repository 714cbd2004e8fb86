"""One scheduler per store: the flock beside the store, in-process and against a real process."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from briefing.cli import main
from briefing.errors import LockHeldError
from briefing.schedule.lock import SchedulerLock, holder_pid, lock_path

from .conftest import scheduled_config

HOLDER = """
import sys
from pathlib import Path
from briefing.schedule.lock import SchedulerLock
lock = SchedulerLock(Path(sys.argv[1]))
lock.acquire()
print("locked", flush=True)
sys.stdin.readline()  # hold it until the test says so
"""


def test_two_locks_on_one_store_exclude_each_other(tmp_path: Path) -> None:
    path = lock_path(tmp_path / "store.db")
    assert path == tmp_path / "store.db.schedule.lock"
    first, second = SchedulerLock(path), SchedulerLock(path)
    first.acquire()
    assert holder_pid(path) == os.getpid()
    with pytest.raises(LockHeldError) as caught:
        second.acquire()
    message = str(caught.value)
    assert message.startswith(str(path)) and f"pid {os.getpid()}" in message
    assert "\n" not in message and not second.held
    first.release()
    second.acquire()  # free again
    assert second.held
    second.release()


def test_waiting_for_the_lock_is_bounded_and_uses_the_injected_clock(tmp_path: Path) -> None:
    path = lock_path(tmp_path / "store.db")
    holder, waiter = SchedulerLock(path), SchedulerLock(path)
    holder.acquire()
    ticks = [0.0]
    with pytest.raises(LockHeldError, match=r"waited 2 s"):
        waiter.acquire(wait=2, poll=0.5, monotonic=lambda: ticks[0],
                       sleep=lambda s: ticks.__setitem__(0, ticks[0] + s))
    assert ticks[0] == 2.0

    def release_then_advance(seconds: float) -> None:
        holder.release()  # the other scheduler finishes while we wait
        ticks[0] += seconds

    waiter.acquire(wait=5, poll=0.5, monotonic=lambda: ticks[0], sleep=release_then_advance)
    assert waiter.held
    waiter.release()


def test_a_second_scheduler_fails_clearly_while_a_process_holds_the_lock(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config_file, config = scheduled_config(tmp_path, None)
    path = lock_path(config.paths.store)
    child = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(path)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
    )
    try:
        assert child.stdout is not None and child.stdin is not None
        assert child.stdout.readline().strip() == "locked"
        with pytest.raises(LockHeldError, match=f"pid {child.pid}"):
            SchedulerLock(path).acquire()
        code = main(["schedule", "--once", "--lock-wait", "0", "--config", str(config_file)])
        err = capsys.readouterr().err
        assert code == 1
        assert "schedule.lock" in err and f"pid {child.pid}" in err
        assert "another briefing scheduler holds" in err
        child.stdin.write("\n")
        child.stdin.close()
        assert child.wait(timeout=10) == 0
    finally:
        if child.poll() is None:
            child.kill()
            child.wait(10)
        if child.stdout:
            child.stdout.close()
    # The holder is gone: the kernel dropped its lock.
    lock = SchedulerLock(path)
    lock.acquire()
    lock.release()


def test_the_cli_scheduler_refuses_while_another_cli_scheduler_runs(tmp_path: Path) -> None:
    """Two real `briefing schedule` processes: the second exits 1, naming the first's pid."""
    config_file, config = scheduled_config(tmp_path, None)
    holder = SchedulerLock(lock_path(config.paths.store))
    holder.acquire()
    try:
        result = subprocess.run(
            [sys.executable, "-m", "briefing.cli", "schedule", "--config", str(config_file)],
            capture_output=True, text=True, timeout=60,
        )
    finally:
        holder.release()
    assert result.returncode == 1
    assert f"pid {os.getpid()}" in result.stderr and "schedule.lock" in result.stderr
