"""The built-in offline engine: bullets are sentences lifted from the articles.

For each story every sentence of every article is a candidate. A candidate's
score adds up:

* centrality: how much of the story's vocabulary (TF-IDF over the story's own
  sentences, stopwords removed) it carries, so the sentence that says what the
  story is about wins over colour and background;
* position: news is written lead-first, so early sentences get a bonus;
* substance: named entities and numbers are what a briefing reader wants;

minus penalties for very short sentences, questions, sentences that are mostly
a quotation, sentences that open with a pronoun (they read badly out of
context) and page furniture that cleaning missed ("support us", "Read more").

The best candidates are taken greedily, skipping near-duplicates of one already
chosen or of the headline, with a small penalty for reusing the same article so
that a story told by several outlets cites several of them. The chosen
sentences are put back in reading order (article, then position) and shortened
into bullets by *removing* words only (leading connectives, bracketed asides,
trailing clauses), so every bullet stays a verbatim slice of its article.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from briefing.config import Limits
from briefing.text import (
    CLOSERS,
    DASHES,
    OPENERS,
    content_words,
    looks_like_headline,
    normalize_whitespace,
    split_sentences,
    strip_dateline,
    word_count,
    word_set,
    words,
)
from briefing.types import Bullet, BulletOrigin, Story, StorySummary

__all__ = ["ExtractiveSummarizer", "extractive_bullets", "to_bullet_text"]

# Scoring weights. Centrality is normalised to 0..1, so the others read as
# fractions of "the most central sentence of the story".
_LEAD_BONUS = 0.35  # the first sentence of an article
_POSITION_WEIGHT = 0.25  # decays over the first sentences
_NAME_BONUS = 0.12
_NUMBER_BONUS = 0.08
_SAME_ARTICLE_PENALTY = 0.12  # per bullet already taken from the same article
_SHORT_PENALTY = 0.35
_QUESTION_PENALTY = 0.35
_QUOTE_PENALTY = 0.25
_PRONOUN_PENALTY = 0.1
_PERSONAL_PENALTY = 0.6  # "we", "you" outside quotes: news copy is third person

_MIN_SENTENCE_WORDS = 5  # shorter "sentences" are fragments or page furniture
_MIN_BULLET_WORDS = 4
_DUPLICATE_OVERLAP = 0.6  # share of the smaller word set found in the other
_HEADLINE_OVERLAP = 0.75  # share of a sentence's words already in the headline
_WORDS_PER_EXTRA_BULLET = 200

_CONNECTIVE = re.compile(
    r"^(?:(?:But|And|However|Meanwhile|Nonetheless|Nevertheless|Moreover|Furthermore|"
    r"Additionally)\b,?|(?:Yet|Still|Also|Separately|Instead|Indeed|In addition|"
    r"At the same time|In turn|On the other hand|That said|Even so|Besides)\s*,)\s+"
)
_PAREN_ASIDE = re.compile(r"\s*\([^()]*\)")
_BOILERPLATE = re.compile(
    r"\b(?:subscribe|subscription|newsletter|sign up|log in|click here|read more|"
    r"share this|comments are closed|all rights reserved|cookies?|advertisement|"
    r"support us|donat\w*|contribution|remind me later|follow us|dear readers?|"
    r"thank you|ad-free|paywall|social media|terms of use|privacy policy|copyright)\b"
    r"|©"  # matched against the lower-cased sentence
)
_PERSONAL = re.compile(r"\b(?:[Ww]e|[Ww]e're|[Oo]ur|us|[Yy]ou|[Yy]ou're|[Yy]our)\b")
_QUOTED = re.compile(r"\"[^\"]*\"|“[^”]*”")
_PRONOUN_START = re.compile(r"^(?:It|This|That|These|Those|They|He|She|His|Her|Their)\b")
_NUMBER = re.compile(r"\d")
_NAME = re.compile(r"(?<=\s)[A-Z][a-z]+(?:[-'’][A-Za-z]+)*")


@dataclass(frozen=True, slots=True)
class _Candidate:
    article_index: int
    position: int  # index among the article's sentences
    article_id: int
    text: str
    words: int
    score: float
    usable: bool  # reads like a proper sentence of news copy


class ExtractiveSummarizer:
    """Offline summarizer: picks and trims the most salient sentences of each story."""

    engine = "extractive"

    def __init__(self, limits: Limits | None = None) -> None:
        self.limits = limits or Limits()

    @property
    def prompt_versions(self) -> dict[str, str]:
        return {}  # no prompts: the sentences are the articles' own

    def summarize(self, stories: Sequence[Story]) -> list[StorySummary]:
        return [self._summarize_one(story) for story in stories]

    def top_lines(
        self, summaries: Sequence[StorySummary], stories: Sequence[Story]
    ) -> tuple[Bullet, ...]:
        return ()

    def close(self) -> None:
        return None

    def _summarize_one(self, story: Story) -> StorySummary:
        headline = story.headline
        try:
            bullets = extractive_bullets(story, self.limits)
        except Exception as error:  # one odd story must never sink the brief
            return StorySummary(
                story.id, headline, (), notes=(f"could not summarize this story: {error}",)
            )
        notes = () if bullets else ("no article text to summarize",)
        return StorySummary(story.id, headline, bullets, notes=notes)


def extractive_bullets(story: Story, limits: Limits) -> tuple[Bullet, ...]:
    """The story's bullets, verbatim-grounded, in reading order (possibly empty)."""
    candidates = _candidates(story)
    if not candidates:
        return ()
    wanted = _bullet_count(candidates, limits)
    chosen = _choose(candidates, wanted, set(content_words(story.headline)), limits)
    chosen.sort(key=lambda pick: (pick.candidate.article_index, pick.candidate.position))
    return tuple(
        Bullet(pick.text, (pick.candidate.article_id,), BulletOrigin.EXTRACTIVE, True)
        for pick in chosen
    )


