"""The extractive engine: salient, verbatim-grounded, distinct bullets for every story."""

from __future__ import annotations

import hashlib
import random
import re
import time
from datetime import UTC, datetime

import pytest

from briefing.config import Limits
from briefing.summarize.base import Summarizer
from briefing.summarize.extractive import (
    ExtractiveSummarizer,
    extractive_bullets,
    to_bullet_text,
)
from briefing.text import infer_title, word_count, word_set
from briefing.types import Article, Bullet, BulletOrigin, Story
from tests.conftest import SEEDS_DIR

SEEDS = SEEDS_DIR
FETCHED = datetime(2024, 5, 14, 8, 0, tzinfo=UTC)


def make_article(article_id: int, text: str, outlet: str = "Example News") -> Article:
    return Article(
        id=article_id,
        source="test",
        outlet=outlet,
        title=infer_title(text) or "Untitled",
        text=text,
        content_hash=hashlib.sha256(text.encode()).hexdigest(),
        fetched=FETCHED,
    )


def make_story(*articles: Article, story_id: str = "s1", headline: str | None = None) -> Story:
    return Story(id=story_id, headline=headline or articles[0].title, articles=articles)


def seed_articles() -> list[Article]:
    if not SEEDS.is_dir():
        pytest.skip(f"seed corpus not available at {SEEDS}")
    paths = sorted(SEEDS.glob("*.txt"))
    if not paths:
        pytest.skip(f"no seed articles in {SEEDS}")
    return [
        make_article(index, path.read_text(encoding="utf-8"), outlet=f"Outlet {index}")
        for index, path in enumerate(paths, start=1)
    ]


def tokens(text: str) -> list[str]:
    return [token.lower() for token in re.findall(r"[^\W_]+", text)]


def is_subsequence(needle: list[str], haystack: list[str]) -> bool:
    remaining = iter(haystack)
    return all(any(word == candidate for candidate in remaining) for word in needle)


def assert_grounded(bullet: Bullet, article: Article) -> None:
    """The bullet's words appear in order in the article; its numbers appear verbatim."""
    assert is_subsequence(tokens(bullet.text), tokens(article.text)), bullet.text
    for number in re.findall(r"\d+(?:[.,]\d+)*", bullet.text):
        assert number in article.text, (number, bullet.text)


# Original text written for these tests, shaped like wire copy.
HARBOUR_A = "\n".join(
    [
        "Port workers in Rotterdam began a 48-hour strike on Monday, halting container traffic "
        "at Europe's largest port, the FNV union said.",
        "The union is demanding a 7.5% pay rise and better safety rules after two fatal "
        "accidents this year.",
        "Port operator Havenbedrijf said more than 60 ships were waiting to unload and warned "
        "of delays across northern Europe.",
        '"We had no choice," union spokeswoman Anna de Vries told reporters. '
        '"The talks went nowhere."',
        "Dutch Economy Minister Pieter Jansen urged both sides to return to the table.",
        "Subscribe to our newsletter for the latest updates.",
    ]
)

HARBOUR_B = "\n".join(
    [
        "Shipping lines diverted vessels to Antwerp and Hamburg on Monday as a strike shut "
        "Rotterdam's container terminals.",
        "Maersk said it had rerouted 12 ships and expected knock-on delays of up to a week for "
        "customers in Germany and Poland.",
        "Freight rates on the Asia-Europe route rose 4% in early trading, according to the "
        "Drewry index.",
        "Analysts at ING estimated the stoppage could cost the Dutch economy 150 million euros "
        "a day.",
    ]
)

LONG_SENTENCE = (
    "However, the new rules (which take effect in March) will require every bank operating "
    "in the bloc to hold at least 10% more capital against risky loans, a change regulators "
    "say will make the system safer, while lenders warn it will curb credit to small firms "
    "across southern Europe for years."
)


# --- the five seed articles --------------------------------------------------------------


