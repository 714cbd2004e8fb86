"""The language a brief is written in: ``[brief] language`` or a profile's ``language``.

A code (``"de"``, ``"fr"``, ``"pt-BR"``) names it; prompts ask the model for it by
its English name ("German"), which models follow far more reliably than a code.
"""

from __future__ import annotations

import re

#: BCP 47 in the simple form briefs use: a 2-3 letter language, optionally a region.
LANGUAGE_TAG = re.compile(r"[A-Za-z]{2,3}(?:[-_][A-Za-z]{2}|[-_]\d{3})?")

_NAMES = {
    "ar": "Arabic", "bg": "Bulgarian", "ca": "Catalan", "cs": "Czech", "da": "Danish",
    "de": "German", "el": "Greek", "en": "English", "es": "Spanish", "et": "Estonian",
    "fa": "Persian", "fi": "Finnish", "fr": "French", "he": "Hebrew", "hi": "Hindi",
    "hr": "Croatian", "hu": "Hungarian", "id": "Indonesian", "it": "Italian",
    "ja": "Japanese", "ko": "Korean", "lt": "Lithuanian", "lv": "Latvian", "nb": "Norwegian",
    "nl": "Dutch", "no": "Norwegian", "pl": "Polish", "pt": "Portuguese", "ro": "Romanian",
    "ru": "Russian", "sk": "Slovak", "sl": "Slovenian", "sr": "Serbian", "sv": "Swedish",
    "th": "Thai", "tr": "Turkish", "uk": "Ukrainian", "vi": "Vietnamese", "zh": "Chinese",
}


def base_language(tag: str) -> str:
    """``"pt-BR"`` -> ``"pt"``."""
    return re.split(r"[-_]", tag, maxsplit=1)[0].lower()


def language_name(tag: str) -> str:
    """The English name of ``tag``'s language ("German"), or the tag itself if unknown."""
    return _NAMES.get(base_language(tag), tag)
