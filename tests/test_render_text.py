"""brief.txt: the plain-text brief and email part."""

from __future__ import annotations

import pytest
from render_samples import HOSTILE_TITLE, JAVASCRIPT_URL, make_brief

from briefing.render.environment import make_environment
from briefing.render.text import render_text
from briefing.types import Brief


@pytest.fixture(scope="module")
def brief50() -> Brief:
    return make_brief(50)


@pytest.fixture(scope="module")
def text50(brief50: Brief) -> str:
    return render_text(brief50, make_environment())


def _flat(text: str) -> str:
    """Undo the wrapping, so a wrapped sentence can be found whole."""
    return " ".join(text.split())


def test_text_has_title_date_coverage_and_notes(text50: str, brief50: Brief) -> None:
    lines = text50.splitlines()
    assert lines[0] == brief50.title.upper()
    assert lines[1] == "=" * len(brief50.title)
    assert lines[2] == "Tuesday, 4 March 2025"
    assert brief50.coverage in _flat(text50)
    assert "Note: " + brief50.notes[0] in _flat(text50)
    assert "TOP LINES" in lines


def test_text_has_every_story_bullet_and_citation(text50: str, brief50: Brief) -> None:
    flat = _flat(text50)
    for number, story in enumerate(brief50.stories, start=1):
        assert f"{number}. {story.headline}" in flat
        for bullet in story.bullets:
            cites = "".join(f"[{n}]" for n in bullet.sources)
            assert f"- {bullet.text} {cites}" in flat
        for note in story.notes:
            assert note in flat
    assert "(offline summary)" in flat
    assert "(unverified)" in flat


def test_text_lists_every_source_url_on_its_own_line(text50: str, brief50: Brief) -> None:
    lines = [line.strip() for line in text50.splitlines()]
    assert "SOURCES" in lines
    for source in brief50.sources:
        if source.url:
            assert source.url in lines
        assert f"[{source.number}] {source.outlet}" in text50
    assert "/srv/" not in text50


def test_text_is_wrapped_at_78_columns(text50: str) -> None:
    for line in text50.splitlines():
        if "://" in line or line.strip().startswith("/"):
            continue  # URLs and paths are never split
        assert len(line) <= 78, line


def test_text_is_not_html_escaped_and_drops_non_http_urls() -> None:
    brief = make_brief(12, hostile=True)
    text = render_text(brief, make_environment())
    assert HOSTILE_TITLE in _flat(text)
    assert "&amp;" not in text and "&lt;" not in text
    assert JAVASCRIPT_URL not in text
    assert "data:text/html" not in text
    assert "file:///etc/passwd\n" not in text  # shown in a title, never as a source link
    assert "\n\n\n" not in text
    assert text.endswith("\n") and not text.endswith("\n\n")
