"""Grouping's parts: the fixed word prior, links, determinism, near-copy sketches, continuations,
and its scores on labelled news (the set with text here; the shared headlines when present)."""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pytest
from stories_corpus import CORPUS_DIR, LABELLED_FILE, SET_FOLDERS, load_folder, make_corpus

from briefing.collect import dedup
from briefing.grouping import GroupingParams, cluster_articles, prior
from briefing.grouping.continuation import join_continuations
from briefing.grouping.evaluation import bcubed_scores, read_labelled, split_by_story
from briefing.grouping.features import build_features
from briefing.grouping.similarity import Edges, similarity_edges
from briefing.stories import group_into_stories
from briefing.types import Article

NEWS_STORIES = CORPUS_DIR / "news-stories" / "tuning.tsv"
WHEN = datetime(2026, 3, 10, 9, 0, tzinfo=UTC)


def _article(article_id: int, title: str, text: str = "", *, hours: float = 0.0,
             dated: bool = True) -> Article:
    when = WHEN + timedelta(hours=hours)
    return Article(id=article_id, source="t", outlet=f"Outlet {article_id}", title=title,
                   text=text, content_hash=f"h{article_id}", fetched=when,
                   published=when if dated else None)


def _partition(stories: list) -> set[frozenset[int]]:
    return {frozenset(a.id for a in story.articles) for story in stories}


# -- the prior --------------------------------------------------------------------------


def test_weights_come_from_the_language_not_the_batch() -> None:
    assert prior.weight("saltmere") > prior.weight("kremlin") > prior.weight("strike")
    assert prior.weight("strike") > prior.weight("says") > 0
    assert prior.is_distinctive("titanfall") and not prior.is_distinctive("easier")
    # Very common words are not features; numbers have one spelling.
    assert prior.words("The talks of the day, and after") == ["talks"]
    assert prior.words("1,800 dockers and a 3.50% rate, 5G") == ["1800", "dockers", "3.5",
                                                                 "rate", "5g"]
    assert prior.is_distinctive("1800") and not prior.is_distinctive("2014")


def test_numbers_in_japanese_and_chinese_text_are_weighed_without_their_tokenizers() -> None:
    # wordfreq tokenizes these languages with MeCab or jieba, which it does not install;
    # an article of them with a number in it must not stop grouping.
    for language, text in (("ja", "ノート100yen"), ("ja", "2024年"), ("zh", "第3季度")):
        assert 0.0 <= prior.zipf(text, language) < prior.RARITY_CEILING
    tokyo = "東京都は2024年の予算案を発表した。" * 8
    articles = [_article(1, "東京都、2024年度予算案を発表", tokyo),
                _article(2, "都の予算案 2024年度", tokyo, hours=1)]
    assert _partition(group_into_stories(articles)) == {frozenset({1, 2})}


def test_a_pair_scores_the_same_whatever_else_is_grouped() -> None:
    left = _article(1, "Sbarro files for bankruptcy again")
    right = _article(2, "Pizza chain Sbarro goes bankrupt for second time", hours=2)
    others = [replace(a, id=a.id + 100) for a in make_corpus(30, seed=2, days=2).articles]
    rule = GroupingParams().similarity_rule

    def pair_value(articles: list[Article]) -> float:
        edges = similarity_edges(build_features(articles), rule)
        index = {a.id: i for i, a in enumerate(articles)}
        hit = (edges.left == index[1]) & (edges.right == index[2])
        return float(edges.similarity[hit][0])

    alone = pair_value([left, right])
    assert pair_value([*others[:10], left, *others[10:], right]) == alone
    assert pair_value([right, *others, left][::-1]) == alone


# -- links: never over common words alone ------------------------------------------------


def test_headlines_sharing_only_common_words_stay_apart() -> None:
    theft = _article(1, "Making Movie Theft Easier")
    apps = _article(2, "Google Is Making Apps for Wearables Easier to Build", hours=1)
    assert len(group_into_stories([theft, apps])) == 2
    # Even word for word: common words are never evidence on their own.
    same_words = _article(3, "Making things easier", hours=2)
    twin = _article(4, "Making Things Easier", hours=3)
    edges = similarity_edges(build_features([same_words, twin]), GroupingParams().similarity_rule)
    assert not edges.link.any()
    assert len(group_into_stories([same_words, twin])) == 2


def test_headlines_sharing_a_name_and_the_event_are_one_story() -> None:
    stories = group_into_stories([
        _article(1, "Sbarro files for bankruptcy again"),
        _article(2, "Pizza chain Sbarro files for bankruptcy protection", hours=1),
        _article(3, "Sbarro files for Chapter 11 for the second time", hours=2),
        _article(4, "Titanfall review roundup", hours=1),
    ])
    assert _partition(stories) == {frozenset({1, 2, 3}), frozenset({4})}


def test_same_cast_on_other_dates_is_another_story() -> None:
    text = ("The presidents of Brazil and India held a video call on Thursday to discuss "
            "trade, farm exports and the BRICS summit, Brazil's foreign ministry said.")
    call = _article(1, "Brazil and India leaders hold video call", text)
    a_year_later = replace(call, id=2, content_hash="h2", published=WHEN + timedelta(days=365),
                           text=text.replace("Thursday", "Monday"))
    assert len(group_into_stories([call, a_year_later])) == 2
    undated_copy = replace(a_year_later, published=None)
    assert len(group_into_stories([call, undated_copy])) == 1


