"""briefing.toml -> a validated, immutable ``Config``.

Every table maps to a frozen dataclass below; the dataclass fields *are* the
schema. Unknown tables or keys and values of the wrong type raise
``ConfigError`` with the file and the dotted key, e.g.::

    briefing.toml: limits.max_article_chars must be an integer, got "lots"

Relative paths are resolved against the directory of the config file (or the
working directory when there is no file). Secrets never live here: the API key
and SMTP password come from the environment only.
"""

from __future__ import annotations

import dataclasses
import ipaddress
import os
import re
import tomllib
import types
import typing
import urllib.parse
import zoneinfo
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from briefing.addresses import AddressError, Mailbox, parse_mailbox
from briefing.errors import ConfigError
from briefing.netaddr import parse_allow_entry
from briefing.secrets import references

CONFIG_FILENAME = "briefing.toml"
CONFIG_ENV = "BRIEFING_CONFIG"
SOURCE_TYPES = ("folder", "file", "feed", "page")
ENGINES = ("auto", "extractive", "llm")
#: brief.pdf's conformance: tagged PDF/UA-1, or the same file as PDF/A-3u too (for
#: archives). Mirrors briefing.render.pdf.PDF_VARIANTS (kept here: no WeasyPrint import).
PDF_VARIANTS = ("pdf/ua-1", "pdf/a-3u")


@dataclass(frozen=True)
class BriefSettings:
    title: str = "Daily Brief"
    author: str = "briefing"
    language: str = "en"
    #: "auto" uses the LLM when an endpoint is configured, else the extractive engine.
    engine: str = "auto"
    #: IANA time zone every date a reader sees is in ("Europe/Paris"); default: this
    #: machine's. A profile's own ``timezone`` (or its schedule's) wins.
    timezone: str | None = None
    #: "pdf/ua-1" (tagged, accessible) or "pdf/a-3u" (the same, and archival PDF/A-3u).
    pdf_variant: str = "pdf/ua-1"
    #: Stories over a profile's cap listed under "Also noted" (the rest are counted,
    #: "and 12 more"): a 5,000-article day must not make a 90-page PDF.
    also_noted_limit: int = 30


@dataclass(frozen=True)
class PathSettings:
    out: Path = Path("out")
    #: The store: an SQLite file (the default), or a ``postgresql://user@host/db`` URL
    #: (briefing.storage), whose password comes from the environment, never from here.
    store: Path | str = Path(".briefing/briefing.db")
    #: Optional folders searched before the bundled ones, so users can override a template.
    templates: Path | None = None
    prompts: Path | None = None


@dataclass(frozen=True)
class Limits:
    #: Articles longer than this (after extraction) are cut, and marked as cut.
    max_article_chars: int = 100_000
    #: Files larger than this are read only up to this many bytes.
    max_file_bytes: int = 5_000_000
    min_bullets: int = 2
    max_bullets: int = 5
    max_bullet_words: int = 40
    #: Longer article titles are cut (at a word, with "…") where articles enter.
    max_title_chars: int = 300
    #: Longer outlet (publication or author) names are cut the same way.
    max_outlet_chars: int = 100


@dataclass(frozen=True)
class FetchSettings:
    """How feeds and pages are fetched ([fetch]); times are in seconds."""

    connect_timeout: float = 10.0
    read_timeout: float = 20.0
    #: Whole-request deadline (every redirect hop and the body): a server that
    #: drips one byte a second cannot hold a request longer than this.
    deadline: float = 60.0
    max_body_bytes: int = 10_000_000
    max_redirects: int = 5
    user_agent: str = (
        "briefing/0.1 (automated news briefing generator; fetches feeds and article pages)"
    )
    #: Requests in flight at once, over all hosts.
    concurrency: int = 8
    per_host_concurrency: int = 2
    #: Pause between the starts of two requests to the same host.
    per_host_delay: float = 0.5
    respect_robots: bool = True
    #: "host:port" or "address-or-CIDR:port" entries fetched even though they are
    #: loopback, private or link-local (refused by default: server-side request
    #: forgery). Each names one port; a redirect is checked against its own target.
    allow_private: tuple[str, ...] = ()
    #: Fetch the article page when a feed entry carries only a teaser.
    full_text: bool = True
    #: Entries read from one feed per fetch (the first ones, usually the newest).
    max_entries_per_feed: int = 200


@dataclass(frozen=True)
class WorkerSettings:
    """Several schedulers on one PostgreSQL store ([workers]); times are in seconds."""

    #: A worker that has not beaten this long is dead: what it held is taken over.
    lease_seconds: float = 60.0
    #: Sources a worker claims at a time when collecting (the unit workers share).
    collect_batch: int = 50


@dataclass(frozen=True)
class ArchiveSettings:
    """The browsable archive of every brief under paths.out ([archive])."""

    #: Briefs older than this many days lose their files (the index says so); None keeps all.
    keep_days: int | None = None
    #: Write the static site (index pages, feed.xml, search index) after each build.
    site: bool = True
    #: Public http(s) address of the out folder, for absolute links in feed.xml.
    base_url: str | None = None
    #: Host names ``briefing serve`` answers to besides 127.0.0.1 and localhost
    #: (e.g. the name a reverse proxy forwards); any other Host header is refused.
    allowed_hosts: tuple[str, ...] = ()


