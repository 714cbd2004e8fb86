"""A build killed at any moment leaves the complete earlier state or the complete new brief.

A real ``briefing build`` subprocess is SIGKILLed just before each file-system
step it takes in the profile's folder (``kill_child.py``): making the temporary
folder, each file written into it, the rename that publishes it, the cleanup.
After each kill the archive must show no half brief; after the next run settles
it, the store and the folders agree, no temporary folder is left, and the brief
that existed before is untouched.
"""

from __future__ import annotations

import hashlib
import shutil
import sqlite3
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from briefing.cli import main
from briefing.render import BRIEF_FILES
from briefing.storage import open_storage

ROOT = Path(__file__).resolve().parents[2]
CHILD = Path(__file__).with_name("kill_child.py")
SOURCE = ROOT / "examples" / "articles" / "meridian-wire"


def _digest(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir())}


def _visible(profile_dir: Path) -> list[Path]:
    return sorted(p for p in profile_dir.iterdir() if not p.name.startswith("."))


def _child(home: Path, kill_at: int) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(CHILD), str(home / "out" / "default"), str(kill_at),
         "build", "--config", str(home / "briefing.toml"), "--source", str(home / "arts"),
         "--title", "Second Brief", "-q"],
        cwd=home, capture_output=True, text=True, timeout=300,
    )


def _check(home: Path, first_name: str, before: dict[str, str]) -> str:
    """Check one killed run; returns "new" when the second brief survived, else "old"."""
    profile_dir = home / "out" / "default"
    first = profile_dir / first_name
    # Even before anything settles it, no visible folder is a half brief.
    for folder in _visible(profile_dir):
        assert set(BRIEF_FILES) <= {p.name for p in folder.iterdir()}, folder
    assert _digest(first) == before

    # The next run (here: an archive update) settles the interrupted build.
    assert main(["archive", "rebuild", "-q", "--config", str(home / "briefing.toml")]) == 0
    assert not [p for p in profile_dir.iterdir() if p.name.startswith(".tmp-")]
    with open_storage(home / ".briefing" / "briefing.db") as store:
        assert store.briefs.pending() == []
        records = {r.folder.name: r for r in store.briefs.records("default")}
    visible = _visible(profile_dir)
    assert sorted(records) == [p.name for p in visible]
    for folder in visible:
        assert set(BRIEF_FILES) <= {p.name for p in folder.iterdir()}
    assert _digest(first) == before
    return "new" if len(visible) == 2 else "old"


@pytest.mark.slow
def test_a_build_killed_at_any_step_leaves_one_state_or_the_other(tmp_path: Path) -> None:
    template = tmp_path / "template"
    template.mkdir()
    shutil.copytree(SOURCE, template / "arts")
    (template / "briefing.toml").write_text(
        '[brief]\nengine = "extractive"\ntimezone = "UTC"\n', encoding="utf-8"
    )
    first = subprocess.run(
        [sys.executable, "-m", "briefing.cli", "build", "--config",
         str(template / "briefing.toml"), "--source", str(template / "arts"), "-q"],
        cwd=template, capture_output=True, text=True, timeout=300,
    )
    assert first.returncode == 0, first.stderr
    (first_folder,) = _visible(template / "out" / "default")
    before = _digest(first_folder)

    def run(kill_at: int) -> tuple[int, subprocess.CompletedProcess[str], Path]:
        home = tmp_path / f"run-{kill_at}"
        shutil.copytree(template, home)
        # The copied store still names the template's folders: point them here.
        with sqlite3.connect(home / ".briefing" / "briefing.db") as db:
            db.execute("UPDATE briefs SET out_dir = replace(out_dir, ?, ?)",
                       (str(template), str(home)))
        return kill_at, _child(home, kill_at), home

    _, counted, _ = run(0)
    assert counted.returncode == 0, counted.stderr
    steps = int(counted.stdout.strip().splitlines()[-1].removeprefix("steps: "))
    assert steps >= 8, counted.stdout  # mkdir, each file, the rename, the cleanup

    outcomes: dict[int, str] = {}
    with ThreadPoolExecutor(2) as pool:
        for kill_at, result, home in pool.map(run, range(1, steps + 1)):
            assert result.returncode == -9, (kill_at, result.returncode, result.stderr)
            outcomes[kill_at] = _check(home, first_folder.name, before)
            shutil.rmtree(home)
    # Early kills lose the new brief, late ones keep it whole; never anything between.
    assert outcomes[1] == "old" and outcomes[steps] == "new", outcomes
    first_new = min(k for k, outcome in outcomes.items() if outcome == "new")
    assert all(outcomes[k] == "new" for k in range(first_new, steps + 1)), outcomes
