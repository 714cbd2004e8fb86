"""OPML in and out: real-world subscription lists (feed readers' exports, nested
folders, odd encodings) imported into a commented config through the CLI, exported
again, and round-tripped."""

from __future__ import annotations

import tomllib
from datetime import UTC, datetime
from pathlib import Path

import pytest

from briefing.cli import main
from briefing.config import load_config
from briefing.opml import OpmlError, read_opml, write_opml
from briefing.subscriptions import export_opml

OPML = Path(__file__).parent / "data" / "opml"

#: file -> (feed count, a title that must read as written, its folders)
EXPECTED = {
    "feedly.opml": (7, "Krebs on Security", ("Tech", "Security")),
    "inoreader.xml": (7, "Медуза — Новости", ("Europe", "Россия")),
    "netnewswire-latin1.opml": (3, "Süddeutsche Zeitung - Politik", ("Zeitungen",)),
    "mislabelled-cp1252.opml": (3, "Libération – À chaud", ()),
    "utf16-bom.opml": (3, "Коммерсантъ. Главное", ("Новости",)),
    "undeclared-cp1251.opml": (2, "Ведомости - Экономика", ("Экономика",)),
    "oldstyle.opml": (4, "NASA Breaking News", ()),
}

CONFIG = """\
# Newsroom config: keep this comment.
[brief]
title = "Morning Brief"   # what readers see

[[sources]]
name = "examples"          # the bundled articles
type = "folder"
path = "articles"

[profiles.default]
title = "Morning Brief"
sources = ["examples"]     # only these

[profiles.world]
# every source
"""


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_real_world_lists_read_as_written(name: str) -> None:
    count, title, folders = EXPECTED[name]
    listing = read_opml((OPML / name).read_bytes(), name)
    assert len(listing.feeds) == count
    (feed,) = [feed for feed in listing.feeds if feed.title == title]
    assert feed.folders == folders
    assert all(feed.url.startswith(("http://", "https://")) for feed in listing.feeds)
    for feed in listing.feeds:  # no mojibake, no replacement characters
        assert "\ufffd" not in feed.title and "Ã" not in feed.title


def test_odd_outlines() -> None:
    listing = read_opml((OPML / "oldstyle.opml").read_bytes())
    urls = {feed.url for feed in listing.feeds}
    assert "http://www.nasa.gov/rss/dyn/breaking_news.rss" in urls  # feed:// -> http://
    assert "https://feeds.npr.org/1001/rss.xml" in urls  # feed:https:// and XMLURL
    assert "http://scripting.com/rss.xml" in urls  # OPML 1.0: type="rss" url=...
    assert "https://www.example.org/" not in urls  # type="link" is a page, not a feed
    assert [line.split(":")[0] for line in listing.skipped] == ["gopher", "javascript"]
    assert "Spaced out title" in {feed.title for feed in listing.feeds}
    # The same feed in two folders is one feed (its first folder).
    feedly = read_opml((OPML / "feedly.opml").read_bytes())
    bbc = [f for f in feedly.feeds if f.url == "http://feeds.bbci.co.uk/news/world/rss.xml"]
    assert len(bbc) == 1 and bbc[0].folders == ("World",)


def test_entities_are_never_resolved() -> None:
    listing = read_opml((OPML / "xxe.opml").read_bytes())
    assert listing.title is None or "&" in listing.title or listing.title == ""
    hostname = Path("/etc/hostname")
    if hostname.is_file() and hostname.read_text().strip():
        assert hostname.read_text().strip() not in repr(listing)
    assert [feed.url for feed in listing.feeds] == ["https://harmless.example.org/feed.xml"]


@pytest.mark.parametrize("data", [b"", b"<html><body>no</body></html>", b"<opml><body>",
                                  b"\x00\x01binary"])
def test_not_opml_is_one_clear_error(data: bytes) -> None:
    with pytest.raises(OpmlError, match=r"^subs\.opml: "):
        read_opml(data, "subs.opml")


def _config(tmp_path: Path) -> Path:
    (tmp_path / "articles").mkdir()
    path = tmp_path / "briefing.toml"
    path.write_text(CONFIG, encoding="utf-8")
    return path


