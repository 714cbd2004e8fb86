"""What counts as a public address: one definition, for fetching and for links.

Two callers share it:

- the fetcher's SSRF guard (``briefing.collect.fetch``) resolves a host and
  refuses it when any address it resolves to is not public
  (``non_public_kind``), unless a ``fetch.allow_private`` entry names that
  host or range *and the port* (``AllowEntry``);
- the renderers turn a source's address into a link only when
  ``is_public_http_url`` holds. Nothing is resolved there (rendering never
  touches the network), so the address is judged by how it is written: an IP
  literal in any spelling a browser accepts (``http://2852039166/`` is
  169.254.169.254, ``http://0x7f.1/`` is 127.0.0.1) and the names reserved for
  local networks (``localhost``, ``*.local``, ``*.internal``, single-label
  names...) are not public.
"""

from __future__ import annotations

import ipaddress
import re
import unicodedata
import urllib.parse
from dataclasses import dataclass

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network

#: Top-level names that only ever mean "a machine on this network" (RFC 6761, 6762,
#: 8375, and the suffixes routers and cloud providers hand out).
LOCAL_SUFFIXES = (
    "localhost", "local", "internal", "intranet", "lan", "home", "corp", "localdomain",
    "home.arpa", "private",
)


def non_public_kind(address: IPAddress) -> str | None:
    """What makes ``address`` unfit to fetch or link ("loopback", "private"...), or None."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        return non_public_kind(address.ipv4_mapped)  # ::ffff:127.0.0.1 is loopback
    checks = [
        ("loopback", address.is_loopback),
        ("link-local", address.is_link_local),
        ("multicast", address.is_multicast),
        ("unspecified", address.is_unspecified),
        ("reserved", address.is_reserved),
        ("private", address.is_private),
    ]
    for kind, hit in checks:
        if hit:
            return kind
    return None if address.is_global else "non-public"


def parse_address(text: str) -> IPAddress:
    """An IP address from its text (an IPv6 zone id is dropped); raises ValueError."""
    return ipaddress.ip_address(text.split("%", 1)[0])


# -- links --------------------------------------------------------------------------


def is_public_http_url(url: str | None) -> bool:
    """True when ``url`` is an absolute http(s) URL whose host is, as written, public.

    False for any other scheme, for a missing or malformed host, for IP literals
    that are not global (in dotted, integer, octal or hex form, IPv6 included)
    and for names of local networks. Public-looking names are not resolved.
    """
    if not url or _has_space_or_control(url):
        return False
    try:
        parts = urllib.parse.urlsplit(url)
        parts.port  # noqa: B018 -- raises ValueError for a malformed port
    except ValueError:
        return False
    if parts.scheme.lower() not in ("http", "https"):
        return False
    host = _host_as_browsers_read_it(parts.netloc)
    return host is not None and _is_public_host(host)


_ASCII_SPACE_OR_CONTROL = re.compile(r"[\x00-\x20\x7f]")


def _has_space_or_control(url: str) -> bool:
    if url.isascii():  # the common case, in one regular-expression scan
        return _ASCII_SPACE_OR_CONTROL.search(url) is not None
    return any(ch.isspace() or ord(ch) < 0x20 or ord(ch) == 0x7F for ch in url)


def _host_as_browsers_read_it(netloc: str) -> str | None:
    """The host part of ``netloc``, normalized the way a browser maps it; None if unusable."""
    host = netloc.rpartition("@")[2]
    if host.startswith("["):
        end = host.find("]")
        return host[1:end].lower() if end > 0 else None
    host = host.partition(":")[0]
    if not host or "%" in host or "\\" in host:
        return None  # percent-encoded or odd hosts are decoded differently by each client
    # IDNA maps full-width digits and ideographic full stops to ASCII: "１２７。０。０。１".
    host = unicodedata.normalize("NFKC", host)
    for dot in ("\u3002", "\uff0e", "\uff61"):
        host = host.replace(dot, ".")
    return host.lower().rstrip(".")


def _is_public_host(host: str) -> bool:
    if not host:
        return False
    if ":" in host:  # an IPv6 literal
        try:
            return non_public_kind(parse_address(host)) is None
        except ValueError:
            return False
    labels = host.split(".")
    if _looks_numeric(labels[-1]):
        # WHATWG URL parsing: a host ending in a number is an IPv4 address, in any radix.
        address = _whatwg_ipv4(labels)
        return address is not None and non_public_kind(address) is None
    if len(labels) < 2 or any(not label for label in labels):
        return False  # "intranet", "metadata": single-label names resolve locally
    return not any(host == suffix or host.endswith("." + suffix) for suffix in LOCAL_SUFFIXES)


def _looks_numeric(label: str) -> bool:
    if label.lower().startswith("0x"):
        return all(ch in "0123456789abcdefABCDEF" for ch in label[2:])
    return label.isascii() and label.isdigit()


def _whatwg_ipv4(labels: list[str]) -> ipaddress.IPv4Address | None:
    """The IPv4 address a browser reads from ``labels`` ("0x7f", "1" -> 127.0.0.1), or None."""
    if len(labels) > 4:
        return None
    numbers: list[int] = []
    for label in labels:
        try:
            if label.lower().startswith("0x"):
                numbers.append(int(label[2:] or "0", 16))
            elif len(label) > 1 and label.startswith("0"):
                numbers.append(int(label, 8))
            else:
                numbers.append(int(label, 10))
        except ValueError:
            return None
    *head, last = numbers
    if any(part > 255 for part in head) or last >= 256 ** (5 - len(numbers)):
        return None
    value = last
    for index, part in enumerate(head):
        value += part << (8 * (3 - index))
    return ipaddress.IPv4Address(value)


# -- allow-list entries ---------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class AllowEntry:
    """One ``fetch.allow_private`` entry: a host name or an address range, and one port."""

    port: int
    host: str | None = None  # a lower-case name without trailing dot
    network: IPNetwork | None = None

    def admits_host(self, host: str, port: int) -> bool:
        """This entry names ``host`` itself (any address it resolves to) on ``port``."""
        return self.host is not None and port == self.port and self.host == _name(host)

    def admits_address(self, address: IPAddress, port: int) -> bool:
        """This entry's range holds ``address``, on ``port``."""
        if self.network is None or port != self.port:
            return False
        if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
            address = address.ipv4_mapped
        return address.version == self.network.version and address in self.network

    def __str__(self) -> str:
        if self.network is None:
            return f"{self.host}:{self.port}"
        if self.network.version == 6:
            return f"[{self.network}]:{self.port}"
        return f"{self.network}:{self.port}"


