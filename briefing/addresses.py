"""Email addresses as people write them: "ann@example.net", "Ann Reader <ann@example.net>",
"José Núñez <josé@example.org>".

``parse_mailbox`` checks the address itself with ``email-validator`` (syntax
only: no DNS lookup) and splits off the display name. A display name may hold
any printable Unicode (it is encoded for the header as RFC 2047 asks, or sent as
UTF-8 with SMTPUTF8); the address may be internationalized:

* a non-ASCII domain ("ann@bücher.example") has an all-ASCII form
  ("ann@xn--bcher-kva.example"), which every server takes;
* a non-ASCII local part ("josé@example.org") has none: such a message can only
  go to a server that offers SMTPUTF8 (RFC 6531), with its headers in UTF-8.

The address (``Mailbox.address``, normalized: the domain in lower case) is a
recipient's identity: "Ann <ann@example.net>" and "ann@example.net" are the
same reader, so a display name added later never makes a second copy.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

__all__ = ["AddressError", "Mailbox", "parse_mailbox"]

# "Name <address>": the name may be quoted; nothing may follow the closing bracket.
_NAME_ADDR = re.compile(r'\s*(?P<name>"(?:[^"\\]|\\.)*"|[^<>"]*?)\s*<(?P<addr>[^<>]*)>\s*')


class AddressError(ValueError):
    """Not an email address; the message says why, in words."""


@dataclass(frozen=True, slots=True)
class Mailbox:
    """One parsed address, with its display name ("" when none)."""

    address: str
    display_name: str = ""
    #: The all-ASCII form (IDNA domain), or None when the local part is not ASCII.
    ascii_address: str | None = None

    @property
    def needs_smtputf8(self) -> bool:
        """Only a server offering SMTPUTF8 can take this address."""
        return self.ascii_address is None

    @property
    def wire_address(self) -> str:
        """The address for MAIL FROM / RCPT TO and headers: ASCII whenever it can be."""
        return self.ascii_address or self.address

    @property
    def local_part(self) -> str:
        return self.wire_address.rpartition("@")[0]

    @property
    def domain(self) -> str:
        return self.wire_address.rpartition("@")[2]

    def __str__(self) -> str:
        """As it would be written in the config: "Ann Reader <ann@example.net>"."""
        if not self.display_name:
            return self.address
        name = self.display_name
        if re.search(r'[()<>\[\]:;@\\,."]', name):
            name = '"' + name.replace("\\", "\\\\").replace('"', '\\"') + '"'
        return f"{name} <{self.address}>"


def parse_mailbox(text: str) -> Mailbox:
    """The mailbox ``text`` names; ``AddressError`` saying what is wrong otherwise."""
    if not isinstance(text, str) or not text.strip():
        raise AddressError("an empty address")
    if any(unicodedata.category(ch) in ("Cc", "Cf", "Zl", "Zp") for ch in text):
        raise AddressError("it contains a control character or a line break")
    match = _NAME_ADDR.fullmatch(text)
    if match is not None:
        name, address = _unquote(match.group("name")), match.group("addr").strip()
    elif "<" in text or ">" in text:
        raise AddressError('write "Name <address>" or the bare address')
    else:
        name, address = "", text.strip()
    # Imported here: email_validator's tables cost 50 ms, which `briefing --help` must not pay.
    from email_validator import EmailNotValidError, validate_email

    try:
        checked = validate_email(
            address, check_deliverability=False, allow_smtputf8=True,
            allow_display_name=False, allow_domain_literal=False, allow_quoted_local=False,
        )
    except EmailNotValidError as error:
        raise AddressError(str(error).rstrip(".")) from None
    return Mailbox(address=checked.normalized, display_name=" ".join(name.split()),
                   ascii_address=checked.ascii_email)


def _unquote(name: str) -> str:
    if len(name) >= 2 and name.startswith('"') and name.endswith('"'):
        return re.sub(r"\\(.)", r"\1", name[1:-1])
    return name
