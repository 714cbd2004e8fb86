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
3. **Content words.** Words that are not function words or verbs of saying,
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
5. **Speaker.** A claim with a speaker X needs a span in which X's words
   (role words like "spokesperson" aside) appear together with a verb of saying
   ("said", "told", "according to", "announced"...) within ``SPEAKER_WINDOW``
   words of it: "X said" needs X as a speaker in the source, not merely named.
6. **Negation kept.** The word that follows a negation ("not", "no", "never",
   "n't", "without", "denied", "refused"...), skipping function words, is what
   is negated. Everything the claim negates must be negated in the span, and
   nothing the claim asserts may be negated there: "the union did not accept
   the offer" is not supported by "the union accepted the offer", nor the
   reverse.
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
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from briefing.summarize.injection import is_model_directed
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

def _word_set(text: str) -> frozenset[str]:
    return frozenset(text.split())


#: Numbers as grounding reads them (a space groups only before exactly three digits:
#: "1 200"), then words.
_WORD = re.compile(
    r"\d+(?:(?:[,.'’]|[ \u00a0\u202f\u2009](?=\d{3}(?!\d)))\d+)*%?"
    r"|[^\W\d_]+(?:['’][^\W\d_]+)*"
)

_FUNCTION_WORDS = _word_set("""
a an the this that these those it its it's he him his she her hers they them their theirs we us
our ours i me my you your yours who whom whose which what when where why how there here
in on at to of for from by with as into onto upon over under about after before during while
since until till than then also too very so such just only even still yet again more most
less least much many some any all each every both either other another same own few several
and or but if because though although whether nor not no never
however meanwhile moreover furthermore nevertheless nonetheless therefore thus hence indeed
instead otherwise likewise besides overall
is are was were be been being am has have had having do does did doing will would shall should
can could may might must ought
one ones up down out off per via among between across against around through within without
amid toward towards upon onto
mr mrs ms dr st
says said say saying told tell tells telling according added adds add stated states state
announced announces announce reported reports report warned warns confirmed confirms
explained explains noted notes wrote writes claimed claims insisted insists
""")

#: Verbs and phrases that make the words near them a speaker.
_SPEECH = _word_set("""
said says say saying told tells tell telling according added adds stated states announced
announces warned warns confirmed confirms explained explains noted notes
wrote writes claimed claims insisted insists argued argues estimated estimates predicted
predicts acknowledged acknowledges admitted admits declared declares denied denies statement
spokesman spokeswoman spokesperson
""")

#: Words naming a role rather than who: not required of a speaker in the source.
_ROLE_WORDS = _word_set("""
spokesman spokeswoman spokesperson spokespeople official officials source sources statement
representative representatives chief head leader leaders member members staff government
""")

_NEGATIONS = _word_set("""
not no never none nobody nothing neither nor without cannot cant dont doesnt didnt isnt arent
wasnt werent wont wouldnt shouldnt couldnt hasnt havent hadnt
deny denies denied denying refuse refuses refused refusing
""")

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
    tokens = _tokens(body)
    words = tuple(dict.fromkeys(token for token in tokens if _is_content(token)))
    clauses = tuple(
        content
        for clause in _CLAUSE_BREAK.split(body)
        if (content := tuple(t for t in _tokens(clause) if _is_content(t)))
    )
    names: dict[str, None] = {}
    roles: dict[str, None] = {}
    for match in _WORD.finditer(speaker):
        stem = _stem(match.group(0))
        if not _is_content(stem) or stem in _SPEECH_STEMS or stem in _ROLE_STEMS:
            continue
        # A capital that only opens the line ("Chief financial officer ...") names no one.
        opens_line = match.start() == 0 and text.lstrip().startswith(speaker)
        if match.group(0)[:1].isupper() and not opens_line:
            names[stem] = None
        else:
            roles[stem] = None
    scope, _ = _negated(tokens)
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
    usable = [None if is_model_directed(s) else _tokens(s) for s in sentences]
    spans: list[_Span] = []
    for index, tokens in enumerate(usable):
        if tokens is None:
            continue
        before = usable[index - 1] if index > 0 else None
        context = frozenset(t for t in before or () if _is_content(t))
        spans.append(_span(tokens, context))
        following = usable[index + 1] if index + 1 < len(usable) else None
        if following is not None:
            pair = _span([*tokens, _BREAK, *following], context)
            parts = (_span(tokens, context), _span(following, frozenset(tokens)))
            spans.append(dataclasses.replace(pair, parts=parts))
    return tuple(spans)


