"""URL canonicalisation: one article, one identity, whatever link led to it.

Feeds and share buttons decorate links with campaign trackers (``utm_*``,
``fbclid``...), fragments and default ports; the same article then arrives under
many spellings. ``canonical_url`` reduces them to one, which is the article's
identity in the store. Query parameters that are not trackers are kept (sorted,
so their order does not matter): on many sites they *are* the article's address.
"""

from __future__ import annotations

import urllib.parse

from briefing.redact import redact_url

#: Exact query parameter names that only track the click, never select content.
TRACKING_PARAMS = frozenset(
    {
        "fbclid", "gclid", "gclsrc", "dclid", "msclkid", "yclid", "twclid", "ttclid",
        "igshid", "mc_cid", "mc_eid", "_hsenc", "_hsmi", "mkt_tok", "oly_anon_id",
        "oly_enc_id", "rb_clickid", "s_cid", "vero_id", "vero_conv", "wickedid",
        "_ga", "_gl", "spm", "cmpid", "ocid", "ncid", "sr_share", "ref_src", "ref_url",
        "at_medium", "at_campaign", "at_custom1", "at_custom2", "at_custom3", "at_custom4",
        "wt.mc_id", "smid", "xtor", "__twitter_impression",
    }
)
#: Parameter name prefixes that only track (utm_source, utm_medium, ..., pk_campaign).
TRACKING_PREFIXES = ("utm_", "pk_", "mtm_", "hsa_", "itm_")

_DEFAULT_PORTS = {"http": 80, "https": 443}
#: Fragments that address a page of a single-page site rather than a place in a page.
_ROUTE_FRAGMENTS = ("!", "/")
#: Characters left as they are in a canonical URL: RFC 3986's unreserved and
#: reserved ones, and "%" so that what is already encoded is not encoded again.
_URL_CHARACTERS = "-._~:/?#[]@!$&'()*+,;=%"


def is_http_url(url: str) -> bool:
    """True for an absolute http(s) URL with a host: the only kind briefing fetches or links."""
    try:
        parts = urllib.parse.urlsplit(url.strip())
        parts.port  # noqa: B018 -- raises ValueError for a malformed port
    except ValueError:
        return False
    return parts.scheme.lower() in _DEFAULT_PORTS and bool(parts.hostname)


def canonical_url(url: str) -> str:
    """The article identity of ``url``: trackers, in-page fragment and default port removed.

    Scheme and host are lower-cased, an empty path becomes "/", the remaining
    query parameters are sorted by name and kept exactly as written: a bare key
    stays bare (``story.asp?12345``), an empty value stays empty (``?page=``).
    A fragment that routes a single-page site (``#!/story/1``, ``#/story/1``)
    is part of the address and stays; an in-page anchor (``#comments``) goes.
    ``url`` must be an absolute http(s) URL.
    """
    parts = urllib.parse.urlsplit(url.strip())
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower().rstrip(".")
    if ":" in host:  # an IPv6 literal keeps its brackets
        host = f"[{host}]"
    port = parts.port
    netloc = host if port is None or port == _DEFAULT_PORTS.get(scheme) else f"{host}:{port}"
    fragment = parts.fragment if parts.fragment.startswith(_ROUTE_FRAGMENTS) else ""
    return urllib.parse.urlunsplit(
        (scheme, netloc, _safe(parts.path) or "/", _canonical_query(parts.query), _safe(fragment))
    )


def _canonical_query(query: str) -> str:
    """The query's non-tracking parameters, sorted by name, each as written."""
    kept = []
    for pair in query.split("&"):
        if not pair:
            continue
        name = urllib.parse.unquote_plus(pair.partition("=")[0])
        if not is_tracking_param(name):
            kept.append((name, _safe(pair)))
    return "&".join(pair for _, pair in sorted(kept, key=lambda item: item[0]))


def _safe(part: str) -> str:
    """``part`` with only the characters a URL may not hold percent-encoded (spaces, quotes...)."""
    return urllib.parse.quote(part, safe=_URL_CHARACTERS)


def is_tracking_param(name: str) -> bool:
    lowered = name.lower()
    return lowered in TRACKING_PARAMS or lowered.startswith(TRACKING_PREFIXES)


def resolve(base: str, link: str | None) -> str | None:
    """``link`` made absolute against ``base``; None unless the result is http(s)."""
    if not link or not link.strip():
        return None
    try:
        absolute = urllib.parse.urljoin(base, link.strip())
    except ValueError:
        return None
    return absolute if is_http_url(absolute) else None


def display_url(url: str) -> str:
    """``url`` as shown in messages and reports: user-info and secret-looking values masked."""
    return redact_url(url)


def host_of(url: str) -> str:
    """The lower-cased host name of ``url`` ("" when it has none)."""
    try:
        return (urllib.parse.urlsplit(url).hostname or "").lower()
    except ValueError:
        return ""