# --- candidates and scores ---------------------------------------------------------


def _candidates(story: Story) -> list[_Candidate]:
    """Every sentence of every article, scored against the whole story."""
    located: list[tuple[int, int, int, str]] = []
    term_lists: list[list[str]] = []
    for article_index, article in enumerate(story.articles):
        for position, sentence in enumerate(split_sentences(article.text)):
            located.append((article_index, position, article.id, sentence))
            term_lists.append(content_words(sentence))
    candidates: list[_Candidate] = []
    for (article_index, position, article_id, sentence), central in zip(
        located, _centrality(term_lists), strict=True
    ):
        score = central + _bonus(sentence, position) - _penalty(sentence)
        candidates.append(
            _Candidate(
                article_index,
                position,
                article_id,
                sentence,
                word_count(sentence),
                score,
                _is_usable(sentence),
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
    if sentence.rstrip(CLOSERS).endswith("?"):
        penalty += _QUESTION_PENALTY
    unquoted = _QUOTED.sub(" ", sentence)
    if word_count(unquoted) < 0.4 * count:
        penalty += _QUOTE_PENALTY
    if _PERSONAL.search(unquoted):
        penalty += _PERSONAL_PENALTY
    if _PRONOUN_START.match(sentence):
        penalty += _PRONOUN_PENALTY
    return penalty


def _is_usable(sentence: str) -> bool:
    """False for what is never worth a bullet while anything better exists."""
    if word_count(sentence) < _MIN_SENTENCE_WORDS or _BOILERPLATE.search(sentence.lower()):
        return False
    # Headings, standfirsts and menu items: a line that does not end like a sentence.
    return sentence.rstrip(CLOSERS)[-1:] in {".", "!", "?"} and not looks_like_headline(sentence)


def _bullet_count(candidates: list[_Candidate], limits: Limits) -> int:
    """More bullets for more text: min_bullets, plus one per ~200 words of usable text."""
    usable_words = sum(c.words for c in candidates if c.usable)
    wanted = limits.min_bullets + usable_words // _WORDS_PER_EXTRA_BULLET
    return max(1, min(limits.max_bullets, wanted))


# --- selection ------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Pick:
    candidate: _Candidate
    text: str  # the shortened bullet text
    terms: frozenset[str]


def _choose(
    candidates: list[_Candidate], wanted: int, headline_terms: set[str], limits: Limits
) -> list[_Pick]:
    """Greedy selection of distinct candidates; falls back to the best of anything."""
    chosen = _greedy([c for c in candidates if c.usable], wanted, headline_terms, limits)
    if not chosen:
        # Nothing reads like a proper sentence: a short or odd text still gets a bullet.
        chosen = _greedy(candidates, 1, set(), limits, min_words=1)
    return chosen


def _greedy(
    pool: list[_Candidate],
    wanted: int,
    headline_terms: set[str],
    limits: Limits,
    min_words: int = _MIN_BULLET_WORDS,
) -> list[_Pick]:
    chosen: list[_Pick] = []
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
        text = to_bullet_text(best.text, limits.max_bullet_words)
        pick = _Pick(best, text, frozenset(content_words(text)))
        if len(words(text)) < min_words or _is_duplicate(pick, chosen, headline_terms):
            continue
        chosen.append(pick)
        per_article[best.article_index] += 1
    return chosen


def _is_duplicate(pick: _Pick, chosen: list[_Pick], headline_terms: set[str]) -> bool:
    """Does ``pick`` mostly repeat the headline or a bullet already chosen?"""
    terms = pick.terms
    if terms and headline_terms and len(terms & headline_terms) / len(terms) >= _HEADLINE_OVERLAP:
        return True
    for other in chosen:
        if other.text.casefold() == pick.text.casefold():
            return True
        smaller = min(len(other.terms), len(terms))
        if smaller and len(other.terms & terms) / smaller >= _DUPLICATE_OVERLAP:
            return True
    return False


# --- shortening -----------------------------------------------------------------------

# Cut points for over-long sentences, best first: after a clause-ending mark
# (or before a dash), before a word opening a clause, before a preposition.
_CLAUSE_END = (",", ";", ":")
_CLAUSE_STARTS = word_set(
    """
    which who whom whose while whereas although though because after before since until
    when where amid despite following including but according
    """
)
_PREPOSITIONS = word_set(
    """
    to on in at for by from over between into with without during against about under
    across toward towards than via
    """
)
# Words that open an introductory phrase ("Last week, ..."), whose first comma
# does not end a usable sentence.
_INTRO_STARTS = word_set(
    """
    after although amid as at before besides by despite during earlier following for from
    if in last later on once since though under unless until when whereas while with
    without according over this
    """
)
_DANGLING_END = _PREPOSITIONS | word_set(
    "a an the of and or but as that which who its his her their this these those"
)
# An appositive opens with a determiner, a relative pronoun or a capital
# ("Russia's former defense minister", "the head of", "who arrived on Monday").
_APPOSITIVE_OPENERS = word_set("the a an his her its their who whose which now then formerly")
# After the appositive's closing comma comes the verb; these words mean it was not one.
_NOT_A_PREDICATE = _CLAUSE_STARTS | _PREPOSITIONS | word_set("and or nor")
# Capitalised sentence openers that are not names.
_NOT_A_NAME = _INTRO_STARTS | word_set(
    """
    today yesterday tomorrow now then here there still instead indeed however meanwhile
    separately overall finally first second third also again moreover furthermore
    """
)
_MIN_CUT_WORDS = 8
_REPORTING_VERBS = word_set(
    "said say says told tell tells believe believes think thinks know knows"
)
# Words after "and" that show it joins two clauses rather than two nouns.
_CLAUSE_OPENERS = word_set(
    """
    is are was were has have had will would could can may might must should said says told
    also then he she it they we
    """
)
_MAX_ASIDE_WORDS = 20  # longest appositive or introductory phrase recognised


def to_bullet_text(sentence: str, max_words: int) -> str:
    """Shorten a sentence into a bullet by removing words only, then tidy its ends.

    Removes a wire dateline, leading connectives ("However,") and parenthetical
    asides; a sentence longer than ``max_words`` loses an appositive ("Shoigu,
    Russia's former defense minister, ...") and is then cut at a clause boundary.
    Finally the first letter is capitalised and the bullet ends with a period.
    """
    text = strip_dateline(normalize_whitespace(sentence)).lstrip("…-–— ")
    for _ in range(2):  # "But, however, ..." has two
        text = _CONNECTIVE.sub("", text, count=1)
    without_asides = normalize_whitespace(_PAREN_ASIDE.sub("", text))
    if word_count(without_asides) >= _MIN_BULLET_WORDS:  # not when the aside is all there is
        text = without_asides
    text = re.sub(r"\s+([,.;:!?])", r"\1", text)  # the space an aside left before a comma
    tokens = text.split()
    if len(tokens) > max_words:
        text = _finish_cut(_shorten(tokens, max_words))
    bullet = _capitalise(_end_with_period(_balance_quotes(text)))
    if not words(bullet):
        # Tidying ate everything (punctuation and small words): keep the first real words.
        kept = [token for token in sentence.split() if words(token)][:max_words]
        bullet = _capitalise(_end_with_period(" ".join(kept))) if kept else ""
    return bullet


def _shorten(tokens: list[str], max_words: int) -> list[str]:
    """At most ``max_words`` of ``tokens``, removing the least informative parts first.

    The cut goes at the cleanest kind of boundary that still keeps at least half
    the allowed words (see ``_best_cut``). When only a rough cut fits and the
    sentence opens with a long introductory phrase ("At a meeting in Vladivostok
    last week, ..."), that phrase is dropped instead, keeping the main clause.
    """
    tokens = _drop_appositive(tokens)
    if len(tokens) <= max_words:
        return tokens
    intro = _intro_length(tokens)
    rank, cut = _best_cut(tokens, max_words, start=intro + 4)
    if intro and rank >= _ROUGH_CUT:
        rest = tokens[intro:]
        if len(rest) <= max_words:
            return rest
        rest_rank, rest_cut = _best_cut(rest, max_words, start=0)
        if rest_rank < rank:
            return rest_cut
    return cut


def _best_cut(tokens: list[str], max_words: int, start: int) -> tuple[int, list[str]]:
    """A prefix of at most ``max_words`` words, and the rank of its cut (0 is cleanest).

    Cut points, best first: after a clause-ending mark or before a dash; before
    a word opening a clause; before a preposition; anywhere. A cleaner cut wins
    if it keeps at least half the allowed words, and every cut keeps at least
    ``start`` words, so a bullet never ends inside an introductory phrase.
    """
    low = max(start, min(_MIN_CUT_WORDS, max_words))
    high = min(max_words, len(tokens) - 1)
    for floor in (max(low, (max_words + 1) // 2), low):
        for rank, is_boundary in enumerate(_BOUNDARIES):
            for index in range(high, floor - 1, -1):
                if is_boundary(tokens, index):
                    return rank, tokens[:index]
    return len(_BOUNDARIES), _hard_cut(tokens, max_words)


def _ends_clause(tokens: list[str], index: int) -> bool:
    return tokens[index - 1].rstrip(CLOSERS).endswith(_CLAUSE_END) or tokens[index] in DASHES


def _starts_clause(tokens: list[str], index: int) -> bool:
    word, before = tokens[index].lower(), tokens[index - 1].lower()
    if word == "that":
        # "a gas field that ..." opens a clause; "declared that ..." needs what follows.
        return not (before.endswith("ed") or before in _REPORTING_VERBS)
    if word == "as":
        return before not in {"well", "such", "so", "just"}  # not inside "as well as"
    if word in {"and", "or"}:
        # Joins two clauses when a verb or a subject pronoun follows: "... and declared".
        following = tokens[index + 1].lower() if index + 1 < len(tokens) else ""
        return following.endswith("ed") or following in _CLAUSE_OPENERS
    return word in _CLAUSE_STARTS


def _starts_phrase(tokens: list[str], index: int) -> bool:
    word = tokens[index].lower()
    if word in {"and", "or"}:
        following = tokens[index + 1] if index + 1 < len(tokens) else ""
        return not (
            _capitalised(tokens[index - 1]) and _capitalised(following)
        )  # "Russia and China"
    return word in _PREPOSITIONS


_BOUNDARIES = (_ends_clause, _starts_clause, _starts_phrase)
_ROUGH_CUT = 2  # rank of a cut before a preposition: worth dropping an intro to avoid


def _drop_appositive(tokens: list[str]) -> list[str]:
    """Drop an aside after the leading subject: "Shoigu, ex-minister, met" -> "Shoigu met"."""
    name_end = _leading_name_end(tokens)
    if not name_end:
        return tokens
    opener = tokens[name_end].lstrip(OPENERS)
    if not opener or not (opener[0].isupper() or opener.lower() in _APPOSITIVE_OPENERS):
        return tokens
    limit = min(len(tokens) - 1, name_end + _MAX_ASIDE_WORDS)
    for end in range(name_end + 1, limit + 1):
        following = tokens[end]
        if tokens[end - 1].endswith(",") and following[0].islower():
            if following in _NOT_A_PREDICATE:
                return tokens  # a list of names or a trailing phrase, not name-appositive-verb
            name = tokens[:name_end]
            return [*name[:-1], name[-1].rstrip(","), *tokens[end:]]
    return tokens


def _leading_name_end(tokens: list[str]) -> int:
    """Words in a leading subject followed by a comma, or 0.

    The subject is a capitalised name ("Li Shangfu,") or a short noun phrase
    followed by a relative clause ("The plan, which ...,").
    """
    if not tokens or tokens[0][0] in OPENERS or tokens[0].rstrip(",").lower() in _NOT_A_NAME:
        return 0
    for end in range(1, min(4, len(tokens) - 1) + 1):
        if tokens[end - 1].endswith(","):
            named = all(_capitalised(token) for token in tokens[:end])
            relative = tokens[end].lower() in {"who", "which", "whose"}
            return end if named or relative else 0
    return 0


def _intro_length(tokens: list[str]) -> int:
    """Words in a leading introductory phrase up to its comma ("Last week,"), else 0."""
    if not tokens or tokens[0].lower() not in _INTRO_STARTS:
        return 0
    for index, token in enumerate(tokens[:_MAX_ASIDE_WORDS], start=1):
        if token.rstrip(CLOSERS).endswith(","):
            return index
    return 0


def _hard_cut(tokens: list[str], max_words: int) -> list[str]:
    """Cut at ``max_words``, backing off so "Xi Jinping" or "May 9" is not split."""
    cut = max_words
    while (
        cut > _MIN_CUT_WORDS
        and _capitalised(tokens[cut - 1])
        and (_capitalised(tokens[cut]) or tokens[cut][:1].isdigit())
    ):
        cut -= 1
    return tokens[: cut if cut > _MIN_CUT_WORDS else max_words]


def _capitalised(token: str) -> bool:
    stripped = token.lstrip(OPENERS)
    return bool(stripped) and stripped[0].isupper()


def _finish_cut(tokens: list[str]) -> str:
    """Drop trailing punctuation and small words a cut can leave dangling."""
    tokens = list(tokens)
    while len(tokens) > 1:
        last = tokens[-1]
        if last in DASHES or last.lower().strip(",;:") in _DANGLING_END:
            tokens.pop()
            continue
        break
    text = " ".join(tokens)
    body = text.rstrip(CLOSERS)
    return body.rstrip(",;:–—-") + text[len(body) :]


def _balance_quotes(text: str) -> str:
    """Remove a quote mark a cut left without its partner (removal keeps grounding)."""
    if text.count('"') % 2:
        index = text.rfind('"')
        text = text[:index] + text[index + 1 :]
    if text.count("“") > text.count("”"):
        index = text.rfind("“")
        text = text[:index] + text[index + 1 :]
    elif text.count("”") > text.count("“"):
        index = text.find("”")
        text = text[:index] + text[index + 1 :]
    return normalize_whitespace(text)


def _end_with_period(text: str) -> str:
    body = text.rstrip(CLOSERS)
    if body.endswith((".", "!", "?")):
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
