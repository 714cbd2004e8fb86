"""``briefing serve``'s server: loopback only, out/ only."""

from __future__ import annotations

import dataclasses
import http.client
import json
import threading
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest

from archive.briefs import PORT_STORY, brief_document
from briefing.archive import make_server, update_archive
from briefing.config import Config


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


def _get(port: int, path: str, host: str | None = None) -> tuple[int, bytes]:
    status, _, body = _fetch(port, path, host)
    return status, body


def _fetch(
    port: int, path: str, host: str | None = None
) -> tuple[int, http.client.HTTPMessage, bytes]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    try:
        # http.client sends the path exactly as given: no client-side normalisation.
        if host is None:
            connection.request("GET", path)
        else:
            connection.putrequest("GET", path, skip_host=True)
            if host:
                connection.putheader("Host", host)
            connection.endheaders()
        response = connection.getresponse()
        return response.status, response.headers, response.read()
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


@pytest.mark.parametrize(
    "host",
    ["attacker.example", "attacker.example:{port}", "127.0.0.1.nip.io:{port}", "[::1]:{port}",
     "localhost.attacker.example", "", "127.0.0.2:{port}"],
)
def test_answers_only_for_its_own_address(served: tuple[Path, int], host: str) -> None:
    # A page on another name that rebinds it to 127.0.0.1 sends its own name as Host.
    _, port = served
    status, body = _get(port, "/index.html", host.format(port=port))
    assert status == 421
    assert b"archive</h1>" not in body


def test_local_names_and_configured_names_are_answered(tmp_path: Path) -> None:
    (tmp_path / "index.html").write_text("<h1>archive</h1>", encoding="utf-8")
    server = make_server(tmp_path, 0, allowed_hosts=["Briefs.Example."])
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        port = server.server_address[1]
        for host in (f"127.0.0.1:{port}", f"localhost:{port}", "LOCALHOST", "briefs.example",
                     "briefs.example:443"):
            assert _get(port, "/index.html", host) == (200, b"<h1>archive</h1>"), host
        assert _get(port, "/index.html", "other.example")[0] == 421
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


def test_never_serves_hidden_temporary_or_mail_files(served: tuple[Path, int]) -> None:
    out, port = served
    day = out / "default" / "2026-11-20"
    private = {
        ".hidden.html": "hidden",
        ".git/config": "[core]",
        "default/2026-11-20/.brief.pdf.x1y2.tmp": "half-written",
        "default/2026-11-20/brief.html.tmp": "staging",
        "staging.tmp/index.html": "staging folder",
        "default/2026-11-20/email-desk-example.org.eml": "To: desk@example.org",
        "default/2026-11-20/OLD.EML": "To: desk@example.org",
    }
    for name, text in private.items():
        (out / name).parent.mkdir(parents=True, exist_ok=True)
        (out / name).write_text(text, encoding="utf-8")
    (day / "innocent.html").symlink_to(out / ".hidden.html")  # a link inside out/ to a dotfile
    for name, text in private.items():
        for path in (f"/{name}", "/" + name.replace(".", "%2e", 1)):
            status, body = _get(port, path)
            assert status == 404, path
            assert text.encode() not in body
    assert _get(port, "/default/2026-11-20/innocent.html")[0] == 404
    assert _get(port, "/default/2026-11-20/brief.pdf")[0] == 200


def test_answers_say_nosniff_and_carry_a_restrictive_policy(served: tuple[Path, int]) -> None:
    _, port = served
    for path in ("/index.html", "/missing.html", "/default/2026-11-20/brief.pdf"):
        _, headers, _ = _fetch(port, path)
        assert headers["X-Content-Type-Options"] == "nosniff", path
        assert headers["Referrer-Policy"] == "no-referrer"
    _, headers, _ = _fetch(port, "/index.html")
    policy = headers["Content-Security-Policy"]
    assert "default-src 'none'" in policy and "script-src 'self'" in policy
    assert "frame-ancestors 'none'" in policy and "form-action 'none'" in policy
    assert "unsafe-eval" not in policy and "script-src 'self' 'unsafe-inline'" not in policy


def test_the_feed_is_served_as_atom_and_the_favicon_exists(
    tmp_path: Path, config: Config
) -> None:
    """Through a real archive update: feed.xml as application/atom+xml, the icon every
    page names, and /favicon.ico (which browsers ask for on pages naming none)."""
    out = tmp_path / "out"
    config = dataclasses.replace(config, paths=dataclasses.replace(config.paths, out=out))
    folder = out / "default" / "2026-11-20"
    folder.mkdir(parents=True)
    moment = datetime.fromisoformat("2026-11-20T07:00:00+00:00")
    (folder / "brief.json").write_text(
        json.dumps(brief_document("default", moment, "Morning Brief", [PORT_STORY])),
        encoding="utf-8",
    )
    update_archive(config, now=moment)
    for page in (out / "index.html", folder / "index.html"):
        assert '<link rel="icon" type="image/svg+xml" href="' in page.read_text("utf-8")
    server = make_server(out, 0)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        port = server.server_address[1]
        status, headers, body = _fetch(port, "/feed.xml")
        assert status == 200 and headers["Content-Type"] == "application/atom+xml"
        assert b"<feed xmlns=\"http://www.w3.org/2005/Atom\">" in body
        icon = (out / "_archive" / "favicon.svg").read_bytes()
        assert icon.startswith(b"<svg") and b"<title>" in icon
        for path in ("/_archive/favicon.svg", "/favicon.ico"):
            status, headers, body = _fetch(port, path)
            assert (status, headers["Content-Type"], body) == (200, "image/svg+xml", icon), path
        assert _fetch(port, "/default/favicon.ico")[0] == 404  # only the site's root one
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)
