"""Ranking stories (outlets, recency, keywords, priority) and the per-brief cap."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from briefing.assemble import assemble_brief
from briefing.brief import Brief, brief_to_dict, validate_brief_dict
from briefing.config import ProfileConfig
from briefing.ranking import (
    OUTLET_WEIGHT,
    RECENCY_WEIGHT,
    rank_stories,
    split_at_cap,
    story_score,
)
from briefing.render.environment import make_environment
from briefing.types import Article, Bullet, Story, StorySummary

NOW = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)


def article(n: int, outlet: str, title: str, hours_ago: float, text: str = "") -> Article:
    return Article(
        id=n, source="t", outlet=outlet, title=title, text=text or f"{title}. Details follow.",
        content_hash=f"h{n}", fetched=NOW, url=f"https://news.example/{n}",
        published=NOW - timedelta(hours=hours_ago),
    )


def story(n: int, *articles: Article) -> Story:
    return Story(id=f"s{n}", headline=articles[0].title, articles=articles)


def test_more_outlets_rank_higher_then_recency() -> None:
    wide = story(1, article(1, "A", "Wide", 30), article(2, "B", "Wide", 30),
                 article(3, "C", "Wide", 30))
    fresh = story(2, article(4, "A", "Fresh", 0))
    stale = story(3, article(5, "A", "Stale", 72))
    ranked = rank_stories([stale, fresh, wide], ProfileConfig(name="p"), NOW)
    assert [s.id for s in ranked] == ["s1", "s2", "s3"]
    assert ranked[1].score == OUTLET_WEIGHT + RECENCY_WEIGHT  # one outlet, brand new


def test_keywords_and_priority_move_stories_up() -> None:
    plain = story(1, article(1, "A", "Council budget", 1), article(2, "B", "Council budget", 1))
    keyed = story(2, article(3, "A", "Grain exports from Russia to China rise", 1))
    urgent = story(3, article(4, "A", "Quiet item about a sanctions package", 40))
    profile = ProfileConfig(name="p", keywords=("russia|china", "grain"), priority=("sanctions",))
    ranked = rank_stories([plain, keyed, urgent], profile, NOW)
    assert [s.id for s in ranked] == ["s3", "s2", "s1"]
    assert story_score(keyed, profile, NOW) > story_score(keyed, ProfileConfig(name="p"), NOW)


def test_cap_lists_the_rest_as_also_noted_in_every_format() -> None:
    stories = [story(n, article(n, f"Outlet {n}", f"Story number {n} <b>bold</b>", n))
               for n in range(1, 6)]
    briefed, also = split_at_cap(rank_stories(stories, ProfileConfig(name="p"), NOW), 3)
    assert len(briefed) == 3 and [a.story_id for a in also] == ["s4", "s5"]
    assert also[0].line == "Story number 4 <b>bold</b> (Outlet 4; 1 article)"
    summaries = [StorySummary(s.id, s.headline, (Bullet("A fact.", (s.articles[0].id,)),))
                 for s in briefed]
    brief = assemble_brief(
        briefed, summaries, title="T", profile="p", generated_at=NOW, language="en",
        author="a", engine="extractive", also_noted=also,
    )
    data = brief_to_dict(brief)
    validate_brief_dict(data)
    assert [item["story_id"] for item in data["also_noted"]] == ["s4", "s5"]
    assert len(data["stories"]) == 3
    env = make_environment()
    from briefing.render.context import template_context

    context = template_context(brief)
    html = env.get_template("email.html.j2").render(context)
    assert "Also noted" in html and "&lt;b&gt;bold" in html and "<b>bold" not in html
    text = env.get_template("brief.txt.j2").render(context)
    assert "ALSO NOTED" in text and "Story number 5" in text


def test_also_noted_is_capped_and_the_rest_counted_in_every_output(tmp_path) -> None:
    from pathlib import Path

    from pypdf import PdfReader

    from briefing.brief import brief_from_dict
    from briefing.render import render_brief

    brief = _capped_brief(stories=40, briefed=2, also_noted_limit=5)
    assert len(brief.also_noted) == 5 and brief.also_noted_more == 33
    data = brief_to_dict(brief)
    validate_brief_dict(data)
    assert len(data["also_noted"]) == 5 and data["also_noted_more"] == 33
    assert brief_from_dict(data).also_noted_more == 33
    files = render_brief(brief, Path(tmp_path))
    for path in (files.html, files.text, files.page, files.markdown):
        shown = path.read_text(encoding="utf-8")
        assert "Story number 7" in shown and "Story number 8" not in shown, path
        assert "and 33 more stories not listed here" in shown, path
    pdf = " ".join((page.extract_text() or "") for page in PdfReader(files.pdf).pages)
    assert "and 33 more stories not listed here" in " ".join(pdf.split())


def test_no_also_noted_list_still_counts_the_stories_left_out() -> None:
    brief = _capped_brief(stories=3, briefed=1, also_noted_limit=0)
    from briefing.render.context import template_context

    text = make_environment().get_template("brief.txt.j2").render(template_context(brief))
    assert "ALSO NOTED" in text and "2 stories not listed here" in text


def _capped_brief(*, stories: int, briefed: int, also_noted_limit: int) -> Brief:
    """A brief of ``briefed`` stories out of ``stories`` ranked, the rest "Also noted"."""
    ranked = rank_stories([story(n, article(n, f"Outlet {n}", f"Story number {n}", n))
                           for n in range(1, stories + 1)], ProfileConfig(name="p"), NOW)
    kept, also = split_at_cap(ranked, briefed)
    summaries = [StorySummary(s.id, s.headline, (Bullet("A fact.", (s.articles[0].id,)),))
                 for s in kept]
    return assemble_brief(
        kept, summaries, title="T", profile="p", generated_at=NOW, language="en",
        author="a", engine="extractive", also_noted=also, also_noted_limit=also_noted_limit,
    )
