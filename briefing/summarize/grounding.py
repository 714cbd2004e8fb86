"""Checking a model's answer: JSON Schema first, then every sentence against its sources.

The model is never trusted. An answer must parse as JSON and validate against
the schema we asked for (servers that ignore ``response_format`` are caught
here). Then each item is *grounded*: the ids it cites were given for this
request; every number, capitalised name and URL in it appears in the text of
the articles it cites. Anything else is dropped with a short, stable reason
code that brief.json counts:

==================  ==========================================================
``schema``          the item does not have the shape we asked for
``empty``           no text
``unknown-source``  cites an id that does not exist or was not given
``ungrounded-number``  a number not found in the cited articles
``ungrounded-name``    a capitalised word not found in the cited articles
``foreign-url``     a URL or domain that is not one of the sources'
``injection``       repeats an instruction-like sentence found in an article
``unsupported``     no sentence (or two adjacent ones) of a cited article states it
``misattributed``   "X said ..." where no cited sentence has X saying it
``negation-flipped``  the cited sentence says the opposite (a negation lost or added)
==================  ==========================================================

The last three are the support check (``briefing.summarize.support``, which
documents its measure). The checks are deliberately conservative: a correct
bullet that paraphrases "1.2 million" from "1,200,000" is dropped, never an
invented figure kept.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import jsonschema

from briefing.grouping.language import UNKNOWN, guess_language
from briefing.languages import base_language
from briefing.normalize import strip_controls

# Re-exported: the LLM engine builds its prompts from text stripped here.
from briefing.summarize.injection import strip_injections as strip_injections
from briefing.summarize.lenient_json import NotJSON, loads_object
from briefing.summarize.support import check_support

# -- the answer schema ----------------------------------------------------------------

#: Characters allowed per word of a bullet, for the schema's maxLength.
CHARS_PER_WORD = 12


def answer_schema(key: str, ids: Sequence[str], max_items: int, max_words: int) -> dict[str, Any]:
    """The JSON Schema for ``{key: [{text, sources}]}`` with ``sources`` drawn from ``ids``."""
    return {
        "type": "object",
        "properties": {
            key: {
                "type": "array",
                "minItems": 1,
                "maxItems": max_items,
                "items": {
                    "type": "object",
                    "properties": {
                        "text": {
                            "type": "string",
                            "minLength": 1,
                            "maxLength": max_words * CHARS_PER_WORD,
                        },
                        "sources": {
                            "type": "array",
                            "items": {"type": "string", "enum": list(ids)},
                            "minItems": 1,
                            "maxItems": max(1, len(ids)),
                        },
                    },
                    "required": ["text", "sources"],
                    "additionalProperties": False,
                },
            }
        },
        "required": [key],
        "additionalProperties": False,
    }


class AnswerError(Exception):
    """The answer is unusable as a whole; ``code`` is "invalid-json" or "schema"."""

    def __init__(self, code: str, detail: str) -> None:
        super().__init__(f"{code}: {detail}")
        self.code = code
        self.detail = detail


def parse_answer(content: str | None, schema: Mapping[str, Any]) -> dict[str, Any]:
    """The answer's JSON object, validated against ``schema``; raises ``AnswerError``.

    The object is read leniently (``lenient_json``: raw newlines inside strings, a
    code fence, text around it), then validated strictly. The ``enum`` of source ids
    is left to grounding: one bullet citing an id it was not given costs that bullet
    ("unknown-source"), not the whole story's answer.
    """
    try:
        data = loads_object(content or "")
    except NotJSON as unreadable:
        raise AnswerError("invalid-json", str(unreadable)) from None
    validator = _validator(json.dumps(schema, sort_keys=True))
    error = jsonschema.exceptions.best_match(validator.iter_errors(data))
    if error is not None:
        where = "/".join(str(part) for part in error.absolute_path) or "the answer"
        raise AnswerError("schema", f"{where}: {error.message[:200]}")
    return data


@functools.lru_cache(maxsize=64)
def _validator(schema: str) -> Any:
    """A validator per schema (stories of as many articles share one): building it
    costs more than validating."""
    return jsonschema.Draft202012Validator(_without_enums(json.loads(schema)))


def _without_enums(schema: Any) -> Any:
    if isinstance(schema, Mapping):
        return {key: _without_enums(value) for key, value in schema.items() if key != "enum"}
    if isinstance(schema, list):
        return [_without_enums(value) for value in schema]
    return schema


# -- grounding ------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SourceDoc:
    """One article as given to the model: its label, store id, text and URL."""

    label: str
    article_id: int
    text: str  # everything the model was shown about it: title, outlet, date, body
    url: str | None = None
    #: Instruction-like sentences removed from the article before it was sent.
    injections: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Grounded:
    """An item that passed: its text and the store ids it cites."""

    text: str
    article_ids: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class Rejected:
    text: str
    reason: str


@dataclass(slots=True)
class _Corpus:
    numbers: set[str] = field(default_factory=set)
    words: set[str] = field(default_factory=set)
    folded: set[str] = field(default_factory=set)


def ground_item(
    item: Mapping[str, Any],
    docs: Mapping[str, SourceDoc],
    allowed_urls: Iterable[str] = (),
    *,
    language: str | None = None,
) -> Grounded | Rejected:
    """Check one ``{text, sources}`` item against the docs it cites.

    ``language``: the language the line was asked in. When a cited article is in
    another one, the line is a translation: its numbers, links and names are still
    checked against the articles, but support (a lexical match of its words with a
    sentence) cannot hold across languages and is not asked; a capitalised word
    that is an ordinary word of ``language`` (German capitalises every noun) is not
    taken for a name.
    """
    text = item.get("text")
    labels = item.get("sources")
    if not isinstance(text, str) or not isinstance(labels, list):
        return Rejected(str(text), "schema")
    # A model's text is cleaned as article text is at ingest: no control characters.
    text = " ".join(strip_controls(text).split())
    if not text:
        return Rejected(text, "empty")
    if not labels or any(not isinstance(label, str) or label not in docs for label in labels):
        return Rejected(text, "unknown-source")
    cited = [docs[label] for label in dict.fromkeys(labels)]
    corpus = _corpus(doc.text for doc in cited)
    translated = language is not None and _translated(cited, language)
    reason = (
        _check_urls(text, [*(doc.url for doc in docs.values() if doc.url), *allowed_urls])
        or _check_injection(text, docs.values())
        or _check_numbers(text, corpus)
        or _check_names(text, corpus, base_language(language) if translated and language
                        else None)
        or (None if translated else check_support(text, [doc.text for doc in cited]))
    )
    if reason:
        return Rejected(text, reason)
    return Grounded(text, tuple(dict.fromkeys(doc.article_id for doc in cited)))


# Numbers: digit groups joined by separators. A space only groups when exactly three
# digits follow ("1 200"), so "in 2023 5 people" stays two numbers.
_NUMBER = re.compile(r"\d+(?:(?:[,.'’]|[ \u00a0\u202f\u2009](?=\d{3}(?!\d)))\d+)*")
_SEPARATOR = re.compile(r"[,.'’ \u00a0\u202f\u2009]")


def normalize_number(raw: str) -> str:
    """One canonical spelling: grouping separators removed, "3,50" == "3.5", "05" == "5"."""
    groups = _SEPARATOR.split(raw)
    separators = _SEPARATOR.findall(raw)
    fraction = ""
    # The last "." or "," is a decimal point unless exactly three digits follow it.
    if separators and separators[-1] in ".," and len(groups[-1]) != 3:
        fraction = groups.pop().rstrip("0")
    integer = "".join(groups).lstrip("0") or "0"
    return f"{integer}.{fraction}" if fraction else integer


def numbers_in(text: str) -> frozenset[str]:
    return frozenset(normalize_number(match.group(0)) for match in _NUMBER.finditer(text))


_WORD = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)*")
#: Capitalised only because they open a sentence or a title; never names.
_FUNCTION_WORDS = frozenset((
    "a", "an", "the", "this", "that", "these", "those", "it", "its", "he", "she", "they",
    "we", "i", "you", "his", "her", "their", "our", "in", "on", "at", "to", "of", "for",
    "from", "by", "with", "as", "after", "before", "during", "while", "when", "where",
    "since", "until", "but", "and", "or", "yet", "so", "if", "then", "than", "also",
    "meanwhile", "however", "about", "over", "under", "between", "among", "new",
))


def _opens_sentence(text: str, start: int) -> bool:
    """Whether the word at ``start`` is the first of a sentence, line or quotation."""
    i = start - 1
    while i >= 0 and text[i] in "\"'“‘([":
        i -= 1
    if i < 0 or text[i] == "\n":
        return True
    if not text[i].isspace():
        return False
    while i >= 0 and text[i] in " \t":
        i -= 1
    return i < 0 or text[i] in ".!?:;\n"


def _bare(word: str) -> str:
    """``word`` without a possessive "'s"."""
    return word[:-2] if word[-2:] in ("'s", "’s") else word


def _words(text: str) -> list[tuple[str, bool]]:
    """Words of ``text`` (possessives stripped; hyphens split words), each with
    whether it opens a sentence."""
    return [
        (_bare(match.group(0)), _opens_sentence(text, match.start()))
        for match in _WORD.finditer(text)
    ]


@functools.lru_cache(maxsize=512)
def _doc_corpus(text: str) -> tuple[frozenset[str], frozenset[str], frozenset[str]]:
    """Numbers, words and case-folded words of one article; cached, because every
    bullet of a story is checked against the same few articles."""
    words = frozenset(_bare(match.group(0)) for match in _WORD.finditer(text))
    return numbers_in(text), words, frozenset(word.casefold() for word in words)


def _corpus(texts: Iterable[str]) -> _Corpus:
    corpus = _Corpus()
    for text in texts:
        numbers, words, folded = _doc_corpus(text)
        corpus.numbers |= numbers
        corpus.words |= words
        corpus.folded |= folded
    return corpus


def _check_numbers(text: str, corpus: _Corpus) -> str | None:
    # URLs were checked before; their digits are not claims.
    return None if numbers_in(_URL.sub(" ", text)) <= corpus.numbers else "ungrounded-number"


def _check_names(text: str, corpus: _Corpus, translated_to: str | None = None) -> str | None:
    previous = ""
    for word, opens in _words(_URL.sub(" ", text)):
        before, previous = previous, word
        if not any(char.isupper() for char in word):
            continue
        if word in corpus.words or word.upper() in corpus.words:  # upper: all-caps headlines
            continue
        folded = word.casefold()
        if opens and (folded in _FUNCTION_WORDS or folded in corpus.folded):
            continue
        if translated_to is not None and _ordinary_word(folded, translated_to, before):
            continue
        return "ungrounded-name"
    return None


#: A word this common in the target language (wordfreq's Zipf scale: once per
#: 10**(9 - 3.0) words) is language, not a name only the articles could supply.
_ORDINARY_ZIPF = 3.0


#: German capitalises every noun: one right after an article or determiner is a noun
#: ("den Leitzins", "einen Lagerbrand"), however rare; a name follows a noun or a verb.
_GERMAN_DETERMINERS = frozenset((
    "der", "die", "das", "den", "dem", "des", "ein", "eine", "einen", "einem", "einer",
    "eines", "kein", "keine", "keinen", "keinem", "keiner", "dieser", "diese", "dieses",
    "diesen", "diesem", "jeder", "jede", "jedes", "jeden", "jedem", "alle", "allen",
    "sein", "seine", "seinen", "seinem", "seiner", "ihr", "ihre", "ihren", "ihrem", "ihrer",
    "unser", "unsere", "unseren", "zum", "zur", "im", "am", "vom", "beim", "ins", "ans",
))


def _ordinary_word(folded: str, language: str, before: str = "") -> bool:
    from wordfreq import zipf_frequency

    if language == "de" and before.casefold() in _GERMAN_DETERMINERS:
        return True
    try:
        return zipf_frequency(folded, language) >= _ORDINARY_ZIPF
    except LookupError:  # a language wordfreq does not cover: everything capitalised is a name
        return False


def _translated(cited: Sequence[SourceDoc], language: str) -> bool:
    """Whether any cited article is written in another language than ``language``."""
    wanted = base_language(language)
    for doc in cited:
        guessed = _doc_language(doc.text)
        if guessed != UNKNOWN and guessed != wanted:
            return True
    return False


@functools.lru_cache(maxsize=512)
def _doc_language(text: str) -> str:
    return guess_language(text)


# -- URLs -----------------------------------------------------------------------------

_URL = re.compile(
    r"(?i)\b(?:https?://|www\.)[^\s<>\"'()\[\]]+"
    r"|\b(?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?\.)+"
    r"(?:com|org|net|io|co|gov|edu|info|biz|ai|app|dev|news|ly|me|tv|uk|us|de|fr|eu|ru|cn|xyz"
    r"|example|test|online|site)\b(?:/[^\s<>\"'()\[\]]*)?"
)


def _normalize_url(url: str) -> str:
    url = url.rstrip(".,;:!?").casefold()
    url = re.sub(r"^https?://", "", url)
    url = url.removeprefix("www.")
    return url.rstrip("/")


def _check_urls(text: str, source_urls: Sequence[str]) -> str | None:
    allowed = {_normalize_url(url) for url in source_urls}
    hosts = {(urlsplit(url).hostname or "").removeprefix("www.") for url in source_urls}
    for match in _URL.finditer(text):
        found = _normalize_url(match.group(0))
        if found in allowed or found in hosts:
            continue
        return "foreign-url"
    return None


# -- prompt injection -----------------------------------------------------------------

def _ngrams(text: str, n: int = 4) -> set[tuple[str, ...]]:
    words = [_bare(match.group(0)).casefold() for match in _WORD.finditer(text)]
    return {tuple(words[i : i + n]) for i in range(len(words) - n + 1)}


def _check_injection(text: str, docs: Iterable[SourceDoc]) -> str | None:
    """Reject a bullet that repeats four or more words in a row from an injected sentence."""
    grams = _ngrams(text)
    if not grams:
        return None
    for doc in docs:
        if not doc.injections:
            continue
        clean = _ngrams(doc.text)
        for sentence in doc.injections:
            if (grams & _ngrams(sentence)) - clean:
                return "injection"
    return None
