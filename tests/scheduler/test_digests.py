"""digests.py: the store's record of each (profile, date) digest, claimed atomically
(every test runs on SQLite and on PostgreSQL)."""

from __future__ import annotations

import socket
from datetime import date, timedelta
from typing import Any

from recorded import placeholder_brief

from briefing.schedule.digests import Digests
from briefing.storage import Storage

from .conftest import utc

DAY = date(2026, 3, 30)
NOW = utc(2026, 3, 30, 6, 0)
DEAD = f"{socket.gethostname()}/999999999/feedface"  # no such pid


def add_brief(storage: Storage, profile: str = "morning") -> int:
    return placeholder_brief(storage, profile, NOW)


def test_only_one_of_two_processes_claims_a_digest(storage: Storage) -> None:
    first, second = Digests(storage, "host/1/a"), Digests(storage, "host/2/b")
    claim: dict[str, Any] = {"scheduled_for": NOW, "now": NOW, "max_attempts": 4}
    assert first.claim_build("morning", DAY, **claim)
    assert not second.claim_build("morning", DAY, **claim)
    # Only the claimer moves it on.
    brief = add_brief(storage)
    assert not second.mark_built("morning", DAY, brief, NOW)
    assert first.mark_built("morning", DAY, brief, NOW)
    assert not second.claim_send("morning", DAY, now=NOW, max_attempts=4, resume=True)
    assert first.claim_send("morning", DAY, now=NOW, max_attempts=4, resume=True)
    assert not second.finish("morning", DAY, "sent", NOW)
    assert first.finish("morning", DAY, "sent", NOW)
    record = first.get("morning", DAY)
    assert record is not None
    assert (record.state, record.brief_id, record.attempts, record.sent_at) == (
        "sent", brief, 1, NOW)
    # A sent digest is claimed by nobody, for building or sending.
    assert not second.claim_build("morning", DAY, **claim)
    assert not second.claim_send("morning", DAY, now=NOW, max_attempts=4, resume=False)


def test_a_failed_build_is_reclaimed_until_the_attempts_run_out(storage: Storage) -> None:
    digests = Digests(storage, "host/1/a")
    for attempt in (1, 2):
        assert digests.claim_build("morning", DAY, scheduled_for=NOW, now=NOW, max_attempts=2)
        assert digests.finish("morning", DAY, "failed", NOW, f"boom {attempt}")
    assert not digests.claim_build("morning", DAY, scheduled_for=NOW, now=NOW, max_attempts=2)
    record = digests.get("morning", DAY)
    assert record is not None and (record.attempts, record.last_error) == (2, "boom 2")


def test_a_failed_send_is_retried_with_the_same_brief_never_rebuilt(storage: Storage) -> None:
    digests = Digests(storage, "host/1/a")
    brief = add_brief(storage)
    assert digests.claim_build("morning", DAY, scheduled_for=NOW, now=NOW, max_attempts=4)
    assert digests.mark_built("morning", DAY, brief, NOW)
    assert digests.claim_send("morning", DAY, now=NOW, max_attempts=4, resume=True)
    assert digests.finish("morning", DAY, "failed", NOW, "smtp down")
    assert not digests.claim_build("morning", DAY, scheduled_for=NOW, now=NOW, max_attempts=4)
    assert digests.claim_send("morning", DAY, now=NOW, max_attempts=4, resume=False)
    record = digests.get("morning", DAY)
    assert record is not None and (record.state, record.brief_id, record.attempts) == (
        "sending", brief, 2)


def test_recover_fails_what_a_dead_process_left_in_progress(storage: Storage) -> None:
    alive = Digests(storage)  # this process
    dead = Digests(storage, DEAD)
    assert dead.claim_build("morning", DAY, scheduled_for=NOW, now=NOW, max_attempts=4)
    assert alive.claim_build("evening", DAY, scheduled_for=NOW, now=NOW, max_attempts=4)
    other = Digests(storage, f"{socket.gethostname()}/1/init")  # pid 1 lives
    assert other.claim_build("noon", DAY, scheduled_for=NOW, now=NOW, max_attempts=4)
    watcher = Digests(storage)
    recovered = watcher.recover(NOW + timedelta(minutes=5))
    assert [r.profile for r in recovered] == ["morning"]
    record = watcher.get("morning", DAY)
    assert record is not None and record.state == "failed"
    assert record.last_error and "interrupted while building (process 999999999" in (
        record.last_error)
    # Between jobs, a claim of our own is stale (its closing write failed) ...
    assert [r.profile for r in alive.recover(NOW + timedelta(minutes=5))] == ["evening"]
    # ... and a live process's claim holds until its lease runs out.
    assert watcher.recover(NOW + timedelta(minutes=59)) == []
    assert [r.profile for r in watcher.recover(NOW + timedelta(hours=2))] == ["noon"]


