"""What a profile takes: keywords, include and exclude terms, languages.

Terms match whole words, case-insensitively, with a plural or demonym ending
allowed ("russia" matches "Russia's", "Russian", "Russians"); a term may be
several words ("xi jinping"). An ``include`` entry lists alternatives with "|"
and every entry must match, so ``["russia|moscow|kremlin", "china|beijing"]``
takes only articles about both. An article of unknown language (too short to
tell) is kept: leaving out news for a failed guess would be worse.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import cache

from briefing.config import ProfileConfig
from briefing.grouping.language import UNKNOWN, guess_language
from briefing.types import Article


@cache
def term_pattern(term: str) -> re.Pattern[str]:
    words = r"\s+".join(re.escape(word) for word in term.casefold().split())
    return re.compile(rf"(?<!\w){words}(?:'s|’s|s|es|n|ns|an|ans)?(?!\w)", re.IGNORECASE)


def mentions(text: str, term: str) -> bool:
    return bool(term.strip()) and term_pattern(term.strip()).search(text) is not None


def matching_terms(text: str, terms: Sequence[str]) -> list[str]:
    return [term for term in terms if mentions(text, term)]


def _any_of(text: str, entry: str) -> bool:
    return any(mentions(text, alternative) for alternative in entry.split("|"))


def takes(profile: ProfileConfig, article: Article) -> bool:
    """True when ``profile`` wants ``article``."""
    text = f"{article.title}\n{article.text}"
    if profile.keywords and not any(_any_of(text, k) for k in profile.keywords):
        return False
    if not all(_any_of(text, entry) for entry in profile.include):
        return False
    if any(_any_of(text, entry) for entry in profile.exclude):
        return False
    if profile.languages:
        language = guess_language(article.text)
        wanted = {code.casefold() for code in profile.languages}
        if language != UNKNOWN and language not in wanted:
            return False
    return True


def filter_articles(profile: ProfileConfig, articles: Sequence[Article]) -> list[Article]:
    return [article for article in articles if takes(profile, article)]
