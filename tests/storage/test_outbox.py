"""The outbox repository, on both backends: claims are exclusive, even under a crowd."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from recorded import placeholder_brief

from briefing.storage import Storage, open_storage

NOW = datetime(2026, 3, 30, 6, tzinfo=UTC)
RECIPIENTS = [f"reader{n}@example.org" for n in range(40)]


def ids() -> Callable[[], str]:
    counter = iter(range(10_000))
    return lambda: f"<{next(counter)}@test>"


def test_claim_next_takes_rows_in_order_and_respects_what_it_is_told(storage: Storage) -> None:
    brief = placeholder_brief(storage)
    storage.outbox.enqueue(brief, ["a@x.org", "b@x.org", "c@x.org"], ids(), now=NOW)
    first = storage.outbox.claim_next(brief, owner="me", now=NOW,
                                      recipients=["b@x.org", "c@x.org"])
    assert first is not None and (first.recipient, first.state, first.attempts) == (
        "b@x.org", "sending", 1)
    assert first.claimed_by == "me" and first.claimed_at == NOW
    assert storage.outbox.finish(first.id, "unknown", owner="me", now=NOW, error="dropped")
    # An unknown row is taken only on purpose; rows dealt with can be left out.
    nxt = storage.outbox.claim_next(brief, owner="me", now=NOW,
                                    recipients=["b@x.org", "c@x.org"])
    assert nxt is not None and nxt.recipient == "c@x.org"
    assert storage.outbox.claim_next(brief, owner="me", now=NOW,
                                     recipients=["b@x.org", "c@x.org"]) is None
    again = storage.outbox.claim_all(brief, owner="me", now=NOW, recipients=["b@x.org"],
                                     states=("pending", "unknown"))
    assert [row.recipient for row in again] == ["b@x.org"]
    assert storage.outbox.claim_all(brief, owner="me", now=NOW, recipients=RECIPIENTS) == []


def test_only_the_owner_finishes_and_a_dead_owners_row_becomes_unknown(
    storage: Storage,
) -> None:
    brief = placeholder_brief(storage)
    storage.outbox.enqueue(brief, ["a@x.org"], ids(), now=NOW)
    row = storage.outbox.claim_next(brief, owner="host/1/dead", now=NOW, recipients=["a@x.org"])
    assert row is not None
    assert not storage.outbox.finish(row.id, "sent", owner="host/2/other", now=NOW)
    assert not storage.outbox.abandon(row.id, claimed_by="host/2/other", now=NOW, error="x")
    assert storage.outbox.abandon(row.id, claimed_by="host/1/dead", now=NOW, error="gone")
    after = storage.outbox.row(row.id)
    assert after is not None and (after.state, after.last_error) == ("unknown", "gone")
    assert storage.outbox.reached_anyone(brief)  # unknown: it may have been delivered
    assert not storage.outbox.reached_anyone(placeholder_brief(storage))


def test_a_crowd_of_senders_claims_every_row_exactly_once(
    storage: Storage, store_location: Path | str
) -> None:
    """Eight senders, each with a connection of its own (as eight processes would have),
    claim the next row until none is left: each row goes to exactly one of them."""
    brief = placeholder_brief(storage)
    storage.outbox.enqueue(brief, RECIPIENTS, ids(), now=NOW)
    claimed: dict[str, list[str]] = {}
    errors: list[BaseException] = []
    start = threading.Barrier(8)

    def sender(name: str) -> None:
        mine: list[str] = []
        try:
            with open_storage(store_location) as own:
                start.wait(10)
                while (row := own.outbox.claim_next(brief, owner=name, now=NOW,
                                                    recipients=RECIPIENTS)) is not None:
                    mine.append(row.recipient)
                    assert own.outbox.finish(row.id, "sent", owner=name, now=NOW)
        except BaseException as error:  # surfaced below
            errors.append(error)
        claimed[name] = mine

    threads = [threading.Thread(target=sender, args=(f"host/{n}/s",)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert not errors, errors
    everyone = [recipient for mine in claimed.values() for recipient in mine]
    assert sorted(everyone) == sorted(RECIPIENTS)
    assert {row.state for row in storage.outbox.rows(brief)} == {"sent"}


def test_problems_are_listed_until_resent_or_dismissed(storage: Storage) -> None:
    morning, evening = placeholder_brief(storage, "morning"), placeholder_brief(storage, "evening")
    storage.outbox.enqueue(morning, ["a@x.org", "b@x.org", "c@x.org"], ids(), now=NOW)
    storage.outbox.enqueue(evening, ["d@x.org"], ids(), now=NOW)
    outcomes = {"a@x.org": "failed", "b@x.org": "unknown", "c@x.org": "sent"}
    for recipient, state in outcomes.items():
        row = storage.outbox.claim_next(morning, owner="me", now=NOW, recipients=[recipient])
        assert row is not None
        assert storage.outbox.finish(row.id, state, owner="me", now=NOW, error=f"{state}!")
    row = storage.outbox.claim_next(evening, owner="me", now=NOW, recipients=["d@x.org"])
    assert row is not None and storage.outbox.finish(row.id, "failed", owner="me", now=NOW)
    storage.outbox.enqueue(evening, ["e@x.org"], ids(), now=NOW)
    row = storage.outbox.claim_next(evening, owner="gone", now=NOW, recipients=["e@x.org"])
    assert row is not None  # left "sending" by a process that died

    problems = storage.outbox.problems()
    assert [(p.row.recipient, p.row.state, p.profile) for p in problems] == [
        ("a@x.org", "failed", "morning"), ("b@x.org", "unknown", "morning"),
        ("d@x.org", "failed", "evening")]
    assert problems[0].slug and problems[0].row.last_error == "failed!"
    assert [p.row.recipient for p in storage.outbox.problems(["evening"])] == ["d@x.org"]
    assert storage.outbox.problems([]) == []
    assert storage.outbox.briefs_sending() == [evening]

    dismissed = storage.outbox.dismiss(morning, now=NOW)
    assert [(r.recipient, r.dismissed) for r in dismissed] == [("a@x.org", False),
                                                                ("b@x.org", False)]
    assert storage.outbox.dismiss(morning, now=NOW) == []  # once
    assert [p.row.recipient for p in storage.outbox.problems()] == ["d@x.org"]
    rows = {r.recipient: r for r in storage.outbox.rows(morning)}
    assert rows["a@x.org"].dismissed and rows["b@x.org"].dismissed
    assert not rows["c@x.org"].dismissed and rows["a@x.org"].state == "failed"


def test_a_failed_row_retried_on_purpose_starts_a_fresh_count(storage: Storage) -> None:
    brief = placeholder_brief(storage)
    storage.outbox.enqueue(brief, ["a@x.org"], ids(), now=NOW)
    for _ in range(3):  # three temporary failures, then it gives up
        row = storage.outbox.claim_next(brief, owner="me", now=NOW, recipients=["a@x.org"])
        assert row is not None
        storage.outbox.finish(row.id, "pending", owner="me", now=NOW, error="451")
    assert row.attempts == 3
    assert storage.outbox.claim(row.id, owner="me", now=NOW)
    assert storage.outbox.finish(row.id, "failed", owner="me", now=NOW, error="gave up")
    assert [r.state for r in storage.outbox.dismiss(brief, now=NOW)] == ["failed"]
    # Not taken unless on purpose; on purpose, one attempt so far and no longer dismissed.
    assert storage.outbox.claim_next(brief, owner="me", now=NOW, recipients=["a@x.org"]) is None
    again = storage.outbox.claim_next(brief, owner="me", now=NOW, recipients=["a@x.org"],
                                      states=("pending", "failed"))
    assert again is not None and (again.attempts, again.dismissed) == (1, False)
    assert storage.outbox.finish(again.id, "unknown", owner="me", now=NOW, error="dropped")
    assert storage.outbox.claim(again.id, owner="me", now=NOW, states=("unknown",))
    after = storage.outbox.row(again.id)
    assert after is not None and after.attempts == 2  # an unknown row keeps counting
