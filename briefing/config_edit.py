"""Changing the config file in place, keeping its comments and layout (tomlkit).

``add_feeds`` is how ``briefing sources import`` adds an OPML list's feeds: each
new feed becomes a ``[[sources]]`` table after the last one (a comment on its
header says where it came from), and with a profile, its name joins that
profile's ``sources``. The new text is validated as a whole config before the
file is replaced in one atomic step: a change that would not load is never written.
"""

from __future__ import annotations

import tomllib
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import tomlkit
from tomlkit.exceptions import TOMLKitError
from tomlkit.items import AoT, Array, Table

from briefing.config import parse_config
from briefing.errors import ConfigError
from briefing.fsutil import write_atomic
from briefing.opml import OpmlFeed


@dataclass
class ImportResult:
    file: Path
    added: list[str] = field(default_factory=list)
    #: Feeds whose address a source of the config already has.
    already: list[str] = field(default_factory=list)
    #: What happened to the profile, in a sentence ("" without --profile).
    profile_note: str = ""


def add_feeds(file: Path, feeds: Sequence[OpmlFeed], *, origin: str,
              profile: str | None = None) -> ImportResult:
    """Add ``feeds`` missing from ``file`` as feed sources; ``file`` may not exist yet."""
    text = _read(file)
    try:
        doc = tomlkit.parse(text)
    except TOMLKitError as error:
        raise ConfigError(f"{file}: not valid TOML: {error}") from None
    result = ImportResult(file=file)
    sources = doc.get("sources")
    if sources is None:
        sources = tomlkit.aot()
        doc.append("sources", sources)
    elif not isinstance(sources, AoT):
        raise ConfigError(f"{file}: sources must be an array of tables ([[sources]])")
    names = {str(table.get("name", "")) for table in sources}
    known = {_same_feed(str(table.get("url", ""))) for table in sources if table.get("url")}
    for feed in feeds:
        if _same_feed(feed.url) in known:
            result.already.append(feed.url)
            continue
        name = _unique(feed.title, names)
        names.add(name)
        known.add(_same_feed(feed.url))
        table = tomlkit.table()
        table.add("name", name)
        table.add("type", "feed")
        table.add("url", feed.url)
        where = f"from {origin}" + (f", folder {' / '.join(feed.folders)}" if feed.folders
                                    else "")
        table.comment(where)
        table.add(tomlkit.nl())  # a blank line before whatever table follows
        sources.append(table)
        result.added.append(name)
    if profile is not None:
        result.profile_note = _join_profile(doc, profile, result.added)
    new_text = tomlkit.dumps(doc)
    try:
        parse_config(tomllib.loads(new_text), file)
    except tomllib.TOMLDecodeError as error:  # pragma: no cover - tomlkit wrote it
        raise ConfigError(f"{file}: the change would not be valid TOML: {error}") from None
    if result.added or new_text != text:
        write_atomic(file, new_text)
    return result


def _read(file: Path) -> str:
    try:
        return file.read_text(encoding="utf-8")
    except FileNotFoundError:
        return ""
    except (OSError, UnicodeDecodeError) as error:
        raise ConfigError(f"{file}: cannot read: {error}") from None


def _join_profile(doc: Any, profile: str, added: list[str]) -> str:
    profiles = doc.get("profiles")
    if profiles is None:
        profiles = tomlkit.table(is_super_table=True)
        doc.append("profiles", profiles)
    if not isinstance(profiles, Table):
        raise ConfigError("profiles must be a table ([profiles.NAME])")
    table = profiles.get(profile)
    if table is None:
        table = tomlkit.table()
        table.add("sources", _array(added))
        profiles.append(profile, table)
        return f"profile {profile} created with the {len(added)} new feed(s)"
    if not isinstance(table, Table):
        raise ConfigError(f"profiles.{profile} must be a table")
    current = table.get("sources")
    if not current:
        # An empty (or absent) list means every source: the new feeds are in already.
        return f"profile {profile} reads every source, the new feeds included"
    if not isinstance(current, Array):
        raise ConfigError(f"profiles.{profile}.sources must be a list of strings")
    for name in added:
        current.append(name)
    return f"profile {profile}: {len(added)} feed(s) added to its sources"


def _array(names: list[str]) -> Array:
    array = tomlkit.array()
    array.extend(names)
    if len(names) > 3:
        array.multiline(True)
    return array


def _unique(title: str, taken: set[str]) -> str:
    base = " ".join(title.split())[:80] or "feed"
    name, number = base, 2
    while name in taken:
        name = f"{base} ({number})"
        number += 1
    return name


def _same_feed(url: str) -> str:
    """The form two addresses of one feed share: scheme and host in lower case, no
    trailing slash (``HTTP://Example.org/feed/`` is ``http://example.org/feed``)."""
    scheme, sep, rest = url.strip().partition("://")
    host, slash, path = rest.partition("/")
    return f"{scheme.lower()}{sep}{host.lower()}{slash}{path}".rstrip("/")
