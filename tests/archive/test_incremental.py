"""Incremental archive updates: the catalog, one brief's work per build, and the proof
that what the updates leave is what ``archive rebuild`` makes from scratch."""

from __future__ import annotations

import dataclasses
import json
import os
import shutil
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest

from archive.briefs import FLOOD_STORY, PORT_STORY, RATES_STORY, WriteBrief, static_search_briefs
from briefing import brief as codec
from briefing.archive import index_pages, list_briefs, rebuild_archive, search, update_archive
from briefing.archive.catalog import catalog_location, load_catalog
from briefing.brief import BRIEF_FILES
from briefing.config import Config

NOW = datetime.fromisoformat("2026-12-02T09:00:00+00:00")
#: (day, profile, title, stories): briefs as builds add them, one at a time, over
#: three months and two profiles, with a second brief on one day.
BUILDS = [
    ("2026-10-30", "default", "October brief", [FLOOD_STORY]),
    ("2026-11-02", "europe", "Europe brief", [RATES_STORY]),
    ("2026-11-20", "default", "Strike brief", [PORT_STORY, RATES_STORY]),
    ("2026-11-20-2", "default", "Evening brief", [FLOOD_STORY]),
    ("2026-11-21", "europe", "Europe & <more>", [PORT_STORY]),
    ("2026-12-01", "default", "December brief", [RATES_STORY, FLOOD_STORY]),
    ("2026-12-01", "europe", "Europe December", [FLOOD_STORY]),
]
QUERIES = ["saltmere", "port", "lenmouth résidents", "bank*", "harbour ledger"]


def _tree(root: Path) -> dict[str, bytes]:
    """Every file under ``root`` (the catalog, which holds mtimes, is kept elsewhere)."""
    return {str(path.relative_to(root)): path.read_bytes() for path in sorted(root.rglob("*"))
            if path.is_file()}


def _entries(config: Config, root: Path) -> list[tuple[object, ...]]:
    catalog = load_catalog(root, catalog_location(root, config.paths.store))
    return [(e.key, e.day, e.sequence, e.profile, e.title, e.generated_at.isoformat(),
             e.generated_at.tzname(), e.story_count, e.brief_id, sorted(e.files))
            for e in catalog.entries()]


def _hits(config: Config) -> list[list[tuple[str, str, str]]]:
    return [[(h.brief, h.headline, h.snippet) for h in search(config, query)]
            for query in QUERIES]


