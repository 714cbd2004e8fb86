"""Credentials for paid and private feeds: sent to the source's own origin only.

A ``feed`` or ``page`` source may name HTTP headers (``Authorization: Bearer``,
a ``Cookie``, an API-key header) and basic-auth credentials; their values come
from environment variables (``briefing.secrets``), read when the source is
fetched. ``SourceCredentials`` holds them for one collect run and hands them to
``Fetcher.get``, which adds them to a request only when its scheme, host and
port are the source URL's: never on a redirect to another host (or to plain
http), never to robots.txt. They are never logged, stored or shown: the object's
``repr`` shows header names only, and errors name variables, not values.
"""

from __future__ import annotations

import base64
from collections.abc import Mapping
from dataclasses import dataclass, field

import httpx

from briefing.config import SourceConfig
from briefing.errors import SourceError
from briefing.secrets import MissingSecretError, expand


@dataclass(frozen=True)
class SourceCredentials:
    """Headers for requests to one origin (scheme, host, port)."""

    origin: tuple[str, str, int]
    headers: tuple[tuple[str, str], ...] = field(repr=False)

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(name for name, _ in self.headers)

    def admits(self, url: str) -> bool:
        """Whether a request to ``url`` may carry these headers (same origin only)."""
        return origin_of(url) == self.origin

    def __repr__(self) -> str:
        return f"SourceCredentials(origin={self.origin!r}, headers={list(self.names)!r})"


def origin_of(url: str) -> tuple[str, str, int] | None:
    try:
        parsed = httpx.URL(url)
    except (httpx.InvalidURL, TypeError, ValueError):
        return None
    scheme = parsed.scheme.lower()
    if scheme not in ("http", "https") or not parsed.host:
        return None
    return scheme, parsed.host.lower(), parsed.port or (443 if scheme == "https" else 80)


def credentials_for(
    source: SourceConfig, environ: Mapping[str, str] | None = None
) -> SourceCredentials | None:
    """The credentials ``source`` names, read from the environment now; None without any.

    Raises ``SourceError`` (naming the source and the variable) when a variable is
    unset or its value cannot go in a header.
    """
    if not source.headers and not (source.username_env or source.password_env):
        return None
    assert source.url is not None
    origin = origin_of(source.url)
    if origin is None:
        raise SourceError(f"{source.name}: credentials need an http(s) url")
    where = f"source {source.name}"
    headers: list[tuple[str, str]] = []
    try:
        for name, template in source.headers:
            headers.append((name, _header_value(expand(template, f"{where}, header {name}",
                                                        environ), where, name)))
        if source.username_env or source.password_env:
            user = _variable(source.username_env, where, environ)
            password = _variable(source.password_env, where, environ)
            token = base64.b64encode(f"{user}:{password}".encode()).decode("ascii")
            headers.append(("Authorization", f"Basic {token}"))
    except MissingSecretError as error:
        raise SourceError(str(error)) from None
    return SourceCredentials(origin=origin, headers=tuple(headers))


def _variable(name: str | None, where: str, environ: Mapping[str, str] | None) -> str:
    if not name:
        return ""
    return expand("${" + name + "}", where, environ)


def _header_value(value: str, where: str, name: str) -> str:
    # A line break would start another header (or end them): refuse, naming no value.
    if any(ch in value for ch in "\r\n\0"):
        raise SourceError(f"{where}, header {name}: its value has a line break")
    try:
        value.encode("latin-1")
    except UnicodeEncodeError:
        raise SourceError(f"{where}, header {name}: its value is not plain ASCII") from None
    return value
