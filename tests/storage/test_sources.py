"""Source health and collection claims, on both backends."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path

from briefing.storage import EntryCounts, SourceRef, SourceRun, Storage, Validators, open_storage

NOW = datetime(2026, 3, 30, 6, tzinfo=UTC)
HOUR = timedelta(hours=1)


def ref(name: str, url: str | None = None) -> SourceRef:
    return SourceRef(name, "feed", url or f"https://{name}.example/feed")


def test_runs_record_health_and_validators_in_one_go(storage: Storage) -> None:
    good, bad = ref("good"), ref("bad")
    storage.sources.record_runs([
        SourceRun(good, new=3, validators=Validators('"v1"', "Mon"),
                  unusable=EntryCounts(1, 2, 0), warning="mis-decoded?"),
        SourceRun(bad, error="timed out"),
    ], NOW)
    storage.sources.record_runs([SourceRun(bad, error="refused")], NOW + HOUR)
    rows = {row.name: row for row in storage.sources.all()}
    assert (rows["good"].last_new, rows["good"].last_success, rows["good"].unusable,
            rows["good"].last_warning) == (3, NOW, EntryCounts(1, 2, 0), "mis-decoded?")
    assert (rows["bad"].consecutive_failures, rows["bad"].last_error,
            rows["bad"].last_error_at, rows["bad"].last_success) == (2, "refused", NOW + HOUR,
                                                                     None)
    assert storage.sources.validators(good) == Validators('"v1"', "Mon")
    # A 304 keeps the validators and what the last read found.
    storage.sources.record_runs([SourceRun(good, new=0)], NOW + HOUR)
    again = {row.name: row for row in storage.sources.all()}["good"]
    assert again.unusable == EntryCounts(1, 2, 0) and again.last_new == 0
    assert storage.sources.validators_many([good, bad]) == {
        "good": Validators('"v1"', "Mon"), "bad": Validators()}
    # A source pointed at another URL starts afresh.
    moved = ref("good", "https://elsewhere.example/feed")
    assert storage.sources.validators(moved) == Validators()
    storage.sources.record_runs([SourceRun(moved, error="404")], NOW + 2 * HOUR)
    assert storage.sources.validators(good) == Validators()


def test_a_source_is_claimed_once_per_interval(storage: Storage) -> None:
    sources = [ref(f"s{n}") for n in range(5)]
    claim = {"now": NOW, "interval": HOUR, "live_since": NOW - timedelta(minutes=1)}
    storage.workers.register("w1", host="h", pid=1, now=NOW)
    storage.workers.register("w2", host="h", pid=2, now=NOW)
    first = storage.sources.claim_due(sources, owner="w1", limit=3, **claim)
    second = storage.sources.claim_due(sources, owner="w2", limit=3, **claim)
    assert len(first) == 3 and len(second) == 2 and not set(first) & set(second)
    assert storage.sources.claim_due(sources, owner="w2", limit=9, **claim) == []
    # Collected: not due again until the interval has passed.
    storage.sources.record_runs([SourceRun(s, new=0) for s in sources], NOW)
    assert storage.sources.claim_due(sources, owner="w1", limit=9,
                                     **{**claim, "now": NOW + timedelta(minutes=59)}) == []
    later = {**claim, "now": NOW + HOUR, "live_since": NOW + timedelta(minutes=59)}
    storage.workers.beat("w1", NOW + HOUR)
    assert len(storage.sources.claim_due(sources, owner="w1", limit=9, **later)) == 5
    # w1 stops beating: what it held goes to w2 once w1's lease has run out...
    storage.workers.beat("w2", NOW + HOUR)
    assert storage.sources.claim_due(sources, owner="w2", limit=9, **later) == []
    storage.workers.beat("w2", NOW + HOUR + timedelta(minutes=2))
    dead = {**later, "now": NOW + HOUR + timedelta(minutes=2),
            "live_since": NOW + HOUR + timedelta(seconds=1)}
    assert len(storage.sources.claim_due(sources, owner="w2", limit=9, **dead)) == 5
    # ... and a claim given back is free at once.
    storage.sources.release("w2", [sources[0].name])
    assert storage.sources.claim_due(sources, owner="w1", limit=9, **dead) == ["s0"]


def test_workers_claiming_at_once_split_the_sources(
    storage: Storage, store_location: Path | str
) -> None:
    sources = [ref(f"feed{n:03}") for n in range(120)]
    taken: dict[str, list[str]] = {}
    errors: list[BaseException] = []
    start = threading.Barrier(4)

    def worker(owner: str) -> None:
        mine: list[str] = []
        try:
            with open_storage(store_location) as own:
                own.workers.register(owner, host="h", pid=1, now=NOW)
                start.wait(10)
                while names := own.sources.claim_due(
                    sources, owner=owner, now=NOW, interval=HOUR,
                    live_since=NOW - timedelta(minutes=1), limit=7,
                ):
                    mine += names
        except BaseException as error:
            errors.append(error)
        taken[owner] = mine

    threads = [threading.Thread(target=worker, args=(f"w{n}",)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert not errors, errors
    everything = [name for names in taken.values() for name in names]
    assert sorted(everything) == sorted(s.name for s in sources)


def test_workers_register_beat_and_are_forgotten(storage: Storage) -> None:
    storage.workers.register("w1", host="h1", pid=10, now=NOW)
    storage.workers.register("w2", host="h2", pid=20, now=NOW)
    assert storage.workers.beat("w1", NOW + HOUR)
    assert not storage.workers.beat("nobody", NOW)
    assert storage.workers.prune(NOW + timedelta(minutes=1)) == 1
    [w1] = storage.workers.all()
    assert (w1.owner, w1.host, w1.pid, w1.heartbeat_at) == ("w1", "h1", 10, NOW + HOUR)
    storage.workers.unregister("w1")
    assert storage.workers.all() == []
