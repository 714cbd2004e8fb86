"""How well grouping finds stories in real labelled news, beside a plain baseline.

Reads labelled news (default: ``news-stories/tuning.tsv`` of the shared corpus, real
headlines from many outlets with the story each belongs to; any file of the same
shape with ``--data``: see ``briefing.grouping.evaluation``), splits it by story
into a tuning part and a test part (whole stories, deterministically), and prints
pairwise and B-cubed precision, recall and F1 on the test part of:

- the project's grouping (``briefing.stories.group_into_stories``) with its
  default parameters, which were chosen on the tuning part only;
- a plain baseline: TF-IDF vectors of the titles (IDF of the part being grouped,
  as scikit-learn's defaults) and average linkage, its threshold tuned on the
  tuning part in the same run.

Then ablations of the project on the test part (without publication times; on
titles alone when the file has article text) and the figures on the tuning part.

    python bench/bench_grouping.py                 # the shared corpus
    python bench/bench_grouping.py --data my.tsv   # your own labelled news
    python bench/bench_grouping.py --calibrate     # the parameter grid on the tuning part

The corpus folder is ``$BRIEFING_CORPUS`` (default: ``<repo>/../shared/corpus``).
"""

from __future__ import annotations

import argparse
import itertools
import math
import os
import re
import sys
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path

import numpy as np
from scipy import sparse
from scipy.cluster.hierarchy import fcluster, linkage
from scipy.spatial.distance import squareform

from briefing.grouping import GroupingParams
from briefing.grouping.evaluation import (
    LabelledArticle,
    LabelledDataError,
    Scores,
    bcubed_scores,
    pairwise_scores,
    read_labelled,
    split_by_story,
)
from briefing.stories import group_into_stories

ROOT = Path(__file__).resolve().parents[1]
#: Similarity thresholds tried for the baseline on the tuning part.
BASELINE_THRESHOLDS = (0.02, 0.03, 0.04, 0.05, 0.06, 0.07, 0.08, 0.1, 0.12, 0.15, 0.2, 0.25,
                       0.3, 0.4, 0.5)
#: Above this many articles in one part the baseline's dense distance matrix is too big.
BASELINE_MAX_ARTICLES = 10_000
_TOKEN = re.compile(r"(?u)\b\w\w+\b")

Labels = list[str]


def corpus_dir() -> Path:
    return Path(os.environ.get("BRIEFING_CORPUS", ROOT.parent / "shared" / "corpus"))


def default_data() -> Path:
    return corpus_dir() / "news-stories" / "tuning.tsv"


# -- the project -----------------------------------------------------------------------


def project_labels(items: Sequence[LabelledArticle], params: GroupingParams | None = None
                   ) -> Labels:
    stories = group_into_stories([item.article for item in items], params)
    story_of = {article.id: story.id for story in stories for article in story.articles}
    return [story_of[item.article.id] for item in items]


def without_times(items: Sequence[LabelledArticle]) -> list[LabelledArticle]:
    return [replace(item, article=replace(item.article, published=None)) for item in items]


def titles_only(items: Sequence[LabelledArticle]) -> list[LabelledArticle]:
    return [replace(item, article=replace(item.article, text="")) for item in items]


# -- the baseline ----------------------------------------------------------------------


def tfidf_titles(items: Sequence[LabelledArticle]) -> sparse.csr_matrix:
    """Plain TF-IDF of the titles: IDF of this batch, smoothed; rows L2-normalised."""
    documents = [Counter(_TOKEN.findall(item.article.title.lower())) for item in items]
    df: Counter[str] = Counter()
    for counts in documents:
        df.update(counts.keys())
    vocabulary = {term: index for index, term in enumerate(sorted(df))}
    n = len(documents)
    rows: list[int] = []
    cols: list[int] = []
    values: list[float] = []
    for row, counts in enumerate(documents):
        weights = {vocabulary[t]: tf * (math.log((1 + n) / (1 + df[t])) + 1.0)
                   for t, tf in counts.items()}
        norm = math.sqrt(sum(w * w for w in weights.values())) or 1.0
        for col, weight in weights.items():
            rows.append(row)
            cols.append(col)
            values.append(weight / norm)
    return sparse.csr_matrix((values, (rows, cols)), shape=(n, max(1, len(vocabulary))))


def baseline_tree(items: Sequence[LabelledArticle]) -> np.ndarray:
    """The average-linkage tree of the titles' TF-IDF cosine distances."""
    matrix = tfidf_titles(items)
    distances = np.clip(1.0 - (matrix @ matrix.T).toarray(), 0.0, None)
    np.fill_diagonal(distances, 0.0)
    return linkage(squareform(distances, checks=False), method="average")


def baseline_labels(tree: np.ndarray, threshold: float) -> Labels:
    return [str(label) for label in fcluster(tree, 1.0 - threshold, criterion="distance")]


def tune_baseline(items: Sequence[LabelledArticle]) -> tuple[float, Scores]:
    """The threshold with the best B-cubed F1 on ``items``, and that score."""
    tree = baseline_tree(items)
    truth = [item.story for item in items]
    scored = [(bcubed_scores(baseline_labels(tree, t), truth), t) for t in BASELINE_THRESHOLDS]
    best, threshold = max(scored, key=lambda pair: (pair[0].f1, -pair[1]))
    return threshold, best


