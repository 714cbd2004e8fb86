"""Importing WeasyPrint without its start-up taxes: the library search, the rare parts.

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

WeasyPrint also imports two parts of fontTools it needs only on rare paths:
``fontTools.subset``, its fallback when HarfBuzz cannot subset a font, and
``fontTools.varLib.instancer``, for variable fonts. Together with what they pull
in (``varLib``, the OpenType table classes) they are about a tenth of a second
of every build. While WeasyPrint is imported they are stand-ins that load the
real module on first use, through the ordinary (thread-safe) import; an import
that trips over a stand-in is retried without them.
"""

from __future__ import annotations

import ctypes.util
import importlib
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from types import ModuleType
from typing import Any

__all__ = ["import_weasyprint"]

#: "\tlibgobject-2.0.so.0 (libc6,x86-64) => /lib/x86_64-linux-gnu/libgobject-2.0.so.0"
_CACHE_LINE = re.compile(r"^\s*(?P<soname>lib(?P<name>\S+?)\.so\S*)\s+\(")


def import_weasyprint() -> ModuleType:
    """The ``weasyprint`` module, imported once."""
    if "weasyprint" in sys.modules:
        return sys.modules["weasyprint"]
    sonames = _loader_cache() if sys.platform.startswith("linux") else {}
    try:
        with _find_library_from(sonames) if sonames else nullcontext(), _rare_parts_deferred():
            weasyprint = importlib.import_module("weasyprint")
    except (OSError, ImportError):
        for name in [m for m in sys.modules if m == "weasyprint" or m.startswith("weasyprint.")]:
            del sys.modules[name]
        weasyprint = importlib.import_module("weasyprint")
    _parse_c_types_together(sys.modules.get("weasyprint.text.ffi"))
    return weasyprint


#: The C types WeasyPrint's text layout and font embedding ask cffi for in every PDF.
_C_TYPES_OF_EVERY_PDF = (
    "PangoFcFontMap *", "PangoRectangle *", "PangoLogAttr[]", "char[]", "char[4]",
    "unsigned int *", "hb_tag_t[100]", "hb_codepoint_t[11]", "FcChar8 **", "FcResult *",
)


def _parse_c_types_together(ffi_module: ModuleType | None) -> None:
    """Parse the C types every PDF needs in one pass of cffi's parser rather than one each.

    cffi parses each new type string on its own, re-reading every typedef WeasyPrint
    declared first: about 7 ms a type, 70 ms before the first PDF. One declaration
    listing them all costs what one type did. This reaches into cffi's parser as its
    own ``typeof`` does; should a cffi release change those internals, nothing is
    parsed ahead and each type is parsed on first use, as before.
    """
    ffi: Any = getattr(ffi_module, "ffi", None)
    if ffi is None:
        return
    try:
        parser, parsed = ffi._parser, ffi._parsed_types
        wanted = [cdecl for cdecl in _C_TYPES_OF_EVERY_PDF if cdecl not in parsed]
        if not wanted:
            return
        with ffi._lock:
            # What cffi's parse_type does for one type, for all of them at once.
            declaration = ",\n".join(wanted)
            tree = parser._parse(f"void __dummy(\n{declaration}\n);")[0]
            declared = tree.ext[-1].type.args.params
            for cdecl, parameter in zip(wanted, declared, strict=True):
                c_type = parser._get_type_and_quals(parameter.type)[0]
                is_function = c_type.is_raw_function
                if is_function:
                    c_type = c_type.as_function_pointer()
                parsed[cdecl] = (ffi._get_cached_btype(c_type), is_function)
    except Exception:  # an optimisation only: cffi parses each type on first use instead
        return


class _Deferred(ModuleType):
    """Stands in for a module WeasyPrint imports but seldom uses; the first use loads it."""

    def __init__(self, name: str, **by_name: Any) -> None:
        super().__init__(name)
        vars(self).update(by_name)  # what is imported by name must be there at once

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__"):  # the import system's own questions (__spec__, __path__)
            raise AttributeError(name)
        if sys.modules.get(self.__name__) is self:
            # Used while WeasyPrint is still being imported: this WeasyPrint needs the
            # module at once, so the import is retried without stand-ins.
            raise ImportError(f"{self.__name__} is needed while WeasyPrint is imported")
        return getattr(importlib.import_module(self.__name__), name)


def _instantiate_variable_font(*args: Any, **kwargs: Any) -> Any:
    from fontTools.varLib.instancer import instantiateVariableFont

    return instantiateVariableFont(*args, **kwargs)


@contextmanager
def _rare_parts_deferred() -> Iterator[None]:
    """Stand-ins for ``fontTools.subset`` and ``fontTools.varLib.instancer`` in ``sys.modules``
    while WeasyPrint is imported; afterwards a real import loads the real modules."""
    stand_ins = {
        "fontTools.subset": _Deferred("fontTools.subset"),
        # WeasyPrint takes this one by name ("from ... import instantiateVariableFont").
        "fontTools.varLib.instancer": _Deferred(
            "fontTools.varLib.instancer", instantiateVariableFont=_instantiate_variable_font),
    }
    if any(name in sys.modules for name in stand_ins):
        yield
        return
    sys.modules.update(stand_ins)
    try:
        yield
    finally:
        for name, stand_in in stand_ins.items():
            if sys.modules.get(name) is stand_in:
                del sys.modules[name]


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
