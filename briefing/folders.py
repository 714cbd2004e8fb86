"""A brief's folder: named once, written as one set, published with one rename.

Every brief has a folder of its own, ``<out>/<profile>/<slug>/``, where the slug
is its local date, then ``-2``, ``-3``... for later briefs of the profile that
day. A folder is never written twice::

    store: reserve        pending brief: an id and a free folder name
    render                every file into <out>/<profile>/.tmp-<id>-<random>/
    store: fill           the brief's content and the articles it used (still pending)
    rename                .tmp-<id>-<random>/  ->  <slug>/        (one atomic step)
    store: publish        published: it now counts for the archive, sending, memory

A kill at any moment leaves either the earlier state or the whole new brief:
before the rename the new brief is only a pending row and a temporary folder,
which ``recover`` removes; after it, the folder is complete and ``recover``
publishes the pending row. ``recover`` runs at the start of every build and
archive update, and only touches what no live process holds.
"""

from __future__ import annotations

import logging
import os
import re
import secrets
import shutil
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TypeVar

from briefing.brief import Brief, BriefFormatError, brief_to_dict, read_brief_json
from briefing.claims import DEFAULT_WORKER_LEASE, Liveness, make_owner
from briefing.storage import Storage

logger = logging.getLogger(__name__)

#: Temporary folders start with a dot: ``briefing serve`` and the archive never show them.
TEMP_PREFIX = ".tmp-"
_TEMP_NAME = re.compile(r"\.tmp-(\d+)-[0-9a-f]+")
#: A pending brief whose owner is not known to be dead is left alone this long.
PENDING_LEASE = timedelta(hours=1)

Rendered = TypeVar("Rendered")


@dataclass(frozen=True)
class PublishedBrief:
    """A brief in its folder, with its id and slug set, and what rendering returned."""

    brief: Brief
    folder: Path


def profile_dir(out_root: Path, profile: str) -> Path:
    return out_root / safe_segment(profile)


def safe_segment(name: str) -> str:
    """A profile name as a single, harmless path segment."""
    cleaned = "".join(ch if ch.isalnum() or ch in "-_." else "-" for ch in name).strip(".")
    return cleaned or "default"


def publish_brief(
    store: Storage,
    brief: Brief,
    *,
    out_root: Path,
    render: Callable[[Brief, Path], Rendered],
    article_ids: Sequence[int],
    story_keys: Sequence[tuple[str, int]],
    now: datetime | None = None,
    owner: str | None = None,
    worker_lease: timedelta = DEFAULT_WORKER_LEASE,
) -> tuple[PublishedBrief, Rendered]:
    """Give ``brief`` an id and a folder, render it there as one set, and record it.

    ``render(brief, folder)`` writes every file of the brief into ``folder`` (a
    temporary folder) and returns whatever it likes, handed back here. On any
    error nothing of the new brief remains, and the error propagates. ``owner``
    names the pending brief's claim (a scheduler worker passes its own, so the
    brief is settled one ``worker_lease`` after the worker dies).
    """
    now = now or datetime.now(UTC)
    parent = profile_dir(out_root, brief.profile)
    parent.mkdir(parents=True, exist_ok=True)
    cleanup_temporary(store, parent, now, worker_lease)
    record = store.briefs.reserve(
        profile=brief.profile, local_date=brief.local_date, profile_dir=parent,
        owner=owner or make_owner(), now=now, folder_taken=_exists,
    )
    brief = replace(brief, id=record.id, slug=record.slug)
    temporary = parent / f"{TEMP_PREFIX}{record.id}-{secrets.token_hex(4)}"
    moved = False
    try:
        temporary.mkdir()
        rendered = render(brief, temporary)
        store.briefs.fill(brief, brief_to_dict(brief), article_ids=article_ids,
                         story_keys=story_keys)
        _fsync_dir(temporary)
        os.rename(temporary, record.folder)  # the one step that makes the brief exist
        moved = True
        _fsync_dir(parent)
    except BaseException:
        if not moved:
            shutil.rmtree(temporary, ignore_errors=True)
            _forget(store, record.id)
            raise
    store.briefs.publish(record.id)
    logger.info("brief %d published in %s", record.id, record.folder)
    return PublishedBrief(brief=brief, folder=record.folder), rendered


def recover(
    store: Storage, now: datetime | None = None, worker_lease: timedelta = DEFAULT_WORKER_LEASE
) -> list[int]:
    """Settle pending briefs whose owner is gone; returns the ids published.

    A pending brief whose folder holds its own complete brief.json was renamed
    into place before its owner died: it is published. Any other is discarded
    (its temporary folder, if any, is removed).
    """
    now = now or datetime.now(UTC)
    published: list[int] = []
    pending = store.briefs.pending()
    liveness = Liveness.of(store, worker_lease) if pending else Liveness()
    for record in pending:
        if liveness.alive(record.claimed_by, record.claimed_at, now, PENDING_LEASE):
            continue
        if _holds_brief(record.folder, record.id):
            store.briefs.publish(record.id)
            published.append(record.id)
            logger.warning("brief %d: its build was interrupted after its files were in "
                           "place; published", record.id)
            continue
        _forget(store, record.id)
        for leftover in record.folder.parent.glob(f"{TEMP_PREFIX}{record.id}-*"):
            shutil.rmtree(leftover, ignore_errors=True)
        logger.warning("brief %d: its build was interrupted before its files were in "
                       "place; discarded", record.id)
    return published


def cleanup_temporary(
    store: Storage, parent: Path, now: datetime | None = None,
    worker_lease: timedelta = DEFAULT_WORKER_LEASE,
) -> int:
    """Remove temporary folders under ``parent`` that no live build holds; returns how many."""
    now = now or datetime.now(UTC)
    recover(store, now, worker_lease)
    held = {record.id for record in store.briefs.pending()}
    removed = 0
    if not parent.is_dir():
        return 0
    for entry in parent.iterdir():
        if not entry.name.startswith(TEMP_PREFIX):
            continue
        match = _TEMP_NAME.fullmatch(entry.name)
        if match is not None and int(match.group(1)) in held:
            continue
        if entry.is_dir() and not entry.is_symlink():
            shutil.rmtree(entry, ignore_errors=True)
        else:
            entry.unlink(missing_ok=True)
        removed += 1
    return removed


def _holds_brief(folder: Path, brief_id: int) -> bool:
    try:
        return read_brief_json(folder / "brief.json").id == brief_id
    except BriefFormatError:
        return False


def _forget(store: Storage, brief_id: int) -> None:
    try:
        store.briefs.discard(brief_id)
    except Exception as error:  # recover() settles it at the next build
        logger.warning("brief %d: could not discard its pending record: %s", brief_id, error)


def _exists(path: Path) -> bool:
    return path.exists()


def _fsync_dir(folder: Path) -> None:
    """Make a folder's entries durable (a rename is only as durable as its directory)."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass  # some file systems refuse fsync on directories; the rename still happened
    finally:
        os.close(fd)