@dataclass(frozen=True)
class SourceConfig:
    name: str
    type: str = "folder"
    path: Path | None = None
    #: Publication name for every article of this source, when the files don't say.
    outlet: str | None = None
    #: The feed or page address (http or https), for ``feed`` and ``page`` sources.
    url: str | None = None
    #: HTTP headers for a paid or private feed or page, sent to its own host only
    #: (``briefing.collect.auth``); each value names its secret as ``${ENV_VAR}``.
    headers: tuple[tuple[str, str], ...] = ()
    #: Basic auth: the environment variables holding the user name and the password.
    username_env: str | None = None
    password_env: str | None = None


#: Day names of ``[profiles.NAME.schedule].days``, Monday first (``date.weekday()`` order).
SCHEDULE_DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
#: Words ``days`` also accepts, and the days each stands for.
SCHEDULE_DAY_GROUPS = {
    "daily": SCHEDULE_DAYS,
    "weekdays": SCHEDULE_DAYS[:5],
    "weekends": SCHEDULE_DAYS[5:],
}


@dataclass(frozen=True)
class ScheduleConfig:
    """When ``briefing schedule`` builds and sends a profile's digest ([profiles.NAME.schedule]).

    ``deliver_at`` is a wall-clock time in ``timezone`` (an IANA name), so a
    07:00 Europe/London digest goes out at 07:00 local time in winter and in
    summer; ``briefing.schedule.plan`` does the arithmetic.
    """

    #: "HH:MM", 24-hour, local time in ``timezone``.
    deliver_at: str
    #: An IANA time zone name: "Europe/London", "Europe/Moscow", "UTC".
    timezone: str
    #: Days the digest goes out, normalized to names from SCHEDULE_DAYS.
    days: tuple[str, ...] = SCHEDULE_DAYS
    #: Collect the profile's feed and page sources this often, all day.
    collect_every_minutes: int = 60
    #: A delivery missed (the scheduler was down) is still made this long after its time.
    catch_up_grace_minutes: int = 180
    #: After a failed attempt, try again this much later (the same day).
    retry_every_minutes: int = 30
    #: Attempts (build and send) per digest before giving up for the day.
    max_attempts_per_day: int = 4
    #: Email the digest to the profile's recipients; false only builds it.
    send: bool = True


@dataclass(frozen=True)
class ProfileConfig:
    name: str
    title: str | None = None
    #: Names of the sources this profile reads; empty means every source.
    sources: tuple[str, ...] = ()
    #: Terms that make an article relevant: when set, an article needs one of them,
    #: and each one found raises its story's rank (briefing.ranking).
    keywords: tuple[str, ...] = ()
    #: Every entry must match; an entry may list alternatives: "russia|moscow|kremlin".
    include: tuple[str, ...] = ()
    #: An article matching any of these is left out.
    exclude: tuple[str, ...] = ()
    #: Chat channels to post each brief to: Apprise URLs ("slack://${SLACK_TOKEN}/#news",
    #: "json://hooks.example.org/brief"), secrets written as ${ENV_VAR}.
    notify: tuple[str, ...] = ()
    #: The language this profile's briefs are written in ("de", "fr"); default:
    #: ``[brief] language``. The LLM writes in it; the offline engine cannot translate.
    language: str | None = None
    #: Language codes ("en", "de", ...) to take; empty takes every language.
    languages: tuple[str, ...] = ()
    #: Stories briefed in full; the rest are listed as one-line "Also noted" items.
    max_stories: int = 12
    #: Articles cited by one brief, at most: stories share them in rank order, each
    #: keeping one article per outlet first, newest first, and always at least one.
    max_sources: int = 100
    #: Terms that put a story first whatever its other scores.
    priority: tuple[str, ...] = ()
    #: Email addresses the profile's brief is sent to (``briefing send``): "ann@example.net"
    #: or "Ann Reader <ann@example.net>"; internationalized ones too (briefing.addresses).
    #: Normalized when the config loads, one entry per address.
    recipients: tuple[str, ...] = ()
    #: When ``briefing schedule`` delivers this profile's digest; None: not scheduled.
    schedule: ScheduleConfig | None = None
    #: IANA time zone of this profile's briefs (dates, folder names, Subject lines);
    #: default: the schedule's time zone, else ``brief.timezone``, else this machine's.
    timezone: str | None = None


@dataclass(frozen=True)
class LLMConfig:
    """An OpenAI-compatible endpoint. The key comes from the environment variable named here."""

    base_url: str | None = None
    model: str = "gpt-4o-mini"
    temperature: float = 0.2
    max_output_tokens: int = 1000
    timeout: float = 60.0
    max_concurrency: int = 4
    max_retries: int = 2
    #: Tokens (in + out) one run may spend before remaining stories fall back to extractive.
    budget_tokens: int | None = None
    #: The model's context window, in tokens; requests are kept under it with a margin.
    context_tokens: int = 16_000
    api_key_env: str = "OPENAI_API_KEY"
    #: The longest answer read from the server, in bytes; a longer one is cut off unread
    #: (a chat answer of max_output_tokens tokens is far smaller).
    max_response_bytes: int = 4_000_000


#: Prompt tokens a request needs at least: the instructions, the answer's schema and
#: one short article (the bundled prompts need about 820).
MIN_PROMPT_TOKENS = 900
#: Tokens kept free between prompt plus answer and the context window (summarize.tokens).
CONTEXT_SAFETY_TOKENS = 64
#: The smallest ``llm.max_response_bytes`` accepted.
MIN_RESPONSE_BYTES = 65_536


