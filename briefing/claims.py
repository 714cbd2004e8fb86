"""Who holds a claimed row (an outbox message, a day's digest, a pending brief), and
whether it still may.

A claim names its owner as ``host/pid/random``. Whether the owner may still be
working on it:

* the owner's pid is gone on this very host: no (recovered at once);
* the owner is a registered worker (a ``briefing schedule`` process, which beats
  in the store's ``workers`` table): yes while its last heartbeat is younger than
  the worker lease, on any host -- so a worker that dies anywhere releases what it
  held one lease later;
* any other owner (a one-off command on another host, or a pid that exists and may
  have been reused): yes until the claim's own lease runs out.

Light on purpose: the scheduler's lock and plan import it without pulling in the
renderers.
"""

from __future__ import annotations

import os
import socket
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from briefing.storage import Storage

#: How long a worker may go without a heartbeat before it counts as dead.
DEFAULT_WORKER_LEASE = timedelta(seconds=60)


def make_owner() -> str:
    """A fresh owner name for this process: ``host/pid/random``."""
    return f"{socket.gethostname()}/{os.getpid()}/{uuid.uuid4().hex[:12]}"


def pid_gone(owner: str | None) -> bool:
    """True when ``owner`` names a process on this host that no longer exists."""
    host, _, rest = (owner or "").partition("/")
    pid_text = rest.partition("/")[0]
    if host != socket.gethostname() or not pid_text.isdigit():
        return False
    try:
        os.kill(int(pid_text), 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False  # exists, someone else's
    return False


@dataclass(frozen=True)
class Liveness:
    """What is known about the processes holding claims: the workers' heartbeats."""

    heartbeats: Mapping[str, datetime] = field(default_factory=dict)
    worker_lease: timedelta = DEFAULT_WORKER_LEASE

    @classmethod
    def of(cls, store: Storage, worker_lease: timedelta = DEFAULT_WORKER_LEASE) -> Liveness:
        """The heartbeats recorded in ``store`` now."""
        return cls({w.owner: w.heartbeat_at for w in store.workers.all()}, worker_lease)

    def alive(
        self, owner: str | None, claimed_at: datetime | None, now: datetime, lease: timedelta
    ) -> bool:
        """Whether the process that claimed a row at ``claimed_at`` may still be on it."""
        if not owner or pid_gone(owner):
            return False
        beat = self.heartbeats.get(owner)
        if beat is not None:
            return now - beat < self.worker_lease
        if claimed_at is None:
            return False
        return now - claimed_at < lease


def owner_alive(
    owner: str | None, claimed_at: datetime | None, now: datetime, lease: timedelta
) -> bool:
    """``Liveness().alive``: for a claim whose owner is not a registered worker."""
    return Liveness().alive(owner, claimed_at, now, lease)
