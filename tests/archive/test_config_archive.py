"""The [archive] table of briefing.toml."""

from __future__ import annotations

from pathlib import Path

import pytest

from briefing.config import ArchiveSettings, Config, load_config
from briefing.errors import ConfigError


def _load(tmp_path: Path, text: str) -> Config:
    file = tmp_path / "briefing.toml"
    file.write_text(text, encoding="utf-8")
    return load_config(file)


def test_defaults_keep_everything_and_write_the_site(tmp_path: Path) -> None:
    assert _load(tmp_path, "").archive == ArchiveSettings(keep_days=None, site=True)


def test_values_are_read(tmp_path: Path) -> None:
    config = _load(tmp_path, '[archive]\nkeep_days = 90\nsite = false\n'
                              'base_url = "https://briefs.example/"\n')
    assert config.archive == ArchiveSettings(keep_days=90, site=False,
                                             base_url="https://briefs.example/")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[archive]\nkeep_days = 0\n", "archive.keep_days must be greater than 0"),
        ('[archive]\nkeep_days = "30"\n', "archive.keep_days must be an integer"),
        ("[archive]\nsite = 1\n", "archive.site must be true or false"),
        ('[archive]\nbase_url = "ftp://x"\n', "archive.base_url must be an http"),
        ("[archive]\nkeep = 3\n", "unknown key archive.keep"),
    ],
)
def test_bad_values_name_the_key(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        _load(tmp_path, text)
