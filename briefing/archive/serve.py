"""``briefing serve``: the archive over HTTP on 127.0.0.1, for browsing.

The standard library's file handler, narrowed:

- it binds to loopback only (the archive is for the person at this machine);
- it answers only requests whose Host is the address it serves (127.0.0.1,
  localhost, or a name listed in ``archive.allowed_hosts``), so a web page
  that rebinds its own name to 127.0.0.1 (DNS rebinding) cannot read the
  archive from a visitor's browser: its requests carry its own name;
- it serves files under out/ only (a request naming ``..`` or reaching
  outside through a symlink gets 403), lists no folders, and never serves
  what is not meant for readers: dotfiles and dot-folders, temporary files and
  folders (``*.tmp``, where atomic writes stage their output) and ``.eml``
  files (``send --dry-run`` writes whole messages, recipients included);
- feed.xml goes out as ``application/atom+xml``, and /favicon.ico (asked for by
  pages that name no icon) as the archive's SVG icon;
- every answer says ``X-Content-Type-Options: nosniff`` and carries a
  restrictive Content-Security-Policy (scripts and styles from the archive
  itself, nothing else loaded, no framing, no form posting), so an article's
  text that slipped into a page could not run or phone home.
"""

from __future__ import annotations

import http.server
import os
import urllib.parse
from collections.abc import Iterable
from functools import partial
from pathlib import Path
from typing import Any

from briefing.archive.site import FAVICON

HOST = "127.0.0.1"
#: Host names always answered: the address served, and its usual name.
LOCAL_NAMES = frozenset({"127.0.0.1", "localhost"})
#: What archive pages may load: their own scripts, CSS and images; inline styles
#: (the email-ready brief.html is styled inline); nothing from elsewhere.
CONTENT_SECURITY_POLICY = (
    "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; font-src 'self'; base-uri 'none'; form-action 'none'; "
    "frame-ancestors 'none'"
)
#: Suffixes never served: messages written by ``send --dry-run``, staging files.
PRIVATE_SUFFIXES = (".eml", ".tmp")
ATOM_TYPE = "application/atom+xml"


class ArchiveHandler(http.server.SimpleHTTPRequestHandler):
    server_version = "briefing-archive"

    def __init__(
        self, *args: Any, directory: str, host_names: frozenset[str] = LOCAL_NAMES, **kwargs: Any
    ) -> None:
        self.root = Path(directory).resolve()
        self.host_names = host_names
        super().__init__(*args, directory=directory, **kwargs)

    def send_head(self) -> Any:
        self._sending_pdf = False
        if not self._host_is_served():
            self.send_error(421, "this server answers only for its own address")
            return None
        # The stock translate_path quietly drops ".." segments; refusing them
        # outright makes an attempt visible (403) instead of serving something else.
        raw = urllib.parse.unquote(urllib.parse.urlsplit(self.path).path)
        segments = raw.replace("\\", "/").split("/")
        if ".." in segments or "\x00" in raw:
            self.send_error(403, "path outside the archive")
            return None
        target = Path(self.translate_path(self.path)).resolve()
        if target != self.root and self.root not in target.parents:
            self.send_error(403, "path outside the archive")
            return None
        # Judged on what was asked for and on what it resolves to (a link named
        # "brief.html" must not hand out ".secret").
        if _private(segments) or _private(target.relative_to(self.root).parts):
            self.send_error(404, "not found")
            return None
        if raw == "/favicon.ico" and not target.is_file():
            # Browsers ask for it on pages that name no icon (brief.html, a PDF).
            self.path = "/" + FAVICON
        return super().send_head()

    def _host_is_served(self) -> bool:
        host = (self.headers.get("Host") or "").strip().lower()
        if host.startswith("["):
            name = host[: host.find("]") + 1]
        else:
            name = host.rpartition(":")[0] if ":" in host else host
        return name.rstrip(".") in self.host_names

    def end_headers(self) -> None:
        self.send_header("X-Content-Type-Options", "nosniff")
        self.send_header("Referrer-Policy", "no-referrer")
        self.send_header("Cross-Origin-Resource-Policy", "same-origin")
        if not getattr(self, "_sending_pdf", False):  # errors are sent before send_head
            # Chromium's PDF viewer is blocked by default-src 'none'; a PDF runs no
            # page script of ours, so it gets the other headers only.
            self.send_header("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        super().end_headers()

    def guess_type(self, path: str | os.PathLike[str]) -> str:
        # feed.xml is an Atom feed (RFC 4287), not just any XML: feed readers and
        # browsers tell a feed by its type.
        kind = ATOM_TYPE if Path(path).name == "feed.xml" else super().guess_type(path)
        self._sending_pdf = kind == "application/pdf"
        return kind

    def list_directory(self, path: str | os.PathLike[str]) -> None:
        self.send_error(404, "no listing; open index.html")
        return None

    def log_message(self, format: str, *args: Any) -> None:
        # The library never prints; the CLI may subclass to log requests.
        return None


def _private(parts: Iterable[str]) -> bool:
    """Whether a path with these segments is kept from readers (hidden, temporary, .eml)."""
    return any(
        part.startswith(".") or part.lower().endswith(PRIVATE_SUFFIXES) for part in parts if part
    )


def make_server(
    out_root: Path, port: int = 8000, *, allowed_hosts: Iterable[str] = ()
) -> http.server.ThreadingHTTPServer:
    """A server for ``out_root`` on 127.0.0.1:``port`` (0 picks a free port); not started.

    ``allowed_hosts``: names answered besides 127.0.0.1 and localhost.
    """
    names = LOCAL_NAMES | {name.lower().rstrip(".") for name in allowed_hosts}
    handler = partial(ArchiveHandler, directory=str(out_root), host_names=frozenset(names))
    return http.server.ThreadingHTTPServer((HOST, port), handler)


def server_url(server: http.server.ThreadingHTTPServer) -> str:
    host, port = server.server_address[:2]
    return f"http://{host!s}:{port}/"
