"""Measuring story grouping against labelled news: reading the labels, splitting, scoring.

A labelled file is tab-separated with a header row naming at least ``id``,
``story`` and ``title``; ``published`` (ISO 8601), ``outlet``, ``url`` and
``text`` are optional (``text`` holds the article body, ``\\n`` between
paragraphs). Articles with the same ``story`` report the same event. This is
the shape of the UCI News Aggregator extract in ``../shared/corpus/news-stories``
plus an optional text column, so anyone can measure grouping on their own
labelled news with ``python bench/bench_grouping.py --data FILE``.

Two scores are reported, both as precision, recall and F1:

- pairwise: over all pairs of articles, "grouped together" against "one story";
- B-cubed (Bagga and Baldwin): per article, the share of its group that is of its
  story (precision) and the share of its story that is in its group (recall),
  averaged over articles. Unlike pairwise scores it is not dominated by the
  largest stories' quadratic number of pairs.
"""

from __future__ import annotations

import csv
import hashlib
from collections import Counter
from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from briefing.types import Article

REQUIRED_COLUMNS = ("id", "story", "title")
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


class LabelledDataError(ValueError):
    """A labelled file that cannot be read; the message names the file and line."""


@dataclass(frozen=True)
class LabelledArticle:
    article: Article
    story: str


@dataclass(frozen=True)
class Scores:
    precision: float
    recall: float

    @property
    def f1(self) -> float:
        total = self.precision + self.recall
        return 2 * self.precision * self.recall / total if total else 0.0


def read_labelled(path: Path) -> list[LabelledArticle]:
    """The labelled articles of ``path`` in file order."""
    try:
        with path.open(encoding="utf-8", newline="") as handle:
            rows = list(csv.DictReader(handle, delimiter="\t", quoting=csv.QUOTE_NONE))
    except (OSError, UnicodeDecodeError, csv.Error) as error:
        raise LabelledDataError(f"{path}: cannot read labelled news: {error}") from error
    if not rows:
        raise LabelledDataError(f"{path}: no labelled articles (a header row and one per line)")
    missing = [c for c in REQUIRED_COLUMNS if c not in rows[0]]
    if missing:
        raise LabelledDataError(f"{path}: missing column(s) {', '.join(missing)}")
    labelled = []
    seen: set[int] = set()
    for line, row in enumerate(rows, start=2):
        labelled.append(_labelled_row(path, line, row, seen))
    return labelled


def _labelled_row(
    path: Path, line: int, row: dict[str, str], seen: set[int]
) -> LabelledArticle:
    where = f"{path}:{line}"
    try:
        article_id = int(row["id"])
    except (TypeError, ValueError):
        raise LabelledDataError(f"{where}: id {row['id']!r} is not a whole number") from None
    if article_id in seen:
        raise LabelledDataError(f"{where}: id {article_id} appears twice")
    seen.add(article_id)
    story, title = (row.get("story") or "").strip(), (row.get("title") or "").strip()
    if not story or not title:
        raise LabelledDataError(f"{where}: story and title must not be empty")
    published = None
    if row.get("published"):
        try:
            published = datetime.fromisoformat(row["published"].replace("Z", "+00:00"))
        except ValueError:
            raise LabelledDataError(
                f"{where}: published {row['published']!r} is not an ISO 8601 time"
            ) from None
        if published.tzinfo is None:
            published = published.replace(tzinfo=UTC)
    text = (row.get("text") or "").replace("\\n", "\n")
    article = Article(
        id=article_id, source="labelled", outlet=(row.get("outlet") or "").strip() or "unknown",
        title=title, text=text, content_hash=f"labelled-{article_id}",
        fetched=published or _EPOCH, url=(row.get("url") or "").strip() or None,
        published=published,
    )
    return LabelledArticle(article, story)


def split_by_story(
    labelled: Sequence[LabelledArticle], salt: str = "briefing"
) -> tuple[list[LabelledArticle], list[LabelledArticle]]:
    """(tuning part, test part): whole stories, alternately, in an order fixed by their ids.

    Stories are ordered by a hash of their id (not by size or time, so both parts
    get stories of every kind), then dealt out one to each part in turn. The
    same file always splits the same way.
    """
    def order(story: str) -> str:
        return hashlib.sha256(f"{salt}:{story}".encode()).hexdigest()

    stories = sorted({item.story for item in labelled}, key=order)
    tuning = set(stories[0::2])
    return ([item for item in labelled if item.story in tuning],
            [item for item in labelled if item.story not in tuning])


def _contingency(
    predicted: Sequence[Hashable], truth: Sequence[Hashable]
) -> tuple[Counter[tuple[Hashable, Hashable]], Counter[Hashable], Counter[Hashable]]:
    if len(predicted) != len(truth):
        raise ValueError("predicted and true labels differ in length")
    return Counter(zip(predicted, truth, strict=True)), Counter(predicted), Counter(truth)


def pairwise_scores(predicted: Sequence[Hashable], truth: Sequence[Hashable]) -> Scores:
    """Precision and recall of the "same story" decision over all pairs of articles."""
    cells, groups, stories = _contingency(predicted, truth)

    def pairs(n: int) -> int:
        return n * (n - 1) // 2

    together = sum(pairs(n) for n in cells.values())
    grouped = sum(pairs(n) for n in groups.values())
    same = sum(pairs(n) for n in stories.values())
    return Scores(together / grouped if grouped else 1.0, together / same if same else 1.0)


def bcubed_scores(predicted: Sequence[Hashable], truth: Sequence[Hashable]) -> Scores:
    """B-cubed precision and recall, averaged over articles."""
    cells, groups, stories = _contingency(predicted, truth)
    n = len(predicted)
    if n == 0:
        return Scores(1.0, 1.0)
    precision = sum(count * count / groups[g] for (g, _), count in cells.items()) / n
    recall = sum(count * count / stories[s] for (_, s), count in cells.items()) / n
    return Scores(precision, recall)
