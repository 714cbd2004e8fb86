"""Synthetic archives: brief folders written directly, as a build would leave them."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from archive.briefs import TINY_PDF, StorySpec, WriteBrief, brief_document
from briefing.config import ArchiveSettings, Config


@pytest.fixture
def out_root(tmp_path: Path) -> Path:
    return tmp_path / "out"


@pytest.fixture
def archive_config(config: Config, out_root: Path) -> Config:
    paths = dataclasses.replace(config.paths, out=out_root)
    return dataclasses.replace(config, paths=paths, archive=ArchiveSettings())


@pytest.fixture
def write_brief(out_root: Path) -> WriteBrief:
    """Write ``<out>/<profile>/<day>/brief.{json,pdf,html,txt}``; returns the folder."""

    def write(
        day: str,
        stories: Sequence[StorySpec],
        *,
        profile: str = "default",
        title: str = "Morning Brief",
        extra: dict[str, Any] | None = None,
    ) -> Path:
        folder = out_root / profile / day
        folder.mkdir(parents=True, exist_ok=True)
        sequence = day[11:] or "1"  # "2026-11-20-2": the second brief that day, later on
        moment = datetime.fromisoformat(f"{day[:10]}T{6 + int(sequence):02d}:00:00+00:00")
        data = {**brief_document(profile, moment, title, stories), **(extra or {})}
        (folder / "brief.json").write_text(json.dumps(data), encoding="utf-8")
        (folder / "brief.pdf").write_bytes(TINY_PDF)
        (folder / "brief.html").write_text("<p>email</p>", encoding="utf-8")
        (folder / "brief.txt").write_text("text", encoding="utf-8")
        return folder

    return write
