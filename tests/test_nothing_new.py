"""A build with nothing left to brief writes no brief, says why, and is not a failure."""

from __future__ import annotations

import shutil
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from briefing.cli import main
from briefing.config import Config
from briefing.errors import NoArticlesError, NothingNewError
from briefing.pipeline import build_brief

EXAMPLES = Path(__file__).resolve().parents[1] / "examples" / "articles"
CET = timezone(timedelta(hours=1))


def test_the_next_day_with_no_new_article_writes_no_brief(config: Config, tmp_path: Path) -> None:
    folder = tmp_path / "articles"
    shutil.copytree(EXAMPLES / "meridian-wire", folder)
    first = build_brief(config, sources=[folder], now=datetime(2026, 11, 22, 8, 0, tzinfo=CET))
    assert first.brief.stories

    with pytest.raises(NothingNewError, match="earlier briefs") as caught:
        build_brief(config, sources=[folder], now=datetime(2026, 11, 23, 8, 0, tzinfo=CET))
    assert isinstance(caught.value, NoArticlesError)  # the scheduler records "skipped"
    assert not (first.folder.parent / "2026-11-23").exists()


def test_a_profile_whose_filters_take_nothing(tmp_path: Path) -> None:
    config_file = tmp_path / "briefing.toml"
    config_file.write_text('[profiles.default]\ninclude = ["zanzibar"]\n', encoding="utf-8")
    from briefing.config import load_config

    with pytest.raises(NothingNewError, match="matches its filters"):
        build_brief(load_config(config_file))


def test_cli_says_nothing_new_and_exits_0(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config_file = tmp_path / "briefing.toml"
    config_file.write_text('[profiles.default]\nexclude = ["the"]\n', encoding="utf-8")
    assert main(["build", "--config", str(config_file), "--engine", "extractive"]) == 0
    captured = capsys.readouterr()
    assert "nothing to brief for profile 'default'" in captured.err
    assert not list((tmp_path / "out").rglob("brief.json"))


def test_error_messages_keep_square_brackets(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config_file = tmp_path / "briefing.toml"
    config_file.write_text("", encoding="utf-8")
    missing = tmp_path / "[draft] notes [/].txt"
    assert main(["build", "--config", str(config_file), "--source", str(missing)]) == 1
    err = capsys.readouterr().err
    # One line, with the file's name whole (rich markup would swallow "[draft]").
    assert err.startswith("error:") and err.count("\n") == 1
    assert "[draft] notes [/].txt" in err
