"""Offline token estimates: pessimistic, and every request kept under the context."""

from __future__ import annotations

import pytest

from briefing.summarize.tokens import (
    BudgetSpent,
    TokenBudget,
    estimate_tokens,
    input_budget,
    split_to_tokens,
    truncate_to_tokens,
)

PROSE = "The council approved the budget on Tuesday after a long debate. " * 40


def test_the_estimate_errs_high() -> None:
    assert estimate_tokens("") == 0
    # Real tokenizers give English prose about 4 characters per token.
    assert estimate_tokens(PROSE) >= len(PROSE) / 4 * 1.2
    # Scripts with several bytes per character count more per character.
    assert estimate_tokens("東京都" * 100) >= 300 * 0.75


def test_input_budget_leaves_room_for_the_answer() -> None:
    assert input_budget(16_000, 1_000) < 15_000
    assert input_budget(100, 1_000) == 0


@pytest.mark.parametrize("limit", [10, 50, 200])
def test_truncate_and_split_respect_the_limit(limit: int) -> None:
    cut = truncate_to_tokens(PROSE, limit)
    assert 0 < estimate_tokens(cut) <= limit and PROSE.startswith(cut)
    text = "\n".join(PROSE[i : i + 300] for i in range(0, len(PROSE), 300))
    pieces = split_to_tokens(text, limit)
    assert all(estimate_tokens(piece) <= limit for piece in pieces)
    assert "".join("".join(pieces).split()) == "".join(text.split())


def test_budget_reserves_then_settles() -> None:
    budget = TokenBudget(1000)
    held = budget.reserve(600)
    with pytest.raises(BudgetSpent):
        budget.reserve(500)  # the reservation in flight counts
    budget.settle(held, 300)
    assert budget.spent == 300
    budget.reserve(700)
    assert budget.exhausted
    unlimited = TokenBudget(None)
    unlimited.reserve(10**9)
    assert not unlimited.exhausted