def test_seed_articles_get_grounded_distinct_bullets() -> None:
    articles = seed_articles()
    stories = [make_story(article, story_id=f"s{article.id}") for article in articles]
    limits = Limits()
    summaries = ExtractiveSummarizer(limits).summarize(stories)
    assert [s.story_id for s in summaries] == [s.id for s in stories]
    for story, summary in zip(stories, summaries, strict=True):
        article = story.articles[0]
        assert summary.headline == story.headline
        assert limits.min_bullets <= len(summary.bullets) <= limits.max_bullets
        texts = [bullet.text.casefold() for bullet in summary.bullets]
        assert len(set(texts)) == len(texts)
        for bullet in summary.bullets:
            assert bullet.article_ids == (article.id,)
            assert bullet.origin is BulletOrigin.EXTRACTIVE
            assert bullet.verified is True
            assert word_count(bullet.text) <= limits.max_bullet_words
            assert bullet.text[0].isupper() or bullet.text[0] in '"“'
            assert bullet.text.rstrip("\"”’'")[-1] in ".!?"
            assert_grounded(bullet, article)


def test_seed_articles_never_yield_reader_appeals() -> None:
    """The seeds end with donation appeals that cleaning may miss: none becomes a bullet."""
    for article in seed_articles():
        for bullet in extractive_bullets(make_story(article), Limits()):
            lowered = bullet.text.lower()
            assert not re.search(r"\b(we|our|you|your)\b", lowered), bullet.text
            assert not re.search(r"support us|journalis|donat|subscri", lowered), bullet.text


@pytest.mark.parametrize("max_words", [12, 18, 25])
def test_tight_word_limits_still_ground_every_bullet(max_words: int) -> None:
    limits = Limits(max_bullet_words=max_words)
    for article in seed_articles():
        bullets = extractive_bullets(make_story(article), limits)
        assert bullets
        for bullet in bullets:
            assert word_count(bullet.text) <= max_words, bullet.text
            assert_grounded(bullet, article)


def test_multi_outlet_seed_story_cites_several_articles() -> None:
    articles = seed_articles()
    story = make_story(*articles[:3], headline="Russia and China step up high-level contacts")
    bullets = extractive_bullets(story, Limits())
    by_id = {article.id: article for article in articles}
    assert len({bullet.article_ids for bullet in bullets}) > 1
    for bullet in bullets:
        assert_grounded(bullet, by_id[bullet.article_ids[0]])


# --- behaviour on written examples ------------------------------------------------------


def test_multi_article_story_cites_both_outlets_in_reading_order() -> None:
    first = make_article(10, HARBOUR_A, outlet="Wire")
    second = make_article(11, HARBOUR_B, outlet="Trade Daily")
    bullets = extractive_bullets(make_story(first, second), Limits())
    cited = [bullet.article_ids[0] for bullet in bullets]
    assert set(cited) == {10, 11}
    assert cited == sorted(cited)  # by article, then document order
    for bullet in bullets:
        assert_grounded(bullet, first if bullet.article_ids == (10,) else second)


def test_lead_is_chosen_and_boilerplate_is_not() -> None:
    story = make_story(make_article(1, HARBOUR_A), headline="Dutch dock strike")
    bullets = extractive_bullets(story, Limits())
    assert bullets[0].text.startswith("Port workers in Rotterdam began a 48-hour strike")
    assert not any("newsletter" in bullet.text.lower() for bullet in bullets)


def test_near_duplicate_sentences_from_two_outlets_appear_once() -> None:
    lead = "Port workers in Rotterdam began a 48-hour strike on Monday, the FNV union said."
    copy = "Port workers in Rotterdam began a 48-hour strike on Monday, the union said."
    first = make_article(1, f"{lead}\nThe union wants a 7.5% pay rise.")
    second = make_article(2, f"{copy}\nMaersk said it had rerouted 12 ships to Antwerp.")
    bullets = extractive_bullets(make_story(first, second, headline="Rotterdam strike"), Limits())
    strike_bullets = [b for b in bullets if "48-hour strike" in b.text]
    assert len(strike_bullets) == 1


def test_a_sentence_repeating_the_headline_is_not_a_bullet() -> None:
    headline = "Rotterdam port workers strike for 48 hours"
    text = f"{headline}\n{HARBOUR_A}"
    bullets = extractive_bullets(make_story(make_article(1, text), headline=headline), Limits())
    assert all(bullet.text.rstrip(".") != headline for bullet in bullets)


