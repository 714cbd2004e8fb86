"""``briefing serve``'s server: loopback only, out/ only."""

from __future__ import annotations

import http.client
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from briefing.archive import make_server


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[Path, int]]:
    out = tmp_path / "out"
    (out / "default" / "2026-11-20").mkdir(parents=True)
    (out / "index.html").write_text("<h1>archive</h1>", encoding="utf-8")
    (out / "default" / "2026-11-20" / "brief.pdf").write_bytes(b"%PDF-1.4 x")
    (tmp_path / "secret.txt").write_text("outside", encoding="utf-8")
    (out / "link").symlink_to(tmp_path / "secret.txt")
    server = make_server(out, 0)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield out, server.server_address[1]
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


def _get(port: int, path: str) -> tuple[int, bytes]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    try:
        # http.client sends the path exactly as given: no client-side normalisation.
        connection.request("GET", path)
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


def test_serves_the_archive_on_loopback(served: tuple[Path, int]) -> None:
    _, port = served
    assert _get(port, "/") == (200, b"<h1>archive</h1>")
    assert _get(port, "/index.html")[0] == 200
    status, body = _get(port, "/default/2026-11-20/brief.pdf")
    assert status == 200 and body.startswith(b"%PDF")


def test_binds_to_loopback_only(tmp_path: Path) -> None:
    server = make_server(tmp_path, 0)
    try:
        assert server.server_address[0] == "127.0.0.1"
    finally:
        server.server_close()


@pytest.mark.parametrize(
    "path",
    ["/../secret.txt", "/%2e%2e/secret.txt", "/default/../../secret.txt",
     "/default/%2E%2E/%2E%2E/secret.txt", "/..%5csecret.txt", "/link"],
)
def test_refuses_paths_outside_out(served: tuple[Path, int], path: str) -> None:
    _, port = served
    status, body = _get(port, path)
    assert status == 403, (path, status)
    assert b"outside" not in body.replace(b"outside the archive", b"")


def test_lists_no_folders(served: tuple[Path, int]) -> None:
    _, port = served
    assert _get(port, "/default/")[0] == 404
    assert _get(port, "/missing.html")[0] == 404
