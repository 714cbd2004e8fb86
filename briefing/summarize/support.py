"""Support: does a sentence of a cited article state what a model's line says?

Grounding by names and numbers lets through any claim assembled from an
article's own words ("The strike was organised by foreign agents, the harbour
authority said." from an article that only *orders* a model to write it). So
every LLM bullet, top line and fact must also be *supported*: backed by one
sentence, or two adjacent sentences, of an article it cites, by this measure:

1. **Claims.** The line is split at semicolons (a top line may join two
   stories); each part is checked on its own and every part must hold.
2. **Attribution.** "..., X said", "X said (that) ...", "according to X",
   "X told ..." and the like are taken off the claim; X is the *speaker*.
3. **Content words** (``briefing.summarize.wording``). Words that are not
   function words or verbs of saying,
   folded to a light stem (case, plural, -ed, -ing, -ise/-ize; then the first
   five letters, so "organised"/"organisation" and "strike"/"striking" meet;
   irregular verbs to their base, "took"/"taken" = "take";
   a short list of newsroom synonyms, "walkout"/"strike", "talks"/"negotiations",
   folds to one), number words two to twelve as digits, and numbers in one
   spelling ("4,300" = "4300", "45.70" = "45.7").
4. **Coverage.** A span (a sentence, or two adjacent sentences of the same
   article) supports the claim when it contains at least ``MIN_COVERAGE`` of
   the claim's content words and misses at most ``MAX_MISSING`` of them; a claim
   of three or fewer content words needs them all. And at most ``MAX_NOVEL`` of
   the claim's words may be absent from the cited articles altogether (none:
   a word the model brings is what an invention is made of).
   And each clause (split at commas, colons, dashes, "and", "but", "while"...)
   must hold in the same span: at least half its words there, and a word new to
   the articles only inside a clause with ``CLAUSE_CONTEXT`` words the span has,
   so a short invention tacked onto a true sentence ("..., and the ferry sank")
   fails even though the rest is covered.
5. **Speaker.** A claim with a speaker X needs a span in which X is named
   (the last word of its name and at least half of its name words, so
   "Dunmore" stands for "Mikael Dunmore"; without a name, one of its other
   words: "the union") within ``SPEAKER_WINDOW`` words of a verb of saying
   ("said", "told", "according to", "announced"...). "He said" lets the
   sentence before name him. When the sentence holding the claim names a
   speaker of its own ("..., according to the port authority"), that sentence
   alone decides. "X said" needs X as the speaker in the source, not merely named.
6. **Negation kept.** A negation ("not", "no", "never", "n't", "without",
   "denied", "refused"...) applies to the next three content words of its
   clause. What the claim negates must be negated in the span too, and the
   first word the span negates must not be one the claim asserts: "the union
   did not accept the offer" is not supported by "the union accepted the
   offer", nor the reverse.
7. **No orders.** A sentence that addresses a model
   (``briefing.summarize.injection``) is never support, whatever it contains.

The measure is tuned on the bundled examples and the shared corpus: faithful
paraphrases and verbatim sentences pass (``bench/bench_security.py`` prints the
share kept), claims assembled from another article, injected claims and
flipped negations fail (``tests/test_support.py``).
"""

from __future__ import annotations

import dataclasses
import functools
import re
from collections.abc import Sequence
from dataclasses import dataclass

from briefing.summarize.injection import is_model_directed
from briefing.summarize.wording import (
    BREAK,
    PRONOUNS,
    ROLE_STEMS,
    SPEECH_STEMS,
    WORD,
    is_content,
    negated,
    stem_word,
    tokenize,
)
from briefing.text import split_sentences

MIN_COVERAGE = 0.7
MAX_MISSING = 3
#: Claim words found nowhere in the cited articles, at most. None: the word a model
#: brings is exactly what an invention is made of ("the ferry sank"), and the stems,
#: synonyms and verb forms above already let a paraphrase use the article's words.
MAX_NOVEL = 0
#: Words of its clause the span must have around a word new to the articles.
CLAUSE_CONTEXT = 3
#: Claims this short (in content words) need every word found.
SHORT_CLAIM = 3
#: Words between a speaker's name and the verb of saying that still make them the speaker
#: (an apposition sits between them: "Reis, a 51-year-old former mayor of Haldvik, said").
SPEAKER_WINDOW = 15

UNSUPPORTED = "unsupported"
MISATTRIBUTED = "misattributed"
NEGATION = "negation-flipped"

