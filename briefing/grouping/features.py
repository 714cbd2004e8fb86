"""TF-IDF vectors over an article's title and lead.

The title and the opening say what event an article is about; the body wanders
into background that other stories share (the same minister, the same country),
so only the lead is used and the title counts twice. IDF is computed over the
batch being grouped: a word every article of the batch uses tells them apart from
nothing. Pure Python plus scipy, so no heavy dependency is needed.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Sequence

import numpy as np
from scipy import sparse

from briefing.types import Article

LEAD_WORDS = 100
#: Terms in more than this share of a (large) batch carry no signal and make the
#: similarity matrix dense; dropped when the batch has at least MIN_DOCS_FOR_MAX_DF.
MAX_DF = 0.3
MIN_DOCS_FOR_MAX_DF = 50
_WORD = re.compile(r"[^\W\d_]{2,}", re.UNICODE)

_STOPWORD_TEXT = """
    a about above after again against all also am an and any are as at be because been
    before being below between both but by can could did do does doing down during each few
    for from further had has have having he her here hers herself him himself his how i if
    in into is it its itself just me more most my no nor not now of off on once only or other
    our ours out over own same she should so some such than that the their theirs them then
    there these they this those through to too under until up very was we were what when
    where which while who whom why will with would you your said says say told on monday
    tuesday wednesday thursday friday saturday sunday new one two three year years week
    day days per cent percent mr mrs ms according would its it's last first since"""
STOPWORDS = frozenset(_STOPWORD_TEXT.split())


def tokens(text: str) -> list[str]:
    """Lower-cased content words, crudely de-pluralised so "strikes" meets "strike"."""
    words = []
    for word in _WORD.findall(text.casefold()):
        if word in STOPWORDS:
            continue
        if len(word) > 4 and word.endswith("s") and not word.endswith("ss"):
            word = word[:-1]
        words.append(word)
    return words


def article_terms(article: Article) -> list[str]:
    lead = " ".join(article.text.split()[:LEAD_WORDS])
    title = tokens(article.title)
    return title + title + tokens(lead)


def tfidf_matrix(articles: Sequence[Article]) -> sparse.csr_matrix:
    """Rows are L2-normalised TF-IDF vectors (sublinear tf, smoothed idf)."""
    counts = [Counter(article_terms(article)) for article in articles]
    df: Counter[str] = Counter()
    for count in counts:
        df.update(count.keys())
    n = len(articles)
    limit = MAX_DF * n if n >= MIN_DOCS_FOR_MAX_DF else n + 1
    vocab = {term: i for i, term in enumerate(t for t, d in df.items() if d <= limit)}
    idf = {term: math.log((1 + n) / (1 + df[term])) + 1.0 for term in vocab}
    rows: list[int] = []
    cols: list[int] = []
    values: list[float] = []
    for row, count in enumerate(counts):
        weights = {
            vocab[term]: (1.0 + math.log(tf)) * idf[term]
            for term, tf in count.items()
            if term in vocab
        }
        norm = math.sqrt(sum(w * w for w in weights.values())) or 1.0
        for col, weight in weights.items():
            rows.append(row)
            cols.append(col)
            values.append(weight / norm)
    return sparse.csr_matrix(
        (np.asarray(values, dtype=np.float32), (rows, cols)), shape=(n, max(1, len(vocab)))
    )
