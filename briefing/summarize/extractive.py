"""The built-in offline engine: bullets are whole sentences lifted from the articles.

For each story every sentence of every article is a candidate. A candidate's
score adds up:

* centrality: how much of the story's vocabulary (TF-IDF over the story's own
  sentences, stopwords removed) it carries, so the sentence that says what the
  story is about wins over colour and background;
* position: news is written lead-first, so early sentences get a bonus;
* substance: named entities and numbers are what a briefing reader wants;

minus penalties for very short sentences, sentences that are mostly a
quotation and first- or second-person copy.

What an editor would strike is never used: a sentence longer than the bullet
limit (bullets are whole sentences: one is never cut), page furniture, a
question, a heading, a sentence with no name, number or event, one whose
opening leans on a sentence before it ("It is the second cut", "The company
said" -- resolved to the name the article gave it when it can be, see
``references``), and one that repeats the headline.

The best candidates are taken greedily with a small penalty for reusing the
same article (a story told by several outlets cites several of them). Two
bullets may not carry the same fact -- the same figure, or mostly the same
words -- and of two such the more informative is kept. The chosen sentences are
put in time order (article by article, oldest first, then their order in the
article), so a developing story reads as it happened.

A bullet is the sentence with only removals: a wire dateline, the outlet's
name before a dash, a leading connective ("However,"), bracketed asides and,
for an over-long sentence, the aside after its subject ("Shoigu, Russia's
former defence minister, met" -> "Shoigu met"). Its end is always the
sentence's own end.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from briefing.clean import is_furniture_sentence
from briefing.config import Limits
from briefing.summarize.injection import is_model_directed
from briefing.summarize.references import Antecedents, opens_with_pronoun, resolve_opening
from briefing.text import (
    CLOSERS,
    OPENERS,
    content_words,
    drop_leading_appositive,
    looks_like_headline,
    normalize_whitespace,
    split_sentences,
    strip_dateline,
    strip_leading_punctuation,
    word_count,
    word_set,
    words,
)
from briefing.types import Article, Bullet, BulletOrigin, Story, StorySummary

__all__ = ["ExtractiveSummarizer", "extractive_bullets", "figures", "to_bullet_text"]

# Scoring weights. Centrality is normalised to 0..1, so the others read as
# fractions of "the most central sentence of the story".
_LEAD_BONUS = 0.35  # the first sentence of an article
_POSITION_WEIGHT = 0.25  # decays over the first sentences
_NAME_BONUS = 0.12
_NUMBER_BONUS = 0.08
_SAME_ARTICLE_PENALTY = 0.12  # per bullet already taken from the same article
_SHORT_PENALTY = 0.35
_QUOTE_PENALTY = 0.25
_PERSONAL_PENALTY = 0.6  # "we", "you" outside quotes: news copy is third person

_MIN_SENTENCE_WORDS = 5  # shorter "sentences" are fragments or page furniture
_REPEAT_OVERLAP = 0.5  # share of the smaller word set found in the other bullet
_HEADLINE_SHARE = 0.6  # share of a bullet's words already in the headline
_HEADLINE_COVERED = 0.8  # share of the headline's words found in a bullet
_WORDS_PER_EXTRA_BULLET = 200
_TOP_LINES = 3

_CONNECTIVE = re.compile(
    r"^(?:(?:But|And|However|Meanwhile|Nonetheless|Nevertheless|Moreover|Furthermore|"
    r"Additionally|Still|Also|Yet)\b,?|(?:Separately|Instead|Indeed|In addition|"
    r"At the same time|In turn|On the other hand|That said|Even so|Besides)\s*,)\s+"
)
_PAREN_ASIDE = re.compile(r"\s*\([^()]*\)")
_LEADING_TAG = re.compile(r"^\[[^\[\]]{1,60}\]\s*")  # "[Agency=Reporter] ..."
_BOILERPLATE = re.compile(
    r"\b(?:subscribe|subscription|newsletter|sign up|log in|click here|read more|"
    r"share this|comments are closed|all rights reserved|cookies?|advertisement|"
    r"support us|donat\w*|remind me later|follow us|dear readers?|"
    r"ad-free|paywall|terms of use|privacy policy)\b"
    r"|©"  # matched against the lower-cased sentence
)
_PERSONAL = re.compile(r"\b(?:[Ww]e|[Ww]e're|[Oo]ur|us|[Yy]ou|[Yy]ou're|[Yy]our)\b")
_QUOTED = re.compile(r"\"[^\"]*\"|“[^”]*”")
_NUMBER = re.compile(r"\d")
_FIGURE = re.compile(r"\d+(?:[.,:]\d+)*%?")
_NAME = re.compile(r"(?<=\s)[A-Z][a-z]+(?:[-'’][A-Za-z]+)*")
_NUMBER_WORDS = word_set(
    """
    one two three four five six seven eight nine ten eleven twelve dozen dozens hundred
    hundreds thousand thousands million millions billion billions half third quarter
    first second
    """
)
# Framing with no news in it: "On paper, Friday should have been a day of celebration".
_COUNTERFACTUAL = re.compile(r"\b(?:should|would|could|might|must) have been\b|^on paper\b", re.I)
_TOKEN = re.compile(r"\w+")


@dataclass(frozen=True, slots=True)
class _Candidate:
    article_index: int
    position: int  # index among the article's sentences
    article: Article
    text: str  # the bullet text: the sentence with removals (and a resolved opening)
    words: int
    score: float
    usable: bool  # a whole, stand-alone sentence of news copy
    whole: bool  # ends where the sentence ends, within the word limit
    terms: frozenset[str]  # words (over three letters) for overlap checks
    figures: frozenset[str]

    @property
    def information(self) -> int:
        """How much a bullet tells: its distinct words, figures counting double."""
        return len(self.terms) + 2 * len(self.figures)


class ExtractiveSummarizer:
    """Offline summarizer: picks the most salient whole sentences of each story."""

    engine = "extractive"

    def __init__(self, limits: Limits | None = None) -> None:
        self.limits = limits or Limits()
        self._leads: dict[str, Bullet] = {}  # story id -> its best bullet, for top lines

    @property
    def prompt_versions(self) -> dict[str, str]:
        return {}  # no prompts: the sentences are the articles' own

    def summarize(self, stories: Sequence[Story]) -> list[StorySummary]:
        return [self._summarize_one(story) for story in stories]

    def top_lines(
        self, summaries: Sequence[StorySummary], stories: Sequence[Story]
    ) -> tuple[Bullet, ...]:
        """One line for each of the top stories (the first three): its most central bullet."""
        lines: list[Bullet] = []
        for summary in summaries:
            if len(lines) == _TOP_LINES:
                break
            lead = self._leads.get(summary.story_id)
            if lead is not None and any(b.text == lead.text for b in summary.bullets):
                lines.append(lead)
            elif summary.bullets:
                lines.append(summary.bullets[0])
        return tuple(lines)

    def close(self) -> None:
        return None

    def _summarize_one(self, story: Story) -> StorySummary:
        headline = story.headline
        try:
            chosen = _chosen(story, self.limits)
        except Exception as error:  # one odd story must never sink the brief
            return StorySummary(
                story.id, headline, (), notes=(f"could not summarize this story: {error}",)
            )
        bullets = tuple(_bullet(c) for c in _in_time_order(chosen))
        if chosen:
            self._leads[story.id] = _bullet(max(chosen, key=lambda c: c.score))
        notes = () if bullets else ("no article text to summarize",)
        return StorySummary(story.id, headline, bullets, notes=notes)


def extractive_bullets(story: Story, limits: Limits) -> tuple[Bullet, ...]:
    """The story's bullets, whole sentences of its articles, in time order (possibly empty)."""
    return tuple(_bullet(c) for c in _in_time_order(_chosen(story, limits)))


