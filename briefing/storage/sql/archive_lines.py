"""The archive's rendered index lines, kept between updates (table ``archive_lines``).

Derived data only, like the search index: the lines of the archive's index
pages (``briefing.archive.index_pages``), per output folder, in parts (one per
month of briefs, so an update rewrites one), each under the stamp of the
template that made it. Losing them costs one rendering of every line.
"""

from __future__ import annotations

from collections.abc import Mapping

from briefing.storage.sql.database import Database


class SqlArchiveLines:
    def __init__(self, db: Database) -> None:
        self.db = db

    def load(self, archive: str, stamp: str) -> dict[str, str]:
        rows = self.db.query(
            "SELECT part, lines FROM archive_lines WHERE archive = ? AND stamp = ?",
            (archive, stamp),
        )
        return {row["part"]: row["lines"] for row in rows}

    def save(
        self, archive: str, stamp: str, parts: Mapping[str, str | None], *,
        replace_all: bool = False,
    ) -> None:
        with self.db.transaction(durable=False):
            if replace_all:
                self.db.execute("DELETE FROM archive_lines WHERE archive = ?", (archive,))
            else:  # parts of another template are never used again
                self.db.execute("DELETE FROM archive_lines WHERE archive = ? AND stamp <> ?",
                                (archive, stamp))
            gone = [(archive, part) for part, lines in parts.items() if lines is None]
            self.db.executemany("DELETE FROM archive_lines WHERE archive = ? AND part = ?",
                                gone)
            self.db.executemany(
                "INSERT INTO archive_lines (archive, part, stamp, lines) VALUES (?, ?, ?, ?)"
                " ON CONFLICT (archive, part) DO UPDATE SET stamp = excluded.stamp,"
                " lines = excluded.lines",
                [(archive, part, stamp, lines) for part, lines in parts.items()
                 if lines is not None],
            )
