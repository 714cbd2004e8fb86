"""Calibration of the grouping threshold on labelled article pairs.

Run ``pytest -s tests/test_stories_calibration.py`` to see the table: precision
and recall of "same story" decisions per threshold, per set (the bundled
examples, the five real seed articles, the synthetic corpus).
"""

from __future__ import annotations

from stories_corpus import PairScore, calibration_table, evaluate, labelled_pairs

from briefing.grouping import GroupingParams


def test_pair_decisions_at_the_default_threshold_are_right() -> None:
    threshold = GroupingParams().threshold
    print()
    print(calibration_table([threshold - 0.04, threshold - 0.02, threshold, threshold + 0.02]))
    scores = evaluate(threshold)
    total = sum(scores.values(), PairScore(0, 0, 0, 0))
    assert total.precision >= 0.98 and total.recall >= 0.98, total
    assert scores["examples"].precision == 1.0 and scores["examples"].recall == 1.0
    if "seeds" in scores:
        assert scores["seeds"].fp == 0  # five events, never one


def test_the_labelled_pairs_cover_both_kinds() -> None:
    pairs = [pair for group in labelled_pairs().values() for pair in group]
    assert any(same for *_, same in pairs) and any(not same for *_, same in pairs)