SMTP_SECURITY = ("starttls", "tls", "none")
SMTP_MODES = ("per-recipient", "bcc")


@dataclass(frozen=True)
class SmtpSettings:
    """How briefs are emailed ([smtp]). Credentials come from the environment only."""

    host: str = "localhost"
    #: Default by ``security``: 587 for starttls, 465 for tls, 25 for none.
    port: int | None = None
    #: "starttls" (verified certificate), "tls" (implicit TLS, usually port 465), or
    #: "none" (plain text, allowed only for a loopback host).
    security: str = "starttls"
    #: CA bundle to verify the server with, instead of the system's (a private relay).
    ca_file: Path | None = None
    #: Names of the environment variables holding the login; unset means no login.
    username_env: str | None = None
    password_env: str | None = None
    timeout: float = 30.0
    from_address: str | None = None
    reply_to: str | None = None
    #: The domain after "@" in Message-IDs (default: from_address's domain).
    message_id_domain: str | None = None
    list_unsubscribe_mailto: str | None = None
    list_unsubscribe_url: str | None = None
    attach_pdf: bool = True
    #: "per-recipient" (one message each) or "bcc" (one message, recipients hidden).
    mode: str = "per-recipient"
    #: Attempts per recipient on temporary failures (4xx, dropped connections).
    max_attempts: int = 4
    #: Seconds before the first retry; doubled after each further failure.
    retry_delay: float = 30.0
    #: Size budget of the email's HTML part, in bytes (Gmail clips at about 102 KB,
    #: and quoted-printable encoding adds about 8%).
    html_budget: int = 90_000
    #: Where ``briefing send --dry-run`` writes its .eml files (they name recipients,
    #: so never inside the published archive); default: "dry-run" beside the store.
    dry_run_dir: Path | None = None

    @property
    def effective_port(self) -> int:
        if self.port is not None:
            return self.port
        return {"starttls": 587, "tls": 465}.get(self.security, 25)


@dataclass(frozen=True)
class Config:
    brief: BriefSettings = field(default_factory=BriefSettings)
    paths: PathSettings = field(default_factory=PathSettings)
    limits: Limits = field(default_factory=Limits)
    llm: LLMConfig = field(default_factory=LLMConfig)
    fetch: FetchSettings = field(default_factory=FetchSettings)
    archive: ArchiveSettings = field(default_factory=ArchiveSettings)
    smtp: SmtpSettings = field(default_factory=SmtpSettings)
    workers: WorkerSettings = field(default_factory=WorkerSettings)
    sources: tuple[SourceConfig, ...] = ()
    profiles: dict[str, ProfileConfig] = field(default_factory=dict)
    #: The file this was read from, or None for built-in defaults.
    file: Path | None = None

    def language_for(self, profile: ProfileConfig) -> str:
        """The language ``profile``'s briefs are written in."""
        return profile.language or self.brief.language

    def profile(self, name: str) -> ProfileConfig:
        if name in self.profiles:
            return self.profiles[name]
        if name == "default":
            return ProfileConfig(name="default")
        where = self.file or CONFIG_FILENAME
        known = ", ".join(sorted(self.profiles)) or "none"
        raise ConfigError(f"{where}: no profile named {name!r} (known: {known})")

    def sources_for(self, profile: ProfileConfig) -> tuple[SourceConfig, ...]:
        if not profile.sources:
            return self.sources
        by_name = {source.name: source for source in self.sources}
        return tuple(by_name[name] for name in profile.sources)


def find_config_file(explicit: Path | None = None, cwd: Path | None = None) -> Path | None:
    """The config file to use: --config, then $BRIEFING_CONFIG, then ./briefing.toml."""
    if explicit is not None:
        if not explicit.is_file():
            raise ConfigError(f"{explicit}: config file not found")
        return explicit
    from_env = os.environ.get(CONFIG_ENV)
    if from_env:
        path = Path(from_env)
        if not path.is_file():
            raise ConfigError(f"{path}: config file not found (from ${CONFIG_ENV})")
        return path
    candidate = (cwd or Path.cwd()) / CONFIG_FILENAME
    return candidate if candidate.is_file() else None


def load_config(path: Path | None = None, *, cwd: Path | None = None) -> Config:
    """Read and validate the config; with no file anywhere, return the defaults."""
    file = find_config_file(path, cwd)
    if file is None:
        return _resolve_paths(Config(), cwd or Path.cwd())
    try:
        data = tomllib.loads(file.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"{file}: not valid TOML: {error}") from error
    except (OSError, UnicodeDecodeError) as error:
        raise ConfigError(f"{file}: cannot read: {error}") from error
    return parse_config(data, file)


