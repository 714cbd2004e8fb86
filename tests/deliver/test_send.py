"""send_brief against a real SMTP server on loopback: the message, the outbox, the faults."""

from __future__ import annotations

import dataclasses
import email.utils
import logging
import threading
import traceback
from html.parser import HTMLParser
from pathlib import Path

import pytest

from briefing.config import load_config
from briefing.deliver import DeliveryError, dry_run_folder, send_brief
from briefing.storage import open_storage

from .conftest import (
    RECIPIENTS,
    SENDER,
    MailServer,
    Pki,
    Received,
    ServerFactory,
    SetupFactory,
    outbox_states,
)


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.hrefs: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "a":
            self.hrefs += [value for name, value in attrs if name == "href" and value]


def hrefs(html: str) -> set[str]:
    parser = _Links()
    parser.feed(html)
    return set(parser.hrefs)


def by_recipient(received: list[Received]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for item in received:
        for rcpt in item.rcpt_tos:
            counts[rcpt] = counts.get(rcpt, 0) + 1
    return counts


def test_each_recipient_gets_a_complete_standard_message(
    mail_server: MailServer, setup: SetupFactory
) -> None:
    s = setup(mail_server)
    report = send_brief(s.config, s.store, s.brief_id)

    assert report.sent == list(RECIPIENTS) and report.ok
    assert [item.rcpt_tos for item in mail_server.received] == [[r] for r in RECIPIENTS]
    urls = {source.url for source in s.brief.sources if source.url}
    assert urls, "the sample brief must have source URLs"
    pdf = (s.folder / "brief.pdf").read_bytes()
    message_ids = set()
    for item, recipient in zip(mail_server.received, RECIPIENTS, strict=True):
        message = item.message
        # The MIME tree: mixed [alternative [plain, html], pdf].
        assert message.get_content_type() == "multipart/mixed"
        alternative, attachment = message.iter_parts()
        assert alternative.get_content_type() == "multipart/alternative"
        plain, html = alternative.iter_parts()
        assert plain.get_content_type() == "text/plain"
        assert html.get_content_type() == "text/html"
        assert plain.get_content_charset() == html.get_content_charset() == "utf-8"
        assert attachment.get_content_type() == "application/pdf"
        assert attachment.get_content_disposition() == "attachment"
        assert attachment.get_filename() == "morning-brief-2025-03-04.pdf"
        assert attachment.get_content() == pdf
        # Headers.
        top = s.brief.stories[0].headline
        assert message["Subject"] == f"Morning Brief: {top}, and {len(s.brief.stories) - 1} more"
        assert message["From"] == SENDER
        assert message["To"] == recipient
        assert message["Reply-To"] == "editors@news.example"
        assert message["MIME-Version"] == "1.0"
        assert email.utils.parsedate_to_datetime(message["Date"]).tzinfo is not None
        message_id = message["Message-ID"]
        assert message_id.startswith("<") and message_id.endswith("@news.example>")
        message_ids.add(message_id)
        # List-Unsubscribe: written as is, on one line (not folded, not encoded).
        unsubscribe = (
            b"List-Unsubscribe: <mailto:unsubscribe@news.example?subject=unsubscribe>, "
            b"<https://news.example/unsubscribe?list=morning&u=0123456789abcdef"
            b"0123456789abcdef0123456789abcdef>\r\n"
        )
        assert unsubscribe in item.data
        assert b"List-Unsubscribe-Post: List-Unsubscribe=One-Click\r\n" in item.data
        assert all(len(line) <= 998 for line in item.data.split(b"\r\n"))
        assert all(len(line) <= 78 for line in plain.as_bytes().split(b"\n")[3:])  # QP body
        # Every source URL in both parts.
        text = plain.get_content()
        assert all(url in text for url in urls)
        assert urls <= hrefs(html.get_content())
        assert text.replace("\r\n", "\n") == (s.folder / "brief.txt").read_text(encoding="utf-8")
    assert len(message_ids) == len(RECIPIENTS)
    assert set(outbox_states(s.store, s.brief_id).values()) == {"sent"}

    again = send_brief(s.config, s.store, s.brief_id)
    assert again.sent == [] and sorted(again.already_sent) == sorted(RECIPIENTS)
    assert len(mail_server.received) == len(RECIPIENTS)


def test_without_the_pdf_the_message_is_the_alternative_alone(
    mail_server: MailServer, setup: SetupFactory
) -> None:
    s = setup(mail_server, attach_pdf=False, recipients=("ada@example.org",))
    send_brief(s.config, s.store, s.brief_id)
    message = mail_server.received[0].message
    assert message.get_content_type() == "multipart/alternative"
    assert [p.get_content_type() for p in message.iter_parts()] == ["text/plain", "text/html"]


@pytest.mark.parametrize("code", ["421", "451"])
def test_a_temporary_refusal_is_retried_with_backoff(
    code: str, start_server: ServerFactory, setup: SetupFactory
) -> None:
    server = start_server(script=[code])
    s = setup(server)
    pauses: list[float] = []
    report = send_brief(s.config, s.store, s.brief_id, sleep=pauses.append)

    assert report.sent == list(RECIPIENTS) and report.ok
    assert server.handler.answers[:2] == [code, "ok"]
    assert by_recipient(server.received) == dict.fromkeys(RECIPIENTS, 1)
    assert pauses == [0.01]
    [attempts] = [row.attempts for row in s.store.outbox.rows(s.brief_id)
                  if row.recipient == RECIPIENTS[0]]
    assert attempts == 2


def test_temporary_refusals_stop_after_max_attempts(
    start_server: ServerFactory, setup: SetupFactory
) -> None:
    server = start_server(script=["451", "451", "451"])
    s = setup(server, recipients=("ada@example.org",))
    pauses: list[float] = []
    report = send_brief(s.config, s.store, s.brief_id, sleep=pauses.append)

    assert pauses == [0.01, 0.02]  # exponential backoff between the three attempts
    assert "gave up after 3 attempts" in report.failed["ada@example.org"]
    assert server.received == []


def test_a_permanent_refusal_is_recorded_and_not_retried(
    start_server: ServerFactory, setup: SetupFactory
) -> None:
    server = start_server(script=["550"])
    s = setup(server)
    report = send_brief(s.config, s.store, s.brief_id, sleep=lambda _: None)

    assert server.handler.answers == ["550", "ok", "ok"]  # no second try for the first
    assert "550" in report.failed[RECIPIENTS[0]] and not report.ok
    assert report.sent == list(RECIPIENTS[1:])
    assert outbox_states(s.store, s.brief_id)[RECIPIENTS[0]] == "failed"

    send_brief(s.config, s.store, s.brief_id)  # a later run leaves it failed
    assert server.handler.answers == ["550", "ok", "ok"]


def test_a_connection_dropped_after_data_is_unknown_and_not_resent(
    start_server: ServerFactory, setup: SetupFactory
) -> None:
    server = start_server(script=["drop"])
    s = setup(server)
    report = send_brief(s.config, s.store, s.brief_id)

    first = RECIPIENTS[0]
    assert first in report.unknown and "after the message was sent" in report.unknown[first]
    assert report.sent == list(RECIPIENTS[1:])
    assert outbox_states(s.store, s.brief_id)[first] == "unknown"

    later = send_brief(s.config, s.store, s.brief_id)
    assert later.sent == [] and first in later.unknown
    assert by_recipient(server.received)[first] == 1
    assert any("--retry-unknown" in line for line in later.lines())

    resent = send_brief(s.config, s.store, s.brief_id, retry_unknown=True)
    assert resent.sent == [first] and resent.ok
    copies = [item.message for item in server.received if item.rcpt_tos == [first]]
    assert len(copies) == 2  # on purpose, with the same Message-ID so it can be deduplicated
    assert copies[0]["Message-ID"] == copies[1]["Message-ID"]


def test_no_server_is_retried_then_reported_and_rows_stay_pending(
    setup: SetupFactory,
) -> None:
    from .conftest import free_port

    s = setup(None, port=free_port())
    pauses: list[float] = []
    with pytest.raises(DeliveryError, match="cannot connect"):
        send_brief(s.config, s.store, s.brief_id, sleep=pauses.append)
    assert pauses == [0.01, 0.02]
    assert set(outbox_states(s.store, s.brief_id).values()) == {"pending"}


def test_two_senders_racing_never_send_twice(
    mail_server: MailServer, setup: SetupFactory
) -> None:
    recipients = tuple(f"reader{n}@example.org" for n in range(12))
    s = setup(mail_server, recipients=recipients)
    barrier = threading.Barrier(3)
    reports = []
    errors: list[BaseException] = []

    def sender() -> None:
        try:
            with open_storage(s.config.paths.store) as store:
                barrier.wait(5)
                reports.append(send_brief(s.config, store, s.brief_id))
        except BaseException as error:  # surfaced below
            errors.append(error)

    threads = [threading.Thread(target=sender) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert not errors
    assert by_recipient(mail_server.received) == dict.fromkeys(recipients, 1)
    sent = [who for report in reports for who in report.sent]
    assert sorted(sent) == sorted(recipients)


def test_dry_run_writes_eml_files_outside_the_published_archive(
    mail_server: MailServer, setup: SetupFactory
) -> None:
    s = setup(mail_server)
    report = send_brief(s.config, s.store, s.brief_id, dry_run=True)

    assert [p.name for p in report.files] == [f"email-{r}.eml" for r in RECIPIENTS]
    expected = dry_run_folder(s.config) / "morning" / s.folder.name
    assert all(path.parent == expected for path in report.files)
    assert not list(s.config.paths.out.rglob("*.eml"))  # `briefing serve` can never serve them
    assert sorted(p.name for p in s.folder.iterdir()) == [
        "brief.html", "brief.json", "brief.pdf", "brief.txt", "index.html"
    ]  # the brief's own folder is untouched
    assert mail_server.received == []
    assert outbox_states(s.store, s.brief_id) == {}
    parsed = Received("", [], report.files[0].read_bytes()).message
    assert parsed["To"] == RECIPIENTS[0] and parsed.get_content_type() == "multipart/mixed"


def test_bcc_mode_sends_one_message_with_hidden_recipients(
    mail_server: MailServer, setup: SetupFactory
) -> None:
    s = setup(mail_server, mode="bcc")
    report = send_brief(s.config, s.store, s.brief_id)

    assert sorted(report.sent) == sorted(RECIPIENTS)
    assert len(mail_server.received) == 1
    item = mail_server.received[0]
    assert sorted(item.rcpt_tos) == sorted(RECIPIENTS)
    assert item.message["To"] == SENDER and item.message["Bcc"] is None
    assert not any(r.encode() in item.data for r in RECIPIENTS)
    assert set(outbox_states(s.store, s.brief_id).values()) == {"sent"}


SECRET = "pa55-Very-Secret-7f3a9"


def test_credentials_come_from_the_environment_and_are_never_logged(
    start_server: ServerFactory,
    setup: SetupFactory,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
    capfd: pytest.CaptureFixture[str],
    pki: Pki,
) -> None:
    server = start_server(login=("mailer", SECRET), starttls=pki.server_context)
    tls = {"security": "starttls", "ca_file": str(pki.ca_file)}
    s = setup(server, username_env="TEST_SMTP_USER", password_env="TEST_SMTP_PASSWORD", **tls)
    monkeypatch.setenv("TEST_SMTP_USER", "mailer")
    monkeypatch.setenv("TEST_SMTP_PASSWORD", SECRET)
    caplog.set_level(logging.DEBUG)

    report = send_brief(s.config, s.store, s.brief_id)
    assert report.sent == list(RECIPIENTS)
    assert ("mailer", SECRET) in server.handler.logins

    monkeypatch.setenv("TEST_SMTP_PASSWORD", SECRET + "-wrong")
    s2 = setup(server, username_env="TEST_SMTP_USER", password_env="TEST_SMTP_PASSWORD", **tls)
    with pytest.raises(DeliveryError, match="refused the login") as failure:
        send_brief(s2.config, s2.store, s2.brief_id)
    printed = "".join(traceback.format_exception(failure.value))
    recorded = " ".join(str(row.last_error) for brief_id in (s.brief_id, s2.brief_id)
                        for row in s.store.outbox.rows(brief_id))
    out, err = capfd.readouterr()
    for place in (caplog.text, printed, recorded, out, err, str(failure.value)):
        assert SECRET not in place


def test_a_missing_credential_variable_is_named_not_guessed(
    mail_server: MailServer, setup: SetupFactory
) -> None:
    s = setup(mail_server, username_env="NO_SUCH_USER_VAR", password_env="NO_SUCH_PASS_VAR")
    with pytest.raises(DeliveryError, match=r"\$NO_SUCH_USER_VAR"):
        send_brief(s.config, s.store, s.brief_id)
    assert mail_server.received == []


def test_the_config_checks_the_smtp_table(tmp_path: Path) -> None:
    from briefing.errors import ConfigError

    from .conftest import write_config

    cases: dict[str, tuple[object, str]] = {
        "security": ("ssl", "smtp.security"),
        "mode": ("cc", "smtp.mode"),
        "max_attempts": (0, "smtp.max_attempts"),
        "from_address": ("not an address", "smtp.from_address"),
        "list_unsubscribe_url": ("http://plain.example/u", "list_unsubscribe_url"),
    }
    for key, (value, message) in cases.items():
        with pytest.raises(ConfigError, match=message):
            load_config(write_config(tmp_path, None, **{key: value}))  # type: ignore[arg-type]
    with pytest.raises(ConfigError, match="only allowed for a loopback host"):
        load_config(write_config(tmp_path, None, host="smtp.example.com", security="none"))
    with pytest.raises(ConfigError, match="recipients"):
        load_config(write_config(tmp_path, None, recipients=("nobody",)))
    config = load_config(write_config(tmp_path, None, host="::1", security="none"))
    assert config.smtp.host == "::1" and config.profile("morning").recipients == RECIPIENTS
    assert load_config(cwd=tmp_path / "nowhere").smtp.effective_port == 587


def test_a_server_that_never_answers_times_out(setup: SetupFactory) -> None:
    import socket
    import time

    with socket.socket() as silent:  # accepts connections (backlog) and never says a word
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)
        s = setup(None, port=silent.getsockname()[1], timeout=0.2, max_attempts=2)
        started = time.monotonic()
        with pytest.raises(DeliveryError, match="timed out"):
            send_brief(s.config, s.store, s.brief_id)
        assert time.monotonic() - started < 3
    assert set(outbox_states(s.store, s.brief_id).values()) == {"pending"}


def test_dry_run_dir_is_configurable_and_never_inside_the_archive(
    tmp_path: Path, setup: SetupFactory
) -> None:
    from briefing.errors import ConfigError

    from .conftest import write_config

    elsewhere = tmp_path / "outbox-preview"
    s = setup(None, dry_run_dir=str(elsewhere))
    report = send_brief(s.config, s.store, s.brief_id, dry_run=True)
    assert report.files and all(elsewhere in path.parents for path in report.files)
    with pytest.raises(ConfigError, match=r"smtp\.dry_run_dir .* is inside paths\.out"):
        load_config(write_config(tmp_path, None, dry_run_dir=str(tmp_path / "out" / "eml")))
    # A store kept inside the archive would put the default folder there: refused too.
    config = load_config(write_config(tmp_path, None))
    inside = dataclasses.replace(config, paths=dataclasses.replace(config.paths, out=tmp_path))
    with pytest.raises(DeliveryError, match="would be in the published archive"):
        send_brief(inside, s.store, s.brief_id, dry_run=True)
