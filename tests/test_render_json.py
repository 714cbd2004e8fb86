"""brief.json: contents, schema validity, cross references."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator
from render_samples import JAVASCRIPT_URL, make_brief

from briefing.brief import (
    CHECK_WRITES_ENV,
    brief_to_dict,
    check_written_brief,
    validate_brief_dict,
    write_brief_json,
)
from briefing.errors import RenderError
from briefing.render.validate import check_brief
from briefing.resources import SCHEMA_PATH
from briefing.types import Brief, BriefBullet

SAMPLES = {
    "llm-50": make_brief(50),
    "extractive-7": make_brief(7, engine="extractive", with_top_lines=False),
    "hostile-12": make_brief(12, hostile=True),
    "single": make_brief(1),
    "empty": make_brief(0),
}


def _schema() -> dict[str, Any]:
    return json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))


def test_schema_is_a_valid_draft_2020_12_schema() -> None:
    schema = _schema()
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    Draft202012Validator.check_schema(schema)


@pytest.mark.parametrize("name", sorted(SAMPLES))
def test_written_json_validates_and_cites_only_known_sources(name: str, tmp_path: Path) -> None:
    path = tmp_path / "brief.json"
    write_brief_json(SAMPLES[name], path)
    data = json.loads(path.read_text(encoding="utf-8"))
    Draft202012Validator(_schema()).validate(data)  # independent of the module's own check
    ids = {source["id"] for source in data["sources"]}
    bullets = [*data["top_lines"], *(b for story in data["stories"] for b in story["bullets"])]
    for bullet in bullets:
        assert bullet["sources"], bullet
        assert set(bullet["sources"]) <= ids
    for story in data["stories"]:
        assert set(story["sources"]) <= ids


def test_json_carries_every_field() -> None:
    brief = SAMPLES["llm-50"]
    data = brief_to_dict(brief)
    assert data["schema_version"] == 2
    assert data["title"] == brief.title
    assert data["profile"] == "morning"
    assert data["generated_at"] == "2025-03-04T07:30:00+01:00"
    assert data["coverage"] == brief.coverage
    assert data["engine"] == "llm:gpt-4o-mini"
    assert data["article_count"] == 50
    assert data["prompt_versions"] == {"summarize": "3", "top_lines": "1"}
    assert data["dropped"]["count"] == 3
    assert data["dropped"]["reasons"] == {"too-long": 1, "ungrounded": 2}
    assert len(data["stories"]) == len(brief.stories)
    assert {b["origin"] for s in data["stories"] for b in s["bullets"]} == {
        "llm",
        "extractive-fallback",
    }
    assert any(not b["verified"] for s in data["stories"] for b in s["bullets"])
    folder_source = data["sources"][8]
    assert folder_source["url"] is None
    assert "path" not in folder_source  # a local file's path is never published
    assert data["sources"][0]["published"].endswith("+00:00")


def test_non_http_urls_become_null() -> None:
    data = brief_to_dict(SAMPLES["hostile-12"])
    urls = [source["url"] for source in data["sources"]]
    assert JAVASCRIPT_URL not in urls
    assert all(url is None or url.startswith(("http://", "https://")) for url in urls)
    assert urls[1] is None and urls[2] is None and urls[3] is None


def test_text_stays_readable_utf8(tmp_path: Path) -> None:
    path = tmp_path / "brief.json"
    write_brief_json(SAMPLES["llm-50"], path)
    assert "Économique" in path.read_text(encoding="utf-8")


def test_schema_rejects_unknown_fields_and_empty_citations() -> None:
    data = brief_to_dict(SAMPLES["single"])
    with pytest.raises(RenderError, match="Additional properties"):
        validate_brief_dict({**data, "extra": 1})
    data["stories"][0]["bullets"][0]["sources"] = []
    with pytest.raises(RenderError, match="stories/0/bullets/0/sources"):
        validate_brief_dict(data)


def test_written_briefs_are_checked_when_asked(monkeypatch: pytest.MonkeyPatch) -> None:
    broken = {**brief_to_dict(SAMPLES["single"]), "extra": 1}
    monkeypatch.setenv(CHECK_WRITES_ENV, "1")  # as the whole suite runs (conftest)
    with pytest.raises(RenderError, match="Additional properties"):
        check_written_brief(broken)
    # Users' builds trust the typed codec this suite checks, without importing jsonschema.
    for off in ("", "0"):
        monkeypatch.setenv(CHECK_WRITES_ENV, off)
        check_written_brief(broken)


def test_schema_requires_an_offset_on_generated_at() -> None:
    data = brief_to_dict(SAMPLES["single"])
    data["generated_at"] = "2025-03-04T07:30:00"
    with pytest.raises(RenderError, match="generated_at"):
        validate_brief_dict(data)


def _with_first_bullet(brief: Brief, bullet: BriefBullet) -> Brief:
    story = brief.stories[0]
    return replace(brief, stories=(replace(story, bullets=(bullet, *story.bullets[1:])),))


def test_check_brief_rejects_unknown_or_missing_citations() -> None:
    brief = make_brief(3)
    with pytest.raises(RenderError, match=r"story 's1', bullet 1 cites unknown sources \[99\]"):
        check_brief(_with_first_bullet(brief, BriefBullet(text="x", sources=(99,))))
    with pytest.raises(RenderError, match="cites no source"):
        check_brief(_with_first_bullet(brief, BriefBullet(text="x", sources=())))


def test_check_brief_rejects_a_naive_timestamp() -> None:
    brief = replace(make_brief(2), generated_at=datetime(2025, 3, 4, 7, 30))
    with pytest.raises(RenderError, match="time zone"):
        check_brief(brief)