_SAID = (
    r"(?:said|says|told\s+[\w\s.'’-]{1,40}?|announced|stated|added|warned|confirmed"
    r"|estimated|explained|wrote|noted|claimed|insisted|argued|predicted|acknowledged|admitted"
    r"|declared)"
)
#: ", the harbour authority said." at the end of a claim.
_TRAILING = re.compile(
    rf",\s*(?:{_SAID}\s+(?P<after>[^,;]{{2,80}}?)|(?P<before>[^,;]{{2,80}}?)\s+{_SAID})"
    r"(?:\s+on\s+\w+|\s+in\s+a\s+statement|\s+on\s+the\s+\w+(?:\s+\w+)?)?\s*[.!]?\s*$",
    re.IGNORECASE,
)
#: "According to X, ..." / "..., according to X."
_ACCORDING = re.compile(r"\baccording\s+to\s+(?P<who>[^,;.]{2,80})", re.IGNORECASE)
#: "X said (on Tuesday) (that) ..." at the start of a claim.
_LEADING = re.compile(
    rf"^(?P<who>[^,;]{{2,80}}?)\s+{_SAID}(?:\s+on\s+\w+)?(?:\s+that)?\s+(?P<rest>\S.*)$",
    re.IGNORECASE,
)


@dataclass(frozen=True, slots=True)
class _Claim:
    words: tuple[str, ...]  # content stems of the claim, in order, without repeats
    #: The content stems of each clause (split at commas and conjunctions).
    clauses: tuple[tuple[str, ...], ...]
    negated: frozenset[str]  # stems in the scope of the claim's negations
    names: tuple[str, ...]  # stems of the speaker's capitalised words (who, by name)
    roles: tuple[str, ...]  # stems of the speaker's other content words ("union", "bank")


@dataclass(frozen=True, slots=True)
class _Span:
    words: tuple[str, ...]  # every word's stem, in order (function words included)
    stems: frozenset[str]  # content stems
    negated: frozenset[str]  # stems in the scope of its negations
    negated_heads: frozenset[str]  # the first content stem after each negation
    speech_at: tuple[int, ...]  # positions of verbs of saying in ``words``
    #: "he said", "she told": the speaker was named before, so the sentence before
    #: the span (``context``, its content stems) may name them.
    pronoun_speech: bool = False
    #: A verb of saying with no pronoun beside it: the sentence names its speaker.
    named_speech: bool = False
    context: frozenset[str] = frozenset()
    #: For two adjacent sentences: each one alone (a claim's own sentence decides who said it).
    parts: tuple[_Span, ...] = ()


def check_support(text: str, articles: Sequence[str]) -> str | None:
    """None when every claim of ``text`` is supported by a span of one of ``articles``;
    else the reason: ``unsupported``, ``misattributed`` or ``negation-flipped``."""
    spans = [span for article in articles for span in _spans(article)]
    known = frozenset().union(*(span.stems for span in spans))
    for part in (p for p in text.split(";") if p.strip()):
        claim = _claim(part)
        if sum(1 for word in claim.words if word not in known) > MAX_NOVEL:
            return UNSUPPORTED
        reason = _check_claim(claim, spans, known)
        if reason:
            return reason
    return None


def _check_claim(claim: _Claim, spans: Sequence[_Span], known: frozenset[str]) -> str | None:
    if not claim.words:
        return None  # nothing to check (names and numbers were checked before)
    reason = UNSUPPORTED
    for span in spans:
        if not _covers(span, claim.words):
            continue
        if not all(_clause_holds(span, clause, known) for clause in claim.clauses):
            continue  # a true sentence with an invention tacked on: ", and the ferry sank"
        if (claim.names or claim.roles) and not _speaks(span, claim):
            reason = MISATTRIBUTED if reason == UNSUPPORTED else reason
            continue
        if not _same_polarity(claim, span):
            reason = NEGATION
            continue
        return None
    return reason


def _covers(span: _Span, words: Sequence[str]) -> bool:
    missing = sum(1 for word in words if word not in span.stems)
    if len(words) <= SHORT_CLAIM:
        return missing == 0
    return missing <= MAX_MISSING and (len(words) - missing) / len(words) >= MIN_COVERAGE


def _clause_holds(span: _Span, clause: Sequence[str], known: frozenset[str]) -> bool:
    """At least half of every clause is in the span, and a word new to the articles
    only sits in a clause with ``CLAUSE_CONTEXT`` words the span does have."""
    missing = [word for word in clause if word not in span.stems]
    covered = len(clause) - len(missing)
    if any(word not in known for word in missing) and covered < CLAUSE_CONTEXT:
        return False
    return 2 * covered >= len(clause)


def _speaks(span: _Span, claim: _Claim) -> bool:
    """Whether the claim's speaker is the speaker in ``span``. When the sentence that
    holds most of the claim names a speaker of its own ("..., according to the port
    authority", not "he said"), that sentence alone decides; otherwise, as below."""
    if span.parts:
        home = max(span.parts, key=lambda part: sum(word in part.stems for word in claim.words))
        if home.named_speech:
            return _speaks_in(home, claim)
    return _speaks_in(span, claim)