def parse_config(data: dict[str, Any], file: Path) -> Config:
    """Validate a parsed TOML document; paths resolve against the file's folder."""
    known = {"brief", "paths", "limits", "llm", "fetch", "archive", "sources", "profiles", "smtp",
             "workers"}
    for key in data:
        if key not in known:
            names = ", ".join(sorted(known))
            raise ConfigError(f"{file}: unknown table or key {key!r} (known: {names})")
    sources = _parse_sources(data.get("sources", []), file)
    profiles = _parse_profiles(data.get("profiles", {}), file, {s.name for s in sources})
    config = Config(
        brief=_parse_table(BriefSettings, data.get("brief", {}), "brief", file),
        paths=_parse_paths(data.get("paths", {}), file),
        limits=_parse_table(Limits, data.get("limits", {}), "limits", file),
        llm=_parse_table(LLMConfig, data.get("llm", {}), "llm", file),
        fetch=_parse_table(FetchSettings, data.get("fetch", {}), "fetch", file),
        archive=_parse_table(ArchiveSettings, data.get("archive", {}), "archive", file),
        smtp=_parse_table(SmtpSettings, data.get("smtp", {}), "smtp", file),
        workers=_parse_table(WorkerSettings, data.get("workers", {}), "workers", file),
        sources=sources,
        profiles=profiles,
        file=file,
    )
    _check_values(config, file)
    resolved = _resolve_paths(_normalize_recipients(config, file), file.parent)
    _check_dry_run_dir(resolved, file)
    return resolved


STORE_URL_SCHEMES = ("postgresql", "postgres")


def is_store_url(store: Path | str) -> bool:
    """Whether ``paths.store`` names a PostgreSQL database rather than an SQLite file."""
    return isinstance(store, str) and store.split("://", 1)[0].lower() in STORE_URL_SCHEMES \
        and "://" in store


def _parse_paths(raw: Any, file: Path) -> PathSettings:
    """``[paths]``; ``store`` may be a PostgreSQL URL, kept as text (never a password)."""
    table = dict(raw) if isinstance(raw, dict) else raw
    url = table.pop("store") if isinstance(table, dict) and is_store_url(
        table.get("store", "")) else None
    paths: PathSettings = _parse_table(PathSettings, table, "paths", file)
    if url is None:
        return paths
    try:
        parts = urllib.parse.urlsplit(url)
        has_password = parts.password is not None
    except ValueError as error:
        raise ConfigError(f"{file}: paths.store is not a valid URL: {error}") from None
    if has_password:
        raise ConfigError(
            f"{file}: paths.store carries a password; put it in the environment "
            "(BRIEFING_STORE_PASSWORD, or PGPASSWORD / ~/.pgpass) and remove it from the URL"
        )
    if not parts.path.strip("/") and "dbname=" not in parts.query:
        raise ConfigError(f"{file}: paths.store names no database (postgresql://user@host/NAME)")
    return dataclasses.replace(paths, store=url)


def _parse_sources(raw: Any, file: Path) -> tuple[SourceConfig, ...]:
    if not isinstance(raw, list):
        raise ConfigError(f"{file}: sources must be an array of tables ([[sources]])")
    sources: list[SourceConfig] = []
    for index, table in enumerate(raw):
        where = f"sources[{index}]"
        headers: tuple[tuple[str, str], ...] = ()
        if isinstance(table, dict) and "headers" in table:
            table = dict(table)
            headers = _parse_source_headers(table.pop("headers"), f"{where}.headers", file)
        source = _parse_table(SourceConfig, table, where, file)
        source = dataclasses.replace(source, headers=headers)
        _check_source_credentials(source, where, file)
        if source.type not in SOURCE_TYPES:
            types_ = ", ".join(SOURCE_TYPES)
            raise ConfigError(f"{file}: {where}.type must be one of {types_}, got {source.type!r}")
        if source.type in ("feed", "page"):  # read from the web by briefing.collect
            if source.url is None:
                raise ConfigError(f"{file}: {where}.url is required for a {source.type} source")
            if not _is_http_url(source.url):
                raise ConfigError(f"{file}: {where}.url must be an http:// or https:// address")
        elif source.path is None:
            raise ConfigError(f"{file}: {where}.path is required for a {source.type} source")
        if any(s.name == source.name for s in sources):
            raise ConfigError(f"{file}: {where}.name {source.name!r} is used twice")
        sources.append(source)
    return tuple(sources)


#: An HTTP header name (RFC 9110 token).
_HEADER_NAME = re.compile(r"[!#$%&'*+.^_`|~0-9A-Za-z-]+")
#: Headers a source may not set: they are the fetcher's (host checks, body limits).
_RESERVED_HEADERS = frozenset({"host", "content-length", "transfer-encoding", "connection",
                               "accept-encoding", "te", "upgrade"})
_ENV_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def _parse_source_headers(raw: Any, where: str, file: Path) -> tuple[tuple[str, str], ...]:
    """``headers = { Authorization = "Bearer ${TOKEN}" }``: names checked, secrets by name."""
    if not isinstance(raw, dict):
        raise ConfigError(f"{file}: {where} must be a table of header names and values")
    headers: list[tuple[str, str]] = []
    for name, value in raw.items():
        key = f"{where}.{name}"
        if not _HEADER_NAME.fullmatch(name) or name.lower() in _RESERVED_HEADERS:
            raise ConfigError(f"{file}: {key} is not a header a source may set")
        if not isinstance(value, str):
            raise ConfigError(f"{file}: {key} must be a string")
        if not references(value):
            # A token pasted into the file would sit in backups and version control.
            raise ConfigError(
                f"{file}: {key} must take its secret from an environment variable, "
                f'e.g. "Bearer ${{MY_TOKEN}}"'
            )
        if any(ch in value for ch in "\r\n\0"):
            raise ConfigError(f"{file}: {key} must be one line")
        headers.append((name, value))
    return tuple(headers)


def _check_language(tag: str, key: str, file: Path) -> None:
    from briefing.languages import LANGUAGE_TAG

    if not LANGUAGE_TAG.fullmatch(tag):
        raise ConfigError(f"{file}: {key} must be a language code such as \"en\", \"de\" or "
                          f"\"pt-BR\", got {tag!r}")


