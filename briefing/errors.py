"""Errors raised by briefing.

::

    BriefingError                 anything this package raises on purpose
    ├── ConfigError               briefing.toml is unreadable or invalid (names file and key)
    ├── SourceError               a source path or URL cannot be used (names it)
    │   └── NoArticlesError       the sources held no usable article
    │       └── NothingNewError   every article was briefed before, or the profile took none
    ├── StoreError                the store (SQLite or PostgreSQL) cannot be opened or written
    ├── TemplateError             a report or prompt template is missing or incomplete
    ├── RenderError               an output could not be produced
    ├── SummarizerError           a summarizer failed for a whole run
    └── ScheduleError             ``briefing schedule`` cannot run (its lock file is unusable)
        └── LockHeldError         another scheduler holds the store's lock (names it and its pid)

Foreign exceptions (sqlite3, psycopg, jinja2, WeasyPrint, OSError) are wrapped where they
enter, with ``raise ... from``, so callers only ever catch ``BriefingError``.
Every message is one line that a user can act on, and names no credential:
``str()`` of any of these passes the message through ``briefing.redact``, so a
``user:password@`` or ``?token=`` in a URL never reaches a terminal, a log or
the store.
"""

from __future__ import annotations

from briefing.redact import redact_text


class BriefingError(Exception):
    """Base class for every error briefing raises on purpose."""

    def __str__(self) -> str:
        return redact_text(super().__str__())


class ConfigError(BriefingError):
    """The configuration file or a value in it is invalid."""


class SourceError(BriefingError):
    """A source (file, folder or URL) cannot be used."""


class NoArticlesError(SourceError):
    """The given sources held no usable article."""


class NothingNewError(NoArticlesError):
    """Articles were read, but none is left to brief: earlier briefs of the profile
    covered them all (and nothing changed), or the profile's filters took none.
    ``briefing build`` says so and exits 0; the scheduler records the day as skipped."""


class StoreError(BriefingError):
    """The store (SQLite or PostgreSQL) cannot be opened, migrated or written."""


class TemplateError(BriefingError):
    """A report or prompt template is missing, broken or lacks a variable."""


class RenderError(BriefingError):
    """An output file could not be produced."""


class SummarizerError(BriefingError):
    """A summarizer cannot run at all (bad settings); per-story failures are values."""


class ScheduleError(BriefingError):
    """The scheduler cannot run: the store's lock cannot be opened, or another holds it."""


class LockHeldError(ScheduleError):
    """Another scheduler (named by its pid) holds the store's scheduler lock."""


def one_line(error: BaseException) -> str:
    """An error as one line for a log or a record: ours are written to be read; others
    get their type."""
    text = redact_text(" ".join(str(error).split()))
    if isinstance(error, BriefingError) and text:
        return text
    return f"{type(error).__name__}: {text}" if text else type(error).__name__
