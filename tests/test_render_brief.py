"""render_brief: the one call the pipeline makes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from render_samples import make_brief

from briefing.errors import TemplateError
from briefing.render import RenderedBrief, render_brief


def test_render_brief_writes_all_four_outputs(tmp_path: Path) -> None:
    out_dir = tmp_path / "out" / "morning" / "2025-03-04"
    brief = make_brief(50)
    result = render_brief(brief, out_dir)
    assert result == RenderedBrief(
        json=out_dir / "brief.json",
        html=out_dir / "brief.html",
        text=out_dir / "brief.txt",
        pdf=out_dir / "brief.pdf",
        page=out_dir / "index.html",
        markdown=out_dir / "brief.md",
    )
    assert result.markdown is not None
    assert result.markdown.read_text(encoding="utf-8").startswith(f"# {brief.title}\n")
    assert json.loads(result.json.read_text(encoding="utf-8"))["title"] == brief.title
    assert result.html.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    assert result.text.read_text(encoding="utf-8").startswith(brief.title.upper())
    assert result.pdf.read_bytes().startswith(b"%PDF-")
    # write_atomic leaves no temporary files behind.
    assert sorted(p.name for p in out_dir.iterdir()) == [
        "brief.html",
        "brief.json",
        "brief.md",
        "brief.pdf",
        "brief.txt",
        "index.html",
    ]


def test_a_template_error_writes_nothing(tmp_path: Path) -> None:
    templates = tmp_path / "templates"
    templates.mkdir()
    (templates / "brief.txt.j2").write_text("{{ brief.no_such_field }}", encoding="utf-8")
    out_dir = tmp_path / "out"
    with pytest.raises(TemplateError, match=r"brief\.txt\.j2"):
        render_brief(make_brief(3), out_dir, template_dirs=[templates])
    assert not out_dir.exists()


def test_user_templates_override_the_bundled_ones(tmp_path: Path) -> None:
    templates = tmp_path / "templates"
    templates.mkdir()
    (templates / "brief.txt.j2").write_text("{{ brief.title }} — custom\n", encoding="utf-8")
    result = render_brief(make_brief(2), tmp_path / "out", template_dirs=[templates])
    assert result.text.read_text(encoding="utf-8") == "Morning Brief — custom\n"


def test_an_empty_extractive_brief_still_renders(tmp_path: Path) -> None:
    brief = make_brief(0, engine="extractive")
    result = render_brief(brief, tmp_path)
    text = result.text.read_text(encoding="utf-8")
    assert "0 articles · summarized offline" in text
    assert "SOURCES" not in text
    assert result.pdf.stat().st_size > 0
