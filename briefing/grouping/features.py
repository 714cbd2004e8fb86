"""What grouping compares: each article's title and lead as weighted term vectors.

Two vectors per article, both L2-normalised, weights ``(1 + ln tf) * prior weight``
(``briefing.grouping.prior``: rarity in the language at large, never statistics of
the batch):

- ``titles``: the title alone. Headlines are written to name the event, and it is
  all a headline-only feed gives, so titles are compared on their own.
- ``leads``: the title and the opening ``LEAD_WORDS`` words of the text, for
  articles that have text. The opening says what happened; the body wanders into
  background other events share (the same minister, the same country).

Each article also keeps the set of its distinctive terms (names, places,
numbers, rare nouns), which decides whether a similarity may link two articles.

Features are built once per grouping and passed to everything that compares
articles (clustering, continuation of earlier stories, headline choice).
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC

import numpy as np
from scipy import sparse

from briefing.grouping import prior
from briefing.grouping.language import UNKNOWN, guess_language
from briefing.types import Article

LEAD_WORDS = 100
TITLE_REPEAT = 1
LANGUAGE_SAMPLE = 1500


@dataclass(frozen=True)
class FeatureSet:
    """Rows align with the articles they were built from."""

    titles: sparse.csr_matrix
    leads: sparse.csr_matrix
    #: 1 where a title (a lead) has a distinctive term: names, places, numbers.
    title_marks: sparse.csr_matrix
    lead_marks: sparse.csr_matrix
    #: Published time in days since the epoch; NaN when unknown.
    days: np.ndarray
    #: Whether each article has text (else only its title can be compared).
    has_text: np.ndarray

    def __len__(self) -> int:
        return int(self.titles.shape[0])


def term(word: str) -> str:
    """The comparable form of a word: crudely de-pluralised, so "strikes" meets "strike"."""
    if len(word) > 4 and word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    return word


#: wordfreq's language codes whose words are stemmed (Snowball) before comparing:
#: inflection makes "Новосибирске" and "Новосибирск", "Rentenpakets" and
#: "Rentenpaket" one term. English keeps ``term`` (what the grouping was tuned on).
_SNOWBALL = {"ar": "arabic", "ca": "catalan", "cs": "czech", "da": "danish", "de": "german",
             "el": "greek", "es": "spanish", "fi": "finnish", "fr": "french",
             "hu": "hungarian", "id": "indonesian", "it": "italian", "lt": "lithuanian",
             "nb": "norwegian", "nl": "dutch", "pl": "polish", "pt": "portuguese",
             "ro": "romanian", "ru": "russian", "sr": "serbian", "sv": "swedish",
             "tr": "turkish"}


class _Terms(dict[str, str]):
    """The term of every word met in one language (plain str -> str: nothing for the
    collector to walk)."""

    def __init__(self, language: str) -> None:
        super().__init__()
        algorithm = _SNOWBALL.get(language)
        self._stem: Callable[[str], str] = term
        if algorithm is not None:
            import snowballstemmer

            stem = snowballstemmer.stemmer(algorithm).stemWord
            # Numbers stay as written: a stemmer would take "48" for a word.
            self._stem = lambda word: word if word[:1].isdigit() else str(stem(word))

    def __missing__(self, word: str) -> str:
        if len(self) >= 500_000:
            self.clear()
        self[word] = key = self._stem(word)
        return key


_TERMS_BY_LANGUAGE: dict[str, _Terms] = {}


def _terms(language: str) -> _Terms:
    found = _TERMS_BY_LANGUAGE.get(language)
    if found is None:
        found = _TERMS_BY_LANGUAGE[language] = _Terms(language)
    return found


def article_language(article: Article) -> str:
    """The prior's language for an article: guessed from its text, English when unsure."""
    # The opening is enough to tell, and guessing on all of a long text is slow.
    guessed = guess_language(article.text[:LANGUAGE_SAMPLE]) if article.text else UNKNOWN
    return prior.prior_language(guessed) if guessed != UNKNOWN else prior.DEFAULT_LANGUAGE


def build_features(articles: Sequence[Article]) -> FeatureSet:
    vocabulary: dict[str, int] = {}
    titles = _Rows()
    leads = _Rows()
    for article in articles:
        language = article_language(article)
        title_terms = _term_counts(article.title, language)
        titles.add(title_terms, vocabulary)
        if article.text.strip():
            lead = " ".join(article.text.split()[:LEAD_WORDS])
            # A stated title counts extra: it is the outlet's own summary of the event.
            # A title cleaning inferred from the opening is in the lead already.
            repeat = 0 if inferred_title(article) else TITLE_REPEAT
            leads.add(_term_counts(lead, language, title_terms, repeat), vocabulary)
        else:
            leads.add({}, vocabulary)
    width = max(1, len(vocabulary))
    return FeatureSet(
        titles=titles.matrix(width), leads=leads.matrix(width),
        title_marks=titles.marks(width), lead_marks=leads.marks(width),
        days=published_days(articles),
        has_text=np.array([bool(a.text.strip()) for a in articles], dtype=bool),
    )


