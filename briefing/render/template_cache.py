"""Compiled templates kept between runs, as Python keeps its bytecode.

Compiling the dozen templates of a brief (Jinja source to Python code) costs
about a fifth of a second, every build, for templates that rarely change. Jinja's
bytecode cache stores the compiled code under the user's cache folder and reuses
it while the template's source is unchanged (each entry carries a checksum of
its source, so an edited or overriding template is compiled afresh).

The folder is ``$BRIEFING_CACHE_DIR``, else ``$XDG_CACHE_HOME/briefing``, else
``~/.cache/briefing``; an empty ``BRIEFING_CACHE_DIR`` turns the cache off. Its
entries are code the renderer runs, so the folder is used only when it belongs
to this user and nobody else may write to it. A cache never stops a build: when
the folder cannot be made, read or written, templates are compiled as before.
"""

from __future__ import annotations

import contextlib
import os
import pickle
import stat
from functools import cache
from pathlib import Path

import jinja2
from jinja2.bccache import Bucket

__all__ = ["CACHE_DIR_ENV", "cache_dir", "template_bytecode_cache"]

CACHE_DIR_ENV = "BRIEFING_CACHE_DIR"


def cache_dir() -> Path | None:
    """The user's cache folder for briefing, or None when turned off."""
    configured = os.environ.get(CACHE_DIR_ENV)
    if configured is not None:
        return Path(configured).expanduser() if configured.strip() else None
    base = os.environ.get("XDG_CACHE_HOME", "").strip()
    return (Path(base) if base else Path.home() / ".cache") / "briefing"


def template_bytecode_cache() -> jinja2.BytecodeCache | None:
    """The bytecode cache for this process's templates, or None when there is none to use."""
    root = cache_dir()
    if root is None:
        return None
    return _cache_in(str(root / f"templates-jinja{jinja2.__version__}"))


@cache
def _cache_in(folder: str) -> jinja2.BytecodeCache | None:
    try:
        os.makedirs(folder, mode=stat.S_IRWXU, exist_ok=True)
        info = os.lstat(folder)
    except OSError:
        return None
    private = (
        stat.S_ISDIR(info.st_mode)
        and info.st_uid == os.getuid()
        and not info.st_mode & (stat.S_IWGRP | stat.S_IWOTH)
    )
    return _QuietCache(folder) if private else None


class _QuietCache(jinja2.FileSystemBytecodeCache):
    """A bytecode cache whose read and write failures cost a compile, never a build."""

    def load_bytecode(self, bucket: Bucket) -> None:
        try:
            super().load_bytecode(bucket)
        except (OSError, EOFError, ValueError, TypeError, pickle.UnpicklingError):
            bucket.reset()  # unreadable or truncated: compiled again, and rewritten

    def dump_bytecode(self, bucket: Bucket) -> None:
        # A full disk or a read-only home: the next run compiles again.
        with contextlib.suppress(OSError):
            super().dump_bytecode(bucket)
