"""Where the bundled templates, prompts, schema and example articles live.

In a wheel they sit inside the package (``briefing/_data/...``, see the
force-include table in pyproject.toml). In a source checkout or an editable
install they are the top-level folders of the repository. Both are tried, in
that order, so the same code works from a clone and from ``pip install .``.
"""

from __future__ import annotations

from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
SCHEMA_PATH = PACKAGE_DIR / "schemas" / "brief.schema.json"


def bundled_dir(name: str) -> Path:
    """The bundled folder ``name`` ("templates", "prompts", "examples/articles")."""
    for candidate in (PACKAGE_DIR / "_data" / name, PACKAGE_DIR.parent / name):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(f"bundled folder {name!r} is missing from the briefing installation")


def templates_dir() -> Path:
    return bundled_dir("templates")


def prompts_dir() -> Path:
    return bundled_dir("prompts")


def examples_dir() -> Path:
    return bundled_dir("examples/articles")