def _speaks_in(span: _Span, claim: _Claim) -> bool:
    """The speaker is named in the span within ``SPEAKER_WINDOW`` words of a verb of
    saying: by the last word of its name and at least half of its name words ("Dunmore"
    for "Mikael Dunmore"), or, when it has no name, by one of its other words ("union")."""
    if span.pronoun_speech and _named(claim, span.stems | span.context):
        return True
    if not _named(claim, span.stems):
        return False
    anchors = {claim.names[-1]} if claim.names else set(claim.roles)
    positions = [i for i, word in enumerate(span.words) if word in anchors]
    return any(
        abs(position - said) <= SPEAKER_WINDOW
        for position in positions
        for said in span.speech_at
    )


def _named(claim: _Claim, stems: frozenset[str]) -> bool:
    if claim.names:
        found = [word for word in claim.names if word in stems]
        return claim.names[-1] in found and 2 * len(found) >= len(claim.names)
    return any(word in stems for word in claim.roles)


def _same_polarity(claim: _Claim, span: _Span) -> bool:
    if claim.negated:
        # Something the claim negates is negated in the span too.
        return bool(claim.negated & span.negated)
    # Nothing the claim asserts is what the span negates.
    return not (set(claim.words) & span.negated_heads)


# -- claims ---------------------------------------------------------------------------


#: Where a claim's clauses meet: each must hold in the span on its own.
_CLAUSE_BREAK = re.compile(
    r"(?<!\d)[,:](?!\d)|[;()\[\]—–]|\s-\s|\b(?:and|but|while|whereas|although|though|or|yet|so)\b",
    re.IGNORECASE,
)
#: Links are checked by grounding (``foreign-url``); their words are not claims.
_LINK = re.compile(r"(?i)\b(?:https?://|www\.)\S+")


def _claim(text: str) -> _Claim:
    body, speaker = _split_attribution(" ".join(_LINK.sub(" ", text).split()))
    tokens = tokenize(body)
    words = tuple(dict.fromkeys(token for token in tokens if is_content(token)))
    clauses = tuple(
        content
        for clause in _CLAUSE_BREAK.split(body)
        if (content := tuple(t for t in tokenize(clause) if is_content(t)))
    )
    names: dict[str, None] = {}
    roles: dict[str, None] = {}
    for match in WORD.finditer(speaker):
        stem = stem_word(match.group(0))
        if not is_content(stem) or stem in SPEECH_STEMS or stem in ROLE_STEMS:
            continue
        # A capital that only opens the line ("Chief financial officer ...") names no one.
        opens_line = match.start() == 0 and text.lstrip().startswith(speaker)
        if match.group(0)[:1].isupper() and not opens_line:
            names[stem] = None
        else:
            roles[stem] = None
    scope, _ = negated(tokens)
    return _Claim(words, clauses, scope, tuple(names), tuple(roles))


def _split_attribution(text: str) -> tuple[str, str]:
    """(the claim, the speaker or "") of one line."""
    match = _TRAILING.search(text)
    if match:
        who = match.group("after") or match.group("before") or ""
        return text[: match.start()], who
    match = _ACCORDING.search(text)
    if match:
        return text[: match.start()] + text[match.end():], match.group("who")
    match = _LEADING.match(text)
    if match and len(match.group("who").split()) <= 8:
        return match.group("rest"), match.group("who")
    return text, ""


# -- articles -------------------------------------------------------------------------


@functools.lru_cache(maxsize=256)
def _spans(article: str) -> tuple[_Span, ...]:
    """Every sentence of ``article``, and every pair of adjacent ones, as spans.

    Cached: every line of a story is checked against the same few articles.
    Sentences that address a model are left out, and no pair spans them.
    """
    sentences = [s for s in split_sentences(article)]
    usable = [None if is_model_directed(s) else tokenize(s) for s in sentences]
    spans: list[_Span] = []
    for index, tokens in enumerate(usable):
        if tokens is None:
            continue
        before = usable[index - 1] if index > 0 else None
        context = frozenset(t for t in before or () if is_content(t))
        spans.append(_span(tokens, context))
        following = usable[index + 1] if index + 1 < len(usable) else None
        if following is not None:
            pair = _span([*tokens, BREAK, *following], context)
            parts = (_span(tokens, context), _span(following, frozenset(tokens)))
            spans.append(dataclasses.replace(pair, parts=parts))
    return tuple(spans)


def _span(tokens: list[str], context: frozenset[str] = frozenset()) -> _Span:
    scope, heads = negated(tokens)
    words = [token for token in tokens if token != BREAK]
    speech_at = tuple(i for i, word in enumerate(words) if word in SPEECH_STEMS)
    by_pronoun = [
        any(words[j] in PRONOUNS for j in (i - 1, i + 1) if 0 <= j < len(words))
        for i in speech_at
    ]
    return _Span(
        words=tuple(words),
        stems=frozenset(token for token in tokens if is_content(token)),
        negated=scope,
        negated_heads=heads,
        speech_at=speech_at,
        pronoun_speech=any(by_pronoun),
        named_speech=not all(by_pronoun),
        context=context,
    )