# -- printing ----------------------------------------------------------------------------


def score_line(name: str, labels: Labels, items: Sequence[LabelledArticle],
               seconds: float | None = None) -> str:
    truth = [item.story for item in items]
    pair, cubed = pairwise_scores(labels, truth), bcubed_scores(labels, truth)
    timing = f"  {seconds:6.2f} s" if seconds is not None else ""
    return (f"  {name:<40} {pair.precision:6.3f} {pair.recall:6.3f} {pair.f1:6.3f}"
            f"   {cubed.precision:6.3f} {cubed.recall:6.3f} {cubed.f1:6.3f}"
            f"  {len(set(labels)):>6}{timing}")


HEADER = (f"  {'':<40} {'pairwise P':>10} {'R':>6} {'F1':>6}   {'B-cubed P':>9} {'R':>6}"
          f" {'F1':>6}  {'groups':>6}")


def timed(function: Callable[[], Labels]) -> tuple[Labels, float]:
    started = time.perf_counter()
    labels = function()
    return labels, time.perf_counter() - started


def describe(path: Path, items: Sequence[LabelledArticle], tuning: Sequence[LabelledArticle],
             test: Sequence[LabelledArticle]) -> None:
    def stories(part: Sequence[LabelledArticle]) -> int:
        return len({item.story for item in part})

    with_text = sum(1 for item in items if item.article.text.strip())
    print(f"Labelled news: {path}")
    print(f"  {len(items)} articles in {stories(items)} stories"
          f" ({'titles only' if not with_text else f'{with_text} with article text'})")
    print(f"  split by story: tuning part {len(tuning)} articles in {stories(tuning)} stories,"
          f" test part {len(test)} articles in {stories(test)} stories")


def compare(path: Path, items: Sequence[LabelledArticle]) -> None:
    tuning, test = split_by_story(items)
    describe(path, items, tuning, test)
    if not tuning or not test:
        print("  too few stories to split into a tuning and a test part")
        return
    print()
    print("Test part (not used to choose any parameter)")
    print(HEADER)
    labels, seconds = timed(lambda: project_labels(test))
    print(score_line("project (default parameters)", labels, test, seconds))
    if max(len(tuning), len(test)) <= BASELINE_MAX_ARTICLES:
        threshold, tuned = tune_baseline(tuning)
        labels, seconds = timed(lambda: baseline_labels(baseline_tree(test), threshold))
        print(score_line(f"baseline TF-IDF + average linkage @{threshold:g}", labels, test,
                         seconds))
        print(f"    (baseline threshold tuned on the tuning part: B-cubed F1 {tuned.f1:.3f}"
              " there)")
    else:
        print(f"  baseline skipped: more than {BASELINE_MAX_ARTICLES} articles in a part")
    print()
    print("Ablations of the project, test part")
    print(HEADER)
    print(score_line("without publication times", project_labels(without_times(test)), test))
    if any(item.article.text.strip() for item in test):
        print(score_line("titles only (text removed)", project_labels(titles_only(test)), test))
    print()
    print("Tuning part" + (" (the title parameters were chosen here)"
                           if path.resolve() == default_data().resolve() else ""))
    print(HEADER)
    print(score_line("project (default parameters)", project_labels(tuning), tuning))


def calibrate(items: Sequence[LabelledArticle]) -> None:
    """The grid the title parameters were chosen from, on the tuning part only."""
    tuning, _ = split_by_story(items)
    truth = [item.story for item in tuning]
    grid = {"title_link": (0.2, 0.25, 0.3), "title_cohesion": (0.04, 0.06, 0.08),
            "title_decay_days": (0.5, 1.0, 2.0)}
    print(f"Tuning part: {len(tuning)} articles; B-cubed and pairwise scores per setting")
    print(f"  {'setting':<56} {'B3 P':>6} {'R':>6} {'F1':>6}   {'pair P':>6} {'R':>6} {'F1':>6}")
    rows = []
    for values in itertools.product(*grid.values()):
        setting = dict(zip(grid, values, strict=True))
        labels = project_labels(tuning, replace(GroupingParams(), **setting))
        rows.append((bcubed_scores(labels, truth), pairwise_scores(labels, truth), setting))
    for cubed, pair, setting in sorted(rows, key=lambda row: -row[0].f1):
        name = ", ".join(f"{key} {value:g}" for key, value in setting.items())
        print(f"  {name:<56} {cubed.precision:6.3f} {cubed.recall:6.3f} {cubed.f1:6.3f}"
              f"   {pair.precision:6.3f} {pair.recall:6.3f} {pair.f1:6.3f}")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, help="labelled news (TSV); default: the corpus's")
    parser.add_argument("--calibrate", action="store_true",
                        help="print the parameter grid on the tuning part")
    args = parser.parse_args(argv)
    path = args.data or default_data()
    if not path.is_file():
        print(f"{path}: no labelled news there (set BRIEFING_CORPUS or pass --data FILE)",
              file=sys.stderr)
        return 2
    try:
        items = read_labelled(path)
    except LabelledDataError as error:
        print(error, file=sys.stderr)
        return 2
    if args.calibrate:
        calibrate(items)
    else:
        compare(path, items)
    return 0


if __name__ == "__main__":
    sys.exit(main())