def _span(tokens: list[str], context: frozenset[str] = frozenset()) -> _Span:
    scope, heads = _negated(tokens)
    words = [token for token in tokens if token != _BREAK]
    speech_at = tuple(i for i, word in enumerate(words) if word in _SPEECH_STEMS)
    by_pronoun = [
        any(words[j] in _PRONOUNS for j in (i - 1, i + 1) if 0 <= j < len(words))
        for i in speech_at
    ]
    return _Span(
        words=tuple(words),
        stems=frozenset(token for token in tokens if _is_content(token)),
        negated=scope,
        negated_heads=heads,
        speech_at=speech_at,
        pronoun_speech=any(by_pronoun),
        named_speech=not all(by_pronoun),
        context=context,
    )


# -- words ----------------------------------------------------------------------------


#: Clause punctuation ends a negation's scope; kept as a token of its own.
_BREAK = "|"
_TOKEN = re.compile(rf"{_WORD.pattern}|[,;:()\[\]\"“”—–]")
#: Content words after a negation that it is taken to apply to.
NEGATION_SCOPE = 3


#: Stands for every negation word, recognised before stemming ("noted" is not "not").
_NOT = "¬"


def _tokens(text: str) -> list[str]:
    tokens = []
    for match in _TOKEN.finditer(text):
        word = match.group(0)
        if not _WORD.fullmatch(word):
            tokens.append(_BREAK)
        elif _is_negation(word):
            tokens.append(_NOT)
        else:
            tokens.append(_stem(word))
    return tokens


def _is_negation(word: str) -> bool:
    folded = word.casefold().replace("’", "'")
    return folded.endswith("n't") or folded.replace("'", "") in _NEGATIONS


def _is_content(stem: str) -> bool:
    if stem[:1].isdigit():
        return True
    return stem != _NOT and stem not in _FUNCTION_STEMS and len(stem) > 1


def _negated(tokens: Sequence[str]) -> tuple[frozenset[str], frozenset[str]]:
    """(the scope, the heads) of the negations in ``tokens``: the first ``NEGATION_SCOPE``
    content words after each, up to clause punctuation, and the first of them alone."""
    scope: set[str] = set()
    heads: set[str] = set()
    for index, token in enumerate(tokens):
        if token != _NOT:
            continue
        found = 0
        for following in tokens[index + 1 : index + 10]:
            if following in (_BREAK, _NOT):
                break
            if _is_content(following) or following in _SPEECH_STEMS:
                if not found:
                    heads.add(following)
                scope.add(following)
                found += 1
                if found == NEGATION_SCOPE:
                    break
    return frozenset(scope), frozenset(heads)


def _stem(word: str) -> str:
    """A light, deterministic stem: folded, possessive and common suffixes off, 5 letters."""
    word = word.casefold().replace("’", "'")
    if word[:1].isdigit():
        return _number(word.rstrip("%"))
    word = word.removesuffix("'s").replace("'", "")
    if word in _NUMBER_WORDS:
        return _NUMBER_WORDS[word]
    word = _IRREGULAR.get(word, word)
    for suffix, replacement in _SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            word = word[: len(word) - len(suffix)] + replacement
            if suffix in ("ing", "ed") and word[-1] == word[-2] and word[-1] in _UNDOUBLE:
                word = word[:-1]  # "cutting", "stopped" -> "cut", "stop"
            break
    if len(word) > 3 and word.endswith("e"):
        word = word[:-1]  # "save", "saving", "saved" meet at "sav"
    word = word.replace("iz", "is")[:5]  # organize == organise
    return _SYNONYM.get(word, word)