_NOTIFY_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.-]{1,30}://\S+")


def _check_notify_url(url: str, key: str, file: Path) -> None:
    if not _NOTIFY_SCHEME.fullmatch(url):
        raise ConfigError(f"{file}: {key} must be a notification URL such as "
                          '"slack://${SLACK_TOKEN}/#news" or "json://hooks.example.org/brief"')
    authority = url.partition("://")[2].split("/", 1)[0]
    password = authority.rpartition("@")[0].partition(":")[2] if "@" in authority else ""
    if password and not references(password):
        # A password written in the file would sit in backups and version control.
        raise ConfigError(f"{file}: {key} holds a password: write it as ${{ENV_VAR}} "
                          "and set that variable in the environment")


def _check_source_credentials(source: SourceConfig, where: str, file: Path) -> None:
    has_credentials = bool(source.headers or source.username_env or source.password_env)
    if has_credentials and source.type not in ("feed", "page"):
        raise ConfigError(f"{file}: {where}: headers and username_env/password_env are for "
                          "feed and page sources")
    for key in ("username_env", "password_env"):
        name = getattr(source, key)
        if name is not None and not _ENV_NAME.fullmatch(name):
            raise ConfigError(f"{file}: {where}.{key} must name an environment variable, "
                              f"got {name!r}")
    if (source.username_env is None) != (source.password_env is None):
        raise ConfigError(f"{file}: {where}: basic auth needs both username_env and password_env")
    if source.username_env and any(n.lower() == "authorization" for n, _ in source.headers):
        raise ConfigError(f"{file}: {where}: set an Authorization header or basic auth, not both")
    if source.url and _has_userinfo(source.url):
        raise ConfigError(f"{file}: {where}.url must not hold a user name or password; "
                          "use username_env and password_env")


def _has_userinfo(url: str) -> bool:
    authority = url.partition("://")[2].split("/", 1)[0].split("?", 1)[0].split("#", 1)[0]
    return "@" in authority


def _parse_profiles(raw: Any, file: Path, source_names: set[str]) -> dict[str, ProfileConfig]:
    if not isinstance(raw, dict):
        raise ConfigError(f"{file}: profiles must be a table ([profiles.NAME])")
    profiles: dict[str, ProfileConfig] = {}
    for name, table in raw.items():
        where = f"profiles.{name}"
        if not isinstance(table, dict):
            raise ConfigError(f"{file}: {where} must be a table")
        # The schedule is a nested table, which _parse_table does not descend into.
        fields = {key: value for key, value in table.items() if key != "schedule"}
        profile = _parse_table(ProfileConfig, {**fields, "name": name}, where, file)
        if "schedule" in table:
            schedule = _parse_schedule(table["schedule"], f"{where}.schedule", file)
            profile = dataclasses.replace(profile, schedule=schedule)
        for source in profile.sources:
            if source not in source_names:
                raise ConfigError(f"{file}: {where}.sources names unknown source {source!r}")
        profiles[name] = profile
    return profiles


_CLOCK_TIME = re.compile(r"([01]?[0-9]|2[0-3]):([0-5][0-9])")


def _parse_schedule(raw: Any, where: str, file: Path) -> ScheduleConfig:
    """``[profiles.NAME.schedule]``: check every key; ``days`` is normalized to day names."""
    if not isinstance(raw, dict):
        raise ConfigError(f"{file}: {where} must be a table")
    table = dict(raw)
    if "days" in table:
        table["days"] = list(_schedule_days(table["days"], f"{where}.days", file))
    schedule: ScheduleConfig = _parse_table(ScheduleConfig, table, where, file)
    if not _CLOCK_TIME.fullmatch(schedule.deliver_at):
        raise ConfigError(
            f"{file}: {where}.deliver_at must be a 24-hour time \"HH:MM\", "
            f"got {schedule.deliver_at!r}"
        )
    try:
        zoneinfo.ZoneInfo(schedule.timezone)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise ConfigError(
            f"{file}: {where}.timezone: unknown time zone {schedule.timezone!r} "
            "(use an IANA name such as \"Europe/London\")"
        ) from None
    positive = {
        "collect_every_minutes": schedule.collect_every_minutes,
        "catch_up_grace_minutes": schedule.catch_up_grace_minutes,
        "retry_every_minutes": schedule.retry_every_minutes,
        "max_attempts_per_day": schedule.max_attempts_per_day,
    }
    for key, value in positive.items():
        if value <= 0:
            raise ConfigError(f"{file}: {where}.{key} must be greater than 0, got {value}")
    return schedule


def _schedule_days(value: Any, key: str, file: Path) -> tuple[str, ...]:
    """"weekdays", ["mon", "fri"], ["monday", "weekends"] -> day names in week order."""
    items = [value] if isinstance(value, str) else value
    if not isinstance(items, list) or not all(isinstance(item, str) for item in items):
        raise ConfigError(f"{file}: {key} must be a list of day names or a string, got {value!r}")
    chosen: set[str] = set()
    for item in items:
        word = item.strip().lower()
        if word in SCHEDULE_DAY_GROUPS:
            chosen.update(SCHEDULE_DAY_GROUPS[word])
        elif word in _DAY_NAMES:
            chosen.add(_DAY_NAMES[word])
        else:
            raise ConfigError(
                f"{file}: {key}: {item!r} is not a day (use mon, tue, wed, thu, fri, sat, sun, "
                "\"weekdays\", \"weekends\" or \"daily\")"
            )
    if not chosen:
        raise ConfigError(f"{file}: {key} must name at least one day")
    return tuple(day for day in SCHEDULE_DAYS if day in chosen)


