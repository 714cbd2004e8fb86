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
        title_words = prior.words(article.title, language)
        titles.add(title_words, language, vocabulary)
        if article.text.strip():
            lead = " ".join(article.text.split()[:LEAD_WORDS])
            # A stated title counts extra: it is the outlet's own summary of the event.
            # A title cleaning inferred from the opening is in the lead already.
            repeat = 0 if inferred_title(article) else TITLE_REPEAT
            leads.add(title_words * repeat + prior.words(lead, language), language, vocabulary)
        else:
            leads.add([], language, vocabulary)
    width = max(1, len(vocabulary))
    return FeatureSet(
        titles=titles.matrix(width), leads=leads.matrix(width),
        title_marks=titles.marks(width), lead_marks=leads.marks(width),
        days=published_days(articles),
        has_text=np.array([bool(a.text.strip()) for a in articles], dtype=bool),
    )


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
    """Accumulates normalised sparse rows."""

    def __init__(self) -> None:
        self.rows: list[int] = []
        self.cols: list[int] = []
        self.values: list[float] = []
        self.distinctive: list[bool] = []
        self.count = 0

    def add(self, words: list[str], language: str, vocabulary: dict[str, int]) -> None:
        counts: Counter[str] = Counter()
        weights: dict[str, float] = {}
        marks: set[int] = set()
        terms = _terms(language)
        for word in words:
            key, weight = terms[word], prior.weight(word, language)
            counts[key] += 1
            # A term met in several forms weighs as its most common form: "strikes"
            # is no rarer an event than "strike".
            if weight < weights.get(key, math.inf):
                weights[key] = weight
        row: dict[int, float] = {}
        for key, tf in counts.items():
            if weights[key] <= 0:
                continue
            column = vocabulary.setdefault(key, len(vocabulary))
            row[column] = (1.0 + math.log(tf)) * weights[key]
            if prior.RARITY_CEILING - weights[key] < prior.DISTINCTIVE_ZIPF:
                marks.add(column)
        norm = math.sqrt(sum(value * value for value in row.values())) or 1.0
        for column, value in row.items():
            self.rows.append(self.count)
            self.cols.append(column)
            self.values.append(value / norm)
            self.distinctive.append(column in marks)
        self.count += 1

    def marks(self, width: int) -> sparse.csr_matrix:
        keep = np.asarray(self.distinctive, dtype=bool)
        return sparse.csr_matrix(
            (np.ones(int(keep.sum())), (np.asarray(self.rows, dtype=np.int64)[keep],
                                        np.asarray(self.cols, dtype=np.int64)[keep])),
            shape=(self.count, width),
        )

    def matrix(self, width: int) -> sparse.csr_matrix:
        return sparse.csr_matrix(
            (np.asarray(self.values, dtype=np.float64), (self.rows, self.cols)),
            shape=(self.count, width),
        )