def _bullet(candidate: _Candidate) -> Bullet:
    return Bullet(candidate.text, (candidate.article.id,), BulletOrigin.EXTRACTIVE, True)


def _in_time_order(chosen: list[_Candidate]) -> list[_Candidate]:
    """Oldest article first (undated ones after the dated), then the article's own order."""

    def key(c: _Candidate) -> tuple[bool, datetime, int, int]:
        published = c.article.published
        return (published is None, published or c.article.fetched, c.article_index, c.position)

    return sorted(chosen, key=key)


def _chosen(story: Story, limits: Limits) -> list[_Candidate]:
    candidates = _candidates(story, limits)
    if not candidates:
        return []
    headline = _Headline(frozenset(_terms(story.headline)), frozenset(figures(story.headline)))
    wanted = _bullet_count(candidates, limits)
    pool = [c for c in candidates if c.usable and not _repeats_headline(c, headline)]
    chosen = _greedy(pool, wanted)
    if not chosen:
        # Nothing reads like a proper bullet: a short or odd text still gets its best
        # whole sentence that is not furniture, or, failing that, its first line.
        fallback = [c for c in candidates if c.whole and not _is_furniture(c.text)]
        if not fallback and len(story.articles) == 1 and "\n" not in story.articles[0].text.strip():
            fallback = [c for c in candidates if c.text]  # a one-line article: all it says
        fresh = [c for c in fallback if not _repeats_headline(c, headline)]
        # A story whose every sentence restates its headline still keeps one: a bullet
        # that repeats the headline beats a story that silently leaves the brief.
        chosen = [_finished(c) for c in _greedy(fresh or fallback, 1)]
    return chosen


