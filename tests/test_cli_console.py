"""The CLI loads rich only when it prints on stderr (briefing.cli_console)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import datetime
from pathlib import Path

from archive.briefs import PORT_STORY, brief_document

ROOT = Path(__file__).resolve().parents[1]
RUN = """
import sys
from briefing.cli import main
code = main(sys.argv[1:])
print("rich loaded:", any(name == "rich" or name.startswith("rich.") for name in sys.modules))
raise SystemExit(code)
"""


def _run(tmp_path: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    environ = {key: value for key, value in os.environ.items()
               if key not in ("FORCE_COLOR", "TTY_COMPATIBLE", "BRIEFING_CONFIG")}
    environ.update(env, PYTHONPATH=str(ROOT), COLUMNS="200")
    return subprocess.run([sys.executable, "-c", RUN, *args], cwd=tmp_path, env=environ,
                          capture_output=True, text=True, timeout=120)


def _archive(tmp_path: Path) -> Path:
    out = tmp_path / "out"
    moment = datetime.fromisoformat("2026-11-20T07:00:00+00:00")
    for day, extra in (("2026-11-20", {}), ("2026-11-21", {"coverage": 7})):
        folder = out / "default" / day
        folder.mkdir(parents=True)
        document = {**brief_document("default", moment, "Morning Brief", [PORT_STORY]), **extra}
        (folder / "brief.json").write_text(json.dumps(document), encoding="utf-8")
    return out


def test_a_quiet_listing_never_loads_rich(tmp_path: Path) -> None:
    out = _archive(tmp_path)
    (out / "default" / "2026-11-21" / "brief.json").unlink()  # nothing to warn about
    done = _run(tmp_path, "archive", "list", "--out", str(out))
    assert done.returncode == 0, done.stderr
    assert "default/2026-11-20" in done.stdout and "rich loaded: False" in done.stdout
    assert done.stderr == ""


def test_warnings_and_errors_still_reach_stderr(tmp_path: Path) -> None:
    out = _archive(tmp_path)
    piped = _run(tmp_path, "archive", "list", "--out", str(out))
    assert piped.returncode == 0
    assert "WARNING: archive: skipping" in piped.stderr and "coverage" in piped.stderr
    assert "rich loaded: False" in piped.stdout

    # A terminal (as rich is told by FORCE_COLOR): rich's handler, made for the record.
    forced = _run(tmp_path, "archive", "list", "--out", str(out), FORCE_COLOR="1")
    assert "archive: skipping" in forced.stderr and "WARNING: archive" not in forced.stderr
    assert "rich loaded: True" in forced.stdout

    failed = _run(tmp_path, "archive", "open", "1999-01-01", "--out", str(out))
    assert failed.returncode == 1
    assert "error: 1999-01-01: no such brief in" in failed.stderr