def test_import_keeps_comments_and_adds_each_feed_once(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _config(tmp_path)
    assert main(["--config", str(path), "sources", "import", str(OPML / "feedly.opml"),
                 "--profile", "default"]) == 0
    assert "7 feed(s) added, 0 already there" in capsys.readouterr().out
    text = path.read_text(encoding="utf-8")
    for comment in ("# Newsroom config: keep this comment.", "# what readers see",
                    "# the bundled articles", "# only these", "# every source"):
        assert comment in text
    assert "# from feedly.opml, folder Tech / Security" in text
    config = load_config(path)
    feeds = [s for s in config.sources if s.type == "feed"]
    assert len(feeds) == 7
    assert config.profile("default").sources[0] == "examples"
    assert set(config.profile("default").sources[1:]) == {s.name for s in feeds}
    assert config.profile("world").sources == ()  # takes every source already
    # Again, and with an overlapping list: nothing twice.
    assert main(["--config", str(path), "sources", "import", str(OPML / "feedly.opml")]) == 0
    assert "0 feed(s) added, 7 already there" in capsys.readouterr().out
    assert main(["--config", str(path), "sources", "import", str(OPML / "inoreader.xml"),
                 "--profile", "europe"]) == 0
    config = load_config(path)
    assert len([s for s in config.sources if s.type == "feed"]) == 14
    assert len(config.profile("europe").sources) == 7
    assert "Медуза — Новости" in config.profile("europe").sources


def test_a_name_taken_gets_a_number(tmp_path: Path) -> None:
    path = _config(tmp_path)
    text = path.read_text(encoding="utf-8").replace('name = "examples"', 'name = "Hacker News"')
    path.write_text(text.replace('sources = ["examples"]', 'sources = ["Hacker News"]'),
                    encoding="utf-8")
    assert main(["--config", str(path), "sources", "import", str(OPML / "inoreader.xml")]) == 0
    names = [s.name for s in load_config(path).sources]
    assert "Hacker News (2)" in names


def test_a_broken_list_changes_nothing(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = _config(tmp_path)
    broken = tmp_path / "broken.opml"
    broken.write_bytes(b"<opml version='2.0'><body><outline xmlUrl='https://a.example/f'>")
    assert main(["--config", str(path), "sources", "import", str(broken)]) == 1
    err = capsys.readouterr().err
    assert "broken.opml: not well-formed XML" in err and len(err.strip().splitlines()) == 1
    assert path.read_text(encoding="utf-8") == CONFIG


def test_round_trip(tmp_path: Path) -> None:
    """Import every real-world list, export, read the export back, import it again."""
    path = _config(tmp_path)
    imported: dict[str, str] = {}
    for name in sorted(EXPECTED):
        assert main(["--config", str(path), "sources", "import", str(OPML / name)]) == 0
        for feed in read_opml((OPML / name).read_bytes()).feeds:
            imported.setdefault(feed.url, feed.title)
    out = tmp_path / "export.opml"
    assert main(["--config", str(path), "sources", "export", "-o", str(out)]) == 0
    exported = read_opml(out.read_bytes())
    assert {feed.url: feed.title for feed in exported.feeds} == imported
    assert exported.title == "Morning Brief"
    before = path.read_text(encoding="utf-8")
    assert main(["--config", str(path), "sources", "import", str(out)]) == 0
    assert path.read_text(encoding="utf-8") == before  # nothing new
    tomllib.loads(before)


def test_export_is_opml_2_that_readers_take(tmp_path: Path,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    path = _config(tmp_path)
    main(["--config", str(path), "sources", "import", str(OPML / "feedly.opml"),
          "--profile", "tech"])
    capsys.readouterr()
    assert main(["--config", str(path), "sources", "export", "--profile", "tech"]) == 0
    data = capsys.readouterr().out.encode("utf-8")
    assert data.startswith(b"<?xml version='1.0' encoding='UTF-8'?>\n<opml version=\"2.0\">")
    from lxml import etree

    root = etree.fromstring(data)
    outlines = root.findall("./body/outline")
    assert len(outlines) == 7
    for outline in outlines:
        assert outline.get("type") == "rss" and outline.get("text") == outline.get("title")
        assert outline.get("xmlUrl", "").startswith("http")
    assert root.findtext("./head/dateCreated")


def test_write_opml_nests_folders() -> None:
    feeds = read_opml((OPML / "inoreader.xml").read_bytes()).feeds
    data = write_opml(feeds, title="x", now=datetime(2026, 12, 1, tzinfo=UTC))
    again = read_opml(data)
    assert [(f.url, f.title, f.folders) for f in again.feeds] == \
        [(f.url, f.title, f.folders) for f in feeds]


def test_export_without_feeds_says_so(tmp_path: Path) -> None:
    from briefing.errors import ConfigError

    with pytest.raises(ConfigError, match="no feed sources to export"):
        export_opml(load_config(_config(tmp_path)))
