"""Importing WeasyPrint without its library-search tax.

WeasyPrint opens Pango, HarfBuzz, fontconfig and GObject through cffi, trying
several names for each ("libgobject-2.0-0", "gobject-2.0-0", "gobject-2.0",
...). cffi hands every name it cannot open directly to
``ctypes.util.find_library``, which on Linux runs ``ldconfig -p`` and then
``gcc`` and ``ld`` for every name it does not find: about twenty programs, over
a third of a second of CPU, before a one-article brief can be laid out
(Kozea/WeasyPrint#1125).

While WeasyPrint is imported, ``find_library`` answers from one reading of the
dynamic loader's cache instead: the soname when the cache lists the library,
else nothing, at once. The loader resolves a soname itself, for the right
architecture. Should that fail to find a library WeasyPrint needs (a system
without ``ldconfig``'s cache, a library in ``LD_LIBRARY_PATH`` only), the import
is retried with the thorough search, so the shortcut can cost time but never a
working PDF.
"""

from __future__ import annotations

import ctypes.util
import importlib
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from types import ModuleType

__all__ = ["import_weasyprint"]

#: "\tlibgobject-2.0.so.0 (libc6,x86-64) => /lib/x86_64-linux-gnu/libgobject-2.0.so.0"
_CACHE_LINE = re.compile(r"^\s*(?P<soname>lib(?P<name>\S+?)\.so\S*)\s+\(")


def import_weasyprint() -> ModuleType:
    """The ``weasyprint`` module, imported once."""
    if "weasyprint" in sys.modules:
        return sys.modules["weasyprint"]
    sonames = _loader_cache() if sys.platform.startswith("linux") else {}
    if not sonames:
        return importlib.import_module("weasyprint")
    try:
        with _find_library_from(sonames):
            return importlib.import_module("weasyprint")
    except OSError:
        for name in [m for m in sys.modules if m == "weasyprint" or m.startswith("weasyprint.")]:
            del sys.modules[name]
        return importlib.import_module("weasyprint")


def _loader_cache() -> dict[str, str]:
    """Library name ("gobject-2.0") -> soname ("libgobject-2.0.so.0"), from ``ldconfig -p``."""
    ldconfig = shutil.which("ldconfig") or next(
        (path for path in ("/sbin/ldconfig", "/usr/sbin/ldconfig") if shutil.which(path)), None)
    if ldconfig is None:
        return {}
    try:
        listing = subprocess.run([ldconfig, "-p"], capture_output=True, text=True, timeout=10,
                                 env={"LC_ALL": "C", "LANG": "C"}, check=False).stdout
    except (OSError, subprocess.SubprocessError):
        return {}
    sonames: dict[str, str] = {}
    for line in listing.splitlines():
        match = _CACHE_LINE.match(line)
        if match:
            sonames.setdefault(match["name"], match["soname"])
    return sonames


@contextmanager
def _find_library_from(sonames: dict[str, str]) -> Iterator[None]:
    thorough = ctypes.util.find_library

    def from_cache(name: str) -> str | None:
        return sonames.get(name)

    ctypes.util.find_library = from_cache
    try:
        yield
    finally:
        ctypes.util.find_library = thorough
