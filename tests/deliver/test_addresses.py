"""Recipients as people write them: display names, internationalized addresses, SMTPUTF8.

Checked when the config loads (email-validator, no DNS); sent with SMTPUTF8 when the
address needs it and the server (aiosmtpd on loopback) offers it, else failed for that
recipient alone with a clear reason: never a traceback, never "unknown".
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from briefing.addresses import AddressError, parse_mailbox
from briefing.cli import main
from briefing.config import load_config
from briefing.deliver import send_brief
from briefing.errors import ConfigError

from .conftest import SENDER, Received, ServerFactory, SetupFactory, outbox_states, write_config

JOSE = "josé@example.org"
PEOPLE = ("Ann Reader <ann@example.net>", JOSE, "Bücher Fan <fan@bücher.example>")


@pytest.mark.parametrize(
    ("written", "address", "name", "wire"),
    [
        ("ann@example.net", "ann@example.net", "", "ann@example.net"),
        ("Ann Reader <ann@Example.NET>", "ann@example.net", "Ann Reader", "ann@example.net"),
        ('"Reader, Ann" <ann@example.net>', "ann@example.net", "Reader, Ann", "ann@example.net"),
        ("José Núñez <josé@example.org>", JOSE, "José Núñez", JOSE),
        ("fan@bücher.example", "fan@bücher.example", "", "fan@xn--bcher-kva.example"),
    ],
)
def test_addresses_people_write_are_accepted(
    written: str, address: str, name: str, wire: str
) -> None:
    mailbox = parse_mailbox(written)
    assert (mailbox.address, mailbox.display_name, mailbox.wire_address) == (address, name, wire)
    assert mailbox.needs_smtputf8 == (wire == JOSE)


@pytest.mark.parametrize(
    ("written", "why"),
    [
        ("nobody", "@-sign"),
        ("ann@localhost", "period"),
        ("ann@example.net, bob@example.net", "invalid characters"),
        ("Ann <ann@example.net> extra", "Name <address>"),
        ("Ann\r\nBcc: x@example.org <ann@example.net>", "line break"),
        ("ann@[127.0.0.1]", "bracketed"),
    ],
)
def test_what_is_not_an_address_is_refused_saying_why(written: str, why: str) -> None:
    with pytest.raises(AddressError, match=re.escape(why)):
        parse_mailbox(written)


def test_the_config_checks_and_normalizes_recipients(tmp_path: Path) -> None:
    path = write_config(tmp_path, None, recipients=(*PEOPLE, "ANN Again <ann@EXAMPLE.net>"))
    recipients = load_config(path).profile("morning").recipients
    # One entry per address (the first spelling wins), the domain in lower case.
    assert recipients == PEOPLE
    with pytest.raises(ConfigError, match=r"profiles\.morning\.recipients: 'ann@localhost' is "
                                          r"not an email address: .*period"):
        load_config(write_config(tmp_path, None, recipients=("ann@localhost",)))
    # The sender's side must be sendable by any server: an ASCII local part.
    with pytest.raises(ConfigError, match=r"smtp\.from_address.*ASCII"):
        load_config(write_config(tmp_path, None, from_address="Brief <brïef@news.example>"))
    with pytest.raises(ConfigError, match=r"smtp\.list_unsubscribe_mailto"):
        load_config(write_config(tmp_path, None, list_unsubscribe_mailto="Un <u@news.example>"))


def test_an_internationalized_address_goes_out_with_smtputf8(
    start_server: ServerFactory, setup: SetupFactory
) -> None:
    server = start_server(smtputf8=True)
    s = setup(server, recipients=PEOPLE)
    report = send_brief(s.config, s.store, s.brief_id)

    assert report.ok and sorted(report.sent) == sorted(parse_mailbox(p).address for p in PEOPLE)
    by_rcpt = {item.rcpt_tos[0]: item for item in server.received}
    jose = by_rcpt[JOSE]
    assert jose.smtputf8  # asked for, since the address needs it
    assert "To: josé@example.org\r\n".encode() in jose.data  # UTF-8, not an encoded word
    assert b"=?utf-8" not in jose.data.split(b"\r\n\r\n")[0].split(b"To:")[1].split(b"\r\n")[0]
    assert jose.message["To"].addresses[0].username == "josé"
    # ASCII-only addresses need no SMTPUTF8: the IDN domain goes in its ASCII form.
    ann = by_rcpt["ann@example.net"]
    assert not ann.smtputf8 and ann.message["To"] == "Ann Reader <ann@example.net>"
    fan = by_rcpt["fan@xn--bcher-kva.example"]
    assert not fan.smtputf8 and fan.message["To"] == "Bücher Fan <fan@xn--bcher-kva.example>"
    assert b"=?utf-8?" in fan.data  # the non-ASCII display name is an RFC 2047 word
    assert all(item.message["From"] == SENDER for item in server.received)


@pytest.mark.parametrize("mode", ["per-recipient", "bcc"])
def test_without_smtputf8_only_that_recipient_fails_saying_why(
    start_server: ServerFactory, setup: SetupFactory, mode: str,
    capsys: pytest.CaptureFixture[str],
) -> None:
    server = start_server(smtputf8=False)
    s = setup(server, recipients=PEOPLE, mode=mode)
    report = send_brief(s.config, s.store, s.brief_id)

    assert set(report.failed) == {JOSE} and not report.unknown
    assert "does not offer SMTPUTF8" in report.failed[JOSE]
    assert sorted(report.sent) == ["ann@example.net", "fan@bücher.example"]
    assert outbox_states(s.store, s.brief_id)[JOSE] == "failed"
    assert JOSE not in server.handler.recipients()

    code = main(["send", "-q", "-p", "morning", "--config", str(s.config_file)])
    captured = capsys.readouterr()
    assert code == 1 and "Traceback" not in captured.err
    lines = [line for line in captured.err.splitlines() if line.strip()]
    assert len(lines) == 1 and JOSE in lines[0] and "SMTPUTF8" in lines[0]


def test_a_dry_run_writes_valid_addresses(setup: SetupFactory) -> None:
    s = setup(None, recipients=PEOPLE)
    report = send_brief(s.config, s.store, s.brief_id, dry_run=True)
    by_name = {path.name: path.read_bytes() for path in report.files}
    jose = by_name["email-jos_@example.org.eml"]
    header = jose.split(b"\r\n\r\n")[0]
    assert "\r\nTo: josé@example.org\r\n".encode() in header
    assert b"=?" not in header.split(b"\r\nTo:")[1].split(b"\r\n")[0]  # no encoded word
    assert Received("", [], jose).message["To"].addresses[0].domain == "example.org"
    ann = Received("", [], by_name["email-ann@example.net.eml"]).message
    assert ann["To"] == "Ann Reader <ann@example.net>"


def test_the_outbox_knows_a_reader_by_address_not_by_name(
    start_server: ServerFactory, setup: SetupFactory, tmp_path: Path
) -> None:
    server = start_server()
    s = setup(server, recipients=("ann@example.net",))
    send_brief(s.config, s.store, s.brief_id)
    # The operator adds her name: she is the same reader, and gets nothing twice.
    renamed = load_config(write_config(tmp_path, server,
                                       recipients=("Ann Reader <ann@example.net>",)))
    again = send_brief(renamed, s.store, s.brief_id)
    assert again.sent == [] and again.already_sent == ["ann@example.net"]
    assert len(server.received) == 1
