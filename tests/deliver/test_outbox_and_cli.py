"""The outbox's conditional transitions, and the ``send`` command as the CLI will call it."""

from __future__ import annotations

import argparse
import io
from pathlib import Path

import pytest
from recorded import placeholder_brief
from rich.console import Console

from briefing.cli_deliver import add_commands
from briefing.deliver import DeliveryError, Outbox, send_brief
from briefing.publishing import send
from briefing.storage import Storage, open_storage

from .conftest import RECIPIENTS, MailServer, ServerFactory, SetupFactory, outbox_states


def _brief_row(store: Storage) -> int:
    return placeholder_brief(store, "p")


def test_only_one_claimant_wins_and_only_the_owner_finishes(
    store_location: Path | str,
) -> None:  # on SQLite and on PostgreSQL: two connections, two processes' view
    with open_storage(store_location) as first_store, \
            open_storage(store_location) as second_store:
        brief_id = _brief_row(first_store)
        one, two = Outbox(first_store), Outbox(second_store)
        ids = iter(range(100))
        one.enqueue(brief_id, ["x@example.org"], lambda: f"<{next(ids)}@t>")
        two.enqueue(brief_id, ["x@example.org", "y@example.org"], lambda: f"<{next(ids)}@t>")
        rows = one.rows(brief_id)
        assert [(r.recipient, r.message_id) for r in rows] == [
            ("x@example.org", "<0@t>"), ("y@example.org", "<2@t>")
        ]  # enqueueing twice changes nothing
        row = rows[0].id
        assert one.claim(row) and not two.claim(row)
        assert not two.mark_sent(row)  # not its claim
        assert one.release(row, "451 later") and two.claim(row)
        assert not one.mark_failed(row, "x") and two.mark_unknown(row, "dropped")
        assert not one.claim(row)  # unknown is only taken on purpose
        assert one.claim(row, retry_unknown=True) and one.mark_sent(row)
        assert not two.claim(row, retry_unknown=True)  # sent is final
        final = one.row(row)
        assert final is not None and final.attempts == 3 and final.state == "sent"


def _parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False, argument_default=argparse.SUPPRESS)
    common.add_argument("--config", type=Path)
    common.add_argument("-q", "--quiet", action="store_true")
    parser = argparse.ArgumentParser(prog="briefing", parents=[common])
    add_commands(parser.add_subparsers(dest="command"), common)
    return parser


def test_the_send_command_sends_reports_and_exits(
    mail_server: MailServer, setup: SetupFactory, capsys: pytest.CaptureFixture[str]
) -> None:
    s = setup(mail_server)
    err = Console(file=io.StringIO(), width=200)
    args = _parser().parse_args(["send", "--profile", "morning", "--dry-run"])
    assert args.handler(args, s.config, err) == 0
    assert "dry run: wrote" in capsys.readouterr().out and mail_server.received == []

    args = _parser().parse_args(["send", "-p", "morning", "--brief", str(s.brief_id)])
    assert args.handler(args, s.config, err) == 0
    assert f"brief {s.brief_id} (morning): 3 sent" in capsys.readouterr().out
    assert set(outbox_states(s.store, s.brief_id).values()) == {"sent"}

    # The publish path's delivery of the same brief, again: already sent, nothing new.
    delivery = send(s.config, s.brief_id)
    assert delivery.ok and delivery.lines()[0].endswith("0 sent, 3 already sent, 0 failed, "
                                                        "0 unknown, 0 deferred")
    assert len(mail_server.received) == len(RECIPIENTS)


def test_the_send_command_exits_1_when_a_recipient_failed(
    start_server: ServerFactory, setup: SetupFactory
) -> None:
    server = start_server(script=["550"])
    s = setup(server)
    err_file = io.StringIO()
    args = _parser().parse_args(["send", "-p", "morning"])
    assert args.handler(args, s.config, Console(file=err_file, width=200)) == 1
    assert f"not delivered to {RECIPIENTS[0]}: smtp: DATA: 550" in err_file.getvalue()


def test_send_needs_a_brief_recipients_and_a_sender(
    mail_server: MailServer, setup: SetupFactory
) -> None:
    s = setup(mail_server, recipients=())
    with pytest.raises(DeliveryError, match="recipients is empty"):
        send_brief(s.config, s.store, s.brief_id)
    with pytest.raises(DeliveryError, match="no brief with id 999"):
        send_brief(s.config, s.store, 999)
    with pytest.raises(DeliveryError, match="no brief of profile 'evening'"):
        send_brief(s.config, s.store, profile="evening")
