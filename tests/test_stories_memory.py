"""Memory across briefs: two builds on two days over a growing folder of articles."""

from __future__ import annotations

import json
import shutil
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
