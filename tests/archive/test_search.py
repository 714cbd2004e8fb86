"""Full-text search over headlines, bullets and sources: SQLite FTS5 and PostgreSQL's
full-text search (each test runs on both, through ``search_config``)."""

from __future__ import annotations

import dataclasses
from datetime import datetime
from pathlib import Path

import pytest

from archive.briefs import FLOOD_STORY, PORT_STORY, RATES_STORY, WriteBrief, static_search_briefs
from briefing.archive import indexed_briefs, rebuild_archive, search, update_archive
from briefing.config import Config
from briefing.storage.sqlite.search import fts_query

NOW = datetime.fromisoformat("2026-11-23T09:00:00+00:00")


@pytest.fixture
def search_config(archive_config: Config, store_location: Path | str) -> Config:
    """The archive's config with its store on each backend in turn."""
    paths = dataclasses.replace(archive_config.paths, store=store_location)
    return dataclasses.replace(archive_config, paths=paths)


def test_search_ranks_headline_matches_first_with_snippets(
    search_config: Config, write_brief: WriteBrief
) -> None:
    write_brief("2026-11-20", [RATES_STORY])  # "port" only in a bullet
    write_brief("2026-11-21", [PORT_STORY, FLOOD_STORY])  # "port" in the headline
    update_archive(search_config, now=NOW)

    hits = search(search_config, "port")

    assert [hit.brief for hit in hits] == ["default/2026-11-21", "default/2026-11-20"]
    assert hits[0].headline == "Dockworkers strike at Saltmere port"
    assert "[port]" in hits[0].snippet.lower()
    assert hits[0].score < hits[1].score  # bm25: lower is better
    assert "[port]" in hits[1].snippet


def test_search_matches_sources_and_accents_and_every_word(
    search_config: Config, write_brief: WriteBrief
) -> None:
    write_brief("2026-11-21", [PORT_STORY, FLOOD_STORY])
    update_archive(search_config, now=NOW)

    assert [h.headline for h in search(search_config, "harbour ledger")] == [PORT_STORY[0]]
    assert [h.headline for h in search(search_config, "LENMOUTH résidents")] == [FLOOD_STORY[0]]
    assert search(search_config, "lenmouth dockworkers") == []
    assert [h.headline for h in search(search_config, "dock*")] == [PORT_STORY[0]]


def test_query_punctuation_is_never_fts_syntax(
    search_config: Config, write_brief: WriteBrief
) -> None:
    write_brief("2026-11-21", [RATES_STORY])
    update_archive(search_config, now=NOW)

    for query in ('"', "AND", "rates OR", "NEAR(", "3.5%", "col:umn", "-x", "***"):
        search(search_config, query)  # no exception
    assert fts_query('say "hi"') == '"say" """hi"""'
    assert [h.headline for h in search(search_config, "3.5%")] == [RATES_STORY[0]]


def test_profile_filter_and_limit(search_config: Config, write_brief: WriteBrief) -> None:
    write_brief("2026-11-20", [PORT_STORY])
    write_brief("2026-11-20", [PORT_STORY], profile="europe")
    update_archive(search_config, now=NOW)

    assert len(search(search_config, "port")) == 2
    assert [h.profile for h in search(search_config, "port", profile="europe")] == ["europe"]
    assert len(search(search_config, "port", limit=1)) == 1


def test_rebuild_restores_search_after_losing_the_store(
    archive_config: Config, out_root: Path, write_brief: WriteBrief
) -> None:
    write_brief("2026-11-20", [PORT_STORY])
    write_brief("2026-11-21", [RATES_STORY])
    update_archive(archive_config, now=NOW)
    assert indexed_briefs(archive_config) == 2

    store = archive_config.paths.store
    for path in store.parent.glob(store.name + "*"):  # the database, -wal and -shm
        path.unlink()
    (out_root / "index.html").unlink()
    (out_root / "search-index.js").unlink()
    assert search(archive_config, "saltmere") == []

    report = rebuild_archive(archive_config, now=NOW)

    assert report.briefs == 2 and report.briefs_indexed == 2 and report.pages_written == 2
    assert [h.brief for h in search(archive_config, "saltmere")] == ["default/2026-11-20"]
    static = {brief["key"]: brief for brief in static_search_briefs(out_root)}
    assert sorted(static) == ["default/2026-11-20", "default/2026-11-21"]
    assert "Saltmere" in static["default/2026-11-20"]["items"][0]["headline"]
    assert (out_root / "index.html").is_file()


def test_a_second_brief_the_same_day_is_indexed_beside_the_first(
    search_config: Config, write_brief: WriteBrief
) -> None:
    write_brief("2026-11-20", [PORT_STORY])
    update_archive(search_config, now=NOW)
    write_brief("2026-11-20-2", [FLOOD_STORY])  # a second build that day: its own folder
    update_archive(search_config, now=NOW)

    assert [h.brief for h in search(search_config, "saltmere")] == ["default/2026-11-20"]
    assert [h.brief for h in search(search_config, "lenmouth")] == ["default/2026-11-20-2"]