#: A day by its first three letters or in full: "mon", "monday".
_DAY_NAMES = {
    **{day: day for day in SCHEDULE_DAYS},
    **{full: full[:3] for full in (
        "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"
    )},
}


def _check_schedule(profile: ProfileConfig, smtp: SmtpSettings, file: Path) -> None:
    """A scheduled digest that is to be sent needs someone to send it to, and a sender."""
    if profile.schedule is None or not profile.schedule.send:
        return
    where = f"profiles.{profile.name}"
    if not profile.recipients:
        raise ConfigError(
            f"{file}: {where}.schedule.send is true but {where}.recipients is empty "
            "(add recipients, or set send = false to only build)"
        )
    if not smtp.from_address:
        raise ConfigError(
            f"{file}: {where}.schedule.send is true but smtp.from_address is not set"
        )


def _check_zone(name: str | None, key: str, file: Path) -> None:
    if name is None:
        return
    try:
        zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise ConfigError(
            f"{file}: {key}: unknown time zone {name!r} "
            "(use an IANA name such as \"Europe/London\")"
        ) from None


def _check_values(config: Config, file: Path) -> None:
    _check_zone(config.brief.timezone, "brief.timezone", file)
    _check_language(config.brief.language, "brief.language", file)
    for name, profile in config.profiles.items():
        _check_zone(profile.timezone, f"profiles.{name}.timezone", file)
        if profile.language is not None:
            _check_language(profile.language, f"profiles.{name}.language", file)
        for index, url in enumerate(profile.notify):
            _check_notify_url(url, f"profiles.{name}.notify[{index}]", file)
        schedule = profile.schedule
        if schedule is not None and profile.timezone and profile.timezone != schedule.timezone:
            raise ConfigError(
                f"{file}: profiles.{name}.timezone ({profile.timezone!r}) and "
                f"profiles.{name}.schedule.timezone ({schedule.timezone!r}) differ; "
                "keep one of them"
            )
    if config.brief.engine not in ENGINES:
        raise ConfigError(
            f"{file}: brief.engine must be one of {', '.join(ENGINES)}, got {config.brief.engine!r}"
        )
    if config.brief.pdf_variant not in PDF_VARIANTS:
        raise ConfigError(
            f"{file}: brief.pdf_variant must be one of {', '.join(PDF_VARIANTS)}, "
            f"got {config.brief.pdf_variant!r}"
        )
    if config.brief.also_noted_limit < 0:
        raise ConfigError(
            f"{file}: brief.also_noted_limit must be 0 or more, got {config.brief.also_noted_limit}"
        )
    positive = {
        "limits.max_article_chars": config.limits.max_article_chars,
        "limits.max_file_bytes": config.limits.max_file_bytes,
        "limits.max_bullets": config.limits.max_bullets,
        "limits.max_bullet_words": config.limits.max_bullet_words,
        "limits.max_title_chars": config.limits.max_title_chars,
        "limits.max_outlet_chars": config.limits.max_outlet_chars,
        "llm.max_output_tokens": config.llm.max_output_tokens,
        "llm.timeout": config.llm.timeout,
        "llm.max_concurrency": config.llm.max_concurrency,
        "llm.context_tokens": config.llm.context_tokens,
        "workers.lease_seconds": config.workers.lease_seconds,
        "workers.collect_batch": config.workers.collect_batch,
    }
    for key, value in positive.items():
        if value <= 0:
            raise ConfigError(f"{file}: {key} must be greater than 0, got {value}")
    if not 1 <= config.limits.min_bullets <= config.limits.max_bullets:
        raise ConfigError(f"{file}: limits.min_bullets must be between 1 and limits.max_bullets")
    _check_llm(config.llm, file)
    _check_fetch(config.fetch, file)
    for name, profile in config.profiles.items():
        if profile.max_stories <= 0:
            raise ConfigError(f"{file}: profiles.{name}.max_stories must be greater than 0")
        if profile.max_sources <= 0:
            raise ConfigError(f"{file}: profiles.{name}.max_sources must be greater than 0")
    _check_smtp(config.smtp, file)
    for profile in config.profiles.values():
        _check_schedule(profile, config.smtp, file)
    _check_archive(config.archive, file)


