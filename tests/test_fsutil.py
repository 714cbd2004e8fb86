from __future__ import annotations

import os
from pathlib import Path

import pytest

from briefing.fsutil import write_atomic


def test_write_replaces_whole_file(tmp_path: Path) -> None:
    target = tmp_path / "sub" / "brief.txt"
    write_atomic(target, "first")
    write_atomic(target, "second")
    assert target.read_text() == "second"
    assert [p.name for p in target.parent.iterdir()] == ["brief.txt"]


def test_interrupted_write_leaves_the_old_file_and_no_debris(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "brief.json"
    write_atomic(target, "old")

    def crash(*args: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(os, "replace", crash)
    with pytest.raises(KeyboardInterrupt):
        write_atomic(target, "new and half-written")
    assert target.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["brief.json"]
