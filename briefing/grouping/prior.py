"""How much a word says about which event an article reports: a fixed prior, not the batch.

A word's weight is its rarity in the language at large, taken from wordfreq's
word frequencies (Wikipedia, news, books, subtitles, web text; shipped inside
the package, nothing is downloaded)::

    weight(word) = max(0, RARITY_CEILING - zipf(word))

where ``zipf`` is the Zipf frequency (log10 of uses per billion words; "the" is
7.7, "strike" 4.7, "Kremlin" 3.4, a made-up place name 0). "Saltmere",
"Titanfall" or "14000" weigh a lot, "says" or "video" almost nothing.

This replaces the inverse document frequency of the batch being grouped: an IDF
computed from the batch changes whenever other articles are added (another
profile's sources, older coverage), so the same two articles could be one story
in one build and two in the next. A fixed prior makes every pair's similarity
depend on those two articles alone.

Very common words (``COMMON_ZIPF`` and above: "the", "after", "new") are dropped
outright: they carry no signal and would make every pair of articles share a
term, which makes the similarity graph dense and slow.
"""

from __future__ import annotations

import functools
import math
import re

import wordfreq

#: Weights are measured down from here: a word never seen in the prior gets this much.
RARITY_CEILING = 9.0
#: Words at least this frequent are not features at all.
COMMON_ZIPF = 5.8
#: Words rarer than this (about one use in 30,000 words or fewer) are distinctive:
#: names, places, numbers, specific nouns. Two articles sharing none are never linked
#: on their own ("Making Movie Theft Easier" and "Google Is Making Apps Easier to Build"
#: share only "making" and "easier").
DISTINCTIVE_ZIPF = 4.5
DEFAULT_LANGUAGE = "en"
#: A number with its decimals or thousands ("2.4", "1,800"), else a word or code ("5G").
_WORD = re.compile(r"\d+(?:[.,]\d+)+|[^\W_]+(?:['’][^\W_]+)*")
_THOUSANDS = re.compile(r"(?<=\d),(?=\d{3}\b)")
_POSSESSIVE = ("'s", "’s")


@functools.cache
def _frequencies(language: str) -> dict[str, float]:
    return wordfreq.get_frequency_dict(language, wordlist="best")


@functools.cache
def prior_language(language: str) -> str:
    """``language`` when wordfreq knows it, else English (titles too short to tell, say)."""
    return language if language in wordfreq.available_languages("best") else DEFAULT_LANGUAGE


#: Zipf frequencies looked up so far, per language. Plain dicts of str -> float: an
#: lru_cache keyed by (word, language) tuples would leave hundreds of thousands of
#: objects for the garbage collector to walk on every full collection.
_ZIPF: dict[str, dict[str, float]] = {}
_ZIPF_LIMIT = 500_000


def zipf(word: str, language: str = DEFAULT_LANGUAGE) -> float:
    """The Zipf frequency of a lower-cased word (0 when the prior has never seen it)."""
    known = _ZIPF.setdefault(language, {})
    value = known.get(word)
    if value is None:
        if len(known) >= _ZIPF_LIMIT:
            known.clear()
        value = known[word] = _lookup(word, language)
    return value


def _lookup(word: str, language: str) -> float:
    if any(ch.isdigit() for ch in word):
        # wordfreq estimates numbers from their shape: "2014" is common, "14000" rare.
        try:
            return float(wordfreq.zipf_frequency(word, language))
        except ImportError:
            # wordfreq reads Japanese and Korean with MeCab and Chinese with jieba,
            # libraries it does not install. A number's shape says as much in English.
            return float(wordfreq.zipf_frequency(word, DEFAULT_LANGUAGE))
    frequency = _frequencies(language).get(word)
    return math.log10(frequency) + 9.0 if frequency else 0.0


def zipf_table(language: str) -> dict[str, float]:
    """The Zipf frequencies looked up so far in ``language`` (word -> frequency): for
    loops over many words, which try it before calling ``zipf``."""
    return _ZIPF.setdefault(language, {})


def weight(word: str, language: str = DEFAULT_LANGUAGE) -> float:
    return max(0.0, RARITY_CEILING - zipf(word, language))


def is_distinctive(word: str, language: str = DEFAULT_LANGUAGE) -> bool:
    return zipf(word, language) < DISTINCTIVE_ZIPF


def tokens(text: str) -> list[str]:
    """The lower-cased words and numbers of ``text``, as written."""
    return _WORD.findall(text.casefold())


def normal_form(token: str) -> str:
    """One spelling per token: no possessive 's, numbers without thousands separators."""
    if token[0].isdigit():
        return _number(token)
    return token[:-2] if token.endswith(_POSSESSIVE) else token


def is_feature(word: str, language: str = DEFAULT_LANGUAGE) -> bool:
    """Whether a word (in its normal form) is worth comparing: not a very common word."""
    return len(word) >= 2 and zipf(word, language) < COMMON_ZIPF


def words(text: str, language: str = DEFAULT_LANGUAGE) -> list[str]:
    """Lower-cased words of ``text`` worth comparing: no possessive 's, no very common words."""
    return [word for word in map(normal_form, tokens(text)) if is_feature(word, language)]


def _number(text: str) -> str:
    """One spelling per number: "1,800" is "1800", "3.50" is "3.5"."""
    text = _THOUSANDS.sub("", text)
    if "." in text and text.replace(".", "", 1).isdigit():
        text = text.rstrip("0").rstrip(".")
    return text
