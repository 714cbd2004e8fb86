"""Which time zone a brief's dates are in, and what "now" is.

Every date a reader sees (the title block, the footer, the Subject line, the
PDF's file name, the folder name, the archive and the feed) is the profile's
local date and time: its own ``timezone``, else its schedule's, else
``[brief] timezone``, else this machine's zone. "Now" is this moment, unless
``$SOURCE_DATE_EPOCH`` is set (a reproducible build): then it is that moment.
"""

from __future__ import annotations

import logging
import os
from datetime import UTC, datetime, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from briefing.config import Config, ProfileConfig

logger = logging.getLogger(__name__)

#: The reproducible-builds convention (reproducible-builds.org, "SOURCE_DATE_EPOCH"):
#: seconds since 1970-01-01 UTC that stand for "now" in every output, so that two
#: builds of the same input are byte-identical.
SOURCE_DATE_EPOCH = "SOURCE_DATE_EPOCH"


def configured_zone(config: Config, profile: ProfileConfig) -> ZoneInfo | None:
    """The zone the config names for ``profile``'s briefs, or None when it names none."""
    schedule = profile.schedule
    name = profile.timezone or (schedule.timezone if schedule else None) or config.brief.timezone
    return ZoneInfo(name) if name else None


def host_zone() -> tzinfo:
    """This machine's time zone, by its IANA name when it can be found.

    The name matters: "Europe/Paris" gives "CET" in winter and "CEST" in summer,
    where a bare offset would not. ``$TZ`` first, then /etc/localtime's target.
    """
    for name in (os.environ.get("TZ", "").lstrip(":"), _localtime_name()):
        if name:
            try:
                return ZoneInfo(name)
            except (ZoneInfoNotFoundError, ValueError):
                continue
    zone = datetime.now().astimezone().tzinfo
    assert zone is not None
    return zone


def local_now(config: Config, profile: ProfileConfig, now: datetime | None = None) -> datetime:
    """``now`` (default: this moment) as the profile's local time.

    An aware ``now`` keeps its own zone unless the config names one for the
    profile; a naive one is read as this machine's local time.
    """
    zone = configured_zone(config, profile)
    if now is None:
        fixed = source_date()
        return fixed.astimezone(zone or host_zone()) if fixed else datetime.now(zone or host_zone())
    if now.tzinfo is None:
        now = now.replace(tzinfo=host_zone())
    return now.astimezone(zone) if zone is not None else now


def source_date() -> datetime | None:
    """``$SOURCE_DATE_EPOCH`` as an aware UTC moment, or None when it is not set.

    A value that is not a whole number of seconds is ignored, with a warning
    naming it, rather than failing every build.
    """
    raw = os.environ.get(SOURCE_DATE_EPOCH, "").strip()
    if not raw:
        return None
    try:
        return datetime.fromtimestamp(int(raw), UTC)
    except (ValueError, OverflowError, OSError):
        logger.warning("%s=%r is not a number of seconds since 1970; ignored",
                       SOURCE_DATE_EPOCH, raw)
        return None


def now_utc() -> datetime:
    """This moment in UTC, or ``$SOURCE_DATE_EPOCH`` when it is set."""
    return source_date() or datetime.now(UTC)


def _localtime_name() -> str:
    try:
        target = os.path.realpath("/etc/localtime")
    except OSError:
        return ""
    marker = "zoneinfo/"
    return target.split(marker, 1)[1] if marker in target else ""
