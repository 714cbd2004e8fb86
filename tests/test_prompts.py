"""Prompt templates: bundled and versioned, user folder first, strict about variables."""

from __future__ import annotations

from pathlib import Path

import pytest

from briefing.errors import TemplateError
from briefing.resources import prompts_dir
from briefing.summarize.prompts import TASKS, PromptLibrary

SAMPLE_SOURCE = {"id": "A1", "outlet": "Outlet", "title": "Title", "published": "", "text": "Body"}
STORY_CONTEXT = {
    "headline": "Headline", "sources": [SAMPLE_SOURCE], "from_facts": False,
    "min_bullets": 2, "max_bullets": 4, "max_words": 30,
}


def test_every_task_has_versioned_system_and_user_templates() -> None:
    folder = prompts_dir()
    for task in TASKS:
        for role in ("system", "user"):
            assert (folder / f"{task}.{role}.j2").is_file()
    assert (folder / "README.md").is_file()
    versions = PromptLibrary().versions()
    assert set(versions) == set(TASKS)
    assert all(versions.values())


def test_story_prompt_fences_articles_and_warns_about_instructions() -> None:
    prompt = PromptLibrary().render("story_bullets", **STORY_CONTEXT)
    assert "untrusted" in prompt.system and "ignore previous instructions" in prompt.system
    assert '<untrusted_article id="A1">' in prompt.user and "</untrusted_article>" in prompt.user
    assert "Body" not in prompt.system  # static instructions first, articles only in the user part
    assert prompt.user.index("Headline") < prompt.user.index("Body")


def test_a_missing_variable_is_an_error_naming_the_template() -> None:
    context = dict(STORY_CONTEXT)
    del context["max_bullets"]
    with pytest.raises(TemplateError, match=r"story_bullets\.system\.j2.*max_bullets"):
        PromptLibrary().render("story_bullets", **context)


def test_the_user_folder_wins_and_brings_its_own_version(tmp_path: Path) -> None:
    (tmp_path / "story_bullets.system.j2").write_text(
        "{# version: 7 #}\nHouse style, at most {{ max_bullets }} bullets.", encoding="utf-8"
    )
    (tmp_path / "story_bullets.user.j2").write_text(
        "{# version: 7 #}\n{{ headline }}", encoding="utf-8"
    )
    library = PromptLibrary(tmp_path)
    prompt = library.render("story_bullets", **STORY_CONTEXT)
    assert prompt.system == "House style, at most 4 bullets."
    assert prompt.version == "7" and library.versions()["story_bullets"] == "7"
    # Tasks the user did not override come from the bundled folder.
    assert library.version("top_lines") == PromptLibrary().version("top_lines")
    bundled = PromptLibrary().render("story_bullets", **STORY_CONTEXT)
    assert prompt.fingerprint != bundled.fingerprint


def test_a_user_template_with_an_unknown_variable_fails_clearly(tmp_path: Path) -> None:
    (tmp_path / "top_lines.user.j2").write_text("{# version: 2 #}\n{{ storeis }}", encoding="utf-8")
    with pytest.raises(TemplateError, match=r"top_lines\.user\.j2.*storeis"):
        PromptLibrary(tmp_path).render("top_lines", stories=[], max_lines=3, max_words=30)


def test_differing_versions_are_both_reported(tmp_path: Path) -> None:
    (tmp_path / "top_lines.user.j2").write_text("{# version: 9 #}\n{{ stories }}", encoding="utf-8")
    bundled = PromptLibrary().version("top_lines")
    assert PromptLibrary(tmp_path).version("top_lines") == f"{bundled}+9"


def test_a_template_without_a_version_is_refused(tmp_path: Path) -> None:
    (tmp_path / "top_lines.system.j2").write_text("No version here.", encoding="utf-8")
    with pytest.raises(TemplateError, match=r"top_lines\.system\.j2.*version"):
        PromptLibrary(tmp_path).versions()


def test_a_syntax_error_names_the_template(tmp_path: Path) -> None:
    (tmp_path / "article_facts.user.j2").write_text("{# version: 1 #}\n{{ oops ", encoding="utf-8")
    with pytest.raises(TemplateError, match=r"article_facts\.user\.j2"):
        PromptLibrary(tmp_path).render(
            "article_facts", article=SAMPLE_SOURCE, part=1, parts=1, max_facts=5, max_words=20
        )