def test_a_manual_send_claims_the_same_row(storage: Storage) -> None:
    scheduler = Digests(storage, "host/1/sched")
    manual = Digests(storage, "host/2/manual")
    brief = add_brief(storage)
    assert scheduler.claim_build("morning", DAY, scheduled_for=NOW, now=NOW, max_attempts=4)
    busy = manual.claim_manual("morning", DAY, brief, NOW)
    assert not busy.claimed and busy.record is not None and busy.record.state == "building"
    assert scheduler.mark_built("morning", DAY, brief, NOW)
    assert scheduler.claim_send("morning", DAY, now=NOW, max_attempts=4, resume=True)
    assert scheduler.finish("morning", DAY, "sent", NOW)
    done = manual.claim_manual("morning", DAY, add_brief(storage), NOW)
    assert not done.claimed and done.record is not None and done.record.state == "sent"
    # Another day, nobody yet: the manual send takes it, and the scheduler then cannot.
    later = DAY + timedelta(days=1)
    assert manual.claim_manual("morning", later, brief, NOW).claimed
    assert not scheduler.claim_build("morning", later, scheduled_for=NOW, now=NOW,
                                     max_attempts=4)


def test_a_manual_send_never_follows_a_partly_delivered_brief(storage: Storage) -> None:
    scheduler = Digests(storage, "host/1/sched")
    first = add_brief(storage)
    assert scheduler.claim_build("morning", DAY, scheduled_for=NOW, now=NOW, max_attempts=4)
    assert scheduler.mark_built("morning", DAY, first, NOW)
    assert scheduler.claim_send("morning", DAY, now=NOW, max_attempts=4, resume=True)
    storage.outbox.enqueue(first, ["ada@example.org"], lambda: "<m@x>", now=NOW)
    [row] = storage.outbox.rows(first)
    assert storage.outbox.claim(row.id, owner="host/1/sched", now=NOW)
    assert storage.outbox.finish(row.id, "sent", owner="host/1/sched", now=NOW)
    assert scheduler.finish("morning", DAY, "failed", NOW, "smtp went away")
    manual = Digests(storage, "host/2/manual")
    refused = manual.claim_manual("morning", DAY, add_brief(storage), NOW)
    assert not refused.claimed and refused.partly_sent_brief == first


def test_a_worker_on_another_machine_holds_its_claim_while_it_beats(storage: Storage) -> None:
    """No pid to look at across machines: the worker's heartbeat is its lease."""
    remote = "other-machine/4242/worker"
    storage.workers.register(remote, host="other-machine", pid=4242, now=NOW)
    assert Digests(storage, remote).claim_build("morning", DAY, scheduled_for=NOW, now=NOW,
                                                max_attempts=4)
    watcher = Digests(storage, worker_lease=timedelta(seconds=60))
    assert watcher.recover(NOW + timedelta(seconds=59)) == []  # beat 59 s ago: alive
    storage.workers.beat(remote, NOW + timedelta(minutes=5))
    assert watcher.recover(NOW + timedelta(minutes=5, seconds=30)) == []
    # Silent for a lease: dead, whatever its claim's own age; taken over at once.
    [recovered] = watcher.recover(NOW + timedelta(minutes=6, seconds=1))
    assert recovered.claimed_by == remote
    record = watcher.get("morning", DAY)
    assert record is not None and (record.state, record.interrupted) == ("failed", True)
    assert watcher.claim_build("morning", DAY, scheduled_for=NOW, now=NOW, max_attempts=4)
    again = watcher.get("morning", DAY)
    assert again is not None and (again.attempts, again.interrupted) == (2, False)


def test_the_first_run_is_remembered_per_profile_and_never_moves(storage: Storage) -> None:
    digests = Digests(storage)
    assert digests.first_runs(["morning", "evening"]) == {}
    digests.record_first_run(["morning"], NOW)
    digests.record_first_run(["morning", "evening"], NOW + timedelta(days=2))
    assert digests.first_runs(["morning", "evening"]) == {
        "morning": NOW, "evening": NOW + timedelta(days=2)}
