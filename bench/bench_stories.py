"""Story grouping at scale: cluster 1,000, 2,000 and 5,000 synthetic articles.

Prints, for each size, the wall time of ``group_into_stories``, its peak Python
memory (a second, traced run: tracemalloc, which numpy and scipy report to), the
precision and recall of its pair decisions against the corpus's known events,
and the growth from the smallest to the largest size (the target: under 10x
from 1,000 to 5,000). The corpus is a news stream of about 200 articles a day,
so 5,000 articles cover about 25 days: the time window, not the batch size,
bounds how many articles each one is compared with.

    python bench/bench_stories.py            # 1000 2000 5000
    python bench/bench_stories.py 500 1000   # other sizes
    python bench/bench_stories.py --calibrate  # the threshold table on the labelled pairs
"""

from __future__ import annotations

import sys
import time
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from stories_corpus import (
    PairScore,
    SyntheticCorpus,
    calibration_table,
    make_corpus,
    score_decisions,
)

from briefing.grouping import GroupingParams
from briefing.stories import group_into_stories

ARTICLES_PER_DAY = 200


def corpus_of(size: int) -> SyntheticCorpus:
    days = max(1, size // ARTICLES_PER_DAY)
    corpus = make_corpus(size // 3 + 10, seed=size, days=days)
    articles = tuple(sorted(corpus.articles, key=lambda a: a.id)[:size])
    return SyntheticCorpus(articles, {a.id: corpus.event_of[a.id] for a in articles})


def pair_score(corpus: SyntheticCorpus, story_of: dict[int, str]) -> PairScore:
    """Pair decisions over all same-event pairs and every pair grouped together."""
    by_event: dict[int, list[int]] = {}
    for article_id, event in corpus.event_of.items():
        by_event.setdefault(event, []).append(article_id)
    by_story: dict[str, list[int]] = {}
    for article_id, story in story_of.items():
        by_story.setdefault(story, []).append(article_id)
    pairs = {(a, b) for ids in [*by_event.values(), *by_story.values()]
             for i, a in enumerate(ids) for b in ids[i + 1:]}
    return score_decisions([(story_of[a] == story_of[b], corpus.same_event(a, b))
                            for a, b in pairs])


def run(size: int) -> tuple[float, float]:
    corpus = corpus_of(size)
    started = time.perf_counter()
    stories = group_into_stories(corpus.articles, GroupingParams())
    seconds = time.perf_counter() - started
    # Memory in a second pass: tracing slows Python code several times over.
    tracemalloc.start()
    group_into_stories(corpus.articles, GroupingParams())
    peak = tracemalloc.get_traced_memory()[1] / 2**20
    tracemalloc.stop()
    score = pair_score(corpus, {a.id: s.id for s in stories for a in s.articles})
    events = len(set(corpus.event_of.values()))
    print(f"{size:>6} articles  {events:>5} events  {len(stories):>5} stories  "
          f"{seconds:7.2f} s  peak {peak:7.1f} MiB  "
          f"precision {score.precision:.3f}  recall {score.recall:.3f}")
    return seconds, peak


def main(argv: list[str]) -> None:
    if "--calibrate" in argv:
        print(calibration_table([0.24, 0.26, 0.28, 0.30, 0.31, 0.32, 0.34]))
        return
    sizes = [int(arg) for arg in argv] or [1000, 2000, 5000]
    run(min(sizes))  # warm-up: imports, the MinHash permutations
    results = {size: run(size) for size in sizes}
    small, large = min(sizes), max(sizes)
    growth_time = results[large][0] / results[small][0]
    growth_memory = results[large][1] / results[small][1]
    print(f"growth {small} -> {large}: time x{growth_time:.1f}, peak memory x{growth_memory:.1f}"
          f" (target: under x10)")


if __name__ == "__main__":
    main(sys.argv[1:])
