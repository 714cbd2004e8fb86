"""One owner per table: no SQL, and no database driver, outside ``briefing/storage/``."""

from __future__ import annotations

import re
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[2] / "briefing"
STORAGE = PACKAGE / "storage"

SQL = re.compile(
    r"\bSELECT\b[^\n]*\bFROM\b|\bINSERT\s+(OR\s+\w+\s+)?INTO\b|\bUPDATE\s+\w+\s+SET\b"
    r"|\bDELETE\s+FROM\b|\b(CREATE|DROP|ALTER)\s+(VIRTUAL\s+)?(TABLE|INDEX|SCHEMA)\b"
    r"|\bPRAGMA\b|\bBEGIN\s+IMMEDIATE\b|\bFOR\s+UPDATE\b|\bON\s+CONFLICT\b"
)
DRIVER = re.compile(r"^\s*(import|from)\s+(sqlite3|psycopg)\b|\.execute(many)?\(|\.cursor\(",
                    re.MULTILINE)


def offences() -> list[str]:
    found: list[str] = []
    for path in sorted(PACKAGE.rglob("*.py")):
        if STORAGE in path.parents:
            continue
        text = path.read_text(encoding="utf-8")
        for pattern in (SQL, DRIVER):
            for match in pattern.finditer(text):
                line = text.count("\n", 0, match.start()) + 1
                found.append(f"{path.relative_to(PACKAGE.parent)}:{line}: {match.group(0)!r}")
    return found


def test_no_sql_outside_the_storage_package() -> None:
    assert offences() == []


def test_the_check_would_see_sql(tmp_path: Path) -> None:
    """The patterns catch what they are for (so the test above can fail)."""
    samples = [
        'db.execute("SELECT id FROM articles WHERE id = ?")',
        '"INSERT OR IGNORE INTO outbox (brief_id) VALUES (?)"',
        '"UPDATE digests SET state = ?"', '"DELETE FROM archive_fts"',
        '"CREATE TABLE x (id INTEGER)"', "import sqlite3", "    import psycopg",
        '"SELECT id FROM outbox LIMIT 1 FOR UPDATE SKIP LOCKED"',
    ]
    for sample in samples:
        assert SQL.search(sample) or DRIVER.search(sample), sample
    for prose in ('"""Bring the archive up to date; select a profile from the list."""',
                  "# the update sets the state", "store.outbox.claim_next(brief_id)"):
        assert not (SQL.search(prose) or DRIVER.search(prose)), prose