def test_bullet_count_grows_with_the_text() -> None:
    short = make_story(make_article(1, HARBOUR_B), headline="Dutch dock strike")
    long = make_story(make_article(2, "\n".join([HARBOUR_A, HARBOUR_B, LONG_SENTENCE])),
                      headline="Dutch dock strike")
    for limits in (Limits(min_bullets=1, max_bullets=5), Limits(min_bullets=2, max_bullets=5)):
        assert len(extractive_bullets(short, limits)) == limits.min_bullets
        assert len(extractive_bullets(long, limits)) >= limits.min_bullets


def test_limits_bound_the_number_of_bullets() -> None:
    story = make_story(make_article(1, "\n".join([HARBOUR_A, HARBOUR_B])))
    assert len(extractive_bullets(story, Limits(min_bullets=1, max_bullets=1))) == 1


# --- shortening ---------------------------------------------------------------------------


def test_shortening_strips_connectives_and_asides() -> None:
    text = to_bullet_text("However, the central bank (which meets monthly) held rates at 4.5%.", 40)
    assert text == "The central bank held rates at 4.5%."
    for connective in ("But,", "Nonetheless,", "Meanwhile,", "In addition,", "At the same time,"):
        assert to_bullet_text(f"{connective} talks resumed in Geneva on Friday.", 40) == (
            "Talks resumed in Geneva on Friday."
        )


def test_shortening_keeps_phrases_that_only_look_like_connectives() -> None:
    sentence = "In addition to the fines, the company must repay 2 million euros."
    assert to_bullet_text(sentence, 40) == sentence


def test_a_sentence_too_long_for_a_bullet_is_skipped_never_cut() -> None:
    assert to_bullet_text(LONG_SENTENCE, 30) == ""
    fits = to_bullet_text(LONG_SENTENCE, 60)
    assert fits.endswith("across southern Europe for years.")
    story = make_story(make_article(3, f"{LONG_SENTENCE}\n{HARBOUR_B}"), headline="Bank rules")
    for bullet in extractive_bullets(story, Limits(max_bullet_words=30)):
        assert "new rules" not in bullet.text


def test_shortening_drops_an_aside_after_the_subject() -> None:
    sentence = (
        "Shoigu, the former defence minister who now runs the Security Council, met Indonesia's "
        "president in Jakarta on Thursday, as well as the defence minister and the army chief."
    )
    expected = (
        "Shoigu met Indonesia's president in Jakarta on Thursday, as well as the defence "
        "minister and the army chief."
    )
    assert to_bullet_text(sentence, 22) == expected
    assert to_bullet_text(sentence, 16) == ""  # still too long: skipped, not cut


def test_bullet_text_is_capitalised_and_keeps_its_own_end() -> None:
    assert to_bullet_text("the ships kept waiting outside the port.", 40) == (
        "The ships kept waiting outside the port."
    )
    assert to_bullet_text("iPhone sales fell 3% in the quarter.", 40) == (
        "iPhone sales fell 3% in the quarter."
    )
    assert to_bullet_text('He called it "a disaster."', 40) == 'He called it "a disaster."'


# --- odd inputs -------------------------------------------------------------------------------


def test_empty_and_blank_articles_get_no_bullets_and_a_note() -> None:
    stories = [
        make_story(make_article(1, ""), story_id="empty", headline="Empty"),
        make_story(make_article(2, "  \n\n  "), story_id="blank", headline="Blank"),
        Story(id="none", headline="No articles", articles=()),
    ]
    summaries = ExtractiveSummarizer().summarize(stories)
    assert [s.story_id for s in summaries] == ["empty", "blank", "none"]
    for summary in summaries:
        assert summary.bullets == ()
        assert summary.notes


def test_one_sentence_article_gets_that_sentence() -> None:
    sentence = "The city council approved the new tram line on Tuesday by 31 votes to 12."
    story = make_story(make_article(7, sentence), headline="Lenmouth gets its tram")
    summary = ExtractiveSummarizer().summarize([story])[0]
    assert [bullet.text for bullet in summary.bullets] == [sentence]
    assert summary.bullets[0].article_ids == (7,)
    assert summary.notes == ()


def test_one_line_without_punctuation_still_gets_a_bullet() -> None:
    story = make_story(make_article(3, "Storm closes schools across the north"), headline="Storm")
    bullets = extractive_bullets(story, Limits())
    assert [bullet.text for bullet in bullets] == ["Storm closes schools across the north."]


