"""Reading the JSON object out of a model's answer, forgiving what servers really send.

Real servers are looser than the JSON grammar:

* grammar-constrained answers of llama.cpp-based servers often end a string with
  a raw newline (``"... the Kremlin said.\\n"`` written as an actual line break),
  which strict ``json.loads`` rejects although nothing is missing;
* models without enforced structured output wrap the object in a Markdown code
  fence, put a sentence before it ("Sure! Here is the JSON:") or after it.

So the object is decoded with control characters allowed inside strings
(``strict=False``), from the first ``{`` that starts a complete object, and
whatever follows it is ignored. Nothing is invented: a cut-off object stays an
error, and the schema check that follows is as strict as ever.

The standard library does this in a few lines; repair libraries (json-repair)
go further and *complete* truncated objects, which would turn a cut-off answer
into a plausible-looking bullet.
"""

from __future__ import annotations

import json
import re
from typing import Any

#: How many ``{`` positions are tried before giving up (prose may hold stray braces).
MAX_STARTS = 32

_FENCE = re.compile(r"```[ \t]*(?:json|JSON)?[ \t]*\n?(.*?)(?:```|\Z)", re.DOTALL)
_DECODER = json.JSONDecoder(strict=False)


class NotJSON(ValueError):
    """No JSON object could be read from the text."""


def loads_object(text: str) -> dict[str, Any]:
    """The first complete JSON object in ``text``; raises ``NotJSON``."""
    text = text.lstrip("\ufeff").strip()
    if not text:
        raise NotJSON("the answer is empty")
    candidates = [text]
    fenced = _FENCE.search(text)
    if fenced and fenced.group(1).strip():
        candidates.insert(0, fenced.group(1).strip())
    for candidate in candidates:
        found = _first_object(candidate)
        if found is not None:
            return found
    raise NotJSON("the answer is not a JSON object")


def _first_object(text: str) -> dict[str, Any] | None:
    start = text.find("{")
    tries = 0
    while start >= 0 and tries < MAX_STARTS:
        tries += 1
        try:
            value, _end = _DECODER.raw_decode(text, start)
        except json.JSONDecodeError as error:
            if error.pos >= len(text) - 1 or error.msg.startswith("Unterminated string"):
                return None  # cut off: an inner object is not the answer
            start = text.find("{", start + 1)
            continue
        if isinstance(value, dict):
            return value
        start = text.find("{", start + 1)
    return None
