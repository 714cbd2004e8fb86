"""``[paths] store`` as a PostgreSQL URL, ``[workers]``: checked where the config is read."""

from __future__ import annotations

from pathlib import Path

import pytest

from briefing.config import WorkerSettings, load_config
from briefing.deliver import dry_run_folder
from briefing.errors import ConfigError


def config_with(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "briefing.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_a_postgres_url_is_kept_as_it_is(tmp_path: Path) -> None:
    url = "postgresql://briefing@db.internal:5432/briefing?sslmode=require"
    config = load_config(config_with(tmp_path, f'[paths]\nstore = "{url}"\n'))
    assert config.paths.store == url  # not a path resolved against the config's folder
    assert dry_run_folder(config) == tmp_path / ".briefing" / "dry-run"
    assert config.workers == WorkerSettings()


@pytest.mark.parametrize(("url", "message"), [
    ("postgresql://briefing:s3cret@db/briefing", "password"),
    ("postgres://briefing:s3cret@db/briefing", "password"),
    ("postgresql://briefing@db/", "names no database"),
])
def test_a_bad_store_url_is_one_clear_line(tmp_path: Path, url: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message) as error:
        load_config(config_with(tmp_path, f'[paths]\nstore = "{url}"\n'))
    assert "s3cret" not in str(error.value)
    assert "paths.store" in str(error.value) and str(tmp_path) in str(error.value)


def test_worker_settings_are_checked(tmp_path: Path) -> None:
    text = "[workers]\nlease_seconds = 5\ncollect_batch = 7\n"
    config = load_config(config_with(tmp_path, text))
    assert config.workers == WorkerSettings(lease_seconds=5.0, collect_batch=7)
    with pytest.raises(ConfigError, match=r"workers\.lease_seconds must be greater than 0"):
        load_config(config_with(tmp_path, "[workers]\nlease_seconds = 0\n"))
    with pytest.raises(ConfigError, match=r"unknown key workers\.leases"):
        load_config(config_with(tmp_path, "[workers]\nleases = 5\n"))
