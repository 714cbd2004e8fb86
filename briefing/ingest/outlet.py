"""Who published an article: the name the page states, else its host name.

A page says who it is in two places we trust: ``og:site_name`` and the
``publisher`` of its JSON-LD (schema.org NewsArticle). Anything else is a
guess (trafilatura's ``sitename`` title-cases Twitter handles and host labels
into "Nj", "Wday_", "Hosted"), and a guessed outlet is worse than the host name
as the site writes it ("nj.com"), which is at least true. With neither, the
outlet is unknown (""), and the brief says so rather than inventing one.

Stated names are tidied, never rewritten: a "| tagline" tail goes, a handle
("@politifact") is no name, a name that is just an address becomes that address's host, and a
sub-domain label offered as a name ("Hosted" on hosted.ap.org) is refused.
"""

from __future__ import annotations

import functools
import ipaddress
import json
import re
import urllib.parse
from collections.abc import Iterator
from html.parser import HTMLParser

from briefing.netaddr import is_public_http_url

__all__ = ["PageIdentity", "page_identity", "site_host", "stated_outlet"]

#: Only the start of a page is read: the metadata lives in <head> (JSON-LD may
#: follow, but rarely after the first few hundred kilobytes).
_SCAN_CHARS = 600_000
_MAX_NAME_CHARS = 60
_SEPARATORS = re.compile(r"\s+[|·•]\s+|\s+[-–—]\s+")


@functools.lru_cache(maxsize=8192)  # asked for each article again by headlines and outlets
def site_host(url: str | None) -> str:
    """The host of a public http(s) ``url`` as a site writes it ("nj.com"), or "".

    An address that is no public site (an IP, "localhost", "intranet.local") names
    no outlet a reader would know, and must not reach a reader as one.
    """
    if not url or not is_public_http_url(url):
        return ""
    try:
        parts = urllib.parse.urlsplit(url.strip())
        host = parts.hostname or ""
    except ValueError:
        return ""
    if parts.scheme.lower() not in {"http", "https"} or "." not in host or _is_ip(host):
        return ""
    return host.lower().removeprefix("www.")


def _is_ip(host: str) -> bool:
    if ":" not in host and not host.rpartition(".")[2].isdigit():
        return False  # a name ("nj.com"): an IPv4 address ends in a number, IPv6 has colons
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


class PageIdentity:
    """What a page states about itself: site names (best first) and its own address."""

    def __init__(self, names: list[str], url: str | None) -> None:
        self.names = names
        self.url = url

    def outlet(self, fallback_url: str | None = None) -> str | None:
        """The stated outlet, tidied; None when the page states none worth using."""
        host = site_host(self.url or fallback_url)
        tidied = [name for name in (stated_outlet(n, host) for n in self.names) if name]
        # A name with a capital is what the site calls itself; "usatoday" is a handle.
        return next((n for n in tidied if any(c.isupper() for c in n)), None) or next(
            iter(tidied), None
        )


def stated_outlet(value: str, host: str = "") -> str | None:
    """A stated site name as a reader should see it, or None when it is not a name."""
    name = " ".join(value.split())
    if not name or name.startswith("@"):
        return None  # a social-media handle, not the publication's name
    if re.match(r"(?i)^(?:https?://|www\.)", name):
        return site_host(name if "://" in name else f"https://{name}") or None
    parts = [part.strip() for part in _SEPARATORS.split(name) if part.strip()]
    name = parts[0] if parts else name
    if len(name) > _MAX_NAME_CHARS or not any(char.isalnum() for char in name):
        return None
    if host.count(".") >= 2 and name.casefold() == host.split(".")[0]:
        return None  # a sub-domain's label ("Hosted" on hosted.ap.org), not a publication
    return name


def page_identity(html: str) -> PageIdentity:
    """The site names a page states (og:site_name, then JSON-LD publishers) and its URL."""
    parser = _MetaParser()
    try:
        parser.feed(html[:_SCAN_CHARS])
        parser.close()
    except Exception:  # a malformed page states nothing; it must never fail a read
        pass
    names = list(parser.site_names)
    for block in parser.json_ld:
        try:
            data = json.loads(block)
        except ValueError:
            continue
        names.extend(_publisher_names(data))
    return PageIdentity(list(dict.fromkeys(names)), parser.url)


def _publisher_names(node: object, depth: int = 0) -> Iterator[str]:
    if depth > 8:
        return
    if isinstance(node, dict):
        publisher = node.get("publisher")
        for item in publisher if isinstance(publisher, list) else [publisher]:
            if isinstance(item, dict) and isinstance(item.get("name"), str):
                yield item["name"]
        for key, value in node.items():
            if key != "publisher":
                yield from _publisher_names(value, depth + 1)
    elif isinstance(node, list):
        for item in node:
            yield from _publisher_names(item, depth + 1)


class _MetaParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.site_names: list[str] = []
        self.json_ld: list[str] = []
        self.url: str | None = None
        self._in_json_ld = False
        self._buffer: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {key.lower(): (value or "") for key, value in attrs}
        if tag == "meta":
            kind = (values.get("property") or values.get("name") or "").lower()
            content = values.get("content", "").strip()
            if kind == "og:site_name" and content:
                self.site_names.append(content)
            elif kind == "og:url" and content and self.url is None:
                self.url = content
        elif tag == "link" and "canonical" in values.get("rel", "").lower().split():
            if values.get("href", "").lower().startswith(("http://", "https://")):
                self.url = values["href"]
        elif tag == "script" and "ld+json" in values.get("type", "").lower():
            self._in_json_ld, self._buffer = True, []

    def handle_data(self, data: str) -> None:
        if self._in_json_ld:
            self._buffer.append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "script" and self._in_json_ld:
            self._in_json_ld = False
            self.json_ld.append("".join(self._buffer))
