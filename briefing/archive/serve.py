"""``briefing serve``: the archive over HTTP on 127.0.0.1, for browsing.

The standard library's file handler, narrowed: it binds to loopback only
(the archive is for the person at this machine, not the network), serves
files under out/ only (a request naming ``..`` or reaching outside through
a symlink gets 403), and lists no folders (temporary files stay private).
"""

from __future__ import annotations

import http.server
import urllib.parse
from functools import partial
from pathlib import Path
from typing import Any

HOST = "127.0.0.1"


class ArchiveHandler(http.server.SimpleHTTPRequestHandler):
    server_version = "briefing-archive"

    def __init__(self, *args: Any, directory: str, **kwargs: Any) -> None:
        self.root = Path(directory).resolve()
        super().__init__(*args, directory=directory, **kwargs)

    def send_head(self) -> Any:
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
        return super().send_head()

    def list_directory(self, path: str | Path) -> None:
        self.send_error(404, "no listing; open index.html")
        return None

    def log_message(self, format: str, *args: Any) -> None:
        # The library never prints; the CLI may subclass to log requests.
        return None


def make_server(out_root: Path, port: int = 8000) -> http.server.ThreadingHTTPServer:
    """A server for ``out_root`` on 127.0.0.1:``port`` (0 picks a free port); not started."""
    handler = partial(ArchiveHandler, directory=str(out_root))
    return http.server.ThreadingHTTPServer((HOST, port), handler)


def server_url(server: http.server.ThreadingHTTPServer) -> str:
    host, port = server.server_address[:2]
    return f"http://{host}:{port}/"

