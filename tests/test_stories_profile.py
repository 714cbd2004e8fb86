"""Profiles filter what they take: keywords, include and exclude terms, languages."""

from __future__ import annotations

import json
import shutil
from datetime import UTC, datetime
from pathlib import Path

from conftest import SEEDS_DIR

from briefing.config import ProfileConfig, load_config
from briefing.grouping.filters import takes
from briefing.grouping.language import guess_language
from briefing.pipeline import build_brief
from briefing.types import Article

EXAMPLES = Path(__file__).resolve().parents[1] / "examples" / "articles"
ON_TOPIC = {
    "grain.md": ("Russia and China agree grain corridor through Zabaykalsk",
                 "Moscow and Beijing signed an agreement on Tuesday to open a new grain corridor "
                 "at the Zabaykalsk border crossing, the Russian agriculture ministry said. "
                 "Chinese buyers will take up to eight million tonnes of wheat a year."),
    "arctic.md": ("Chinese icebreaker joins Russian Arctic shipping convoy",
                  "A Chinese research icebreaker joined a Russian convoy on the Northern Sea "
                  "Route for the first time, Rosatom said, as Beijing and Moscow deepen "
                  "cooperation on Arctic shipping lanes and port facilities."),
}
OFF_TOPIC = {
    "russia-only.md": ("Russian central bank holds key rate at 16%",
                       "The Bank of Russia kept its key rate unchanged on Friday, saying "
                       "inflation in Moscow and the regions remained above its target."),
    "opinion.md": ("Opinion: what the Russia-China summit really means",
                   "Opinion. When the leaders of Russia and China meet in Beijing this week, "
                   "the pageantry will hide a lopsided partnership."),
    "german.md": ("Russland und China vereinbaren neue Gaspipeline",
                  "Russland und China haben am Dienstag in Peking eine Vereinbarung über den "
                  "Bau einer neuen Gaspipeline unterzeichnet, die nicht vor dem Jahr 2030 in "
                  "Betrieb gehen soll. Die Leitung soll durch die Mongolei führen und ist für "
                  "Moskau von großer Bedeutung, weil der Absatz in Europa eingebrochen ist."),
}


def _write(folder: Path, articles: dict[str, tuple[str, str]]) -> None:
    for name, (title, text) in articles.items():
        (folder / name).write_text(
            f"---\ntitle: {title}\noutlet: Test Wire\npublished: 2026-11-20T09:00:00+00:00\n"
            f"---\n{text}\n", encoding="utf-8")


def test_a_russia_china_profile_takes_only_articles_on_that(tmp_path: Path) -> None:
    folder = tmp_path / "mixed"
    shutil.copytree(EXAMPLES, folder)
    _write(folder, ON_TOPIC | OFF_TOPIC)
    seeds = SEEDS_DIR.is_dir()
    if seeds:
        shutil.copytree(SEEDS_DIR, folder / "seeds")
    (tmp_path / "briefing.toml").write_text(
        '[[sources]]\nname = "mixed"\npath = "mixed"\n\n'
        '[profiles.russia-china]\ntitle = "Russia-China"\nsources = ["mixed"]\n'
        'include = ["russia|moscow|kremlin|putin", "china|chinese|beijing|xi jinping"]\n'
        'exclude = ["opinion"]\nlanguages = ["en"]\nkeywords = ["russia", "china", "grain"]\n'
        'max_stories = 3\n', encoding="utf-8")
    config = load_config(tmp_path / "briefing.toml")
    result = build_brief(config, profile="russia-china", out_root=tmp_path / "out",
                         now=datetime(2026, 11, 22, 12, 0, tzinfo=UTC))
    data = json.loads((result.folder / "brief.json").read_text(encoding="utf-8"))
    titles = {s["title"] for s in data["sources"]} | {a["headline"] for a in data["also_noted"]}
    assert "Russia and China agree grain corridor through Zabaykalsk" in titles
    for title, _ in OFF_TOPIC.values():
        assert title not in titles
    assert not any("Kestria" in t or "Saltmere" in t or "Talvia" in t for t in titles)
    expected = len(ON_TOPIC) + (5 if seeds else 0)
    assert len(data["stories"]) + len(data["also_noted"]) == expected
    assert len(data["stories"]) == min(3, expected)
    # Keywords filter (any one) and rank: the grain story matches three of them.
    assert data["stories"][0]["headline"].startswith("Russia and China agree grain")


def _article(title: str, text: str) -> Article:
    return Article(id=1, source="t", outlet="o", title=title, text=text, content_hash="h",
                   fetched=datetime(2026, 1, 1, tzinfo=UTC))


def test_terms_match_whole_words_with_plural_and_demonym_endings() -> None:
    profile = ProfileConfig(name="p", include=("russia",))
    assert takes(profile, _article("Russian exports", "x"))
    assert takes(profile, _article("Russia's exports", "x"))
    assert not takes(profile, _article("Prussia's past", "x"))
    assert takes(ProfileConfig(name="p", keywords=("xi jinping",)),
                 _article("t", "President Xi  Jinping spoke."))


def test_language_guess() -> None:
    assert guess_language(OFF_TOPIC["german.md"][1]) == "de"
    assert guess_language(ON_TOPIC["grain.md"][1]) == "en"
    assert guess_language("Too short.") == "und"