def test_a_story_made_only_of_furniture_gets_no_bullet() -> None:
    story = make_story(make_article(4, "Read more\nSubscribe"), headline="Odd page")
    assert extractive_bullets(story, Limits()) == ()


@pytest.mark.parametrize(
    "text",
    [
        "(Reporting by Anna Smith; editing by Tom Lee)",
        "( - ( U.S. Xi",
        "; ” ” But Putin",
        "…",  # no word at all: nothing to say, and no crash
    ],
)
@pytest.mark.parametrize("max_words", [3, 40])
def test_odd_text_never_crashes_and_stays_grounded(text: str, max_words: int) -> None:
    article = make_article(5, text)
    limits = Limits(max_bullet_words=max_words)
    bullets = extractive_bullets(make_story(article, headline="Odd"), limits)
    assert len(bullets) <= 1
    for bullet in bullets:
        assert bullet.text.strip()
        assert word_count(bullet.text) <= max_words
        assert_grounded(bullet, article)


# --- engine contract -------------------------------------------------------------------------


def test_engine_satisfies_the_summarizer_protocol() -> None:
    engine = ExtractiveSummarizer()
    assert isinstance(engine, Summarizer)
    assert engine.engine == "extractive"
    assert engine.summarize([]) == []


def test_output_is_deterministic() -> None:
    stories = [
        make_story(make_article(1, HARBOUR_A), make_article(2, HARBOUR_B), story_id="a"),
        make_story(make_article(3, LONG_SENTENCE), story_id="b"),
    ]
    first = ExtractiveSummarizer().summarize(stories)
    second = ExtractiveSummarizer().summarize(list(reversed(stories)))
    assert first == list(reversed(second))
    assert first == ExtractiveSummarizer().summarize(stories)


def synthetic_article(article_id: int, rng: random.Random, words: int = 1000) -> Article:
    """About ``words`` words of sentence-shaped text, from a fixed random generator."""
    vocabulary = word_set(
        "minister port strike union talks ships cargo bank rates inflation court ruling "
        "election votes troops border ceasefire energy prices gas deal summit leaders "
        "agreement sanctions exports growth Rotterdam Brussels Beijing Moscow Tuesday 2024 "
        "12 3.5% officials said on the in of and to for with after as"
    )
    choices = sorted(vocabulary)  # sorted: a frozenset's order varies between runs
    sentences: list[str] = []
    total = 0
    while total < words:
        length = rng.randint(8, 35)
        body = " ".join(rng.choice(choices) for _ in range(length))
        sentences.append(body[0].upper() + body[1:] + ".")
        total += length
    paragraphs = [" ".join(sentences[i : i + 3]) for i in range(0, len(sentences), 3)]
    return make_article(article_id, "\n".join(paragraphs))


def test_fifty_long_articles_all_get_bullets() -> None:
    rng = random.Random(20240514)
    articles = [synthetic_article(index, rng) for index in range(50)]
    stories = [make_story(article, story_id=str(article.id)) for article in articles]
    engine = ExtractiveSummarizer()
    engine.summarize(stories[:1])  # warm caches, as in a long-running process
    # Timing lives in bench/bench_brief_quality.py; here: every long article gets bullets.
    _timed(engine, stories)


def _timed(engine: ExtractiveSummarizer, stories: list[Story]) -> float:
    start = time.perf_counter()
    summaries = engine.summarize(stories)
    elapsed = time.perf_counter() - start
    assert all(summary.bullets for summary in summaries)
    return elapsed


def test_a_story_whose_only_sentence_restates_its_headline_keeps_it() -> None:
    """Better a bullet that repeats the headline than a story that leaves the brief."""
    headline = "Chinese icebreaker joins Russian Arctic shipping convoy"
    text = ("A Chinese research icebreaker joined a Russian convoy on the Northern Sea Route "
            "for the first time, Rosatom said, as Beijing and Moscow deepen cooperation on "
            "Arctic shipping lanes and port facilities.")
    article = Article(id=7, source="t", outlet="Test Wire", title=headline, text=text,
                      content_hash="icebreaker", fetched=datetime(2026, 11, 20, tzinfo=UTC))
    (bullet,) = extractive_bullets(Story("s", headline, (article,)), Limits())
    assert bullet.text == text and bullet.article_ids == (7,)
