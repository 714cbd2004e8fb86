"""Story grouping at scale: group 1,000 and 5,000 articles of a synthetic news stream.

Target (issue 19): grouping 5,000 articles takes no more than 5x the time of
1,000. The articles are first stored the way collection stores them (with their
near-copy MinHash sketches in ``article_sketches``); what is timed is what a
build does: load those sketches, then ``group_into_stories`` (features and
similarities computed once, clustering, headlines). The stream has about 200
articles a day, so 5,000 articles cover about 25 days: the time window, not the
batch size, bounds how many articles each one is compared with.

Prints, for each size, the wall and CPU time (the sizes take turns, five runs
each, and each keeps its fastest: the least disturbed by other work on the
machine), the peak Python memory (a separate, traced run: tracemalloc, which
numpy and scipy report to), the precision and recall of its pair decisions
against the stream's known events, and the time and memory ratios from the
smallest size to the largest.

    python bench/bench_stories.py              # 1000 5000
    python bench/bench_stories.py 200 1000     # other sizes
"""

from __future__ import annotations

import gc
import math
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from stories_corpus import PairScore, SyntheticCorpus, make_corpus, score_decisions

from briefing.collect import dedup
from briefing.grouping.near_copies import load_sketches
from briefing.storage import Identity, NewArticle, Storage, open_storage
from briefing.stories import group_into_stories
from briefing.types import Article, Story

ARTICLES_PER_DAY = 200
TARGET = 5.0
REPEAT = 5


def corpus_of(size: int) -> SyntheticCorpus:
    days = max(1, size // ARTICLES_PER_DAY)
    corpus = make_corpus(size // 3 + 10, seed=size, days=days)
    articles = tuple(sorted(corpus.articles, key=lambda a: a.id)[:size])
    return SyntheticCorpus(articles, {a.id: corpus.event_of[a.id] for a in articles})


def store_as_collected(store: Storage, corpus: SyntheticCorpus) -> SyntheticCorpus:
    """Store every article with its sketch, as collection does; returns the stored ones."""
    stored: list[Article] = []
    event_of: dict[int, int] = {}
    identities = []
    saved_all = store.articles.add_many([NewArticle(
        source=article.source, outlet=article.outlet, title=article.title,
        text=article.text, url=article.url, published=article.published,
        fetched=article.fetched) for article in corpus.articles])
    for article, (saved, _) in zip(corpus.articles, saved_all, strict=True):
        stored.append(saved)
        event_of[saved.id] = corpus.event_of[article.id]
        sketch = dedup.sketch(saved.title, saved.text)
        identities.append(Identity(saved.id, scheme=dedup.SCHEME if sketch else None,
                                   signature=dedup.to_blob(sketch) if sketch else None))
    store.articles.record_identities(identities)
    return SyntheticCorpus(tuple(stored), event_of)


def group(store: Storage, corpus: SyntheticCorpus) -> list[Story]:
    sketches = load_sketches(store, [a.id for a in corpus.articles])
    return group_into_stories(corpus.articles, sketches=sketches)


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


def main(argv: list[str]) -> None:
    sizes = [int(arg) for arg in argv] or [1000, 5000]
    with tempfile.TemporaryDirectory() as tmp:
        group_into_stories(corpus_of(min(sizes)).articles)  # warm-up: imports, word lists
        stores = {size: open_storage(Path(tmp) / f"bench-{size}.db") for size in sizes}
        try:
            corpora = {size: store_as_collected(stores[size], corpus_of(size)) for size in sizes}
            # Sizes take turns, and each keeps its fastest run: the least disturbed by
            # whatever else the machine does (wall time), and its own CPU time.
            wall = dict.fromkeys(sizes, math.inf)
            cpu = dict.fromkeys(sizes, math.inf)
            stories: dict[int, list[Story]] = {}
            for _ in range(REPEAT):
                for size in sizes:
                    gc.collect()  # no garbage of the previous run is collected in this one
                    started, started_cpu = time.perf_counter(), time.process_time()
                    stories[size] = group(stores[size], corpora[size])
                    wall[size] = min(wall[size], time.perf_counter() - started)
                    cpu[size] = min(cpu[size], time.process_time() - started_cpu)
            peaks: dict[int, float] = {}
            for size in sizes:
                # Memory in a separate pass: tracing slows Python code several times over.
                tracemalloc.start()
                group(stores[size], corpora[size])
                peak = tracemalloc.get_traced_memory()[1] / 2**20
                tracemalloc.stop()
                report(size, corpora[size], stories[size], wall[size], cpu[size], peak)
                peaks[size] = peak
        finally:
            for store in stores.values():
                store.close()
    small, large = min(sizes), max(sizes)
    print(f"ratio {large}/{small}: time x{wall[large] / wall[small]:.2f} (CPU"
          f" x{cpu[large] / cpu[small]:.2f}; target: at most x{TARGET:g} for"
          f" {large / small:g}x the articles), peak memory x{peaks[large] / peaks[small]:.2f}")


def report(size: int, corpus: SyntheticCorpus, stories: list[Story], wall: float, cpu: float,
           peak: float) -> None:
    score = pair_score(corpus, {a.id: s.id for s in stories for a in s.articles})
    events = len(set(corpus.event_of.values()))
    print(f"{size:>6} articles  {events:>5} events  {len(stories):>5} stories  "
          f"{wall:7.2f} s (CPU {cpu:6.2f} s)  peak {peak:7.1f} MiB  "
          f"precision {score.precision:.3f}  recall {score.recall:.3f}", flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
