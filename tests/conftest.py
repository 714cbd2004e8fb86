"""Shared fixtures. No test touches the real home, working directory or network."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from briefing.config import Config, load_config
from briefing.store import Store

ROOT = Path(__file__).resolve().parents[1]
#: The real-data corpus beside the project; BRIEFING_CORPUS points elsewhere (a worktree).
CORPUS_DIR = Path(os.environ.get("BRIEFING_CORPUS") or ROOT.parent / "shared" / "corpus")
#: Five real news articles provided beside the project (absent on some machines).
SEEDS_DIR = CORPUS_DIR / "seeds"


@pytest.fixture
def seeds_dir() -> Path:
    if not SEEDS_DIR.is_dir():
        pytest.skip(f"the real-article corpus is not present at {SEEDS_DIR}")
    return SEEDS_DIR


@pytest.fixture(autouse=True)
def _isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Run every test in its own folder, with no user config or LLM endpoint leaking in."""
    monkeypatch.chdir(tmp_path)
    for name in ("BRIEFING_CONFIG", "OPENAI_API_KEY", "OPENAI_BASE_URL"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def config(tmp_path: Path) -> Config:
    """Defaults, with the store and output folder inside the test's own folder."""
    return load_config(cwd=tmp_path)


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    """An empty, migrated store in the test's own folder."""
    with Store(tmp_path / "briefing.db") as opened:
        yield opened
