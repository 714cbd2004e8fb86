"""Credentials out of every message: the one place URLs are made safe to show.

A URL may carry a secret in its user-info (``https://user:password@host/``) or
in a query parameter named like one (``?token=...``, ``?api_key=...``). Such a
URL reaches messages in many ways: a ``--source`` argument echoed in an error,
an httpx exception that quotes the address, a stored "last error". So:

- ``redact_url(url)`` masks the user-info and secret-looking parameter values
  of one URL, leaving the rest exactly as written;
- ``redact_text(text)`` does the same to every URL inside free text.

``briefing.errors.BriefingError`` passes its message through ``redact_text``,
so every error the package raises (printed, logged or stored) is clean;
``RedactingFilter`` lets the CLI clean every log line the same way.
"""

from __future__ import annotations

import logging
import re

MASK = "***"

#: Parameter names whose values may be secrets.
SECRET_PARAM = re.compile(
    r"(?i)(^|[_-])(key|apikey|api_key|token|access_token|auth_token|id_token|secret|password"
    r"|passwd|pwd|sig|signature|auth|credential|credentials|session|sessionid)$"
)
#: Something with a scheme, "//" and a host: where a URL starts in free text.
#: Trailing punctuation is the sentence's, not the URL's ("... feed.xml?token=abc: failed").
_URL_IN_TEXT = re.compile(r"(?i)\b[a-z][a-z0-9+.-]{0,30}://[^\s<>\"'`]*[^\s<>\"'`.,;:!?)\]]")
_PARAM = re.compile(r"([^&;=#?]*)=([^&;#]*)")


def redact_url(url: str) -> str:
    """``url`` with its user-info replaced by ``***`` and secret parameter values masked.

    Only those parts change; the rest keeps its spelling, so the address is still
    recognisable. Works on malformed URLs too (nothing is parsed strictly).
    """
    scheme, sep, rest = url.partition("://")
    if not sep:
        return _mask_params(url)
    authority_end = len(rest)
    for mark in "/?#":
        found = rest.find(mark)
        if found != -1:
            authority_end = min(authority_end, found)
    authority, tail = rest[:authority_end], rest[authority_end:]
    if "@" in authority:
        authority = f"{MASK}@{authority.rpartition('@')[2]}"
    return f"{scheme}{sep}{authority}{_mask_params(tail)}"


def _mask_params(tail: str) -> str:
    """Secret-looking ``name=value`` pairs in a query or fragment, values masked."""
    if "=" not in tail:
        return tail
    cut = min((i for i in (tail.find("?"), tail.find("#")) if i != -1), default=-1)
    if cut == -1:
        return tail
    head, params = tail[:cut], tail[cut:]

    def mask(match: re.Match[str]) -> str:
        name, value = match.group(1), match.group(2)
        return f"{name}={MASK}" if value and SECRET_PARAM.search(name) else match.group(0)

    return head + _PARAM.sub(mask, params)


def redact_text(text: str) -> str:
    """``text`` with every URL in it passed through ``redact_url``."""
    if "://" not in text:
        return text
    return _URL_IN_TEXT.sub(lambda match: redact_url(match.group(0)), text)


class RedactingFilter(logging.Filter):
    """A handler filter that redacts URLs in each record's message and traceback.

    The library never configures logging; the CLI adds this to its handler, so
    third-party messages (an httpx error quoting a URL) are cleaned too.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a broken format string: let the handler report it as usual
            return True
        record.msg, record.args = redact_text(message), None
        if record.exc_info and not record.exc_text:
            record.exc_text = redact_text(logging.Formatter().formatException(record.exc_info))
        elif record.exc_text:
            record.exc_text = redact_text(record.exc_text)
        return True
