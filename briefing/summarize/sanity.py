"""Is a model's line a sentence about the story at all? Junk, echoes and repeats out.

Grounding (``grounding.py``) asks whether what a line claims is in its sources;
it cannot see that "A1" or "Use only facts stated in the articles." claims
nothing: every letter and digit of those occurs in the articles too. Small
models answer exactly that (article ids as bullets, sentences of our own
prompt as top lines), so before grounding each line must pass these checks,
each with a stable reason code that brief.json counts:

=================  ===========================================================
``too-short``      fewer than ``MIN_WORDS`` words
``not-a-sentence`` made of ids ("A1"), numbers and punctuation, with fewer than
                   ``MIN_LETTER_WORDS`` real words
``prompt-echo``    a copy or near-copy of text the project itself sent (the
                   instructions of a prompt template, the schema, a repair note)
``duplicate``      the same words as a line already kept for this story
=================  ===========================================================

Near-copies are found by word trigrams: a line most of whose trigrams occur in
the prompt text is an echo, whatever was changed around them.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

#: A bullet or top line has at least this many words (numbers count)...
MIN_WORDS = 4
#: ...of which at least this many are words of letters that are not ids.
MIN_LETTER_WORDS = 3
#: Share of a line's word trigrams found in the prompt text that makes it an echo.
ECHO_SHARE = 0.5
#: Share of shared words (of the shorter line) that makes two lines duplicates.
DUPLICATE_SHARE = 0.9

_TOKEN = re.compile(r"[^\W_]+(?:['’.,][^\W_]+)*")
#: Article labels as the prompts give them ("A1", "A12"), alone or in brackets.
_ID = re.compile(r"[A-Za-z]\d{1,3}")
_HAS_LETTER = re.compile(r"[^\W\d_]")


def words(text: str) -> list[str]:
    """Case-folded words of ``text``; numbers such as "1,200" stay one word."""
    return [match.group(0).casefold() for match in _TOKEN.finditer(text)]


def _trigrams(tokens: Sequence[str]) -> set[tuple[str, ...]]:
    return {tuple(tokens[i : i + 3]) for i in range(len(tokens) - 2)}


@dataclass(frozen=True, slots=True)
class PromptText:
    """Everything of our own that a request carried, indexed for echo checks."""

    trigrams: frozenset[tuple[str, ...]]
    joined: str  # all the prompt words, space-separated and padded, to find short copies

    @classmethod
    def of(cls, texts: Iterable[str]) -> PromptText:
        grams: set[tuple[str, ...]] = set()
        joined: list[str] = []
        for text in texts:
            tokens = words(text)
            grams |= _trigrams(tokens)
            joined.append(" ".join(tokens))
        return cls(frozenset(grams), f" {' | '.join(joined)} ")

    def echoes(self, text: str) -> bool:
        tokens = words(text)
        if not tokens:
            return False
        if f" {' '.join(tokens)} " in self.joined:
            return True
        grams = _trigrams(tokens)
        return bool(grams) and len(grams & self.trigrams) >= ECHO_SHARE * len(grams)


NO_PROMPT = PromptText(frozenset(), "")


def shape_problem(text: str) -> str | None:
    """``too-short`` or ``not-a-sentence`` when ``text`` cannot be a bullet; else None."""
    tokens = _TOKEN.findall(text)
    if len(tokens) < MIN_WORDS:
        return "too-short"
    letter_words = [t for t in tokens if _HAS_LETTER.search(t) and not _ID.fullmatch(t)]
    if len(letter_words) < MIN_LETTER_WORDS:
        return "not-a-sentence"
    return None


def same_words(first: str, second: str) -> bool:
    """Whether two lines say the same thing in (nearly) the same words."""
    a, b = set(words(first)), set(words(second))
    if not a or not b:
        return a == b
    return len(a & b) >= DUPLICATE_SHARE * min(len(a), len(b)) and (
        abs(len(a) - len(b)) <= max(2, len(a | b) // 5)
    )


def line_problem(
    text: str, prompt: PromptText = NO_PROMPT, kept: Sequence[str] = ()
) -> str | None:
    """Why ``text`` is not a sentence about the story (a reason code), or None.

    ``kept`` are the lines of the same story (or the same top lines) already
    accepted; a line repeating one of them is a ``duplicate``.
    """
    return (
        shape_problem(text)
        or ("prompt-echo" if prompt.echoes(text) else None)
        or ("duplicate" if any(same_words(text, other) for other in kept) else None)
    )
