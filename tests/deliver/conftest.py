"""A real SMTP server on loopback (aiosmtpd) with scripted faults, TLS material, a brief.

``mail_server`` starts aiosmtpd in its own thread; ``server.script`` is a list
of actions taken at successive DATA commands (then "ok" forever):

* ``"ok"``: accept (250) and record the message;
* ``"421"``, ``"451"``, ``"550"``: answer that code, record nothing;
* ``"drop"``: record the message, then close the connection without answering
  (the client cannot know whether it was delivered);
* ``"block"``: record the message, set ``server.blocked`` and hold the answer
  until ``server.release`` is set (the kill test kills the client meanwhile).

``start_server(smtputf8=True)`` offers SMTPUTF8 (internationalized addresses).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import ipaddress
import json
import shutil
import socket
import ssl
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from email import message_from_string, policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from render_samples import make_brief

from briefing.brief import write_brief_json
from briefing.config import Config, load_config
from briefing.folders import publish_brief
from briefing.render import reader_links, render_brief
from briefing.render.context import ReaderLinks
from briefing.render.email_html import render_email_html
from briefing.render.environment import make_environment
from briefing.render.text import render_text
from briefing.storage import Storage, open_storage
from briefing.types import Brief

RECIPIENTS = ("ada@example.org", "brian@example.net", "chen@example.com")
SENDER = "Morning Brief <brief@news.example>"


# -- the SMTP server --------------------------------------------------------------------


@dataclass
class Received:
    mail_from: str
    rcpt_tos: list[str]
    data: bytes
    #: The client asked for SMTPUTF8 (MAIL FROM ... SMTPUTF8).
    smtputf8: bool = False

    @property
    def message(self) -> EmailMessage:
        # A message sent with SMTPUTF8 has UTF-8 headers: read it as text so its
        # addresses come back as written (bytes would leave them as surrogates).
        parsed = message_from_string(self.data.decode("utf-8"), policy=policy.default)
        assert isinstance(parsed, EmailMessage)
        return parsed


@dataclass
class ScriptedHandler:
    script: list[str] = field(default_factory=list)
    received: list[Received] = field(default_factory=list)
    answers: list[str] = field(default_factory=list)
    blocked: threading.Event = field(default_factory=threading.Event)
    release: threading.Event = field(default_factory=threading.Event)
    logins: list[tuple[str, str]] = field(default_factory=list)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        action = self.script.pop(0) if self.script else "ok"
        self.answers.append(action)
        record = Received(envelope.mail_from, list(envelope.rcpt_tos), bytes(envelope.content),
                          bool(getattr(envelope, "smtp_utf8", False)))
        if action in ("421", "451"):
            return f"{action} 4.3.0 Try again later"
        if action == "550":
            return "550 5.1.1 Mailbox unavailable"
        self.received.append(record)
        if action == "drop":
            server.transport.close()
            return "250 OK (never seen: the connection is gone)"
        if action == "block":
            self.blocked.set()
            await asyncio.to_thread(self.release.wait, 20)
        return "250 2.0.0 OK queued"

    def recipients(self) -> list[str]:
        return [rcpt for item in self.received for rcpt in item.rcpt_tos]


@dataclass
class MailServer:
    host: str
    port: int
    handler: ScriptedHandler
    controller: Controller

    @property
    def received(self) -> list[Received]:
        return self.handler.received


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


ServerFactory = Callable[..., MailServer]


class _Authenticator:
    def __init__(self, handler: ScriptedHandler, user: str, password: str) -> None:
        self.handler, self.user, self.password = handler, user, password

    def __call__(self, server: Any, session: Any, envelope: Any, mechanism: str,
                 auth_data: Any) -> AuthResult:
        if isinstance(auth_data, LoginPassword):
            login = (auth_data.login.decode(), auth_data.password.decode())
            self.handler.logins.append(login)
            if login == (self.user, self.password):
                return AuthResult(success=True)
        return AuthResult(success=False, handled=False)


@pytest.fixture
def start_server() -> Iterator[ServerFactory]:
    """Start aiosmtpd servers on loopback; all are stopped after the test."""
    started: list[Controller] = []

    def start(
        *,
        script: list[str] | None = None,
        starttls: ssl.SSLContext | None = None,
        implicit_tls: ssl.SSLContext | None = None,
        login: tuple[str, str] | None = None,
        host: str = "127.0.0.1",
        smtputf8: bool = False,
    ) -> MailServer:
        handler = ScriptedHandler(script=list(script or []))
        kwargs: dict[str, Any] = {"enable_SMTPUTF8": smtputf8}
        if starttls is not None:
            kwargs.update(tls_context=starttls, require_starttls=True)
        if login is not None:
            kwargs.update(
                authenticator=_Authenticator(handler, *login),
                auth_required=True,
                auth_require_tls=starttls is not None,
            )
        port = free_port()
        controller = Controller(
            handler, hostname=host, port=port, ssl_context=implicit_tls,
            server_hostname="localhost", ready_timeout=5, **kwargs,
        )
        controller.start()
        started.append(controller)
        return MailServer(host, port, handler, controller)

    yield start
    for controller in started:
        controller.stop()


@pytest.fixture
def mail_server(start_server: ServerFactory) -> MailServer:
    return start_server()


# -- TLS material -----------------------------------------------------------------------


@dataclass(frozen=True)
class Pki:
    ca_file: Path
    other_ca_file: Path  # a CA that signed nothing the server uses
    server_context: ssl.SSLContext


def _name(common: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common)])


def _ca(common: str) -> tuple[ec.EllipticCurvePrivateKey, x509.Certificate]:
    key = ec.generate_private_key(ec.SECP256R1())
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(_name(common)).issuer_name(_name(common))
        .public_key(key.public_key()).serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(digital_signature=True, key_cert_sign=True, crl_sign=True,
                          content_commitment=False, key_encipherment=False,
                          data_encipherment=False, key_agreement=False,
                          encipher_only=False, decipher_only=False),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()),
                       critical=False)
        .sign(key, hashes.SHA256())
    )
    return key, cert


def _pem(cert: x509.Certificate) -> bytes:
    return cert.public_bytes(serialization.Encoding.PEM)


@pytest.fixture(scope="session")
def pki(tmp_path_factory: pytest.TempPathFactory) -> Pki:
    """A test CA, a server certificate it signed for localhost/127.0.0.1, and a stranger CA."""
    folder = tmp_path_factory.mktemp("pki")
    ca_key, ca_cert = _ca("briefing test CA")
    _, other_cert = _ca("some other CA")
    key = ec.generate_private_key(ec.SECP256R1())
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(_name("localhost")).issuer_name(ca_cert.subject)
        .public_key(key.public_key()).serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([
                x509.DNSName("localhost"),
                x509.IPAddress(ipaddress.ip_address("127.0.0.1")),
            ]),
            critical=False,
        )
        .add_extension(x509.ExtendedKeyUsage([x509.oid.ExtendedKeyUsageOID.SERVER_AUTH]),
                       critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()),
            critical=False,
        )
        .sign(ca_key, hashes.SHA256())
    )
    (folder / "ca.pem").write_bytes(_pem(ca_cert))
    (folder / "other-ca.pem").write_bytes(_pem(other_cert))
    (folder / "server.pem").write_bytes(_pem(cert))
    (folder / "server.key").write_bytes(key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ))
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(folder / "server.pem", folder / "server.key")
    return Pki(folder / "ca.pem", folder / "other-ca.pem", context)


# -- a recorded brief -------------------------------------------------------------------


@pytest.fixture(scope="session")
def rendered_brief(tmp_path_factory: pytest.TempPathFactory) -> tuple[Brief, Path]:
    """A 12-article brief rendered once (the PDF is real): (brief, folder)."""
    brief = make_brief(n_articles=12, title="Morning Brief")
    folder = tmp_path_factory.mktemp("brief")
    render_brief(brief, folder)
    return brief, folder


def record(
    store: Storage, brief: Brief, rendered: Path, out_root: Path,
    links: ReaderLinks | None = None,
) -> tuple[int, Path]:
    """Publish ``brief`` under ``out_root`` as a build does, its files copied from
    ``rendered`` (its articles are not stored); returns its id and folder. With
    ``links`` (the config's), brief.html and brief.txt are rendered with them, as a
    build does (the PDF, slow to make, is the copy)."""

    def render(brief: Brief, folder: Path) -> None:
        for file in rendered.iterdir():
            shutil.copy(file, folder / file.name)
        write_brief_json(brief, folder / "brief.json")
        if links is not None:
            env = make_environment(())
            (folder / "brief.html").write_text(render_email_html(brief, env, links),
                                               encoding="utf-8")
            (folder / "brief.txt").write_text(render_text(brief, env, links), encoding="utf-8")

    published, _ = publish_brief(store, brief, out_root=out_root, render=render,
                                 article_ids=[], story_keys=[])
    assert published.brief.id is not None
    return published.brief.id, published.folder


def toml_value(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    if isinstance(value, list | tuple):
        return "[" + ", ".join(toml_value(item) for item in value) + "]"
    return json.dumps(str(value))


def write_config(
    folder: Path,
    server: MailServer | None,
    *,
    recipients: tuple[str, ...] = RECIPIENTS,
    **smtp: object,
) -> Path:
    """A briefing.toml for profile "morning" sending through ``server``."""
    settings: dict[str, object] = {
        "host": server.host if server else "127.0.0.1",
        "port": server.port if server else 2525,
        "security": "none",
        "timeout": 5,
        "from_address": SENDER,
        "reply_to": "editors@news.example",
        "message_id_domain": "news.example",
        "list_unsubscribe_mailto": "unsubscribe@news.example",
        "list_unsubscribe_url": "https://news.example/unsubscribe?list=morning&u=0123456789abcdef"
        "0123456789abcdef0123456789abcdef",
        "max_attempts": 3,
        "retry_delay": 0.01,
    }
    settings.update(smtp)
    lines = ["[paths]", f"store = {toml_value(str(folder / 'store.db'))}",
             f"out = {toml_value(str(folder / 'out'))}", "", "[smtp]"]
    lines += [f"{key} = {toml_value(value)}" for key, value in settings.items()]
    lines += ["", "[profiles.morning]", f"recipients = {toml_value(list(recipients))}"]
    path = folder / "briefing.toml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@dataclass
class Setup:
    config_file: Path
    config: Config
    store: Storage
    brief: Brief
    brief_id: int
    folder: Path


SetupFactory = Callable[..., Setup]


@pytest.fixture
def setup(
    tmp_path: Path, rendered_brief: tuple[Brief, Path]
) -> Iterator[SetupFactory]:
    """Config + store + a recorded brief (its files copied into this test's folder)."""
    stores: list[Storage] = []

    def make(server: MailServer | None, **options: Any) -> Setup:
        brief, rendered = rendered_brief
        config_file = write_config(tmp_path, server, **options)
        config = load_config(config_file)
        store = open_storage(config.paths.store)
        stores.append(store)
        brief_id, folder = record(store, brief, rendered, config.paths.out,
                                  reader_links(config))
        return Setup(config_file, config, store, store.briefs.get(brief_id), brief_id, folder)

    yield make
    for store in stores:
        store.close()


def outbox_states(store: Storage, brief_id: int) -> dict[str, str]:
    return {row.recipient: row.state for row in store.outbox.rows(brief_id)}