def _finished(candidate: _Candidate) -> _Candidate:
    """A fallback line made to read as a sentence (capital, final period)."""
    text = _end_with_period(candidate.text)
    return _Candidate(
        candidate.article_index,
        candidate.position,
        candidate.article,
        text,
        candidate.words,
        candidate.score,
        candidate.usable,
        candidate.whole,
        candidate.terms,
        candidate.figures,
    )


# --- candidates and scores ---------------------------------------------------------


def _candidates(story: Story, limits: Limits) -> list[_Candidate]:
    """Every sentence of every article, scored against the whole story."""
    located: list[tuple[int, int, Article, str, str | None, bool]] = []
    term_lists: list[list[str]] = []
    for article_index, article in enumerate(story.articles):
        sentences = split_sentences(article.text)
        antecedents = Antecedents.lazy(sentences)
        for position, sentence in enumerate(sentences):
            text = to_bullet_text(sentence, limits.max_bullet_words, outlet=article.outlet)
            whole = bool(text) and _ends_sentence(sentence)
            resolved = resolve_opening(text, position, antecedents) if text else None
            located.append(
                (
                    article_index,
                    position,
                    article,
                    sentence,
                    resolved or text if text else None,
                    whole and resolved is not None,
                )
            )
            term_lists.append(content_words(sentence))
    candidates: list[_Candidate] = []
    for (article_index, position, article, sentence, found, whole), central in zip(
        located, _centrality(term_lists), strict=True
    ):
        bullet = found or ""
        score = central + _bonus(sentence, position) - _penalty(sentence)
        candidates.append(
            _Candidate(
                article_index,
                position,
                article,
                bullet,
                word_count(bullet),
                score,
                whole and _is_usable(bullet),
                whole,
                frozenset(_terms(bullet)),
                frozenset(figures(bullet)),
            )
        )
    return candidates


def _centrality(term_lists: list[list[str]]) -> list[float]:
    """Each sentence's share of the story's TF-IDF mass, scaled so the best is 1.0.

    The sum over a sentence's distinct terms is divided by the square root of
    their number (as in a cosine), so long sentences do not win by length alone.
    """
    total = len(term_lists)
    frequency: Counter[str] = Counter()
    document_frequency: Counter[str] = Counter()
    distinct = [set(terms) for terms in term_lists]
    for terms, unique in zip(term_lists, distinct, strict=True):
        frequency.update(terms)
        document_frequency.update(unique)
    weight = {
        term: count * math.log(1.0 + total / document_frequency[term])
        for term, count in frequency.items()
    }
    raw = [
        # fsum is exact, so set iteration order (hash seed) cannot change a score.
        math.fsum(weight[term] for term in unique) / math.sqrt(len(unique)) if unique else 0.0
        for unique in distinct
    ]
    best = max(raw, default=0.0) or 1.0
    return [value / best for value in raw]


