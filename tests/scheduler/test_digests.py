"""digests.py: the store's record of each (profile, date) digest, claimed atomically."""

from __future__ import annotations

import json
import socket
from datetime import date, timedelta
from typing import Any

import pytest

from briefing.errors import StoreError
from briefing.schedule.digests import Digests
from briefing.store import MIGRATIONS, Store

from .conftest import utc

DAY = date(2026, 3, 30)
NOW = utc(2026, 3, 30, 6, 0)
DEAD = f"{socket.gethostname()}/999999999/feedface"  # no such pid


def add_brief(store: Store, profile: str = "morning") -> int:
    with store.transaction() as db:
        cursor = db.execute(
            "INSERT INTO briefs (profile, title, generated_at, engine, out_dir, story_count,"
            " data) VALUES (?, 'T', ?, 'extractive', '/tmp/x', 0, ?)",
            (profile, NOW.isoformat(), json.dumps({})),
        )
        return int(cursor.lastrowid or 0)


def test_migration_7_creates_the_table_with_its_states(store: Store) -> None:
    assert store.schema_version == len(MIGRATIONS) >= 7
    with pytest.raises(StoreError, match="CHECK constraint"), store.transaction() as db:
        db.execute("INSERT INTO digests (profile, local_date, state, created_at, updated_at)"
                   " VALUES ('p', '2026-01-01', 'lost', 'x', 'x')")


def test_only_one_of_two_processes_claims_a_digest(store: Store) -> None:
    first, second = Digests(store, "host/1/a"), Digests(store, "host/2/b")
    claim: dict[str, Any] = {"scheduled_for": NOW, "now": NOW, "max_attempts": 4}
    assert first.claim_build("morning", DAY, **claim)
    assert not second.claim_build("morning", DAY, **claim)
    # Only the claimer moves it on.
    brief = add_brief(store)
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


def test_a_failed_build_is_reclaimed_until_the_attempts_run_out(store: Store) -> None:
    digests = Digests(store, "host/1/a")
    for attempt in (1, 2):
        assert digests.claim_build("morning", DAY, scheduled_for=NOW, now=NOW, max_attempts=2)
        assert digests.finish("morning", DAY, "failed", NOW, f"boom {attempt}")
    assert not digests.claim_build("morning", DAY, scheduled_for=NOW, now=NOW, max_attempts=2)
    record = digests.get("morning", DAY)
    assert record is not None and (record.attempts, record.last_error) == (2, "boom 2")


def test_a_failed_send_is_retried_with_the_same_brief_never_rebuilt(store: Store) -> None:
    digests = Digests(store, "host/1/a")
    brief = add_brief(store)
    assert digests.claim_build("morning", DAY, scheduled_for=NOW, now=NOW, max_attempts=4)
    assert digests.mark_built("morning", DAY, brief, NOW)
    assert digests.claim_send("morning", DAY, now=NOW, max_attempts=4, resume=True)
    assert digests.finish("morning", DAY, "failed", NOW, "smtp down")
    assert not digests.claim_build("morning", DAY, scheduled_for=NOW, now=NOW, max_attempts=4)
    assert digests.claim_send("morning", DAY, now=NOW, max_attempts=4, resume=False)
    record = digests.get("morning", DAY)
    assert record is not None and (record.state, record.brief_id, record.attempts) == (
        "sending", brief, 2)


def test_recover_fails_what_a_dead_process_left_in_progress(store: Store) -> None:
    alive = Digests(store)  # this process
    dead = Digests(store, DEAD)
    assert dead.claim_build("morning", DAY, scheduled_for=NOW, now=NOW, max_attempts=4)
    assert alive.claim_build("evening", DAY, scheduled_for=NOW, now=NOW, max_attempts=4)
    other = Digests(store, f"{socket.gethostname()}/1/init")  # pid 1 lives
    assert other.claim_build("noon", DAY, scheduled_for=NOW, now=NOW, max_attempts=4)
    watcher = Digests(store)
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


def test_a_manual_send_claims_the_same_row(store: Store) -> None:
    scheduler = Digests(store, "host/1/sched")
    manual = Digests(store, "host/2/manual")
    brief = add_brief(store)
    assert scheduler.claim_build("morning", DAY, scheduled_for=NOW, now=NOW, max_attempts=4)
    busy = manual.claim_manual("morning", DAY, brief, NOW)
    assert not busy.claimed and busy.record is not None and busy.record.state == "building"
    assert scheduler.mark_built("morning", DAY, brief, NOW)
    assert scheduler.claim_send("morning", DAY, now=NOW, max_attempts=4, resume=True)
    assert scheduler.finish("morning", DAY, "sent", NOW)
    done = manual.claim_manual("morning", DAY, add_brief(store), NOW)
    assert not done.claimed and done.record is not None and done.record.state == "sent"
    # Another day, nobody yet: the manual send takes it, and the scheduler then cannot.
    later = DAY + timedelta(days=1)
    assert manual.claim_manual("morning", later, brief, NOW).claimed
    assert not scheduler.claim_build("morning", later, scheduled_for=NOW, now=NOW,
                                     max_attempts=4)


def test_a_manual_send_never_follows_a_partly_delivered_brief(store: Store) -> None:
    scheduler = Digests(store, "host/1/sched")
    first = add_brief(store)
    assert scheduler.claim_build("morning", DAY, scheduled_for=NOW, now=NOW, max_attempts=4)
    assert scheduler.mark_built("morning", DAY, first, NOW)
    assert scheduler.claim_send("morning", DAY, now=NOW, max_attempts=4, resume=True)
    with store.transaction() as db:
        db.execute("INSERT INTO outbox (brief_id, recipient, state, message_id, created_at,"
                   " updated_at) VALUES (?, 'ada@example.org', 'sent', '<m@x>', 'x', 'x')",
                   (first,))
    assert scheduler.finish("morning", DAY, "failed", NOW, "smtp went away")
    refused = Digests(store, "host/2/manual").claim_manual("morning", DAY, add_brief(store), NOW)
    assert not refused.claimed and refused.partly_sent_brief == first


def test_the_first_run_is_remembered_per_profile_and_never_moves(store: Store) -> None:
    digests = Digests(store)
    assert digests.first_runs(["morning", "evening"]) == {}
    digests.record_first_run(["morning"], NOW)
    digests.record_first_run(["morning", "evening"], NOW + timedelta(days=2))
    assert digests.first_runs(["morning", "evening"]) == {
        "morning": NOW, "evening": NOW + timedelta(days=2)}


def test_migration_12_dates_an_existing_stores_first_run_from_its_digests(tmp_path: Any) -> None:
    path = tmp_path / "old.db"
    with Store(path) as store, store.transaction() as db:
        db.execute("PRAGMA user_version = 11")  # as a store of the previous version
        db.execute("ALTER TABLE outbox DROP COLUMN dismissed_at")
        db.execute("DROP TABLE schedule_starts")
        for day, created in (("2026-03-02", "2026-03-02T06:00:00+00:00"),
                             ("2026-03-03", "2026-03-03T06:00:00+00:00")):
            db.execute("INSERT INTO digests (profile, local_date, state, origin, created_at,"
                       " updated_at) VALUES ('morning', ?, 'sent', 'schedule', ?, ?)",
                       (day, created, created))
    with Store(path) as store:
        assert store.schema_version == len(MIGRATIONS)
        assert Digests(store).first_runs(["morning"]) == {"morning": utc(2026, 3, 2, 6, 0)}
