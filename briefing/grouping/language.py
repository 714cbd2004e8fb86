"""A cheap offline guess at an article's language: the share of each language's stopwords.

Good enough to tell English from German or French in a news article; no model
is downloaded. Scripts decide first (Cyrillic, CJK, Arabic...), then stopwords.
"""

from __future__ import annotations

import re

UNKNOWN = "und"
_WORD = re.compile(r"[^\W\d_]+", re.UNICODE)
_STOPWORDS: dict[str, frozenset[str]] = {
    lang: frozenset(words.split())
    for lang, words in {
        "en": "the and of to in a is that for on with as was by it at from are be has have said",
        "de": "der die das und ist nicht mit sich des auf für ein eine dem den von zu im sie",
        "fr": "le la les et des est une un du dans que pour pas sur au qui par avec ce de à sont"
              " ont aux ses cette",
        "es": "el la los las y de que en un una es por con para del se al como su",
        "it": "il lo la gli le e di che un una è per con non del della nel al sono",
        "nl": "de het een en van is dat op te in voor met niet zijn er aan ook",
        "pt": "o a os as e de que em um uma é para com não do da no na por",
    }.items()
}
_SCRIPTS = (("ru", re.compile(r"[\u0400-\u04ff]")), ("zh", re.compile(r"[\u4e00-\u9fff]")),
            ("ja", re.compile(r"[\u3040-\u30ff]")), ("ar", re.compile(r"[\u0600-\u06ff]")))
MIN_WORDS = 20


#: Each stopword's languages (a word can be a stopword of several: "de", "la").
_LANGUAGES_OF: dict[str, tuple[str, ...]] = {}
for _lang, _stop in _STOPWORDS.items():
    for _word in _stop:
        _LANGUAGES_OF[_word] = (*_LANGUAGES_OF.get(_word, ()), _lang)


def guess_language(text: str) -> str:
    """An ISO 639-1 code, or ``"und"`` when the text is too short or unclear to tell."""
    sample = text[:4000]
    if not sample.isascii():  # ASCII text is in none of these scripts
        letters = sum(map(str.isalpha, sample)) or 1
        for code, script in _SCRIPTS:
            if len(script.findall(sample)) / letters > 0.3:
                return code
    words = _WORD.findall(sample.casefold())
    if len(words) < MIN_WORDS:
        return UNKNOWN
    # One pass over the words, each looked up once (grouping guesses every article).
    hits = dict.fromkeys(_STOPWORDS, 0)
    for word in words:
        for lang in _LANGUAGES_OF.get(word, ()):
            hits[lang] += 1
    scores = {lang: count / len(words) for lang, count in hits.items()}
    best = max(scores, key=lambda lang: scores[lang])
    return best if scores[best] >= 0.08 else UNKNOWN
