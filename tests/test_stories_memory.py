"""Memory across briefs: two builds on two days over a growing folder of articles."""

from __future__ import annotations

import json
import shutil
from dataclasses import replace
from datetime import datetime, timedelta, timezone
from pathlib import Path

from briefing.config import Config
from briefing.pipeline import build_brief

EXAMPLES = Path(__file__).resolve().parents[1] / "examples" / "articles"
CET = timezone(timedelta(hours=1))
DAY_ONE = [  # the strike's first two days, the rate cut, the storm
    "harbour-ledger/2026-11-18-saltmere-port-strike.md",
    "northgate-courier/2026-11-19-saltmere-strike-ships-queue.md",
    "meridian-wire/2026-11-19-bank-of-kestria-cuts-rates.txt",
    "northgate-courier/2026-11-19-bank-of-kestria-rate-cut-mortgages.txt",
    "northgate-courier/2026-11-16-storm-odile-floods-lenmouth.md",
]
DAY_TWO = [  # the strike goes on; the election is new
    "meridian-wire/2026-11-20-kestria-appoints-mediator-saltmere-strike.txt",
    "harbour-ledger/2026-11-21-saltmere-strike-talks-resume.md",
    "meridian-wire/2026-11-22-talvia-election-civic-alliance-wins.txt",
]


def _copy(names: list[str], folder: Path) -> None:
    for name in names:
        target = folder / name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(EXAMPLES / name, target)


def _build(config: Config, folder: Path, out: Path, when: datetime) -> dict:
    result = build_brief(config, sources=[folder], out_root=out, now=when)
    return json.loads((result.folder / "brief.json").read_text(encoding="utf-8"))


def test_second_brief_has_only_stories_with_new_articles(config: Config, tmp_path: Path) -> None:
    folder, out = tmp_path / "articles", tmp_path / "out"
    _copy(DAY_ONE, folder)
    first = _build(config, folder, out, datetime(2026, 11, 19, 20, 0, tzinfo=CET))
    assert len(first["stories"]) == 3 and first["developing"] == []
    assert not any(story["is_update"] for story in first["stories"])

    _copy(DAY_TWO, folder)
    when = datetime(2026, 11, 22, 22, 0, tzinfo=CET)
    second = _build(config, folder, out, when)
    headlines = [story["headline"] for story in second["stories"]]
    assert len(headlines) == 2, headlines  # rate cut and storm: nothing new, absent
    strike = next(s for s in second["stories"] if "Saltmere" in s["headline"])
    election = next(s for s in second["stories"] if "election" in s["headline"].lower())
    assert strike["is_update"] and not election["is_update"]
    assert strike["previous_brief"]["date"] == "2026-11-19"
    assert strike["previous_brief"]["href"] == "../2026-11-19/brief.html"
    assert second["developing"] == [strike["id"]]
    # Bullets are about what is new: they cite only the day-two articles.
    cited = {second["sources"][n - 1]["title"] for b in strike["bullets"] for n in b["sources"]}
    assert cited and all("walk out" not in title and "queue" not in title for title in cited)
    # ...but the story's outlets and span cover all its coverage.
    assert strike["first_seen"].startswith("2026-11-18")
    assert set(strike["outlets"]) >= {"The Harbour Ledger", "The Northgate Courier"}

    day = out / "default" / "2026-11-22"
    html = (day / "brief.html").read_text(encoding="utf-8")
    text = (day / "brief.txt").read_text(encoding="utf-8")
    # The email and text link the earlier brief only by an absolute address ([archive]
    # base_url, unset here): a relative one is dead in an inbox. The archive's page links it.
    assert "Developing stories" in html and "../2026-11-19" not in html
    assert "file:" not in html
    assert "DEVELOPING STORIES" in text and "UPDATE:" in text and "../2026-11-19" not in text
    page = (day / "index.html").read_text(encoding="utf-8")
    assert 'href="../2026-11-19/brief.html"' in page

    # A rebuild the same day replaces that day's brief: it briefs the same stories.
    again = _build(config, folder, out, when + timedelta(minutes=1))
    assert [s["headline"] for s in again["stories"]] == headlines


def test_a_story_told_over_two_days_is_one_story_in_each_brief(
    config: Config, tmp_path: Path
) -> None:
    """Whatever day the first brief was built, the strike is one story the next time."""
    everything = sorted(p.relative_to(EXAMPLES).as_posix() for p in EXAMPLES.rglob("*")
                        if p.is_file() and p.name != "README.md")
    for day in ("18", "19", "20"):
        folder, out = tmp_path / f"articles-{day}", tmp_path / f"out-{day}"
        _copy([name for name in everything if name.split("/")[1][:10] <= f"2026-11-{day}"],
              folder)
        config = replace(config, paths=replace(config.paths, store=tmp_path / f"{day}.db"))
        _build(config, folder, out, datetime(2026, 11, int(day), 20, 0, tzinfo=CET))
        _copy(everything, folder)
        second = _build(config, folder, out, datetime(2026, 11, 22, 23, 58, tzinfo=CET))
        headlines = [s["headline"] for s in second["stories"]]
        headlines += [item["headline"] for item in second["also_noted"]]
        strike = [h for h in headlines if "Saltmere" in h]
        assert len(strike) == 1, headlines
        assert len(set(headlines)) == len(headlines)
        story = next(s for s in second["stories"] if "Saltmere" in s["headline"])
        assert story["is_update"] and story["previous_brief"]["date"] == f"2026-11-{day}"


def test_seeds_built_after_the_examples_are_still_five_stories(
    config: Config, tmp_path: Path, seeds_dir: Path
) -> None:
    """Grouping does not depend on what else the store holds (the issue: the Putin-Xi video
    call and Putin's visit to China merged once the examples had been briefed)."""
    when = datetime(2026, 11, 22, 23, 0, tzinfo=CET)
    alone = replace(config, paths=replace(config.paths, store=tmp_path / "alone.db"))
    first = _build(alone, seeds_dir, tmp_path / "alone", when)
    build_brief(config, out_root=tmp_path / "out", now=when)  # the bundled examples
    after = _build(config, seeds_dir, tmp_path / "out", when + timedelta(days=1))

    def stories(brief: dict) -> list[set[str]]:
        titles = {n: s["title"] for n, s in enumerate(brief["sources"], 1)}
        groups = [{titles[n] for n in story["sources"]} for story in brief["stories"]]
        return groups + [{item["headline"]} for item in brief["also_noted"]]

    assert len(stories(first)) == 5
    assert sorted(map(sorted, stories(after))) == sorted(map(sorted, stories(first)))
