"""Writing the archive's derived files: atomically, and only when they change.

An update rewrites the shared files (index pages, feed, search parts) from the
catalog; most of them come out as they were. Leaving those alone spares a
rename and an fsync each, and keeps their mtimes, which the catalog and
browsers' caches go by.
"""

from __future__ import annotations

import os
from pathlib import Path

from briefing.fsutil import write_atomic


def write_if_changed(path: Path, data: str | bytes) -> bool:
    """Write ``data`` to ``path`` unless it holds exactly that; returns whether it wrote."""
    payload = data.encode("utf-8") if isinstance(data, str) else data
    try:
        if os.path.getsize(path) == len(payload) and path.read_bytes() == payload:
            return False
    except OSError:
        pass
    write_atomic(path, payload)
    return True


def file_signature(path: Path) -> str | None:
    """``"<mtime_ns>-<size>"`` of ``path``; None when it is missing."""
    try:
        stat = os.stat(path)
    except OSError:
        return None
    return f"{stat.st_mtime_ns}-{stat.st_size}"
