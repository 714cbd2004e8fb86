"""A reproducible build: with SOURCE_DATE_EPOCH set, two installations that build the
same sources get byte-identical outputs, every file under out/.

Each installation is its own folder with a fresh store, and each runs `briefing`
in child processes with its own PYTHONHASHSEED (so no set or dict order can
slip into an output): a build from article files and an RSS feed on loopback, a
second build the same day after one more article arrives, then `archive rebuild`.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from collect.server import LoopbackServer

from briefing.resources import examples_dir
from briefing.storage import open_storage

pytestmark = pytest.mark.slow

EPOCH = 1764576000  # 2025-12-01 08:00:00 UTC
EXTRA_ARTICLE = """---
title: Saltmere port reopens to container traffic
outlet: The Harbour Ledger
---
The port of Saltmere reopened to container traffic on Monday after the strike ended.
Port officials said the backlog of 44 ships would be cleared within ten days.
Dockworkers returned to work under the pay deal agreed at the weekend.
"""


@pytest.fixture
def server() -> Iterator[LoopbackServer]:
    httpd = LoopbackServer().start()
    try:
        yield httpd
    finally:
        httpd.stop()


def _install(folder: Path, feed_url: str, port: int) -> Path:
    """An installation: a config, its own article folder, no store yet."""
    for outlet in ("harbour-ledger", "meridian-wire"):  # enough for several stories
        shutil.copytree(examples_dir() / outlet, folder / "articles" / outlet)
    config = folder / "briefing.toml"
    config.write_text(f"""
[brief]
title = "Morning Brief"
timezone = "Europe/Paris"
[fetch]
allow_private = ["127.0.0.1:{port}"]
per_host_delay = 0.0
full_text = false
[[sources]]
name = "desk"
type = "folder"
path = "articles"
[[sources]]
name = "wire"
type = "feed"
url = "{feed_url}"
""", encoding="utf-8")
    return config


def _briefing(config: Path, seed: int, *args: str) -> None:
    env = {**os.environ, "SOURCE_DATE_EPOCH": str(EPOCH), "PYTHONHASHSEED": str(seed)}
    done = subprocess.run(
        [sys.executable, "-c", "import sys; from briefing.cli import main; "
         "sys.exit(main(sys.argv[1:]))", *args, "--config", str(config), "-q"],
        cwd=config.parent, env=env, capture_output=True, text=True, timeout=300,
    )
    assert done.returncode == 0, done.stderr


def _outputs(folder: Path) -> dict[str, bytes]:
    out = folder / "out"
    return {path.relative_to(out).as_posix(): path.read_bytes()
            for path in sorted(out.rglob("*")) if path.is_file()}


def test_two_fresh_installations_build_byte_identical_outputs(
    tmp_path: Path, server: LoopbackServer
) -> None:
    feed_url = server.add_file("/wire.xml", "rss20.xml")
    outputs = []
    for name, seed in (("first", 1), ("second", 2)):
        config = _install(tmp_path / name, feed_url, server.port)
        _briefing(config, seed, "build", "--engine", "extractive")
        (config.parent / "articles" / "port-reopens.md").write_text(EXTRA_ARTICLE, "utf-8")
        _briefing(config, seed + 10, "build", "--engine", "extractive")
        _briefing(config, seed + 20, "archive", "rebuild")
        outputs.append(_outputs(config.parent))

    first, second = outputs
    paris = datetime.fromtimestamp(EPOCH, ZoneInfo("Europe/Paris"))
    day = paris.date().isoformat()
    for slug in (day, f"{day}-2"):
        for name in ("brief.pdf", "brief.html", "brief.txt", "brief.json", "index.html"):
            assert f"default/{slug}/{name}" in first
    assert {"index.html", "feed.xml", "search-index.js", "_archive/favicon.svg"} <= set(first)
    assert sorted(first) == sorted(second)
    different = [name for name in first if first[name] != second[name]]
    assert different == []

    # The brief's time is SOURCE_DATE_EPOCH, in the profile's zone.
    data = json.loads(first[f"default/{day}/brief.json"])
    assert datetime.fromisoformat(data["generated_at"]) == paris
    assert b"Generated 1 December 2025, 09:00 CET" in first[f"default/{day}/brief.txt"]
    # ...and each installation still has an identity of its own: the one a store
    # made under SOURCE_DATE_EPOCH derives from it, a store made without is random.
    with open_storage(tmp_path / "first" / ".briefing" / "briefing.db") as store:
        assert store.installation_id.version == 5
        assert f"urn:uuid:{store.installation_id}".encode() in first["feed.xml"]


def test_source_date_epoch_is_now_in_the_profiles_zone(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    from briefing.clock import local_now, now_utc, source_date
    from briefing.config import BriefSettings, Config, ProfileConfig

    config = Config(brief=BriefSettings(timezone="Asia/Tokyo"))
    profile = ProfileConfig(name="default")
    monkeypatch.setenv("SOURCE_DATE_EPOCH", str(EPOCH))
    assert now_utc() == source_date() == datetime.fromtimestamp(EPOCH, ZoneInfo("UTC"))
    assert local_now(config, profile).isoformat() == "2025-12-01T17:00:00+09:00"
    # A moment given explicitly (the scheduler's) still wins.
    given = datetime(2026, 1, 2, 3, 4, tzinfo=ZoneInfo("UTC"))
    assert local_now(config, profile, given) == given
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "yesterday")
    assert source_date() is None
    assert "SOURCE_DATE_EPOCH='yesterday' is not a number of seconds" in caplog.text
    monkeypatch.delenv("SOURCE_DATE_EPOCH")
    assert source_date() is None
