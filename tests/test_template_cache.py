"""Compiled templates kept between runs (briefing.render.template_cache)."""

from __future__ import annotations

import shutil
from pathlib import Path

import jinja2
import pytest

from briefing.render import template_cache
from briefing.render.environment import make_environment, render_template
from briefing.render.template_cache import cache_dir, template_bytecode_cache


@pytest.fixture(autouse=True)
def _fresh_cache_objects() -> None:
    template_cache._cache_in.cache_clear()


def _templates(tmp_path: Path) -> Path:
    mine = tmp_path / "mine"
    mine.mkdir(exist_ok=True)
    (mine / "greeting.txt.j2").write_text("Hello {{ name | upper }}\n", encoding="utf-8")
    return mine


def _compiles(env: jinja2.Environment, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The names of the templates ``env`` compiles from source from now on."""
    compiled: list[str] = []
    compile_source = env.compile

    def counting(source: str, name: str | None = None, *args: object, **kwargs: object) -> object:
        compiled.append(str(name))
        return compile_source(source, name, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(env, "compile", counting)
    return compiled


def test_a_second_run_loads_compiled_templates(monkeypatch: pytest.MonkeyPatch,
                                               tmp_path: Path) -> None:
    monkeypatch.setenv("BRIEFING_CACHE_DIR", str(tmp_path / "cache"))
    mine = _templates(tmp_path)
    first = make_environment([mine])
    first_compiles = _compiles(first, monkeypatch)
    assert render_template(first, "greeting.txt.j2", {"name": "a"}) == "Hello A\n"
    assert first_compiles == ["greeting.txt.j2"]
    assert list((tmp_path / "cache").glob("templates-jinja*/*.cache"))

    second = make_environment([mine])  # as the next build's process would make it
    second_compiles = _compiles(second, monkeypatch)
    assert render_template(second, "greeting.txt.j2", {"name": "b"}) == "Hello B\n"
    assert second_compiles == []


def test_an_edited_template_is_compiled_again(monkeypatch: pytest.MonkeyPatch,
                                              tmp_path: Path) -> None:
    monkeypatch.setenv("BRIEFING_CACHE_DIR", str(tmp_path / "cache"))
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "greeting.txt.j2").write_text("Hello {{ name }}\n", encoding="utf-8")
    assert render_template(make_environment([mine]), "greeting.txt.j2", {"name": "A"}) \
        == "Hello A\n"
    (mine / "greeting.txt.j2").write_text("Goodbye {{ name }}\n", encoding="utf-8")
    assert render_template(make_environment([mine]), "greeting.txt.j2", {"name": "A"}) \
        == "Goodbye A\n"


def test_cache_folder_comes_from_the_environment(monkeypatch: pytest.MonkeyPatch,
                                                 tmp_path: Path) -> None:
    monkeypatch.delenv("BRIEFING_CACHE_DIR")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert cache_dir() == tmp_path / "xdg" / "briefing"
    monkeypatch.delenv("XDG_CACHE_HOME")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert cache_dir() == tmp_path / "home" / ".cache" / "briefing"
    monkeypatch.setenv("BRIEFING_CACHE_DIR", "")
    assert cache_dir() is None
    assert template_bytecode_cache() is None


def test_a_cache_that_cannot_be_written_costs_a_compile_not_a_build(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("BRIEFING_CACHE_DIR", str(tmp_path / "cache"))
    env = make_environment([_templates(tmp_path)])
    shutil.rmtree(tmp_path / "cache")  # gone under a running build (a cleaner, a full disk)
    assert render_template(env, "greeting.txt.j2", {"name": "a"}) == "Hello A\n"


def test_a_cache_folder_that_cannot_be_made_means_no_cache(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    (tmp_path / "taken").write_text("a file where the folder would be", encoding="utf-8")
    monkeypatch.setenv("BRIEFING_CACHE_DIR", str(tmp_path / "taken"))
    assert template_bytecode_cache() is None
    env = make_environment([_templates(tmp_path)])
    assert render_template(env, "greeting.txt.j2", {"name": "a"}) == "Hello A\n"


def test_a_damaged_entry_is_compiled_again(monkeypatch: pytest.MonkeyPatch,
                                           tmp_path: Path) -> None:
    monkeypatch.setenv("BRIEFING_CACHE_DIR", str(tmp_path / "cache"))
    mine = _templates(tmp_path)
    assert render_template(make_environment([mine]), "greeting.txt.j2", {"name": "a"}) \
        == "Hello A\n"
    entries = list((tmp_path / "cache").glob("templates-jinja*/*.cache"))
    assert entries
    for entry in entries:
        entry.write_bytes(entry.read_bytes()[:40])  # cut short
    assert render_template(make_environment([mine]), "greeting.txt.j2", {"name": "a"}) \
        == "Hello A\n"


def test_a_folder_others_may_write_to_is_not_used(monkeypatch: pytest.MonkeyPatch,
                                                 tmp_path: Path) -> None:
    monkeypatch.setenv("BRIEFING_CACHE_DIR", str(tmp_path / "cache"))
    assert template_bytecode_cache() is not None
    template_cache._cache_in.cache_clear()
    folder = next((tmp_path / "cache").glob("templates-jinja*"))
    folder.chmod(0o777)
    assert template_bytecode_cache() is None
