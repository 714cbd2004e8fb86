"""Grouping articles into stories: examples, real seeds, synthetic corpus, near-copies."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from pathlib import Path

from stories_corpus import SET_FOLDERS, load_folder, make_corpus

from briefing.grouping import GroupingParams, cluster_articles
from briefing.stories import group_into_stories

EXAMPLE_EVENTS = {
    "E1": {"continental-daily/2026-11-17-northern-gate-pipeline.html",
           "harbour-ledger/2026-11-17-northern-gate-pipeline-deal.md",
           "meridian-wire/2026-11-17-talvia-kestria-sign-pipeline-deal.txt",
           "northgate-courier/2026-11-18-northern-gate-pipeline-what-it-means.txt"},
    "E2": {"harbour-ledger/2026-11-18-saltmere-port-strike.md",
           "harbour-ledger/2026-11-21-saltmere-strike-talks-resume.md",
           "meridian-wire/2026-11-20-kestria-appoints-mediator-saltmere-strike.txt",
           "northgate-courier/2026-11-19-saltmere-strike-ships-queue.md"},
    "E3": {"continental-daily/2026-11-19-bank-of-kestria-rate-cut.html",
           "meridian-wire/2026-11-19-bank-of-kestria-cuts-rates.txt",
           "northgate-courier/2026-11-19-bank-of-kestria-rate-cut-mortgages.txt"},
    "E4": {"northgate-courier/2026-11-16-storm-odile-floods-lenmouth.md",
           "northgate-courier/2026-11-17-storm-odile-death-toll-rises.md"},
    "E5": {"continental-daily/2026-11-20-fennick-rowe-data-breach.html",
           "harbour-ledger/2026-11-21-fennick-rowe-record-quarter-data-breach.md",
           "meridian-wire/2026-11-20-fennick-rowe-data-breach.txt"},
    "E6": {"meridian-wire/2026-11-22-talvia-election-civic-alliance-wins.txt"},
}


def test_examples_make_six_stories_with_the_right_members() -> None:
    stories = group_into_stories(load_folder(SET_FOLDERS["examples"]))
    members = {frozenset(a.path for a in story.articles) for story in stories}
    assert members == {frozenset(paths) for paths in EXAMPLE_EVENTS.values()}
    pipeline = next(s for s in stories if len(s.outlets) == 4)
    assert "pipeline" in pipeline.headline.lower()
    # A headline is a stated title, not a lead sentence cleaning had to cut.
    breach = next(s for s in stories if "Fennick" in s.headline)
    assert not breach.articles[0].text.startswith(breach.headline)


def test_five_seed_articles_are_five_stories(seeds_dir: Path) -> None:
    stories = group_into_stories(load_folder(seeds_dir))
    assert len(stories) == 5


def test_synthetic_corpus_membership_is_recovered() -> None:
    corpus = make_corpus(40, seed=3, days=8)
    stories = group_into_stories(corpus.articles)
    found = {frozenset(a.id for a in s.articles) for s in stories}
    truth: dict[int, set[int]] = {}
    for article_id, event in corpus.event_of.items():
        truth.setdefault(event, set()).add(article_id)
    assert found == {frozenset(ids) for ids in truth.values()}


def test_stories_span_days_but_not_the_time_window() -> None:
    corpus = make_corpus(1, seed=5, days=1)
    first = corpus.articles[0]
    later = replace(first, id=999, content_hash="x", text=first.text + "\nMore.",
                    published=(first.published or first.fetched) + timedelta(days=30))
    moved = [replace(a, text=a.text.replace(".", ";")) for a in corpus.articles]
    params = GroupingParams(near_copy=1.1)  # no near-copy shortcut: the window alone
    assert len(cluster_articles([*moved, later], params)) == 2


def test_near_copies_merge_whatever_their_titles() -> None:
    corpus = make_corpus(2, seed=9, days=1)
    original = corpus.articles[0]
    copy = replace(original, id=500, title="Completely different headline words here",
                   outlet="Syndicator", content_hash="copy")
    stories = group_into_stories([original, copy])
    assert len(stories) == 1 and {a.id for a in stories[0].articles} == {original.id, 500}


def test_stories_are_newest_first_and_ids_stable() -> None:
    corpus = make_corpus(12, seed=4, days=6)
    once = group_into_stories(corpus.articles)
    again = group_into_stories(list(reversed(corpus.articles)))
    assert [s.id for s in once] == [s.id for s in again]
    latest = [max(a.published for a in s.articles if a.published) for s in once]
    assert latest == sorted(latest, reverse=True)