def _check_llm(llm: LLMConfig, file: Path) -> None:
    if not 0.0 <= llm.temperature <= 2.0:
        raise ConfigError(f"{file}: llm.temperature must be between 0 and 2")
    if llm.base_url and not llm.base_url.startswith(("http://", "https://")):
        raise ConfigError(f"{file}: llm.base_url must start with http:// or https://")
    if llm.max_retries < 0:
        raise ConfigError(f"{file}: llm.max_retries must be 0 or more, got {llm.max_retries}")
    if llm.budget_tokens is not None and llm.budget_tokens <= 0:
        raise ConfigError(f"{file}: llm.budget_tokens must be greater than 0 (or left out)")
    if llm.max_response_bytes < MIN_RESPONSE_BYTES:
        raise ConfigError(
            f"{file}: llm.max_response_bytes must be at least {MIN_RESPONSE_BYTES}, "
            f"got {llm.max_response_bytes}"
        )
    # Prompt and answer share the context window: an output limit that leaves no
    # room for the prompt would make every story fall back without a request.
    room = llm.context_tokens - llm.max_output_tokens - CONTEXT_SAFETY_TOKENS
    if room < MIN_PROMPT_TOKENS:
        fits = llm.context_tokens - MIN_PROMPT_TOKENS - CONTEXT_SAFETY_TOKENS
        lower = f"lower llm.max_output_tokens to {fits} or less, or " if fits > 0 else ""
        raise ConfigError(
            f"{file}: llm.max_output_tokens = {llm.max_output_tokens} leaves too little of "
            f"llm.context_tokens = {llm.context_tokens} for the prompt (it needs at least "
            f"{MIN_PROMPT_TOKENS} tokens): {lower}raise llm.context_tokens to "
            f"{llm.max_output_tokens + MIN_PROMPT_TOKENS + CONTEXT_SAFETY_TOKENS} or more"
        )



def _mailbox(value: str, key: str, file: Path, *, ascii_only: bool = False) -> Mailbox:
    """``value`` parsed as an address ("Name <address>" allowed), or a ConfigError."""
    try:
        mailbox = parse_mailbox(value)
    except AddressError as error:
        raise ConfigError(f"{file}: {key}: {value!r} is not an email address: {error}") from None
    if ascii_only and mailbox.needs_smtputf8:
        raise ConfigError(
            f"{file}: {key}: {value!r}: the part before the @ must be ASCII here "
            "(only recipients may have internationalized addresses)"
        )
    return mailbox


def _normalize_recipients(config: Config, file: Path) -> Config:
    """Each profile's recipients as one normalized string per reader: the domain in lower
    case, a display name kept, the same address listed twice kept once."""
    profiles = {}
    for name, profile in config.profiles.items():
        seen: dict[str, str] = {}
        for value in profile.recipients:
            mailbox = _mailbox(value, f"profiles.{name}.recipients", file)
            seen.setdefault(mailbox.address, str(mailbox))
        profiles[name] = dataclasses.replace(profile, recipients=tuple(seen.values()))
    return dataclasses.replace(config, profiles=profiles)


def _is_loopback_host(host: str) -> bool:
    if host.lower().rstrip(".") == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _check_smtp(smtp: SmtpSettings, file: Path) -> None:
    if smtp.security not in SMTP_SECURITY:
        raise ConfigError(
            f"{file}: smtp.security must be one of {', '.join(SMTP_SECURITY)}, "
            f"got {smtp.security!r}"
        )
    if smtp.security == "none" and not _is_loopback_host(smtp.host):
        raise ConfigError(
            f"{file}: smtp.security = \"none\" is only allowed for a loopback host "
            f"(localhost, 127.0.0.1, ::1), not {smtp.host!r}"
        )
    if smtp.mode not in SMTP_MODES:
        raise ConfigError(
            f"{file}: smtp.mode must be one of {', '.join(SMTP_MODES)}, got {smtp.mode!r}"
        )
    if not smtp.host.strip():
        raise ConfigError(f"{file}: smtp.host must not be empty")
    if smtp.port is not None and not 0 < smtp.port < 65536:
        raise ConfigError(f"{file}: smtp.port must be between 1 and 65535")
    for key, value in {"smtp.timeout": smtp.timeout, "smtp.max_attempts": smtp.max_attempts,
                       "smtp.html_budget": smtp.html_budget}.items():
        if value <= 0:
            raise ConfigError(f"{file}: {key} must be greater than 0, got {value}")
    if smtp.retry_delay < 0:
        raise ConfigError(f"{file}: smtp.retry_delay must be 0 or more")
    for key in ("from_address", "reply_to", "list_unsubscribe_mailto"):
        value = getattr(smtp, key)
        if value is None:
            continue
        # "Name <address>" is fine for From and Reply-To, not for the unsubscribe mailbox.
        mailbox = _mailbox(value.removeprefix("mailto:") if key.endswith("mailto") else value,
                           f"smtp.{key}", file, ascii_only=True)
        if key.endswith("mailto") and mailbox.display_name:
            raise ConfigError(f"{file}: smtp.{key}: write the bare address, got {value!r}")
    if smtp.list_unsubscribe_url is not None and (
        not smtp.list_unsubscribe_url.startswith("https://")
        or any(ch in smtp.list_unsubscribe_url for ch in " \r\n<>,")
    ):
        raise ConfigError(f"{file}: smtp.list_unsubscribe_url must be an https:// address")
    if smtp.message_id_domain is not None and not _HOST_NAME.fullmatch(smtp.message_id_domain):
        raise ConfigError(f"{file}: smtp.message_id_domain must be a domain name")


