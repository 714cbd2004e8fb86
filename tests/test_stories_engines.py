"""Both engines write story-level briefs of the same structure (LLM: the loopback fake)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from e2e.outputs import read_outputs
from openai_server import FakeOpenAI

from briefing.cli import main


@pytest.fixture
def fake(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[FakeOpenAI]:
    with FakeOpenAI() as server:
        monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
        monkeypatch.setenv("OPENAI_API_KEY", "sk-test")
        yield server


def _build(tmp_path: Path, name: str, engine: str) -> Any:
    # Each build its own folder and store: a shared store would remember the first brief.
    home = tmp_path / name
    home.mkdir()
    (home / "briefing.toml").write_text(
        "[llm]\nmodel = 'test-model'\nmax_retries = 0\n[profiles.default]\nmax_stories = 4\n")
    out = home / "out"
    assert main(["--config", str(home / "briefing.toml"), "build", "--engine", engine,
                 "--out", str(out)]) == 0
    (day,) = (out / "default").iterdir()
    return read_outputs(day)


def _shape(data: dict[str, Any]) -> dict[str, Any]:
    titles = {source["id"]: source["title"] for source in data["sources"]}
    return {
        "keys": sorted(data),
        "story_keys": sorted({key for story in data["stories"] for key in story}),
        "stories": [(story["id"], sorted(titles[n] for n in story["sources"]),
                     story["outlets"], story["first_seen"], story["last_seen"])
                    for story in data["stories"]],
        "also_noted": data["also_noted"],
    }


def test_extractive_and_llm_briefs_share_their_structure(
    tmp_path: Path, fake: FakeOpenAI
) -> None:
    extractive = _build(tmp_path, "x", "extractive")
    llm = _build(tmp_path, "l", "llm")
    assert extractive.data["engine"] == "extractive" and llm.data["engine"] == "llm:test-model"
    assert _shape(extractive.data) == _shape(llm.data)
    assert len(llm.data["stories"]) == 4 and len(llm.data["also_noted"]) == 2
    for outputs in (extractive, llm):
        for story in outputs.data["stories"]:
            assert 1 <= len(story["bullets"]) <= 5
            assert all(b["sources"] and set(b["sources"]) <= set(story["sources"])
                       for b in story["bullets"])
        assert "Also noted" in outputs.html and "ALSO NOTED" in outputs.text
        assert "Also noted" in outputs.pdf_text.replace("\n", " ")
        first = outputs.data["also_noted"][0]["headline"]
        assert first.split()[0] in outputs.pdf_text
