"""Gmail clips HTML over about 102 KB: the email's HTML part keeps to a size budget."""

from __future__ import annotations

import html as html_lib
from pathlib import Path

import pytest
from render_samples import make_brief

from briefing.deliver import send_brief
from briefing.render.email_budget import DEFAULT_BUDGET, budgeted_email_html
from briefing.render.email_html import render_email_html
from briefing.render.environment import make_environment
from briefing.render.text import render_text
from briefing.storage import open_storage

from .conftest import Received, SetupFactory, load_config, record, write_config

GMAIL_CLIP = 102 * 1024


def test_a_200_article_brief_fits_with_fewer_stories_in_full() -> None:
    brief = make_brief(n_articles=200)
    env = make_environment(())
    whole = render_email_html(brief, env).encode("utf-8")
    result = budgeted_email_html(brief, env)
    print(
        f"\n200 articles, {len(brief.stories)} stories: whole HTML {len(whole):,} bytes; "
        f"email HTML {result.size:,} bytes with {result.full_stories} stories in full "
        f"and {result.one_liners} as one-liners"
    )
    assert len(whole) > GMAIL_CLIP  # the problem is real
    assert result.fits and result.size <= DEFAULT_BUDGET < GMAIL_CLIP
    assert 1 <= result.full_stories < len(brief.stories)
    assert result.full_stories + result.one_liners == len(brief.stories)
    assert "the full brief, with every source," in result.html and "attached PDF" in result.html
    for story in brief.stories:  # every story is there, in full or as one line
        assert html_lib.escape(story.headline, quote=False) in result.html
    shown = brief.stories[: result.full_stories]
    assert all(
        html_lib.escape(b.text, quote=False) in result.html for s in shown for b in s.bullets
    )
    # The rest lost their bullets: one line each instead.
    full_bullets = sum(len(story.bullets) for story in shown)
    assert result.html.count("<li") <= len(brief.top_lines) + full_bullets + result.one_liners
    # The source list shrank with the stories: only what the shown bullets cite.
    cited = {n for b in (*brief.top_lines, *(b for s in shown for b in s.bullets))
             for n in b.sources} | {n for s in shown for n in s.sources}
    assert result.sources_listed == len(cited) < len(brief.sources)
    assert brief.coverage.startswith("200 articles") and brief.coverage in result.html


@pytest.mark.parametrize("budget", [40_000, 15_000, 2_000])
def test_a_small_budget_keeps_the_top_story_in_full_and_fewer_sources(budget: int) -> None:
    brief = make_brief(n_articles=200)
    result = budgeted_email_html(brief, make_environment(()), budget=budget)
    top = brief.stories[0]
    assert result.full_stories >= 1
    assert all(html_lib.escape(b.text, quote=False) in result.html for b in top.bullets)
    assert html_lib.escape(top.headline, quote=False) in result.html
    assert result.sources_listed < len(brief.sources) // 4
    assert result.fits == (budget > 2_000)  # 2 KB cannot hold even the top story
    assert result.fits or result.size < 15_000  # ...then it is the smallest version
    assert "the full brief, with every source," in result.html


def test_a_small_brief_is_sent_as_built(setup: SetupFactory, mail_server: object) -> None:
    s = setup(mail_server)
    report = send_brief(s.config, s.store, s.brief_id, dry_run=True)
    message = Received("", [], report.files[0].read_bytes()).message
    part = message.get_body(("html",))
    assert part is not None
    on_disk = (s.folder / "brief.html").read_text(encoding="utf-8")
    assert part.get_content().replace("\r\n", "\n").rstrip() == on_disk.rstrip()


def test_the_sent_html_part_of_a_200_article_brief_stays_under_the_clip(tmp_path: Path) -> None:
    brief = make_brief(n_articles=200)
    env = make_environment(())
    rendered = tmp_path / "rendered"
    rendered.mkdir(parents=True)
    (rendered / "brief.html").write_text(render_email_html(brief, env), encoding="utf-8")
    (rendered / "brief.txt").write_text(render_text(brief, env), encoding="utf-8")
    (rendered / "brief.pdf").write_bytes(b"%PDF-1.7\n% stand-in: the budget does not read it\n")
    config = load_config(write_config(tmp_path, None))
    with open_storage(config.paths.store) as store:
        brief_id, _ = record(store, brief, rendered, config.paths.out)
        report = send_brief(config, store, brief_id, dry_run=True)
    raw = report.files[0].read_bytes()
    message = Received("", [], raw).message
    html_part, text_part = message.get_body(("html",)), message.get_body(("plain",))
    assert html_part is not None and text_part is not None
    size = len(html_part.get_content().encode("utf-8"))
    encoded = len(html_part.as_bytes())  # as transferred: quoted-printable, with its headers
    print(f"\nemail of a 200-article brief: {len(raw):,} bytes; HTML part {size:,} bytes, "
          f"{encoded:,} bytes encoded")
    assert size <= DEFAULT_BUDGET and encoded < GMAIL_CLIP
    text = text_part.get_content()
    assert all(source.url in text for source in brief.sources if source.url)


def test_a_sent_email_under_a_small_budget_keeps_the_top_story(setup: SetupFactory) -> None:
    s = setup(None, html_budget=12_000)
    report = send_brief(s.config, s.store, s.brief_id, dry_run=True)
    message = Received("", [], report.files[0].read_bytes()).message
    html_part, text_part = message.get_body(("html",)), message.get_body(("plain",))
    assert html_part is not None and text_part is not None
    html, text = html_part.get_content(), text_part.get_content()
    assert len(html.replace("\r\n", "\n").encode()) + html.count("\n") <= 12_000
    top = s.brief.stories[0]
    assert all(html_lib.escape(b.text, quote=False) in html for b in top.bullets)
    listed = html.count('<span class="source-num"')
    assert 0 < listed < len(s.brief.sources)
    assert all(f"[{source.number}] " in text for source in s.brief.sources)  # all, in text
