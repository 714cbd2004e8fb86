"""Calibration of the text (lead) parameters on labelled article pairs and sets.

Run ``pytest -s tests/test_stories_calibration.py`` to see the table: precision
and recall of "same story" decisions around the default lead link and cohesion,
per set (the bundled examples, the five real seed articles, the labelled set
with article text, the synthetic corpus). The title parameters are chosen on
real labelled headlines: ``python bench/bench_grouping.py --calibrate``.
"""

from __future__ import annotations

from dataclasses import replace

from stories_corpus import PairScore, calibration_table, evaluate, labelled_pairs

from briefing.grouping import GroupingParams


def test_pair_decisions_at_the_default_parameters_are_right() -> None:
    default = GroupingParams()
    print()
    print(calibration_table([
        replace(default, lead_link=default.lead_link + step) for step in (-0.04, 0.0, 0.04)
    ]))
    scores = evaluate(default)
    total = sum(scores.values(), PairScore(0, 0, 0, 0))
    assert total.precision >= 0.98 and total.recall >= 0.9, total
    assert scores["examples"].precision == 1.0 and scores["examples"].recall == 1.0
    assert scores["labelled"].precision == 1.0, scores["labelled"]
    assert scores["synthetic"].precision == 1.0 and scores["synthetic"].recall == 1.0
    if "seeds" in scores:
        assert scores["seeds"].fp == 0  # five events, never one


def test_the_labelled_pairs_cover_both_kinds() -> None:
    pairs = [pair for group in labelled_pairs().values() for pair in group]
    assert any(same for *_, same in pairs) and any(not same for *_, same in pairs)