@pytest.fixture
def small_pages(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Pages of 2 briefs and a feed of 3, so a few briefs fill several of each."""
    from briefing.archive import feed, site

    monkeypatch.setattr(site, "PAGE_SIZE", 2)
    monkeypatch.setattr(feed, "FEED_LIMIT", 3)
    yield


def test_updates_after_each_build_leave_what_a_rebuild_makes(
    archive_config: Config, out_root: Path, write_brief: WriteBrief, tmp_path: Path,
    small_pages: None,
) -> None:
    for number, (day, profile, title, stories) in enumerate(BUILDS, 1):
        write_brief(day, stories, profile=profile, title=title, extra={"id": number})
        update_archive(archive_config, now=NOW)
    updated, listed, hits = _tree(out_root), _entries(archive_config, out_root), \
        _hits(archive_config)

    # The same briefs, as the builds wrote them, in a fresh output folder: rebuilt.
    fresh = tmp_path / "fresh"
    for folder in out_root.glob("*/*/"):
        if (folder / "brief.json").is_file():
            (fresh / folder.parent.name / folder.name).mkdir(parents=True)
            for name in BRIEF_FILES:
                if (folder / name).is_file():
                    shutil.copy2(folder / name, fresh / folder.parent.name / folder.name / name)
    rebuilt_config = dataclasses.replace(
        archive_config, paths=dataclasses.replace(archive_config.paths, out=fresh))
    report = rebuild_archive(rebuilt_config, now=NOW)

    assert report.briefs == len(BUILDS)
    rebuilt = _tree(fresh)
    assert sorted(rebuilt) == sorted(updated)
    for name in updated:
        assert rebuilt[name] == updated[name], name
    assert _entries(rebuilt_config, fresh) == listed
    assert _hits(rebuilt_config) == hits and all(hits)
    # What was compared is the whole archive: pages, feed, search data of 3 months.
    assert {"index.html", "index-4.html", "feed.xml", "search-index.js",
            "_archive/search/2026-10.js", "_archive/search/2026-12.js"} <= set(updated)
    assert "index-5.html" not in updated


def test_an_update_reads_only_the_new_brief_and_rewrites_only_its_month(
    archive_config: Config, out_root: Path, write_brief: WriteBrief,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for day, profile, title, stories in BUILDS[:-1]:
        write_brief(day, stories, profile=profile, title=title)
    update_archive(archive_config, now=NOW)
    parts = out_root / "_archive" / "search"
    before = {path.name: path.stat().st_mtime_ns for path in parts.iterdir()}

    read: list[str] = []
    real = codec.read_brief_json
    monkeypatch.setattr(codec, "read_brief_json",
                        lambda path, **kw: read.append(path.parent.name) or real(path, **kw))
    rendered: list[str] = []
    real_render = index_pages.render_template
    monkeypatch.setattr(index_pages, "render_template", lambda env, name, context: (
        rendered.append(name), real_render(env, name, context))[1])
    day, profile, title, stories = BUILDS[-1]
    write_brief(day, stories, profile=profile, title=title)
    report = update_archive(archive_config, now=NOW)

    assert report.briefs == len(BUILDS) and report.briefs_indexed == 1
    assert read == ["2026-12-01"]  # the new brief, once
    # Its line of the index is rendered; the others' lines were kept.
    assert rendered == [index_pages.ENTRY_TEMPLATE, index_pages.PAGE_TEMPLATE]
    after = {path.name: path.stat().st_mtime_ns for path in parts.iterdir()}
    assert after.keys() == before.keys()
    assert [name for name in after if after[name] != before[name]] == ["2026-12.js"]
    keys = [brief["key"] for brief in static_search_briefs(out_root)]
    assert keys[:2] == ["europe/2026-12-01", "default/2026-12-01"]

    read.clear()
    assert update_archive(archive_config, now=NOW).briefs_indexed == 0
    assert read == []


def test_a_brief_handed_over_by_its_build_is_not_read_back(
    archive_config: Config, out_root: Path, write_brief: WriteBrief,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _archive_first_builds(archive_config, write_brief)
    folder = write_brief("2026-11-25", [PORT_STORY], title="Just built")
    brief = codec.read_brief_json(folder / "brief.json")

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("a brief.json was decoded")

    monkeypatch.setattr(codec, "read_brief_json", refuse)
    monkeypatch.setattr(codec, "brief_from_dict", refuse)
    report = update_archive(archive_config, now=NOW, written={folder: brief})
    assert report.briefs == 4 and report.briefs_indexed == 1
    assert next(e.title for e in list_briefs(archive_config)) == "Just built"
    assert any(hit.brief == "default/2026-11-25" for hit in search(archive_config, "port"))


def test_listing_never_decodes_a_brief_the_catalog_knows(
    archive_config: Config, out_root: Path, write_brief: WriteBrief,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _archive_first_builds(archive_config, write_brief)
    expected = [(e.key, e.title, e.story_count) for e in list_briefs(archive_config)]

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("a brief.json was decoded")

    monkeypatch.setattr(codec, "read_brief_json", refuse)
    monkeypatch.setattr(codec, "brief_from_dict", refuse)
    listed = list_briefs(archive_config)
    assert [(e.key, e.title, e.story_count) for e in listed] == expected
    assert [e.key for e in listed] == ["default/2026-11-20", "europe/2026-11-02",
                                       "default/2026-10-30"]
    assert listed[0].generated_at.isoformat() == "2026-11-20T07:00:00+00:00"
    assert f"{listed[0].generated_at:%H:%M %Z}" == "07:00 UTC"


def test_the_catalog_mends_itself_when_briefs_change_behind_its_back(
    archive_config: Config, out_root: Path, write_brief: WriteBrief,
) -> None:
    _archive_first_builds(archive_config, write_brief)
    catalog = catalog_location(out_root, archive_config.paths.store)
    assert catalog.is_file() and out_root not in catalog.parents  # not published

    # A brief added and one removed without an update: a listing sees both.
    write_brief("2026-11-25", [PORT_STORY], title="Added by hand")
    shutil.rmtree(out_root / "europe" / "2026-11-02")
    listed = [("default/2026-11-25", "Added by hand"), ("default/2026-11-20", "Strike brief"),
              ("default/2026-10-30", "October brief")]
    assert [(e.key, e.title) for e in list_briefs(archive_config)] == listed

    # Lost or damaged: listed all the same, and saved again.
    catalog.unlink()
    assert [(e.key, e.title) for e in list_briefs(archive_config)] == listed
    assert catalog.is_file()
    catalog.write_text('{"version": 1, "briefs": [["garbage"]]}', encoding="utf-8")
    assert [(e.key, e.title) for e in list_briefs(archive_config)] == listed

    # A brief.json edited in place (a published brief never is) changes no folder:
    # the next update, which looks at each brief.json, reads it again.
    edited = out_root / "default" / "2026-10-30" / "brief.json"
    document = json.loads(edited.read_text(encoding="utf-8"))
    document["title"] = "October brief, corrected by hand"
    edited.write_text(json.dumps(document), encoding="utf-8")
    update_archive(archive_config, now=NOW)
    listed[2] = ("default/2026-10-30", "October brief, corrected by hand")
    assert [(e.key, e.title) for e in list_briefs(archive_config)] == listed

    # ... and brings every derived file in line with the folders.
    static = [(b["key"], b["title"]) for b in static_search_briefs(out_root)]
    assert static == listed
    assert [h.brief for h in search(archive_config, "lenmouth")] == ["default/2026-10-30"]
    assert search(archive_config, "rates") and all(
        h.brief != "europe/2026-11-02" for h in search(archive_config, "rates"))
    index = (out_root / "index.html").read_text(encoding="utf-8")
    assert "corrected by hand" in index and "Europe brief" not in index


def test_an_update_restores_derived_files_that_were_lost(
    archive_config: Config, out_root: Path, write_brief: WriteBrief,
) -> None:
    for day, profile, title, stories in BUILDS:
        write_brief(day, stories, profile=profile, title=title)
    update_archive(archive_config, now=NOW)
    whole = _tree(out_root)

    (out_root / "_archive" / "search" / "2026-11.js").unlink()
    (out_root / "feed.xml").unlink()
    (out_root / "index-2.html").write_text("stale", encoding="utf-8")
    (out_root / "_archive" / "search" / "1999-01.js").write_text("stale", encoding="utf-8")
    report = update_archive(archive_config, now=NOW)
    assert report.briefs_indexed == 0 and report.pages_written == 0
    assert _tree(out_root) == whole

    # A published brief's own files are its set: one lost from it comes back with a
    # rebuild, which reads every folder again.
    (out_root / "default" / "2026-11-20" / "index.html").unlink()
    assert rebuild_archive(archive_config, now=NOW).pages_written == len(BUILDS)
    assert _tree(out_root) == whole

    # A lost store: its search index is filled again (the feed's ids are the new
    # store's: they belong to an installation).
    store = archive_config.paths.store
    for path in store.parent.glob(store.name + "*"):
        path.unlink()
    report = update_archive(archive_config, now=NOW)
    assert report.briefs_indexed == len(BUILDS) and report.pages_written == 0
    assert [h.brief for h in search(archive_config, "saltmere")] == [
        "europe/2026-11-21", "default/2026-11-20"]


def test_a_refused_brief_is_reported_each_time_but_read_once(
    archive_config: Config, out_root: Path, write_brief: WriteBrief,
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture,
) -> None:
    write_brief("2026-11-20", [PORT_STORY])
    write_brief("2026-11-21", [PORT_STORY], extra={"coverage": 7})
    update_archive(archive_config, now=NOW)

    read: list[str] = []
    real = codec.read_brief_json
    monkeypatch.setattr(codec, "read_brief_json",
                        lambda path, **kw: read.append(path.parent.name) or real(path, **kw))
    caplog.clear()
    assert [e.key for e in list_briefs(archive_config)] == ["default/2026-11-20"]
    assert update_archive(archive_config, now=NOW).briefs == 1
    assert read == []
    warnings = [r.getMessage() for r in caplog.records if "skipping" in r.getMessage()]
    assert len(warnings) == 2 and all("2026-11-21" in w and "coverage" in w for w in warnings)


def test_kept_index_lines_follow_the_template_that_made_them(
    archive_config: Config, out_root: Path, write_brief: WriteBrief, tmp_path: Path,
) -> None:
    _archive_first_builds(archive_config, write_brief)
    assert 'class="brief" data-key="default/2026-11-20"' in (
        out_root / "index.html").read_text(encoding="utf-8")

    # A templates folder of the user's own with another line: every line is made again.
    templates = tmp_path / "templates" / "archive"
    templates.mkdir(parents=True)
    (templates / "index_entry.html.j2").write_text(
        '<li class="mine" data-key="{{ entry.key }}">{{ entry.title }}</li>\n', encoding="utf-8")
    custom = dataclasses.replace(archive_config, paths=dataclasses.replace(
        archive_config.paths, templates=tmp_path / "templates"))
    update_archive(custom, now=NOW)
    index = (out_root / "index.html").read_text(encoding="utf-8")
    assert index.count('<li class="mine"') == 3 and 'class="brief"' not in index

    update_archive(archive_config, now=NOW)
    index = (out_root / "index.html").read_text(encoding="utf-8")
    assert index.count('<li class="brief"') == 3 and 'class="mine"' not in index


def test_a_search_part_written_by_someone_else_carries_no_link_into_the_next(
    archive_config: Config, out_root: Path, write_brief: WriteBrief,
) -> None:
    _archive_first_builds(archive_config, write_brief)
    part = out_root / "_archive" / "search" / "2026-11.js"
    stat = part.stat()
    honest, forged = "default/2026-11-20/index.html", "javascript:alert(1)//"
    forged += "x" * (len(honest) - len(forged))  # the same size and mtime: it looks untouched
    text = part.read_text(encoding="utf-8")
    assert text.count(honest) == 1
    part.write_text(text.replace(honest, forged), encoding="utf-8")
    os.utime(part, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    assert part.stat().st_size == stat.st_size

    write_brief("2026-11-22", [FLOOD_STORY], title="A later brief")  # November's part again
    update_archive(archive_config, now=NOW)

    pages = {b["key"]: b["page"] for b in static_search_briefs(out_root)}
    assert pages["default/2026-11-20"] == "default/2026-11-20/index.html"
    assert "javascript:" not in part.read_text(encoding="utf-8")


def test_an_upgrade_does_not_check_again_what_an_earlier_version_checked(
    archive_config: Config, out_root: Path, write_brief: WriteBrief,
    monkeypatch: pytest.MonkeyPatch,
) -> None:

    known = write_brief("2026-11-20", [PORT_STORY])
    write_brief("2026-11-21", [RATES_STORY])
    stat = (known / "brief.json").stat()
    legacy = catalog_location(out_root, archive_config.paths.store).parent / "archive-checked.json"
    legacy.parent.mkdir(parents=True, exist_ok=True)
    legacy.write_text(json.dumps({str(out_root.resolve()): {
        "default/2026-11-20": [stat.st_mtime_ns, stat.st_size],
        "default/2026-11-21": [1, 2],  # changed since: checked again
    }}), encoding="utf-8")

    checks: list[str] = []
    real = codec.validate_brief_dict
    monkeypatch.setattr(codec, "validate_brief_dict", lambda data, *, where="brief.json": (
        checks.append(Path(where).parent.name), real(data, where=where))[1])
    listed = list_briefs(archive_config)

    assert [e.key for e in listed] == ["default/2026-11-21", "default/2026-11-20"]
    assert checks == ["2026-11-21"]


def _archive_first_builds(config: Config, write_brief: WriteBrief, count: int = 3) -> None:
    """Publish the first ``count`` of BUILDS and update the archive once."""
    for day, profile, title, stories in BUILDS[:count]:
        write_brief(day, stories, profile=profile, title=title)
    update_archive(config, now=NOW)
