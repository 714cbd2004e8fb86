"""Pairwise similarity of articles, computed once, inside a time window.

Two articles that both have text are compared by their leads (title and opening
words); otherwise by their titles alone. Headlines and leads read differently
(a lead names the cast again and again), so each comparison has its own link
threshold and its own cohesion threshold. What counts towards a story's
cohesion is that cosine times a time factor, in units of that threshold::

    similarity = cosine / (1 + days apart / decay days) / cohesion threshold

so 1 is "as close as a story's articles must be on average", for titles and
leads alike,
and two articles more than ``window_days`` apart are not compared at all
(undated articles meet everything at full weight). Coverage of one event
clusters in time; the same cast doing something else a week or a year later is
another story.

A pair is a *link* -- evidence on its own that two articles report one event --
when its cosine reaches the link threshold and the two share a distinctive term
(a name, a place, a number: ``prior.DISTINCTIVE_ZIPF``) in what was compared.
Clustering merges only groups joined by a link, so articles never become one
story over common words alone; time does not weaken a link inside the window,
so a story that runs for days keeps its days together.

Articles are taken in date order, so each block of rows is multiplied only by
the columns inside its window (plus the undated ones): the cost grows with the
articles per window, not with the square of the batch. Only edges at or above
``floor`` are kept, so memory grows with the number of related pairs.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import sparse

from briefing.grouping.features import FeatureSet

BLOCK_ROWS = 512


@dataclass(frozen=True)
class Edges:
    """Pairs ``left[k] < right[k]`` with their similarity (1: cohesive) and whether they
    are a link."""

    left: np.ndarray
    right: np.ndarray
    similarity: np.ndarray
    link: np.ndarray

    def __len__(self) -> int:
        return len(self.left)


@dataclass(frozen=True)
class SimilarityRule:
    window_days: float
    title_decay_days: float
    lead_decay_days: float
    title_link: float
    lead_link: float
    title_cohesion: float
    lead_cohesion: float
    #: Edges below this (in cohesion units) are dropped.
    floor: float


def similarity_edges(features: FeatureSet, rule: SimilarityRule) -> Edges:
    days = features.days
    order = np.argsort(days, kind="stable")  # NaN (undated) sorts last
    position = np.empty(len(order), dtype=np.int64)
    position[order] = np.arange(len(order))
    sorted_days = days[order]
    dated = int(np.count_nonzero(~np.isnan(days)))
    undated = order[dated:]
    title_columns = features.titles.T.tocsc()
    lead_columns = features.leads.T.tocsc()
    parts: list[tuple[np.ndarray, ...]] = []
    for start in range(0, len(order), BLOCK_ROWS):
        rows = order[start : start + BLOCK_ROWS]
        # Each pair once: a block meets itself and what comes after it in date order,
        # up to the window's end, and the undated articles (which meet everything).
        if start >= dated:
            columns = order[start:]
        else:
            block_end = np.nanmax(sorted_days[start : start + BLOCK_ROWS])
            high = np.searchsorted(sorted_days[:dated], block_end + rule.window_days,
                                   side="right")
            columns = np.concatenate([order[start:high], undated])
        block = _block(features, rule, rows, columns, title_columns, lead_columns)
        r, c = block[0], block[1]
        later = position[c] > position[r]
        parts.append((np.minimum(r, c)[later], np.maximum(r, c)[later],
                      block[2][later], block[3][later]))
    if not parts:
        empty = np.zeros(0, dtype=np.int64)
        return Edges(empty, empty, np.zeros(0), np.zeros(0, dtype=bool))
    left, right, similarity, link = (np.concatenate(column) for column in zip(*parts, strict=True))
    return Edges(left, right, similarity, link)


def _block(
    features: FeatureSet,
    rule: SimilarityRule,
    rows: np.ndarray,
    columns: np.ndarray,
    title_columns: sparse.csc_matrix,
    lead_columns: sparse.csc_matrix,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    # Articles that both have text are compared by their leads, the rest by their
    # titles: only those pairs are multiplied in each.
    # A pair below the floor at full time weight stays below it: dropped at once.
    text = features.has_text
    title_floor, lead_floor = rule.floor * rule.title_cohesion, rule.floor * rule.lead_cohesion
    title_parts = [
        _product(features.titles, title_columns, rows[~text[rows]], columns, title_floor),
        _product(features.titles, title_columns, rows[text[rows]], columns[~text[columns]],
                 title_floor),
    ]
    lead_part = _product(features.leads, lead_columns, rows[text[rows]], columns[text[columns]],
                         lead_floor)
    parts = [*title_parts, lead_part]
    r = np.concatenate([part[0] for part in parts])
    c = np.concatenate([part[1] for part in parts])
    cosine = np.concatenate([part[2] for part in parts])
    by_lead = np.concatenate([np.zeros(len(title_parts[0][0]) + len(title_parts[1][0]), bool),
                              np.ones(len(lead_part[0]), bool)])
    gap = np.abs(features.days[r] - features.days[c])
    decay = np.where(by_lead, rule.lead_decay_days, rule.title_decay_days)
    factor = 1.0 / (1.0 + np.nan_to_num(gap) / decay)  # undated: NaN -> 0 days
    similarity = cosine * factor / np.where(by_lead, rule.lead_cohesion, rule.title_cohesion)
    keep = (c != r) & (similarity >= rule.floor) & ~(gap > rule.window_days)  # NaN: kept
    r, c, similarity = r[keep], c[keep], similarity[keep]
    cosine, by_lead = cosine[keep], by_lead[keep]
    link = np.zeros(len(r), dtype=bool)
    strong = np.where(by_lead, cosine >= rule.lead_link, cosine >= rule.title_link)
    for lead, marks in ((False, features.title_marks), (True, features.lead_marks)):
        pick = np.flatnonzero(strong & (by_lead == lead))
        if len(pick):
            shared = marks[r[pick]].multiply(marks[c[pick]]).sum(axis=1)
            link[pick] = np.asarray(shared).ravel() > 0
    return r, c, similarity, link



def _product(
    matrix: sparse.csr_matrix, transposed: sparse.csc_matrix, rows: np.ndarray,
    columns: np.ndarray, minimum: float,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(row ids, column ids, cosines) of the products of ``rows`` and ``columns`` that
    reach ``minimum``."""
    if len(rows) == 0 or len(columns) == 0:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty, np.zeros(0)
    product = (matrix[rows] @ transposed[:, columns]).tocoo()
    keep = product.data >= minimum
    return rows[product.row[keep]], columns[product.col[keep]], product.data[keep]
