"""What a command loads: the heavy libraries only where they are needed (issue 15).

Each command runs in a fresh interpreter that reports, on exit, which of the
heavy libraries it imported. A one-article extractive build of plain ASCII text
needs WeasyPrint and Jinja2, nothing for grouping, the LLM, mojibake repair or
schema checks; ``briefing --help`` needs none of them.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
HEAVY = ("numpy", "scipy", "datasketch", "wordfreq", "openai", "jsonschema", "ftfy", "httpx",
         "feedparser", "trafilatura", "rich", "weasyprint", "jinja2")
RUN = f"""
import json, sys
from briefing.cli import main
try:
    code = main(sys.argv[1:])
except SystemExit as stop:
    code = stop.code
loaded = sorted(name for name in {HEAVY!r} if name in sys.modules)
print("LOADED", json.dumps(loaded))
raise SystemExit(code)
"""
ARTICLE = """# Harbour cranes return to work after the storm

By Staff Reporter

The port authority said on Monday that all twelve cranes at the east harbour
were back in service after inspections found no structural damage from the
weekend storm. Shipping lines had diverted four vessels to other ports while
the checks were carried out.
"""


def _loaded(tmp_path: Path, *args: str) -> tuple[subprocess.CompletedProcess[str], set[str]]:
    # Without the suite's schema check of every brief written (conftest), as users run it.
    environ = {key: value for key, value in os.environ.items()
               if key not in ("BRIEFING_CONFIG", "BRIEFING_CHECK_WRITES")}
    environ["PYTHONPATH"] = str(ROOT)
    run = subprocess.run([sys.executable, "-c", RUN, *args], cwd=tmp_path, env=environ,
                         capture_output=True, text=True, timeout=180)
    line = next((line for line in run.stdout.splitlines() if line.startswith("LOADED ")), None)
    assert line is not None, run.stderr
    return run, set(json.loads(line.removeprefix("LOADED ")))


def test_help_loads_no_heavy_library(tmp_path: Path) -> None:
    run, loaded = _loaded(tmp_path, "--help")
    assert run.returncode == 0, run.stderr
    assert "build" in run.stdout
    assert loaded == set()


def test_one_article_build_loads_only_what_it_renders_with(tmp_path: Path) -> None:
    articles = tmp_path / "articles"
    articles.mkdir()
    (articles / "cranes.md").write_text(ARTICLE, encoding="ascii")
    run, loaded = _loaded(tmp_path, "build", "--source", str(articles), "--engine", "extractive",
                          "-q", "--out", str(tmp_path / "out"))
    assert run.returncode == 0, run.stderr
    assert list((tmp_path / "out").glob("*/*/brief.pdf")), "no brief was written"
    assert loaded == {"weasyprint", "jinja2"}
