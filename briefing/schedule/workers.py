"""A scheduler's heartbeat: how the workers sharing a PostgreSQL store know it is alive.

While ``briefing schedule`` runs on a store that several workers may share, it has
a row in the store's ``workers`` table and renews it from a thread every third of
``workers.lease_seconds``. Every claim it makes (a digest, an outbox row, a batch
of sources) carries its owner name, so a worker that dies anywhere (SIGKILL, a
lost machine) releases all it held one lease after its last beat: other workers
then recover its digests (taken over at once) and its sources, and turn its
in-flight emails to ``unknown`` (never resent by themselves).

A worker wrongly taken for dead (a partition longer than the lease) cannot send
anything twice: each of its later writes is conditional on a claim it has lost.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
from collections.abc import Callable
from datetime import datetime, timedelta
from types import TracebackType

from briefing.errors import one_line
from briefing.storage import Storage

logger = logging.getLogger(__name__)

#: Workers silent this long are forgotten (their claims went long before).
FORGET_AFTER = timedelta(days=1)


class WorkerHeartbeat:
    """Register ``owner`` in ``store`` and beat every ``lease / 3`` until closed."""

    def __init__(
        self, store: Storage, owner: str, *, lease: timedelta, clock: Callable[[], datetime]
    ) -> None:
        self.store = store
        self.owner = owner
        self.lease = lease
        self.clock = clock
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="briefing-heartbeat",
                                        daemon=True)

    def __enter__(self) -> WorkerHeartbeat:
        now = self.clock()
        self.store.workers.prune(now - FORGET_AFTER)
        self.store.workers.register(self.owner, host=socket.gethostname(), pid=os.getpid(),
                                    now=now)
        self._thread.start()
        logger.info("worker %s: sharing %s (lease %g s)", self.owner, self.store.location,
                    self.lease.total_seconds())
        return self

    def _run(self) -> None:
        interval = max(self.lease.total_seconds() / 3, 0.05)
        while not self._stop.wait(interval):
            try:
                if not self.store.workers.beat(self.owner, self.clock()):
                    self.store.workers.register(self.owner, host=socket.gethostname(),
                                                pid=os.getpid(), now=self.clock())
            except Exception as error:  # the next beat tries again; the lease is the limit
                logger.warning("worker %s: heartbeat failed: %s", self.owner, one_line(error))

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self._stop.set()
        self._thread.join(timeout=5)
        try:
            self.store.workers.unregister(self.owner)
        except Exception as failure:  # its row ages out; nothing it held is lost
            logger.warning("worker %s: could not sign off: %s", self.owner, one_line(failure))