def _bonus(sentence: str, position: int) -> float:
    bonus = _POSITION_WEIGHT / (1.0 + position / 2.0)
    if position == 0:
        bonus += _LEAD_BONUS
    names = len(set(_NAME.findall(sentence)))
    bonus += _NAME_BONUS * min(names, 3) / 3
    if _NUMBER.search(sentence):
        bonus += _NUMBER_BONUS
    return bonus


def _penalty(sentence: str) -> float:
    """Penalties for what reads badly as a stand-alone bullet."""
    penalty = 0.0
    count = word_count(sentence)
    if count < 8:
        penalty += _SHORT_PENALTY
    unquoted = _QUOTED.sub(" ", sentence)
    if word_count(unquoted) < 0.4 * count:
        penalty += _QUOTE_PENALTY
    if _PERSONAL.search(unquoted):
        penalty += _PERSONAL_PENALTY
    return penalty


_TERMINALS = (".", "!", "?", "。", "！", "？")


def _ends_sentence(sentence: str) -> bool:
    return sentence.rstrip(CLOSERS).endswith(_TERMINALS)


def _is_furniture(text: str) -> bool:
    # A sentence that addresses a model ("Write that ...") is an attack, not news: the
    # offline engine must not quote it to readers any more than a model may obey it.
    return (bool(_BOILERPLATE.search(text.lower())) or is_furniture_sentence(text)
            or is_model_directed(text))


def _is_usable(text: str) -> bool:
    """Does ``text`` stand alone as a bullet of news? (It is already a whole sentence.)

    Furniture is checked apart (``_is_furniture``), when a candidate is picked:
    its patterns are the costliest check, and most candidates are never picked.
    """
    if word_count(text) < _MIN_SENTENCE_WORDS:
        return False
    if text.rstrip(CLOSERS).endswith("?") or looks_like_headline(text):
        return False  # questions, headings, standfirsts
    if opens_with_pronoun(text) or not _balanced(text):
        return False  # leans on a sentence before it, or on a quote it does not hold
    return _has_substance(text) and not _COUNTERFACTUAL.search(text)


def _has_substance(text: str) -> bool:
    """A name, a number or a figure: a sentence with none of them tells a reader nothing."""
    if _NUMBER.search(text) or _NAME.search(text):
        return True
    return any(word.lower() in _NUMBER_WORDS for word in words(text))


def _balanced(text: str) -> bool:
    return text.count('"') % 2 == 0 and text.count("“") == text.count("”")


def _terms(text: str) -> list[str]:
    return [t for t in (m.casefold() for m in _TOKEN.findall(text)) if len(t) > 3]


def figures(text: str) -> set[str]:
    """The figures a sentence states ("51%", "12", "06:00"), without years and single digits."""
    found = set()
    for number in _FIGURE.findall(text):
        bare = number.replace(",", "").rstrip("%")
        if re.fullmatch(r"(?:19|20)\d\d", bare) or re.fullmatch(r"\d", bare):
            continue
        found.add(bare)
    return found


def _bullet_count(candidates: list[_Candidate], limits: Limits) -> int:
    """More bullets for more text: min_bullets, plus one per ~200 words of usable text."""
    usable_words = sum(c.words for c in candidates if c.usable)
    wanted = limits.min_bullets + usable_words // _WORDS_PER_EXTRA_BULLET
    return max(1, min(limits.max_bullets, wanted))


# --- selection ------------------------------------------------------------------------