#: What each token met so far stands for, per language: its term and the Zipf frequency
#: of its normal form, or ``_NO_FEATURE`` ("the", "a"). A news stream repeats its
#: words, so most tokens are looked up once per build, not once per use.
_TOKENS_BY_LANGUAGE: dict[str, dict[str, tuple[str, float]]] = {}
_NO_FEATURE = ("", 0.0)
_TOKENS_LIMIT = 500_000


def _term_counts(text: str, language: str, extra: dict[str, list[float]] | None = None,
                 repeat: int = 0) -> dict[str, list[float]]:
    """term -> [count, highest Zipf frequency of its forms] over the features of ``text``
    (``prior.words``), plus ``repeat`` times the counts of ``extra``.

    A term met in several forms weighs as its most common form: "strikes" is no rarer
    an event than "strike". Terms are in the order of their first use, which fixes
    the columns of the vocabulary.
    """
    counts: dict[str, list[float]] = {}
    if extra and repeat:
        counts = {key: [count * repeat, frequency] for key, (count, frequency) in extra.items()}
    known = _TOKENS_BY_LANGUAGE.setdefault(language, {})
    for token, uses in Counter(prior.tokens(text)).items():
        entry = known.get(token)
        if entry is None:
            if len(known) >= _TOKENS_LIMIT:
                known.clear()
            entry = known[token] = _token_entry(token, language)
        key, frequency = entry
        if not key:
            continue
        slot = counts.get(key)
        if slot is None:
            counts[key] = [uses, frequency]
        else:
            slot[0] += uses
            if frequency > slot[1]:
                slot[1] = frequency
    return counts


def _token_entry(token: str, language: str) -> tuple[str, float]:
    word = prior.normal_form(token)
    if not prior.is_feature(word, language):
        return _NO_FEATURE
    return _terms(language)[word], prior.zipf(word, language)


def inferred_title(article: Article) -> bool:
    """True when the title is just the opening of the text (cleaning inferred it)."""
    title = " ".join(article.title.split()).rstrip(".…")
    return bool(title) and " ".join(article.text[: len(title) + 50].split()).startswith(title)


def published_days(articles: Sequence[Article]) -> np.ndarray:
    return np.array(
        [
            a.published.astimezone(UTC).timestamp() / 86400.0 if a.published else np.nan
            for a in articles
        ],
        dtype=np.float64,
    )


class _Rows:
    """Accumulates normalised sparse rows (compressed: columns and values row after row)."""

    def __init__(self) -> None:
        self.lengths: list[int] = []
        self.cols: list[int] = []
        self.values: list[float] = []
        self.distinctive: list[bool] = []

    @property
    def count(self) -> int:
        return len(self.lengths)

    def add(self, counts: dict[str, list[float]], vocabulary: dict[str, int]) -> None:
        """One row from ``_term_counts``: ``(1 + ln tf) * prior weight``, normalised."""
        ceiling, distinctive = prior.RARITY_CEILING, prior.DISTINCTIVE_ZIPF
        kept = [(key, tf, frequency) for key, (tf, frequency) in counts.items()
                if frequency < ceiling]  # a weight of 0 or less is no feature
        values = [(1.0 + math.log(tf)) * (ceiling - frequency) for _, tf, frequency in kept]
        norm = math.sqrt(sum(value * value for value in values)) or 1.0
        self.cols.extend([vocabulary.setdefault(key, len(vocabulary)) for key, _, _ in kept])
        self.values.extend([value / norm for value in values])
        self.distinctive.extend([frequency < distinctive for _, _, frequency in kept])
        self.lengths.append(len(kept))

    def _row_numbers(self) -> np.ndarray:
        return np.repeat(np.arange(self.count, dtype=np.int64), self.lengths)

    def marks(self, width: int) -> sparse.csr_matrix:
        keep = np.asarray(self.distinctive, dtype=bool)
        return sparse.csr_matrix(
            (np.ones(int(keep.sum())), (self._row_numbers()[keep],
                                        np.asarray(self.cols, dtype=np.int64)[keep])),
            shape=(self.count, width),
        )

    def matrix(self, width: int) -> sparse.csr_matrix:
        return sparse.csr_matrix(
            (np.asarray(self.values, dtype=np.float64),
             (self._row_numbers(), np.asarray(self.cols, dtype=np.int64))),
            shape=(self.count, width),
        )