def parse_allow_entry(text: str) -> AllowEntry:
    """``"intranet.example:8080"``, ``"10.0.0.0/8:443"``, ``"[fd00::/8]:443"`` -> an entry.

    Raises ValueError with a short reason when ``text`` is not "host:port" or
    "address-or-range:port" (IPv6 in brackets).
    """
    text = text.strip()
    if text.startswith("["):
        inside, bracket, rest = text[1:].partition("]")
        if not bracket or not rest.startswith(":"):
            raise ValueError("an IPv6 address or range must be written [range]:port")
        where, port_text = inside, rest[1:]
    else:
        where, colon, port_text = text.rpartition(":")
        if not colon or ":" in where:
            raise ValueError("name a port: host:port or range:port")
    port = _port(port_text)
    try:
        network = ipaddress.ip_network(where.split("%", 1)[0], strict=False)
    except ValueError:
        network = None
    if network is not None:
        return AllowEntry(port=port, network=network)
    name = _name(where)
    if not name or not all(_is_label(label) for label in name.split(".")):
        raise ValueError("neither a host name nor an address or CIDR range")
    return AllowEntry(port=port, host=name)


def _port(text: str) -> int:
    if not text.isascii() or not text.isdigit() or not 0 < int(text) < 65536:
        raise ValueError("the port must be a number from 1 to 65535")
    return int(text)


def _name(host: str) -> str:
    return host.lower().rstrip(".")


def _is_label(label: str) -> bool:
    return (
        0 < len(label) <= 63
        and label.isascii()
        and all(ch.isalnum() or ch == "-" for ch in label)
        and not label.startswith("-")
        and not label.endswith("-")
    )