def _check_fetch(fetch: FetchSettings, file: Path) -> None:
    positive = {
        "fetch.connect_timeout": fetch.connect_timeout,
        "fetch.read_timeout": fetch.read_timeout,
        "fetch.deadline": fetch.deadline,
        "fetch.max_body_bytes": fetch.max_body_bytes,
        "fetch.concurrency": fetch.concurrency,
        "fetch.per_host_concurrency": fetch.per_host_concurrency,
        "fetch.max_entries_per_feed": fetch.max_entries_per_feed,
    }
    for key, value in positive.items():
        if value <= 0:
            raise ConfigError(f"{file}: {key} must be greater than 0, got {value}")
    if fetch.max_redirects < 0:
        raise ConfigError(f"{file}: fetch.max_redirects must be 0 or more")
    if fetch.per_host_delay < 0:
        raise ConfigError(f"{file}: fetch.per_host_delay must be 0 or more")
    if not fetch.user_agent.strip() or any(ch in fetch.user_agent for ch in "\r\n"):
        raise ConfigError(f"{file}: fetch.user_agent must be one non-empty line")
    for entry in fetch.allow_private:
        try:
            parse_allow_entry(entry)
        except ValueError as error:
            raise ConfigError(
                f"{file}: fetch.allow_private entry {entry!r}: {error}"
                ' (e.g. "intranet.example:8080", "10.0.0.0/8:443", "[fd00::/8]:443")'
            ) from None


def _check_archive(archive: ArchiveSettings, file: Path) -> None:
    if archive.keep_days is not None and archive.keep_days <= 0:
        raise ConfigError(
            f"{file}: archive.keep_days must be greater than 0, got {archive.keep_days}"
        )
    if archive.base_url is not None and not _is_http_url(archive.base_url):
        raise ConfigError(f"{file}: archive.base_url must be an http:// or https:// address")
    for name in archive.allowed_hosts:
        if not _HOST_NAME.fullmatch(name):
            raise ConfigError(f"{file}: archive.allowed_hosts entry {name!r} is not a host name")


def _is_http_url(url: str) -> bool:
    try:
        parts = urllib.parse.urlsplit(url.strip())
    except ValueError:  # e.g. an unclosed IPv6 bracket
        return False
    return parts.scheme.lower() in ("http", "https") and bool(parts.hostname)


_HOST_NAME = re.compile(r"(?i)[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*\.?")


def _check_dry_run_dir(config: Config, file: Path) -> None:
    """Dry-run messages name their recipients: never where the archive is served from."""
    folder = config.smtp.dry_run_dir
    if folder is not None and folder.resolve().is_relative_to(config.paths.out.resolve()):
        raise ConfigError(
            f"{file}: smtp.dry_run_dir ({folder}) is inside paths.out ({config.paths.out}), "
            "which the archive publishes; choose a folder outside it"
        )


def _resolve_paths(config: Config, base: Path) -> Config:
    def resolve(path: Path | None) -> Path | None:
        if path is None:
            return None
        path = path.expanduser()
        return path if path.is_absolute() else base / path

    paths = config.paths
    resolved_paths = PathSettings(
        out=resolve(paths.out) or paths.out,
        store=paths.store if is_store_url(paths.store) else resolve(Path(paths.store))
        or paths.store,
        templates=resolve(paths.templates),
        prompts=resolve(paths.prompts),
    )
    sources = tuple(dataclasses.replace(s, path=resolve(s.path)) for s in config.sources)
    smtp = dataclasses.replace(config.smtp, ca_file=resolve(config.smtp.ca_file),
                               dry_run_dir=resolve(config.smtp.dry_run_dir))
    return dataclasses.replace(config, paths=resolved_paths, sources=sources, smtp=smtp)


def _parse_table(cls: type[Any], table: Any, where: str, file: Path) -> Any:
    """Build dataclass ``cls`` from a TOML table, checking keys and value types."""
    if not isinstance(table, dict):
        raise ConfigError(f"{file}: {where} must be a table")
    fields = {f.name: f for f in dataclasses.fields(cls)}
    hints = typing.get_type_hints(cls)
    values: dict[str, Any] = {}
    for key, value in table.items():
        if key not in fields:
            known = ", ".join(sorted(fields))
            raise ConfigError(f"{file}: unknown key {where}.{key} (known: {known})")
        values[key] = _coerce(value, hints[key], f"{where}.{key}", file)
    missing = [
        name
        for name, f in fields.items()
        if name not in values
        and f.default is dataclasses.MISSING
        and f.default_factory is dataclasses.MISSING
    ]
    if missing:
        raise ConfigError(f"{file}: {where}.{missing[0]} is required")
    return cls(**values)


def _coerce(value: Any, hint: Any, key: str, file: Path) -> Any:
    """Check one TOML value against a field's type hint; convert str->Path, list->tuple."""
    args = typing.get_args(hint)
    if isinstance(hint, types.UnionType) or typing.get_origin(hint) is typing.Union:
        inner = [a for a in args if a is not type(None)]
        return _coerce(value, inner[0], key, file)
    origin = typing.get_origin(hint)
    if origin is tuple:
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise ConfigError(f"{file}: {key} must be a list of strings, got {value!r}")
        return tuple(value)
    expected: dict[Any, tuple[type, ...]] = {
        str: (str,),
        Path: (str,),
        bool: (bool,),
        int: (int,),
        float: (int, float),
    }
    allowed = expected.get(hint)
    if allowed is None:
        raise ConfigError(f"{file}: {key} has an unsupported type")
    # bool is an int subclass in Python: "timeout = true" must not pass as 1.
    if not isinstance(value, allowed) or (hint is not bool and isinstance(value, bool)):
        name = {str: "a string", Path: "a path string", bool: "true or false",
                int: "an integer", float: "a number"}[hint]
        raise ConfigError(f"{file}: {key} must be {name}, got {value!r}")
    if hint is Path:
        return Path(str(value))
    if hint is float:
        assert isinstance(value, int | float)
        return float(value)
    return value