# -- determinism -------------------------------------------------------------------------


def test_the_same_articles_make_the_same_stories_whatever_else_is_there(seeds_dir: Path) -> None:
    seeds = load_folder(seeds_dir)
    alone = _partition(group_into_stories(seeds))
    assert len(alone) == 5
    examples = [replace(a, id=a.id + 100) for a in load_folder(SET_FOLDERS["examples"])]
    synthetic = [replace(a, id=a.id + 1000) for a in make_corpus(40, seed=5, days=6).articles]
    crowd = [*examples, *seeds, *synthetic]
    random.Random(3).shuffle(crowd)
    seed_ids = {a.id for a in seeds}
    together = {group for group in _partition(group_into_stories(crowd)) if group & seed_ids}
    assert together == alone


# -- near-copies: sketches stored by collection are used ---------------------------------


def test_near_copies_use_the_sketches_given() -> None:
    text = ("Dockworkers at the port of Rotterdam stopped work at dawn on Monday in protest at "
            "plans to replace crane drivers with remotely operated cranes, the union said. ")
    first = _article(1, "Rotterdam dockers walk out", text * 2)
    second = _article(2, "Ships wait off the Dutch coast",
                      "Shipping lines were told to expect delays of at least two days as "
                      "container ships waited off the coast near the port of Rotterdam. " * 2,
                      hours=3)
    assert len(group_into_stories([first, second])) == 2
    # Collection found them to be copies (the same sketch): grouping trusts that.
    sketch = dedup.sketch_values(first.title, first.text)
    assert sketch is not None
    stories = group_into_stories([first, second], sketches={1: sketch, 2: sketch})
    assert _partition(stories) == {frozenset({1, 2})}


# -- continuations of earlier stories ----------------------------------------------------


def _edges(*pairs: tuple[int, int, float, bool]) -> Edges:
    left, right, similarity, link = zip(*pairs, strict=True)
    return Edges(np.array(left), np.array(right), np.array(similarity), np.array(link))


def test_new_coverage_joins_the_earlier_story_it_links_to_best() -> None:
    # Articles 0-1 were briefed (story A), 2 was briefed alone (story B); 3 and 4 are new.
    clusters = [[0, 1], [2], [3], [4]]
    earlier = [True, True, True, False, False]
    edges = _edges((1, 3, 2.0, True), (2, 3, 3.0, True), (0, 4, 1.5, True), (2, 4, 5.0, False))
    assert join_continuations(clusters, edges, earlier) == [[0, 1, 4], [2, 3]]


def test_new_coverage_joins_a_story_that_already_has_new_articles() -> None:
    # Yesterday's strike article (0) grouped with today's first update (1); today's
    # second update (2) is linked to that update only: still one story, not two.
    clusters = [[0, 1], [2]]
    edges = _edges((1, 2, 2.0, True))
    assert join_continuations(clusters, edges, [True, False, False]) == [[0, 1, 2]]
    # Without a link nothing joins.
    assert join_continuations(clusters, _edges((1, 2, 2.0, False)), [True, False, False]) \
        == clusters


def test_earlier_stories_start_whole() -> None:
    corpus = make_corpus(8, seed=6, days=3)
    articles = list(corpus.articles)
    a, b = articles[0], articles[-1]
    assert corpus.event_of[a.id] != corpus.event_of[b.id]
    stories = group_into_stories(articles, briefed={a.id, b.id}, story_keys={a.id: "k",
                                                                             b.id: "k"})
    assert any({a.id, b.id} <= {x.id for x in s.articles} for s in stories)


# -- scores on labelled news ----------------------------------------------------------------


def _labels(items: list, *, titles_only: bool = False) -> list[str]:
    articles = [replace(i.article, text="") if titles_only else i.article for i in items]
    story_of = {a.id: s.id for s in group_into_stories(articles) for a in s.articles}
    return [story_of[i.article.id] for i in items]


def test_the_labelled_set_with_text_is_grouped_right_and_better_than_titles_alone() -> None:
    items = read_labelled(LABELLED_FILE)
    truth = [i.story for i in items]
    with_text = bcubed_scores(_labels(items), truth)
    titles = bcubed_scores(_labels(items, titles_only=True), truth)
    assert with_text.precision == 1.0 and with_text.f1 >= 0.9, with_text
    assert with_text.f1 > titles.f1 + 0.1, (with_text, titles)


def test_real_headlines_held_out_reach_the_target() -> None:
    if not NEWS_STORIES.is_file():
        pytest.skip(f"the labelled headlines are not present at {NEWS_STORIES}")
    _, test = split_by_story(read_labelled(NEWS_STORIES))
    scores = bcubed_scores(_labels(test), [i.story for i in test])
    assert scores.precision >= 0.9 and scores.f1 >= 0.85, scores


def test_examples_cluster_with_cluster_articles_directly() -> None:
    articles = load_folder(SET_FOLDERS["examples"])
    assert len(cluster_articles(articles)) == 6
