"""WeasyPrint imported without its library search (briefing.render.weasy).

Each check runs in a fresh interpreter: WeasyPrint can be imported only once
per process, and the test process has usually imported it already.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import textwrap

import pytest

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"),
                                reason="the loader-cache shortcut is Linux only")


def _run(code: str) -> str:
    result = subprocess.run([sys.executable, "-c", textwrap.dedent(code)], capture_output=True,
                            text=True, timeout=120, check=False)
    assert result.returncode == 0, result.stderr
    return result.stdout


@pytest.mark.skipif(not (shutil.which("ldconfig") or shutil.which("/sbin/ldconfig")),
                    reason="no ldconfig on this machine: the shortcut is not taken")
def test_the_loader_cache_names_the_libraries_weasyprint_opens() -> None:
    out = _run("""
        from briefing.render import weasy
        cache = weasy._loader_cache()
        print(cache.get("pango-1.0"), cache.get("gobject-2.0"))
    """)
    assert out.split() == ["libpango-1.0.so.0", "libgobject-2.0.so.0"]


def test_weasyprint_imported_the_short_way_renders_and_find_library_is_restored() -> None:
    out = _run("""
        import ctypes.util
        thorough = ctypes.util.find_library
        from briefing.render.weasy import import_weasyprint
        weasyprint = import_weasyprint()
        assert ctypes.util.find_library is thorough
        print(weasyprint.HTML(string="<p>Hello</p>").write_pdf()[:5].decode())
    """)
    assert out.strip() == "%PDF-"


def test_a_loader_cache_without_the_libraries_still_gives_a_working_weasyprint() -> None:
    out = _run("""
        from briefing.render import weasy
        weasy._loader_cache = lambda: {"nothing-here": "libnothing-here.so.9"}
        weasyprint = weasy.import_weasyprint()
        print(weasyprint.HTML(string="<p>Hello</p>").write_pdf()[:5].decode())
    """)
    assert out.strip() == "%PDF-"


def test_an_import_that_fails_the_short_way_is_retried_the_thorough_way() -> None:
    out = _run("""
        import ctypes.util, importlib, sys
        thorough = ctypes.util.find_library
        from briefing.render import weasy
        real_import = importlib.import_module
        calls = []

        def failing_once(name):
            if name != "weasyprint":
                return real_import(name)
            calls.append(ctypes.util.find_library is thorough)
            if len(calls) == 1:
                real_import("weasyprint.urls")  # half imported, then a library is missing
                raise OSError("cannot load library 'libpango-1.0-0'")
            return real_import(name)

        weasy.importlib.import_module = failing_once
        weasyprint = weasy.import_weasyprint()
        assert ctypes.util.find_library is thorough
        print(calls, weasyprint.HTML(string="<p>Hello</p>").write_pdf()[:5].decode())
    """)
    assert out.split() == ["[False,", "True]", "%PDF-"], out


def test_fonttools_rare_parts_load_only_when_weasyprint_uses_them() -> None:
    out = _run("""
        import sys
        from briefing.render.weasy import import_weasyprint
        weasyprint = import_weasyprint()
        from weasyprint.pdf import fonts
        deferred = ("fontTools.subset", "fontTools.varLib", "fontTools.varLib.instancer")
        print("loaded-at-import", [name for name in deferred if name in sys.modules])
        weasyprint.HTML(string="<p>Plain <b>bold</b> <i>italic</i></p>").write_pdf()
        print("loaded-after-a-pdf", [name for name in deferred if name in sys.modules])

        # The fallback subsetter, as on a system without HarfBuzz's: through the
        # stand-in, the real fontTools.subset does the work.
        fonts.harfbuzz_subset = None
        pdf = weasyprint.HTML(string="<p>Subset by fontTools</p>").write_pdf()
        loaded = "fontTools.subset" in sys.modules
        import fontTools.subset
        print("real-subset", loaded, fonts.subset.Subsetter is fontTools.subset.Subsetter,
              pdf[:5].decode())

        # Variable fonts: the stand-in hands the call to the real instancer.
        from fontTools.ttLib import TTFont
        from fontTools.varLib import instancer
        font = TTFont("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")
        for call in (fonts.instantiateVariableFont, instancer.instantiateVariableFont):
            try:
                call(font, {"wght": 700})
            except Exception as error:
                print("instancer", type(error).__name__, error)
    """)
    lines = out.splitlines()
    assert lines[0] == "loaded-at-import []"
    assert lines[1] == "loaded-after-a-pdf []"
    assert lines[2] == "real-subset True True %PDF-"
    # Both calls reached the real function and failed the same way on a static font.
    assert lines[3].startswith("instancer ") and lines[3] == lines[4], out


def test_a_weasyprint_that_needs_a_rare_part_at_import_gets_the_real_module() -> None:
    out = _run("""
        import importlib, sys
        from briefing.render import weasy
        real_import = importlib.import_module
        calls = []

        def using_subset_at_import(name):
            if name == "weasyprint":
                stand_in = sys.modules.get("fontTools.subset")
                calls.append(type(stand_in).__name__)
                if stand_in is not None:
                    stand_in.Options  # what a WeasyPrint needing it at import would do
            return real_import(name)

        weasy.importlib.import_module = using_subset_at_import
        weasyprint = weasy.import_weasyprint()
        from weasyprint.pdf import fonts
        pdf = weasyprint.HTML(string="<p>Hi</p>").write_pdf()
        print(calls, type(fonts.subset).__name__, pdf[:5].decode())
    """)
    assert out.split() == ["['_Deferred',", "'NoneType']", "module", "%PDF-"], out


def test_the_c_types_of_every_pdf_are_parsed_at_import_exactly_as_cffi_would() -> None:
    out = _run("""
        from briefing.render import weasy
        weasyprint = weasy.import_weasyprint()
        from weasyprint.text.ffi import ffi
        wanted = weasy._C_TYPES_OF_EVERY_PDF
        print("parsed", all(cdecl in ffi._parsed_types for cdecl in wanted))
        # Parsed again one at a time, the cffi way: the very same C types.
        ahead = {cdecl: ffi._parsed_types.pop(cdecl) for cdecl in wanted}
        print("same", all(ffi.typeof(cdecl) is ahead[cdecl][0] for cdecl in wanted))
        print(weasyprint.HTML(string="<p>Hello <b>there</b></p>").write_pdf()[:5].decode())
    """)
    assert out.split() == ["parsed", "True", "same", "True", "%PDF-"], out


def test_a_cffi_without_the_expected_internals_only_loses_the_head_start() -> None:
    from types import ModuleType, SimpleNamespace

    from briefing.render import weasy

    weasy._parse_c_types_together(None)
    changed = ModuleType("weasyprint.text.ffi")
    changed.ffi = SimpleNamespace(_parsed_types={})  # type: ignore[attr-defined]
    weasy._parse_c_types_together(changed)  # no _parser: nothing parsed, nothing raised
    assert changed.ffi._parsed_types == {}  # type: ignore[attr-defined]
