from __future__ import annotations

from pathlib import Path

import pytest

from briefing.config import load_config
from briefing.errors import ConfigError


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "briefing.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_defaults_without_a_file(tmp_path: Path) -> None:
    config = load_config(cwd=tmp_path)
    assert config.file is None
    assert config.paths.out == tmp_path / "out"
    assert config.paths.store == tmp_path / ".briefing" / "briefing.db"
    assert config.brief.engine == "auto"


def test_full_file_is_read_and_paths_resolve_against_it(tmp_path: Path) -> None:
    (tmp_path / "conf").mkdir()
    path = tmp_path / "conf" / "briefing.toml"
    path.write_text(
        """
[brief]
title = "Morning Brief"
language = "fr"
[paths]
out = "../briefs"
store = "state/db.sqlite3"
[limits]
max_bullets = 4
[llm]
model = "local-model"
temperature = 0
[[sources]]
name = "wire"
path = "articles"
outlet = "Wire Service"
[profiles.europe]
title = "Europe"
sources = ["wire"]
""",
        encoding="utf-8",
    )
    config = load_config(path)
    assert config.brief.title == "Morning Brief"
    assert config.paths.out == tmp_path / "conf" / ".." / "briefs"
    assert config.paths.store == tmp_path / "conf" / "state" / "db.sqlite3"
    assert config.llm.temperature == 0.0 and isinstance(config.llm.temperature, float)
    assert config.sources[0].path == tmp_path / "conf" / "articles"
    profile = config.profile("europe")
    assert config.sources_for(profile)[0].outlet == "Wire Service"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[limits]\nmax_article_chars = 'lots'\n", "limits.max_article_chars must be an integer"),
        ("[limits]\nmax_bullets = true\n", "limits.max_bullets must be an integer"),
        ("[brief]\ntitel = 'x'\n", "unknown key brief.titel"),
        ("[colours]\nx = 1\n", "unknown table or key 'colours'"),
        ("[brief]\nengine = 'gpt'\n", "brief.engine must be one of"),
        ("[llm]\nbase_url = 'ftp://x'\n", "llm.base_url must start with http"),
        ("[llm]\ntimeout = 0\n", "llm.timeout must be greater than 0"),
        ("[[sources]]\nname = 'a'\ntype = 'rss'\npath = 'x'\n", "sources[0].type must be one of"),
        ("[[sources]]\nname = 'a'\n", "sources[0].path is required"),
        ("[[sources]]\npath = 'a'\n", "sources[0].name is required"),
        ("[profiles.x]\nsources = ['nope']\n", "profiles.x.sources names unknown source 'nope'"),
        ("title = \n", "not valid TOML"),
    ],
)
def test_bad_values_name_the_file_and_key(tmp_path: Path, text: str, message: str) -> None:
    path = write(tmp_path, text)
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    assert message in str(caught.value)
    assert str(path) in str(caught.value)
    assert "\n" not in str(caught.value)


def test_missing_explicit_file_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="config file not found"):
        load_config(tmp_path / "nope.toml")


def test_unknown_profile_is_an_error(tmp_path: Path) -> None:
    config = load_config(write(tmp_path, "[profiles.a]\n"))
    with pytest.raises(ConfigError, match="no profile named 'b'"):
        config.profile("b")


def test_env_variable_points_at_the_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "elsewhere.toml"
    path.write_text("[brief]\ntitle = 'From env'\n", encoding="utf-8")
    monkeypatch.setenv("BRIEFING_CONFIG", str(path))
    assert load_config(cwd=tmp_path).brief.title == "From env"


def test_the_documented_example_config_is_valid() -> None:
    example = Path(__file__).resolve().parents[1] / "briefing.example.toml"
    config = load_config(example)
    assert config.sources, "the example should show at least one source"
