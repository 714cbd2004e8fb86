"""The email itself: a standards-compliant MIME message for one brief.

::

    multipart/mixed
    ├── multipart/alternative
    │   ├── text/plain; charset=utf-8   (brief.txt)
    │   └── text/html; charset=utf-8    (brief.html, or its size-budgeted version)
    └── application/pdf                 (brief.pdf, unless smtp.attach_pdf = false)

The attachment keeps its name's letters in any script: RFC 2231's
``filename*=utf-8''...`` in Content-Disposition, an ASCII fallback as the
Content-Type ``name`` for clients that know only the old form.

Headers: Subject (from its template: the top story), From, Reply-To, To (with the
reader's display name), Date, Message-ID on the configured domain,
List-Unsubscribe and List-Unsubscribe-Post (RFC 8058). Serialized with CRLF line
ends and a 998-character line limit, so the List-Unsubscribe header stays on one
unencoded line (the email package would fold it at 78 characters otherwise).

A message to an address whose local part is not ASCII ("josé@example.org") is
written for SMTPUTF8 (RFC 6532): its headers in UTF-8, the address as it is. An
RFC 2047 encoded word inside an address, what the usual policy would write, is
invalid, so it is never written.
"""

from __future__ import annotations

import email.policy
import email.utils
import re
import unicodedata
import urllib.parse
from dataclasses import dataclass
from datetime import datetime
from email.headerregistry import Address
from email.message import EmailMessage

from briefing.addresses import Mailbox

#: Bodies are encoded under the usual 78-column policy (quoted-printable lines stay
#: within RFC 2045's 76); the message is *written* with RFC 5322's hard limit, 998,
#: so no header is folded (none comes near it).
BUILD_POLICY = email.policy.SMTP
POLICY = email.policy.SMTP.clone(max_line_length=998)
#: The same, for a message sent with SMTPUTF8: headers as UTF-8, never encoded words.
UTF8_BUILD_POLICY = email.policy.SMTPUTF8
UTF8_POLICY = email.policy.SMTPUTF8.clone(max_line_length=998)
#: What RFC 2231 (and 5987) leave unencoded in a parameter value, besides letters and digits.
_ATTR_CHARS = "!#$&+-.^_`|~"


@dataclass(frozen=True)
class EmailContent:
    """What every copy of one brief's email shares."""

    subject: str
    text: str
    html: str
    pdf: bytes | None = None
    #: The attachment's name as readers should see it (any script).
    pdf_filename: str = "brief.pdf"
    #: Its ASCII form for mail clients that cannot read RFC 2231 names; None: derived.
    pdf_ascii_filename: str | None = None


@dataclass(frozen=True)
class Envelope:
    """The headers that identify one message."""

    from_address: str
    #: The To header: the reader's mailbox (the sender's own in Bcc mode).
    to: Mailbox
    message_id: str
    date: datetime
    reply_to: str | None = None
    unsubscribe_mailto: str | None = None
    unsubscribe_url: str | None = None
    #: Write the headers for SMTPUTF8 even if ``to`` does not need it (a Bcc list does).
    smtputf8: bool = False

    @property
    def utf8(self) -> bool:
        """Whether the message needs SMTPUTF8 (an address with a non-ASCII local part)."""
        return self.smtputf8 or self.to.needs_smtputf8


def make_message_id(domain: str) -> str:
    """A fresh ``<unique@domain>`` Message-ID."""
    return email.utils.make_msgid(domain=domain)


def build_message(content: EmailContent, envelope: Envelope) -> EmailMessage:
    """The MIME message for ``content`` addressed as ``envelope`` says."""
    message = EmailMessage(policy=UTF8_BUILD_POLICY if envelope.utf8 else BUILD_POLICY)
    message["Subject"] = content.subject
    message["From"] = envelope.from_address
    message["To"] = header_address(envelope.to)
    if envelope.reply_to:
        message["Reply-To"] = envelope.reply_to
    message["Date"] = email.utils.format_datetime(envelope.date)
    message["Message-ID"] = envelope.message_id
    unsubscribe = list_unsubscribe(envelope.unsubscribe_mailto, envelope.unsubscribe_url)
    if unsubscribe:
        message["List-Unsubscribe"] = unsubscribe
        if envelope.unsubscribe_url:  # one-click needs an https URI (RFC 8058)
            message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    message["MIME-Version"] = "1.0"
    message.set_content(content.text, subtype="plain", charset="utf-8", cte="quoted-printable")
    message.add_alternative(content.html, subtype="html", charset="utf-8", cte="quoted-printable")
    if content.pdf is not None:
        fallback = content.pdf_ascii_filename or ascii_filename(content.pdf_filename)
        message.add_attachment(
            content.pdf, maintype="application", subtype="pdf", filename=fallback
        )
        if content.pdf_filename != fallback:
            *_, attachment = message.iter_attachments()
            assert isinstance(attachment, EmailMessage)
            name_attachment(attachment, content.pdf_filename, fallback)
    return message


def name_attachment(part: EmailMessage, filename: str, fallback: str) -> None:
    """Name ``part`` ``filename`` (any script) for readers, ``fallback`` (ASCII) for the rest.

    Content-Disposition carries the RFC 2231 form (``filename*=utf-8''...``), which
    mail clients and Python's email package read in full; Content-Type's ``name``
    carries the ASCII fallback, which clients that know only the old form use.
    """
    encoded = urllib.parse.quote(filename, safe=_ATTR_CHARS)
    # Stored raw: the header parser would fold both forms into one plain filename.
    # Short enough (names are capped) never to be refolded under POLICY's limit.
    del part["Content-Disposition"]
    part.set_raw("Content-Disposition", f"attachment; filename*=utf-8''{encoded}")
    part.set_param("name", fallback, header="Content-Type")


def ascii_filename(filename: str) -> str:
    """``filename`` in ASCII: accents dropped, other characters gone, spaces as "-"."""
    plain = unicodedata.normalize("NFKD", filename).encode("ascii", "ignore").decode()
    plain = re.sub(r"[^A-Za-z0-9._-]+", "-", plain).strip("-.")
    return plain if plain and not plain.startswith(".") else "brief.pdf"


def list_unsubscribe(mailto: str | None, url: str | None) -> str | None:
    """``<mailto:...>, <https://...>``: either or both, or None."""
    parts = []
    if mailto:
        parts.append(f"<mailto:{mailto.removeprefix('mailto:')}?subject=unsubscribe>")
    if url:
        parts.append(f"<{url}>")
    return ", ".join(parts) or None


def header_address(mailbox: Mailbox) -> Address:
    """``mailbox`` for a header: the ASCII form when there is one (an IDNA domain), its
    display name encoded or quoted by the email package as needed."""
    local, _, domain = mailbox.wire_address.rpartition("@")
    return Address(display_name=mailbox.display_name, username=local, domain=domain)


def message_bytes(message: EmailMessage) -> bytes:
    """The message as sent: CRLF line ends, headers unfolded below 998 characters."""
    utf8 = bool(getattr(message.policy, "utf8", False))
    return message.as_bytes(policy=UTF8_POLICY if utf8 else POLICY)
