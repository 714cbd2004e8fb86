"""The installed package carries its templates, prompts, schema and examples.

A non-editable install (a wheel unpacked into a folder of its own), run from
an unrelated directory, must still find everything and build a brief.
"""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    pytest.importorskip("hatchling", reason="building the wheel needs hatchling (test extra)")
    dist = tmp_path_factory.mktemp("dist")
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q",
         "-w", str(dist), str(ROOT)],
        check=True,
        capture_output=True,
    )
    (built,) = dist.glob("briefing-*.whl")
    return built


def test_wheel_contains_the_data_folders(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    for folder in ("templates", "prompts", "examples/articles"):
        expected = {
            f"briefing/_data/{folder}/{p.relative_to(ROOT / folder).as_posix()}"
            for p in (ROOT / folder).rglob("*")
            if p.is_file() and "__pycache__" not in p.parts
        }
        assert expected, folder
        assert expected <= names, sorted(expected - names)[:5]
    assert "briefing/schemas/brief.schema.json" in names
    assert "briefing/py.typed" in names  # type checkers see the public API


@pytest.mark.slow
def test_installed_wheel_builds_from_another_directory(wheel: Path, tmp_path: Path) -> None:
    target = tmp_path / "site"
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "--no-deps", "-q", "--target", str(target),
         str(wheel)],
        check=True,
        capture_output=True,
    )
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    env = {**os.environ, "PYTHONPATH": str(target)}
    env.pop("BRIEFING_CONFIG", None)
    located = subprocess.run(
        [sys.executable, "-c", "import briefing.resources as r; print(r.templates_dir())"],
        cwd=elsewhere, env=env, capture_output=True, text=True, check=True,
    ).stdout.strip()
    assert located.startswith(str(target)), located  # not the source checkout
    result = subprocess.run(
        [sys.executable, "-m", "briefing.cli", "build", "--quiet"],
        cwd=elsewhere, env=env, capture_output=True, text=True,
    )
    assert result.returncode == 0, result.stderr
    (day,) = (elsewhere / "out" / "default").iterdir()
    assert {p.name for p in day.iterdir()} >= {"brief.pdf", "brief.html", "brief.txt", "brief.json"}
