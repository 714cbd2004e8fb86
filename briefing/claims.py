"""Who holds a claimed row (an outbox message, a day's digest), and whether it still may.

A claim names its owner as ``host/pid/random``: the pid lets a later run on the
same host see that the owner died, so its row can be recovered at once; any
other claim (another host, or a pid that still exists and may have been
reused) holds until its lease runs out. Light on purpose: the scheduler's lock
and plan import it without pulling in the renderers.
"""

from __future__ import annotations

import os
import socket
import uuid
from datetime import datetime, timedelta


def make_owner() -> str:
    """A fresh owner name for this process: ``host/pid/random``."""
    return f"{socket.gethostname()}/{os.getpid()}/{uuid.uuid4().hex[:12]}"


def owner_alive(
    owner: str | None, claimed_at: datetime | None, now: datetime, lease: timedelta
) -> bool:
    """Whether the process that claimed a row at ``claimed_at`` may still be working on it."""
    if not owner:
        return False
    host, _, rest = owner.partition("/")
    pid_text = rest.partition("/")[0]
    if host == socket.gethostname() and pid_text.isdigit():
        try:
            os.kill(int(pid_text), 0)
        except ProcessLookupError:
            return False
        except PermissionError:
            pass  # exists, someone else's: the lease decides
    if claimed_at is None:
        return False
    return now - claimed_at < lease
