"""``briefing sources import`` / ``export``: the config's feeds as an OPML list and back."""

from __future__ import annotations

import os
from datetime import UTC, datetime
from pathlib import Path

from briefing.config import CONFIG_ENV, CONFIG_FILENAME, Config
from briefing.config_edit import ImportResult, add_feeds
from briefing.errors import ConfigError, SourceError
from briefing.opml import OpmlFeed, OpmlList, read_opml, write_opml

#: OPML files larger than this are refused (a subscription list is a few hundred KB).
MAX_OPML_BYTES = 20_000_000


def config_target(config: Config, cwd: Path | None = None) -> Path:
    """The file an import writes: the config read, else where it would be read from."""
    if config.file is not None:
        return config.file
    from_env = os.environ.get(CONFIG_ENV)
    return Path(from_env) if from_env else (cwd or Path.cwd()) / CONFIG_FILENAME


def import_opml(opml_path: Path, config_file: Path, *,
                profile: str | None = None) -> tuple[ImportResult, OpmlList]:
    """Add the feeds of ``opml_path`` to ``config_file`` (comments and layout kept)."""
    try:
        with opml_path.open("rb") as handle:
            data = handle.read(MAX_OPML_BYTES + 1)
    except OSError as error:
        raise SourceError(f"{opml_path}: cannot read: {error.strerror or error}") from None
    if len(data) > MAX_OPML_BYTES:
        raise SourceError(f"{opml_path}: larger than {MAX_OPML_BYTES // 1_000_000} MB")
    listing = read_opml(data, str(opml_path))
    if not listing.feeds:
        raise SourceError(f"{opml_path}: no feed in it")
    result = add_feeds(config_file, listing.feeds, origin=opml_path.name, profile=profile)
    return result, listing


def export_opml(config: Config, profile: str | None = None,
                now: datetime | None = None) -> bytes:
    """OPML 2.0 of the config's feed sources (``profile``'s only, when given)."""
    if profile is not None:
        sources = config.sources_for(config.profile(profile))
        title = config.profile(profile).title or f"briefing: {profile}"
    else:
        sources = config.sources
        title = config.brief.title
    feeds = [OpmlFeed(url=source.url, title=source.name)
             for source in sources if source.type == "feed" and source.url]
    if not feeds:
        raise ConfigError("no feed sources to export" + (f" in profile {profile}"
                                                          if profile else ""))
    return write_opml(feeds, title=title, now=now or datetime.now(UTC))