def _greedy(pool: list[_Candidate], wanted: int) -> list[_Candidate]:
    chosen: list[_Candidate] = []
    # Best first, then document order, so the output is deterministic.
    remaining = sorted(pool, key=lambda c: (-c.score, c.article_index, c.position))
    per_article: Counter[int] = Counter()
    while remaining and len(chosen) < wanted:
        # max() keeps the first of equals: the earlier sentence wins a tie.
        best_index = max(
            range(len(remaining)),
            key=lambda i: (
                remaining[i].score - _SAME_ARTICLE_PENALTY * per_article[remaining[i].article_index]
            ),
        )
        best = remaining.pop(best_index)
        if _is_furniture(best.text):
            continue
        clashes = [c for c in chosen if _same_fact(c, best)]
        if clashes:
            # The same fact twice: keep the more informative telling of it.
            if len(clashes) == 1 and best.information > clashes[0].information:
                chosen[chosen.index(clashes[0])] = best
                per_article[clashes[0].article_index] -= 1
                per_article[best.article_index] += 1
            continue
        chosen.append(best)
        per_article[best.article_index] += 1
    return chosen


def _same_fact(first: _Candidate, second: _Candidate) -> bool:
    """Do two bullets carry the same fact: a shared figure, or mostly the same words?"""
    if first.text.casefold() == second.text.casefold() or first.figures & second.figures:
        return True
    smaller = min(len(first.terms), len(second.terms))
    return bool(smaller) and len(first.terms & second.terms) / smaller >= _REPEAT_OVERLAP


@dataclass(frozen=True, slots=True)
class _Headline:
    terms: frozenset[str]
    figures: frozenset[str]


def _repeats_headline(candidate: _Candidate, headline: _Headline) -> bool:
    """Does the sentence mostly say what the headline says (or hold all of it)?

    Also when it states the headline's figure with half its words: "hackers stole
    data of 2.1 million customers" is then told twice.
    """
    terms, wanted = candidate.terms, headline.terms
    if not terms or not wanted:
        return False
    shared = len(terms & wanted) / len(wanted)
    if candidate.figures & headline.figures and shared >= 0.5:
        return True
    return len(terms & wanted) / len(terms) >= _HEADLINE_SHARE or (
        len(wanted) >= 3 and shared >= _HEADLINE_COVERED
    )


# --- from sentence to bullet ----------------------------------------------------------


def to_bullet_text(sentence: str, max_words: int, *, outlet: str = "") -> str:
    """A sentence as a bullet, by removals only; "" when it is longer than ``max_words``.

    Removes a wire dateline ("MOSCOW (Reuters) - "), the outlet's name before a
    dash ("PanARMENIAN.Net - "), punctuation a removal left at the start,
    leading connectives ("However,") and bracketed asides; a sentence still too
    long loses the aside after its subject. The end of the sentence is never
    touched: a sentence that does not fit is not shortened further but skipped.
    """
    text = strip_dateline(normalize_whitespace(sentence))
    if outlet:
        text = re.sub(rf"^\(?{re.escape(outlet)}\)?\s*[-–—:|]\s+", "", text)
    text = strip_leading_punctuation(_LEADING_TAG.sub("", text))
    for _ in range(2):  # "But, however, ..." has two
        text = _CONNECTIVE.sub("", text, count=1)
    without_asides = normalize_whitespace(_PAREN_ASIDE.sub("", text))
    if word_count(without_asides) >= 4:  # not when the aside is all there is
        text = without_asides
    text = re.sub(r"\s+([,.;:!?])", r"\1", text)  # the space an aside left before a comma
    text = strip_leading_punctuation(text)
    if word_count(text) > max_words:
        text = " ".join(drop_leading_appositive(text.split()))
    if word_count(text) > max_words or not words(text):
        return ""
    return _capitalise(text)


def _end_with_period(text: str) -> str:
    body = text.rstrip(CLOSERS)
    if body.endswith(_TERMINALS):
        return text
    closers = text[len(body) :]
    body = body.rstrip(",;:…–—- ")
    return f"{body}{closers}." if body else text


def _capitalise(text: str) -> str:
    """Upper-case the first letter, unless the word is camel-cased like "iPhone"."""
    for index, char in enumerate(text):
        if char.isalpha():
            if text[index + 1 : index + 2].isupper():
                return text
            return text[:index] + char.upper() + text[index + 1 :]
        if char not in OPENERS:
            break
    return text
