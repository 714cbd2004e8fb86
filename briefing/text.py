"""Plain-text utilities for news English: sentences, titles, headlines, words.

Pure functions over ``str``, standard library only, so every stage (cleaning,
grouping, both summarizers, grounding) can share one idea of what a sentence or
a word is.

Sentence splitting is rule-based rather than statistical: the rules cover what
news copy actually contains (``U.S.``, ``Mr.``, ``J. R. Smith``, ``3.5%``,
``... both sides``, ``"Why?" he asked.``) and stay predictable, which matters
because extractive bullets must be verbatim slices of the article.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator

__all__ = [
    "CLOSERS",
    "DASHES",
    "OPENERS",
    "STOPWORDS",
    "content_words",
    "infer_title",
    "looks_like_headline",
    "normalize_whitespace",
    "split_paragraphs",
    "split_sentences",
    "strip_dateline",
    "strip_leading_punctuation",
    "word_count",
    "word_set",
    "words",
]


def word_set(words: str) -> frozenset[str]:
    """The whitespace-separated words of ``words``: word lists stay readable as one string."""
    return frozenset(words.split())


#: Characters that close or open a quotation or aside around a sentence boundary.
CLOSERS = "\"'”’)]»"
OPENERS = "\"'“‘([«"
DASHES = frozenset({"-", "--", "–", "—"})

#: Function words and reporting verbs: they carry no topic, so scoring and
#: overlap checks ignore them.
STOPWORDS = word_set(
    """
    a about above after again against all also although am among an and any are as at
    be because been before being below between both but by can could did do does doing
    down during each either even ever every few for from further had has have having he
    her here hers herself him himself his how however i if in into is it its itself just
    least less like many may me might more most much must my myself neither no nor not now
    of off on once one only or other others our ours ourselves out over own per quite
    rather same several shall she should since so some such than that the their theirs
    them themselves then there these they this those though through thus to too toward
    towards under until up upon us very via was we were what when where whether which
    while who whom whose why will with within without would yet you your yours yourself
    mr mrs ms dr
    said says say saying told tell tells according added adds asked stated noted reported
    reports announced claimed
    """
)

# A "word" for counting and matching: letters/digits, keeping inner apostrophes,
# hyphens and number punctuation together ("Russia's", "four-day", "3.5", "10,000").
_WORD = re.compile(r"[^\W_]+(?:[.,'’\-][^\W_]+)*")

# A run of sentence-final punctuation, then any closing quotes/brackets, then space.
# French sets its closing guillemet off by a (no-break) space: "bout. »" ends there too.
_TERMINATOR = re.compile(r"(?:\.\.\.|…|[.!?])+(?:[\"'”’)\]»]|[ \u00a0\u202f]»)*(?=\s)")

# Abbreviations that never end a sentence: titles before a name, "e.g.", "vs.".
_NEVER_FINAL = word_set(
    """
    mr mrs ms messrs dr prof gen lt col maj capt cmdr adm sgt cpl pvt rep reps sen sens gov
    pres supt det insp rev hon fr st mt ft vs v e.g i.e cf viz approx ca al
    bzw vgl sog evtl ggf inkl zzgl abs mio mrd tsd hrsg z u d
    mme mlle mgr av env éd
    им ул пр св проф акад ген тыс руб млн млрд т
    """
)
#: After a number and a period, these words make it a German ordinal ("am 3. Oktober",
#: "im 20. Jahrhundert", "der 1. FC"), not a sentence end.
_AFTER_ORDINAL = word_set(
    """
    januar jänner februar märz april mai juni juli august september oktober november dezember
    jahrhundert jahrestag jahrtausend mal platz rang runde spieltag quartal halbjahr
    klasse liga stock etage weltkrieg bundesliga lesung sitzung fc
    """
)
# Abbreviations that only stay inside a sentence when a number follows ("No. 10").
_BEFORE_NUMBER = word_set("no nos art p pp vol ch sec fig figs op")
_MONTHS = word_set("jan feb mar apr jun jul aug sep sept oct nov dec")
# Abbreviations that often end a sentence too ("... in the U.S. The next day").
_MAYBE_FINAL = word_set("etc jr sr inc corp co ltd bros plc llc a.m p.m")

# After an ambiguous abbreviation, these words start a new sentence; a capitalised
# name ("U.S. Congress", "J. R. Smith") does not.
_SENTENCE_STARTERS = word_set(
    """
    a according after all also although an and as at before both but during earlier
    for from he her here his however i if in it its last later many meanwhile most my
    no not now on one our she since so some still that the their then there these they
    this those though today two we what when where while who why yesterday yet you
    der die das ein eine er sie es wir ich am im auf nach bei mit zum zur
    le la les un une il elle ils elles nous on dans en au aux pour selon
    он она они мы это в на по но и как
    """
)
_SPEECH_VERBS = word_set(
    """
    said says asked asks told added adds wrote writes replied replies shouted insisted
    declared noted continued explained warned tweeted posted exclaimed
    """
)

# Words a title should not end on.
_DANGLING = word_set(
    "a an the of and or but to in on at for with by from as that its his her their"
)

_DATELINE = re.compile(
    r"^(?:[A-Z][A-Z.'’\-]+(?:\s+[A-Z][A-Z.'’\-]+)*"
    r"(?:,\s+(?:[A-Z][a-z]+\.?|[A-Z]\.[A-Z]\.)(?:\s+[A-Z][a-z]+)?(?:\s+\d{1,2})?)?"
    r"\s*(?:\([^()]{1,40}\))?|\([^()]{1,40}\))\s*[\-–—]+\s+"
)


def normalize_whitespace(text: str) -> str:
    """Collapse every run of whitespace (newlines included) to one space; strip the ends."""
    return " ".join(text.split())


def word_count(text: str) -> int:
    """Whitespace-separated words, as a reader would count them."""
    return len(text.split())


def words(text: str) -> list[str]:
    """The word tokens of ``text`` without punctuation, in order, case kept."""
    return _WORD.findall(text)


def content_words(text: str) -> list[str]:
    """Lower-cased, lightly stemmed topic words: no stopwords, no one-letter tokens.

    Stemming is deliberately crude (possessive and plural only): it is enough to
    match "talks"/"talk" and "Russia's"/"Russia" for overlap scoring.
    """
    result: list[str] = []
    for token in _WORD.findall(text.lower()):
        term = _term(token)
        if term:
            result.append(term)
    return result


@functools.lru_cache(maxsize=65_536)
def _term(token: str) -> str:
    """A lower-cased token as a scoring term, or "" for a stopword (cached: news reuses words)."""
    token = token.replace("’", "'")
    if token.endswith("'s"):
        token = token[:-2]
    if token in STOPWORDS or len(token) < 2:
        return ""
    if len(token) > 4 and token.endswith("ies"):
        return token[:-3] + "y"
    if len(token) > 3 and token.endswith("s") and not token.endswith(("ss", "us", "is")):
        return token[:-1]
    return token


# --- sentences -------------------------------------------------------------------


def split_paragraphs(text: str) -> list[str]:
    """Paragraphs of ``text``: one per line, with hard-wrapped lines joined back.

    Cleaned articles put one paragraph per line. A line that stops without any
    closing punctuation and is followed (with no blank line between) by a line
    starting in lower case is a wrapped line, not a paragraph, so they are joined.
    """
    return list(_paragraphs(text))


def _paragraphs(text: str) -> Iterator[str]:
    """``split_paragraphs`` one at a time: a caller after the opening stops early."""
    paragraph = ""
    joinable = False
    for raw in text.splitlines():
        line = normalize_whitespace(raw)
        if not line:
            joinable = False
            continue
        if joinable and paragraph and line[0].islower():
            paragraph = f"{paragraph} {line}"
        else:
            if paragraph:
                yield paragraph
            paragraph = line
        joinable = not _ends_with_punctuation(paragraph)
    if paragraph:
        yield paragraph


def _ends_with_punctuation(line: str) -> bool:
    stripped = line.rstrip(CLOSERS)
    return bool(stripped) and stripped[-1] in ".!?:;…"


def split_sentences(text: str) -> list[str]:
    """Sentences of ``text`` in order, whitespace-normalised; paragraph breaks always split."""
    sentences: list[str] = []
    for paragraph in _paragraphs(text):
        sentences.extend(_split_paragraph(paragraph))
    return sentences


def leading_sentences(text: str, count: int) -> list[str]:
    """The first ``count`` sentences of ``split_sentences(text)``, without splitting the rest."""
    sentences: list[str] = []
    for paragraph in _paragraphs(text):
        sentences.extend(_split_paragraph(paragraph))
        if len(sentences) >= count:
            break
    return sentences[:count]


def _split_paragraph(paragraph: str) -> list[str]:
    pieces: list[str] = []
    start = 0
    for match in _TERMINATOR.finditer(paragraph):
        if _is_boundary(paragraph, match):
            piece = paragraph[start : match.end()].strip()
            if piece:
                pieces.append(piece)
            start = match.end()
    tail = paragraph[start:].strip()
    if tail:
        pieces.append(tail)
    return pieces


def _is_boundary(paragraph: str, match: re.Match[str]) -> bool:
    """Does the punctuation run in ``match`` end a sentence?"""
    run = match.group()
    core = run.rstrip(CLOSERS + " \u00a0\u202f")
    quoted = len(core) < len(run)
    rest = paragraph[match.end() :].lstrip()
    after = rest.lstrip(OPENERS)
    if not after or after[0].islower():
        # '..." he said', '"Why?" she asked', 'e.g. the', '... both sides'
        return False
    next_word = _leading_word(after)
    if quoted and _is_attribution(rest):
        return False  # '"Who knows?" Peskov asked.' is one sentence
    if core.endswith(("...", "…")):
        return _starts_sentence(after, next_word)
    if core.endswith(".") and len(core) == 1:
        return _after_period(paragraph, match.start(), after, next_word)
    return True


def _after_period(paragraph: str, dot: int, after: str, next_word: str) -> bool:
    """Is a single period at ``dot`` a sentence end, given the abbreviation before it?"""
    token = paragraph[:dot].rsplit(None, 1)[-1] if paragraph[:dot].strip() else ""
    token = token.lstrip(OPENERS)
    lowered = token.lower()
    number_follows = after[:1].isdigit()
    if lowered in _NEVER_FINAL:
        return False
    if token.isdigit() and len(token) <= 3 and next_word.lower() in _AFTER_ORDINAL:
        return False
    if lowered in _BEFORE_NUMBER or lowered in _MONTHS:
        if number_follows:
            return False  # "No. 10", "Jan. 5"
        return lowered in _BEFORE_NUMBER or _starts_sentence(after, next_word)
    if lowered in _MAYBE_FINAL or _is_initials(token):
        return _starts_sentence(after, next_word)
    return True


def _is_initials(token: str) -> bool:
    """Is ``token`` an initial ("J" of "J. R. Smith") or dotted initials ("U.S", "a.m")?"""
    if len(token) == 1:
        return token.isupper()
    return re.fullmatch(r"(?:[A-Za-z]\.)+[A-Za-z]", token) is not None


def _leading_word(text: str) -> str:
    match = _WORD.match(text)
    return match.group() if match else ""


def _starts_sentence(after: str, next_word: str) -> bool:
    """Does ``after`` (text following an ambiguous period) open a new sentence?"""
    if not next_word:
        return not after[:1].isalnum()
    if after[len(next_word) : len(next_word) + 1] == "." and len(next_word) == 1:
        return False  # another initial: "J. A. Smith"
    return next_word.lower() in _SENTENCE_STARTERS


def _is_attribution(rest: str) -> bool:
    """Is ``rest`` a short speech tag like "Peskov asked." that belongs to the quote before?"""
    clause = re.split(r"[.!?]", rest, maxsplit=1)[0]
    tokens = [token.lower() for token in _WORD.findall(clause)]
    return 0 < len(tokens) <= 6 and any(token in _SPEECH_VERBS for token in tokens)


# --- titles and headlines ----------------------------------------------------------


def strip_dateline(sentence: str) -> str:
    """Drop a wire dateline such as "MOSCOW (Reuters) - " from the start of a sentence."""
    return _DATELINE.sub("", sentence, count=1)


def infer_title(text: str, max_words: int = 12) -> str:
    """A headline for an article that has none: a complete phrase, never a cut sentence.

    Made from the first real sentence: its main clause (up to the first clause
    boundary, which drops attributions like ", the Kremlin said"), then, while
    it is longer than ``max_words``, without the role in front of a name
    ("Russian President Vladimir Putin" -> "Vladimir Putin") and without time
    phrases ("on Friday"). Words are only removed, and only whole phrases, so
    what is left still says who did what. When no such phrase of about
    ``max_words`` (two more at most) exists, the main clause is kept whole
    rather than cut mid-way.
    """
    sentences = split_sentences(text)
    if not sentences or max_words <= 0:
        return ""
    first = next(
        (s for s in sentences if word_count(s) >= 4 and not s.rstrip(CLOSERS).endswith("?")),
        sentences[0],
    )
    tokens = strip_leading_punctuation(strip_dateline(first)).split()
    tokens = _cut_at_clause(drop_leading_appositive(tokens), min(6, max_words))
    if len(tokens) > max_words:
        tokens = _drop_roles(tokens)
    if len(tokens) > max_words:
        tokens = _drop_time_phrases(tokens)
    return _drop_unbalanced_quotes(_tidy_end(tokens))


#: Titles and roles written in front of a name ("Chinese leader Xi Jinping").
ROLE_WORDS = word_set(
    """
    president leader minister diplomat chief spokesperson spokesman spokeswoman secretary premier
    chancellor governor ceo chairman chairwoman chair head director envoy ambassador general
    commander king queen prince senator representative mayor judge coach manager founder
    executive official prosecutor
    """
)
# Words that may stand inside a role in front of a name ("top", "former", "Foreign").
_ROLE_MODIFIERS = word_set("top former senior deputy acting vice prime foreign chief new then")
_TIME_WORDS = word_set(
    """
    monday tuesday wednesday thursday friday saturday sunday today yesterday tonight
    morning afternoon evening night week weekend month year
    """
)


_APPOSITIVE_LIMIT = 20
_NOT_A_VERB = word_set(
    """
    and or nor but which who whom whose while whereas although though because after before
    since until when where amid despite following including according to on in at for by
    from over between into with without during against about under across than via as
    """
)


def drop_leading_appositive(tokens: list[str]) -> list[str]:
    """"Shoigu, Russia's former defence minister, met ..." -> "Shoigu met ...".

    Only after a leading name (one to four capitalised words, "&" allowed) and
    only when a lower-case word that can be the verb follows the closing comma.
    """
    end = 0
    for index, token in enumerate(tokens[:5]):
        if not (_capitalised(token) or token == "&"):
            return tokens
        if token.endswith(","):
            end = index + 1
            break
    if not end or end >= len(tokens):
        return tokens
    for close in range(end + 1, min(len(tokens) - 1, end + _APPOSITIVE_LIMIT) + 1):
        if tokens[close - 1].endswith(","):
            following = tokens[close]
            if following[:1].islower() and following not in _NOT_A_VERB:
                return [*tokens[: end - 1], tokens[end - 1].rstrip(","), *tokens[close:]]
            return tokens
    return tokens


def _drop_roles(tokens: list[str]) -> list[str]:
    """Remove the role in front of a name: "China's top diplomat Wang Yi" -> "Wang Yi"."""
    result = list(tokens)
    index = 0
    while index < len(result) - 1:
        word = result[index].lower().strip(",")
        if word in ROLE_WORDS and _capitalised(result[index + 1]) and result[index].isalpha():
            start = index
            while start > 0 and (
                (_capitalised(result[start - 1]) and not result[start - 1].endswith(","))
                or result[start - 1].lower() in _ROLE_MODIFIERS
            ):
                start -= 1
            if start < index or word in {"president", "leader", "minister", "chief"}:
                del result[start : index + 1]
                index = start
                continue
        index += 1
    return result


def _drop_time_phrases(tokens: list[str]) -> list[str]:
    """Remove "on Friday", "later this week", "last month": the headline's date is the brief's."""
    result: list[str] = []
    index = 0
    while index < len(tokens):
        lowered = [t.lower().strip(",") for t in tokens[index : index + 3]]
        if len(lowered) >= 2 and lowered[0] in {"on", "this", "last", "next", "late", "early"} \
                and lowered[1] in _TIME_WORDS:
            index += 2
            continue
        if len(lowered) == 3 and lowered[0] in {"later", "earlier"} and lowered[1] in {
            "this", "last", "on"
        } and lowered[2] in _TIME_WORDS:
            index += 3
            continue
        result.append(tokens[index])
        index += 1
    return result if len(result) >= 4 else tokens


def strip_leading_punctuation(text: str) -> str:
    """Drop dashes, bullets, colons or commas a removal left at the start of a text."""
    return re.sub(r"^[\s\-–—•·:;,.|]+", "", text)


def _cut_at_clause(tokens: list[str], min_words: int) -> list[str]:
    """Keep the words before the first comma/colon/semicolon/dash after ``min_words`` words."""
    for index in range(max(min_words, 1), len(tokens)):
        if tokens[index - 1].rstrip(CLOSERS).endswith((",", ";", ":")):
            if _continues_list(tokens, index):
                continue
            return tokens[:index]
        if tokens[index] in DASHES:
            return tokens[:index]
    return tokens


def _continues_list(tokens: list[str], index: int) -> bool:
    """Is the comma before ``tokens[index]`` inside a list of names ("Ukraine, Israel and ...")?"""
    following = [token.lower() for token in tokens[index + 1 : index + 3]]
    return _capitalised(tokens[index]) and ("and" in following or "or" in following)


def _capitalised(token: str) -> bool:
    stripped = token.lstrip(OPENERS)
    return bool(stripped) and stripped[0].isupper()


def _tidy_end(tokens: list[str]) -> str:
    """Join ``tokens`` without trailing punctuation (except ? and !) or dangling small words."""
    tokens = list(tokens)
    while tokens:
        last = tokens[-1]
        trimmed = _strip_final_punctuation(last)
        if not trimmed or trimmed in DASHES or (len(tokens) > 1 and trimmed.lower() in _DANGLING):
            tokens.pop()
            continue
        tokens[-1] = trimmed
        break
    return " ".join(tokens)


def _strip_final_punctuation(token: str) -> str:
    """Remove a final . , ; : (also when inside a closing quote: 'word."' -> 'word"')."""
    body = token.rstrip(CLOSERS)
    closers = token[len(body) :]
    body = body.rstrip(".,;:…")
    return body + closers if body else ""


def _drop_unbalanced_quotes(title: str) -> str:
    """Remove quote marks left without their partner after cutting."""
    if title.count('"') % 2:
        title = title.replace('"', "")
    if title.count("“") != title.count("”"):
        title = title.replace("“", "").replace("”", "")
    return normalize_whitespace(title)


def looks_like_headline(line: str) -> bool:
    """Is ``line`` a headline rather than body text?

    A headline is short (3-20 words, at most 200 characters), has a capital letter
    and does not end like a sentence or clause (. , ; :), though a closing ? ! or
    quote is fine. One- and two-word lines ("Read more", "Advertisement") are page
    furniture, not headlines.
    """
    line = normalize_whitespace(line)
    if not line or len(line) > 200 or not 3 <= word_count(line) <= 20:
        return False
    if line.rstrip(CLOSERS)[-1:] in {".", ",", ";", ":", "…"}:
        return False
    return any(char.isupper() for char in line)


def cut_text(text: str, limit: int) -> str:
    """``text`` cut at the last paragraph (or word) boundary before ``limit`` characters."""
    if len(text) <= limit:
        return text
    head = text[:limit]
    boundary = head.rfind("\n")
    if boundary < limit // 2:
        boundary = head.rfind(" ")
    return head[: boundary if boundary > 0 else limit].rstrip()
