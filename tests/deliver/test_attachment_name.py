"""The PDF attachment's name keeps the title's letters in any script (RFC 2231), with an
ASCII fallback for mail clients that only know the old form."""

from __future__ import annotations

import email
import email.policy
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest
from render_samples import make_brief

from briefing.addresses import parse_mailbox
from briefing.config import load_config
from briefing.deliver import send_brief
from briefing.deliver.content import pdf_ascii_filename, pdf_filename
from briefing.deliver.mime import EmailContent, Envelope, build_message, message_bytes
from briefing.storage import open_storage
from briefing.types import Brief

from .conftest import MailServer, record, write_config


def _named(title: str) -> Brief:
    return replace(make_brief(2, title=title), slug="2025-03-04")


@pytest.mark.parametrize(
    ("title", "name", "fallback"),
    [
        ("Morning Brief", "morning-brief-2025-03-04.pdf", "morning-brief-2025-03-04.pdf"),
        ("Ünïcode Brief", "ünïcode-brief-2025-03-04.pdf", "unicode-brief-2025-03-04.pdf"),
        ("Утренний брифинг", "утренний-брифинг-2025-03-04.pdf", "brief-2025-03-04.pdf"),
        ("東京 · 朝刊", "東京-朝刊-2025-03-04.pdf", "brief-2025-03-04.pdf"),
        ("हिन्दी समाचार", "हिन्दी-समाचार-2025-03-04.pdf", "brief-2025-03-04.pdf"),
        ("Brief: ../../etc/passwd\\x", "brief-etc-passwd-x-2025-03-04.pdf",
         "brief-etc-passwd-x-2025-03-04.pdf"),
        ("\u202egnp.exe\u200b Report", "gnp-exe-report-2025-03-04.pdf",
         "gnp-exe-report-2025-03-04.pdf"),
        ("", "brief-2025-03-04.pdf", "brief-2025-03-04.pdf"),
    ],
)
def test_file_names_keep_letters_in_any_script(title: str, name: str, fallback: str) -> None:
    brief = _named(title)
    assert pdf_filename(brief) == name
    assert pdf_ascii_filename(brief) == fallback
    assert pdf_ascii_filename(brief).isascii()


def test_long_titles_make_short_file_names() -> None:
    brief = _named("Сводка новостей " * 30)
    name = pdf_filename(brief)
    assert name.startswith("сводка-новостей-сводка") and name.endswith("-2025-03-04.pdf")
    assert len(name.removesuffix("-2025-03-04.pdf")) <= 60
    assert len(name.encode("utf-8")) < 255  # what a file system accepts as one name


def _attachment(raw: bytes, policy: email.policy.Policy) -> email.message.Message:
    parsed = email.message_from_bytes(raw, policy=policy)
    (pdf,) = [p for p in parsed.walk() if p.get_content_type() == "application/pdf"]
    return pdf


def test_the_message_carries_both_forms_in_ascii_headers() -> None:
    content = EmailContent("Subject", "text", "<p>html</p>", b"%PDF-1.7 x",
                           "утренний-брифинг-2025-03-04.pdf", "brief-2025-03-04.pdf")
    envelope = Envelope("a@example.org", parse_mailbox("b@example.org"), "<id@example.org>",
                        datetime(2025, 3, 4, tzinfo=UTC))
    raw = message_bytes(build_message(content, envelope))
    head = raw.split(b"%PDF")[0]
    assert raw.split(b"\r\n\r\n", 1)[0].isascii()
    assert (b"Content-Disposition: attachment; filename*=utf-8''"
            b"%D1%83%D1%82%D1%80%D0%B5%D0%BD%D0%BD%D0%B8%D0%B9-") in raw
    assert b'Content-Type: application/pdf; name="brief-2025-03-04.pdf"' in head
    # Python's email package, old API and new, reads the full name.
    for policy in (email.policy.default, email.policy.compat32):
        attachment = _attachment(raw, policy)
        assert attachment.get_filename() == "утренний-брифинг-2025-03-04.pdf"
        assert attachment.get_param("name") == "brief-2025-03-04.pdf"
    # An ASCII name needs neither form: a plain filename, as before.
    plain = replace(content, pdf_filename="morning-brief-2025-03-04.pdf",
                    pdf_ascii_filename="morning-brief-2025-03-04.pdf")
    raw = message_bytes(build_message(plain, envelope))
    assert b'Content-Disposition: attachment; filename="morning-brief-2025-03-04.pdf"' in raw
    assert b"filename*" not in raw


def test_a_sent_brief_arrives_with_its_unicode_file_name(
    mail_server: MailServer, rendered_brief: tuple[Brief, Path], tmp_path: Path
) -> None:
    brief, rendered = rendered_brief
    config = load_config(write_config(tmp_path, mail_server))
    with open_storage(config.paths.store) as store:
        brief_id, _ = record(store, replace(brief, title="Ünïcode Brief"), rendered,
                             config.paths.out)
        report = send_brief(config, store, brief_id)
    assert report.ok and mail_server.received
    for item in mail_server.received:
        attachment = _attachment(item.data, email.policy.default)
        assert attachment.get_filename() == "ünïcode-brief-2025-03-04.pdf"
        assert attachment.get_param("name") == "unicode-brief-2025-03-04.pdf"
        assert attachment.get_content() == (rendered / "brief.pdf").read_bytes()
