"""The static site: index.html, per-brief pages, feed.xml and search-index.js."""

from __future__ import annotations

import json
import re
from datetime import datetime
from pathlib import Path

import feedparser
import pytest

from archive.briefs import FLOOD_STORY, PORT_STORY, RATES_STORY, WriteBrief, static_search_briefs
from briefing.archive import update_archive
from briefing.archive.static_index import script_json
from briefing.config import Config

NOW = datetime.fromisoformat("2026-11-23T09:00:00+00:00")


def _text(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def test_index_lists_every_brief_newest_first_by_profile_and_month(
    archive_config: Config, out_root: Path, write_brief: WriteBrief
) -> None:
    write_brief("2026-10-30", [FLOOD_STORY], title="October brief")
    write_brief("2026-11-20", [PORT_STORY, RATES_STORY], title="Strike brief")
    write_brief("2026-11-21", [RATES_STORY], profile="europe", title="Europe brief")

    report = update_archive(archive_config, now=NOW)

    assert report.briefs == 3 and report.pages_written == 3
    html = (out_root / "index.html").read_text(encoding="utf-8")
    text = _text(html)
    # Profiles alphabetically (headed by their newest brief's title), months and briefs
    # newest first; no profile names from the config.
    order = [text.index(s) for s in ("Strike brief", "November 2026", "Strike brief Friday",
                                     "October 2026", "October brief", "Europe brief")]
    assert order == sorted(order), text
    assert "Friday, 20 November 2026 · 2 stories" in text
    assert "europe" not in text
    for name in ("brief.pdf", "brief.json", "index.html"):
        assert f'href="default/2026-11-20/{name}"' in html
    assert 'href="feed.xml"' in html and 'data-index="search-index.js"' in html


def test_a_brief_json_that_is_not_a_brief_is_refused_whole(
    archive_config: Config, out_root: Path, write_brief: WriteBrief
) -> None:
    hostile = (
        "Story", ["Bullet."], [("Evil <b>title</b>", "Outlet", "javascript:alert(1)")],
    )
    folder = write_brief("2026-11-22", [PORT_STORY, hostile])
    write_brief("2026-11-21", [PORT_STORY])

    report = update_archive(archive_config, now=NOW)

    # A link briefing would never write: the file was not written by briefing.
    assert report.briefs == 1
    assert not (folder / "index.html").exists()
    assert "javascript:" not in (out_root / "index.html").read_text(encoding="utf-8")


def test_unreadable_briefs_are_skipped_with_a_warning_naming_them(
    archive_config: Config, out_root: Path, write_brief: WriteBrief,
    caplog: pytest.LogCaptureFixture,
) -> None:
    # One codec reads every brief.json; what it refuses is named, never fails the archive.
    write_brief("2026-11-19", [PORT_STORY])
    write_brief("2026-11-20", [PORT_STORY], extra={"coverage": 7})
    broken = out_root / "default" / "2026-11-21"
    broken.mkdir(parents=True)
    (broken / "brief.json").write_text("{not json", encoding="utf-8")
    odd = out_root / "default" / "2026-11-22"
    odd.mkdir(parents=True)
    (odd / "brief.json").write_text('{"stories": [{"bullets": "no"}, 3], "sources": [{}]}',
                                    encoding="utf-8")

    report = update_archive(archive_config, now=NOW)

    assert report.briefs == 1
    text = _text((out_root / "index.html").read_text(encoding="utf-8"))
    assert "19 November 2026 · 1 story" in text
    skipped = [r.getMessage() for r in caplog.records if "skipping" in r.getMessage()]
    assert len(skipped) == 3
    for day, why in (("2026-11-20", "coverage"), ("2026-11-21", "cannot read"),
                     ("2026-11-22", "schema_version")):
        assert any(day in line and why in line for line in skipped), skipped


def test_feed_reads_back_with_feedparser(
    archive_config: Config, out_root: Path, write_brief: WriteBrief
) -> None:
    write_brief("2026-11-20", [PORT_STORY], title="Strike \x07brief")
    write_brief("2026-11-21", [RATES_STORY, FLOOD_STORY], title="Rates & <floods>")

    update_archive(archive_config, now=NOW)

    feed = feedparser.parse((out_root / "feed.xml").read_bytes())
    assert not feed.bozo, feed.bozo_exception
    assert feed.version == "atom10"
    titles = [entry.title for entry in feed.entries]
    assert titles == ["Rates & <floods> — Saturday, 21 November 2026",
                      "Strike brief — Friday, 20 November 2026"]
    newest = feed.entries[0]
    assert newest.link == "default/2026-11-21/index.html"
    assert [link.href for link in newest.links if link.rel == "enclosure"] == [
        "default/2026-11-21/brief.pdf"
    ]
    assert "Central bank cuts rates" in newest.summary
    assert newest.updated_parsed[:3] == (2026, 11, 21)
    assert len({entry.id for entry in feed.entries}) == 2


def test_feed_uses_base_url_for_absolute_links(
    archive_config: Config, out_root: Path, write_brief: WriteBrief
) -> None:
    import dataclasses

    write_brief("2026-11-20", [PORT_STORY])
    settings = dataclasses.replace(archive_config.archive, base_url="https://briefs.example/a/")
    update_archive(dataclasses.replace(archive_config, archive=settings), now=NOW)

    feed = feedparser.parse((out_root / "feed.xml").read_bytes())
    assert feed.entries[0].link == "https://briefs.example/a/default/2026-11-20/index.html"


def test_search_index_script_cannot_break_out_of_its_script(
    archive_config: Config, out_root: Path, write_brief: WriteBrief
) -> None:
    evil = ("</script><script>alert(1)</script> <!-- \u2028 -->", ["a & b"], [])
    write_brief("2026-11-20", [evil, PORT_STORY])

    update_archive(archive_config, now=NOW)

    (part,) = (out_root / "_archive" / "search").iterdir()
    for script in (out_root / "search-index.js", part):
        text = script.read_text(encoding="utf-8")
        assert "<" not in text and ">" not in text and "&" not in text
        assert "\u2028" not in text
    (brief,) = static_search_briefs(out_root)
    assert brief["items"][0]["headline"] == evil[0]
    assert brief["pdf"] == "default/2026-11-20/brief.pdf"
    assert brief["items"][1]["sources"] == ["Saltmere dockers walk out — The Harbour Ledger"]
    assert script_json("</script>") == '"\\u003c/script\\u003e"'


def test_update_renders_only_changed_briefs(
    archive_config: Config, out_root: Path, write_brief: WriteBrief
) -> None:
    write_brief("2026-11-20", [PORT_STORY])
    first = write_brief("2026-11-21", [RATES_STORY])
    assert update_archive(archive_config, now=NOW).pages_written == 2
    assert update_archive(archive_config, now=NOW).pages_written == 0

    write_brief("2026-11-22", [FLOOD_STORY])
    report = update_archive(archive_config, now=NOW)
    assert report.pages_written == 1 and report.briefs == 3
    assert (first / "index.html").is_file()


def test_site_can_be_switched_off(
    archive_config: Config, out_root: Path, write_brief: WriteBrief
) -> None:
    import dataclasses

    write_brief("2026-11-20", [PORT_STORY])
    settings = dataclasses.replace(archive_config.archive, site=False)
    report = update_archive(dataclasses.replace(archive_config, archive=settings), now=NOW)
    assert report.briefs_indexed == 1
    assert not (out_root / "index.html").exists()


def test_links_survive_an_awkward_profile_name(
    archive_config: Config, out_root: Path, write_brief: WriteBrief
) -> None:
    write_brief("2026-11-20", [PORT_STORY], profile="a #1?")
    update_archive(archive_config, now=NOW)

    html = (out_root / "index.html").read_text(encoding="utf-8")
    assert 'href="a%20%231%3F/2026-11-20/brief.pdf"' in html
    feed = feedparser.parse((out_root / "feed.xml").read_bytes())
    assert feed.entries[0].link == "a%20%231%3F/2026-11-20/index.html"


def _feed_ids(out_root: Path) -> tuple[str, list[str]]:
    feed = feedparser.parse((out_root / "feed.xml").read_bytes())
    assert not feed.bozo, feed.bozo_exception
    return feed.feed.id, [entry.id for entry in feed.entries]


def test_atom_ids_are_the_installations_own_and_never_change(
    archive_config: Config, out_root: Path, write_brief: WriteBrief, tmp_path: Path
) -> None:
    import dataclasses
    import uuid

    from briefing.storage import open_storage

    write_brief("2026-11-20", [PORT_STORY], extra={"id": 1})
    write_brief("2026-11-21", [RATES_STORY], extra={"id": 2})
    update_archive(archive_config, now=NOW)
    feed_id, entry_ids = _feed_ids(out_root)
    with open_storage(archive_config.paths.store) as store:
        installation = store.installation_id
    assert feed_id == f"urn:uuid:{installation}"
    assert len(set(entry_ids)) == 2
    for entry_id in entry_ids:
        assert entry_id.startswith("urn:uuid:") and uuid.UUID(entry_id[9:]).version == 5

    # Rebuilt, published under a base_url, then a different one: the same ids.
    from briefing.archive import rebuild_archive

    rebuild_archive(archive_config, now=NOW)
    assert _feed_ids(out_root) == (feed_id, entry_ids)
    for base in ("https://briefs.example/", "https://news.example.org/desk/"):
        settings = dataclasses.replace(archive_config.archive, base_url=base)
        update_archive(dataclasses.replace(archive_config, archive=settings), now=NOW)
        assert _feed_ids(out_root) == (feed_id, entry_ids)

    # Another installation (its own store) publishing the same briefs: other ids.
    other = dataclasses.replace(
        archive_config, paths=dataclasses.replace(archive_config.paths,
                                                  store=tmp_path / "elsewhere" / "b.db"))
    update_archive(other, now=NOW)
    other_feed, other_entries = _feed_ids(out_root)
    assert other_feed != feed_id
    assert not set(other_entries) & set(entry_ids)


def test_the_installation_id_is_made_once_by_a_migration(tmp_path: Path) -> None:
    from old_stores import sqlite_store_at

    from briefing.storage import open_storage
    from briefing.storage.sqlite import MIGRATIONS

    path = tmp_path / "store.db"
    with open_storage(path) as store:
        first = store.installation_id
        assert store.schema_version == len(MIGRATIONS) >= 11
    with open_storage(path) as store:
        assert store.installation_id == first
    with open_storage(tmp_path / "second.db") as store:
        assert store.installation_id != first
    # A store from before migration 11 gets its id when it is next opened.
    old = tmp_path / "old.db"
    sqlite_store_at(old, 10)
    with open_storage(old) as store:
        assert store.schema_version == len(MIGRATIONS)
        assert store.installation_id.version == 4


def test_a_long_archive_is_paged_and_the_front_page_stays_light(
    archive_config: Config, out_root: Path, write_brief: WriteBrief, monkeypatch: pytest.MonkeyPatch
) -> None:
    from briefing.archive import site

    monkeypatch.setattr(site, "PAGE_SIZE", 2)
    for day in ("2026-11-18", "2026-11-19", "2026-11-20", "2026-11-21", "2026-11-22"):
        write_brief(day, [PORT_STORY], title=f"Brief of {day}")
    update_archive(archive_config, now=NOW)

    pages = [_text((out_root / name).read_text(encoding="utf-8"))
             for name in ("index.html", "index-2.html", "index-3.html")]
    assert "Brief of 2026-11-22" in pages[0] and "Brief of 2026-11-21" in pages[0]
    assert "Brief of 2026-11-20" not in pages[0] and "Older briefs" in pages[0]
    assert "Brief of 2026-11-20" in pages[1] and "Newer briefs" in pages[1]
    assert "Brief of 2026-11-18" in pages[2] and "Older briefs" not in pages[2]
    assert all("5 briefs · page" in p for p in pages)
    front = (out_root / "index.html").read_text(encoding="utf-8")
    assert 'href="index-2.html"' in front
    # The search index is fetched by the search box when it is used, not by the page.
    assert '<script src="search-index.js"' not in front

    monkeypatch.setattr(site, "PAGE_SIZE", 100)
    update_archive(archive_config, now=NOW)
    assert not (out_root / "index-2.html").exists() and not (out_root / "index-3.html").exists()


def test_an_update_checks_only_new_or_changed_brief_files(
    archive_config: Config, out_root: Path, write_brief: WriteBrief,
    caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch,
) -> None:
    from briefing import brief as codec

    write_brief("2026-11-19", [PORT_STORY])
    changed = write_brief("2026-11-20", [RATES_STORY])
    update_archive(archive_config, now=NOW)

    checks: list[str] = []
    real = codec.validate_brief_dict
    monkeypatch.setattr(codec, "validate_brief_dict",
                        lambda data, *, where="brief.json": checks.append(where) or real(
                            data, where=where))
    write_brief("2026-11-21", [FLOOD_STORY])
    assert update_archive(archive_config, now=NOW).briefs == 3
    assert [Path(where).parent.name for where in checks] == ["2026-11-21"]

    # A file changed after it was checked is checked again, and refused if it must be.
    document = json.loads((changed / "brief.json").read_text(encoding="utf-8"))
    document["coverage"] = 7
    (changed / "brief.json").write_text(json.dumps(document), encoding="utf-8")
    report = update_archive(archive_config, now=NOW)
    assert report.briefs == 2
    assert any("2026-11-20" in r.getMessage() and "coverage" in r.getMessage()
               for r in caplog.records)


def test_the_feed_is_updated_when_its_latest_brief_was_made_whatever_the_zones(
    tmp_path: Path,
) -> None:
    import uuid

    from briefing.archive.feed import atom_feed
    from briefing.archive.model import ArchiveEntry

    def entry(key: str, made: str, zone: str) -> ArchiveEntry:
        day = key.partition("/")[2]
        return ArchiveEntry(tmp_path, (key, day, 1, key.partition("/")[0], "T", made, zone, 1,
                                       None, ("brief.json",)))

    # Newest first by local date; the latest moment is the second (Honolulu's evening).
    briefs = [
        entry("kiritimati/2026-11-21", "2026-11-21T00:30:00+14:00", "+14"),  # 11-20 10:30 UTC
        entry("honolulu/2026-11-20", "2026-11-20T23:00:00-10:00", "HST"),  # 11-21 09:00 UTC
        entry("utc/2026-11-19", "2026-11-19T07:00:00+00:00", "UTC"),
    ] + [entry(f"old/2026-10-{day:02d}", f"2026-10-{day:02d}T07:00:00+00:00", "UTC")
         for day in range(30, 0, -1)]
    feed = feedparser.parse(atom_feed(
        briefs, {b.key: "s" for b in briefs}, title="T", base_url=None,
        now=NOW, installation=uuid.uuid4()))
    assert feed.feed.updated == "2026-11-20T23:00:00-10:00"