_SEPARATOR = re.compile(r"[,.'’ \u00a0\u202f\u2009]")


def _number(raw: str) -> str:
    """One spelling per number: "4,300" == "4300", "3,50" == "3.5", "45.70" == "45.7"."""
    groups = _SEPARATOR.split(raw)
    marks = _SEPARATOR.findall(raw)
    fraction = ""
    # The last "." or "," is a decimal point unless exactly three digits follow it.
    if marks and marks[-1] in ".," and len(groups[-1]) != 3:
        fraction = groups.pop().rstrip("0")
    integer = "".join(groups).lstrip("0") or "0"
    return f"{integer}.{fraction}" if fraction else integer


_UNDOUBLE = frozenset("bdgmnprt")
_SUFFIXES = (
    ("ies", "y"), ("ied", "y"), ("sses", "ss"), ("ing", ""), ("ed", ""), ("es", ""),
    ("ly", ""), ("s", ""),
)


_IRREGULAR_VERBS = """
        take took taken; go went gone; make made; give gave given; rise rose risen;
        fall fell fallen; hold held; meet met; win won; lose lost; pay paid; sell sold;
        leave left; begin began begun; come came; become became; grow grew grown;
        break broke broken; strike struck; lead led; keep kept; bring brought; buy bought;
        catch caught; think thought; fight fought; seek sought; spend spent; send sent;
        build built; run ran; see saw seen; choose chose chosen; draw drew drawn;
        fly flew flown; freeze froze frozen; speak spoke spoken; stand stood; sink sank sunk;
        drive drove driven; flee fled; hide hid hidden; steal stole stolen; throw threw thrown;
        shake shook shaken; find found; feel felt; get got gotten; know knew known;
        lend lent; bear bore borne; forbid forbade forbidden; forecast forecast;
        swear swore sworn; wake woke woken; withdraw withdrew withdrawn; sit sat; lay laid
"""
#: Past forms of common irregular verbs, to their base ("took" and "taken" are "take").
_IRREGULAR = {
    form: base
    for base, *forms in (group.split() for group in _IRREGULAR_VERBS.split(";"))
    for form in forms
}

_NUMBER_WORDS = {
    word: str(number)
    for number, word in enumerate(
        ("two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven",
         "twelve"),
        start=2,
    )
}

#: Words news writing uses for one another, folded to one stem each. General
#: vocabulary only ("walkout" for "strike"), never names.
_SYNONYM_GROUPS = (
    "strike walkout stoppage", "talks negotiations", "pay wage wages salary salaries",
    "rise raise increase hike", "cut reduce reduction lower lowered", "fall drop decline",
    "hacker attacker intruder", "stolen steal stole theft", "closed close shut",
    "company firm", "ship vessel", "docker dockworker dockers dockworkers",
    "deal agreement accord pact", "begin start", "resume restart", "end finish",
    "investigation probe inquiry", "customer client", "worker employee staff",
    "died die dead killed kill death", "collapsed collapse failed fail",
    "want wish", "hold keep", "demand demanding", "warn caution", "buy purchase",
    "say tell", "credentials login", "election vote", "minister ministry",
)
_SYNONYM: dict[str, str] = {}


def _stems(words: Iterable[str]) -> frozenset[str]:
    return frozenset(_stem(word) for word in words)


for _group in _SYNONYM_GROUPS:
    _first, *_others = (_stem(word) for word in _group.split())
    _SYNONYM.update((other, _first) for other in _others if other != _first)
_PRONOUNS = frozenset({"he", "she", "it", "they", "we"})
_FUNCTION_STEMS = _stems(_FUNCTION_WORDS - _NEGATIONS)
_SPEECH_STEMS = _stems(_SPEECH)
_ROLE_STEMS = _stems(_ROLE_WORDS)
