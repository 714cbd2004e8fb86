"""SMTP with smtplib: verified TLS, credentials from the environment, timeouts.

``security = "starttls"`` upgrades with a context from
``ssl.create_default_context`` (certificate *and* host name checked: a bare
``starttls()`` verifies nothing); ``"tls"`` is implicit TLS (port 465);
``"none"`` is refused by the config for anything but a loopback host.

Failures are sorted into what the outbox needs to know:

* ``TransientError``: a 4xx answer, or the connection failed or dropped
  *before* the message body was sent: safe to retry;
* ``PermanentError``: a 5xx answer: never retried;
* ``UncertainError``: the connection dropped (or timed out) after the body was
  sent and before the server answered: the message may have been delivered, so
  it is not retried by itself.

Neither the password nor the user name is ever logged or put in an error.
"""

from __future__ import annotations

import contextlib
import logging
import os
import re
import smtplib
import socket
import ssl
from collections.abc import Mapping, Sequence
from types import TracebackType

from briefing.config import SmtpSettings
from briefing.errors import BriefingError

logger = logging.getLogger(__name__)


class DeliveryError(BriefingError):
    """An email could not be sent (or its fate is unknown)."""


class TransientError(DeliveryError):
    """Worth retrying: a 4xx answer, or no connection before the message was sent."""


class PermanentError(DeliveryError):
    """Not worth retrying: a 5xx answer."""


class UncertainError(DeliveryError):
    """The message may or may not have been delivered (dropped after DATA)."""


def tls_context(settings: SmtpSettings) -> ssl.SSLContext:
    """A context that verifies the server's certificate and host name."""
    cafile = str(settings.ca_file) if settings.ca_file else None
    try:
        return ssl.create_default_context(cafile=cafile)
    except (OSError, ssl.SSLError) as error:
        raise DeliveryError(f"smtp.ca_file: cannot load {cafile}: {error}") from error


def credentials(
    settings: SmtpSettings, environ: Mapping[str, str] | None = None
) -> tuple[str, str] | None:
    """(user, password) from the environment variables the config names, or None."""
    environ = os.environ if environ is None else environ
    if not settings.username_env and not settings.password_env:
        return None
    missing = [
        name for name in (settings.username_env, settings.password_env)
        if not name or not environ.get(name)
    ]
    if missing:
        names = " and ".join(f"${name}" for name in missing if name) or "a variable"
        raise DeliveryError(
            f"smtp: set both smtp.username_env and smtp.password_env, and {names} "
            "in the environment"
        )
    assert settings.username_env and settings.password_env
    return environ[settings.username_env], environ[settings.password_env]


class _TrackedSMTP(smtplib.SMTP):
    """smtplib.SMTP that records whether the message body has gone out."""

    body_sent = False

    def data(self, msg: bytes | str) -> tuple[int, bytes]:  # type: ignore[override]
        self.body_sent = False
        self.putcmd("data")
        code, reply = self.getreply()
        if code != 354:
            raise smtplib.SMTPDataError(code, reply)
        payload = msg if isinstance(msg, bytes) else msg.encode("ascii")
        payload = re.sub(rb"(?m)^\.", b"..", payload)
        if not payload.endswith(b"\r\n"):
            payload += b"\r\n"
        self.send(payload + b".\r\n")
        self.body_sent = True
        return self.getreply()


class _TrackedSMTPSSL(smtplib.SMTP_SSL, _TrackedSMTP):
    """Implicit TLS, with the same tracking."""


class SmtpConnection:
    """One logged-in SMTP session; ``send`` delivers one message to some recipients."""

    def __init__(self, settings: SmtpSettings, environ: Mapping[str, str] | None = None) -> None:
        self.settings = settings
        self._login = credentials(settings, environ)
        self._smtp: _TrackedSMTP | None = None

    def __enter__(self) -> SmtpConnection:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if kind is not None and not issubclass(kind, Exception):
            # Interrupted (Ctrl-C, a scheduler abandoning its job): a polite QUIT could
            # wait out the server's answer to the message in flight; just hang up.
            self.abort()
        else:
            self.close()

    def abort(self) -> None:
        """Drop the connection without QUIT."""
        smtp, self._smtp = self._smtp, None
        if smtp is not None:
            with contextlib.suppress(OSError):
                smtp.close()

    def open(self) -> None:
        """Connect, secure and log in (a no-op when already connected)."""
        if self._smtp is not None:
            return
        settings = self.settings
        host, port = settings.host, settings.effective_port
        try:
            smtp: _TrackedSMTP
            if settings.security == "tls":
                smtp = _TrackedSMTPSSL(
                    host, port, timeout=settings.timeout, context=tls_context(settings)
                )
            else:
                smtp = _TrackedSMTP(host, port, timeout=settings.timeout)
            self._smtp = smtp
            smtp.ehlo()
            if settings.security == "starttls":
                if not smtp.has_extn("starttls"):
                    raise PermanentError(f"smtp: {host}:{port} does not offer STARTTLS")
                smtp.starttls(context=tls_context(settings))
                smtp.ehlo()
            if self._login is not None:
                user, password = self._login
                smtp.login(user, password)
        except smtplib.SMTPAuthenticationError as error:
            self.close()
            raise PermanentError(
                f"smtp: {host}:{port} refused the login ({error.smtp_code})"
            ) from None  # never chain: the exception's frames hold the password
        except smtplib.SMTPResponseException as error:
            self.close()
            raise classify(error.smtp_code, error.smtp_error, f"{host}:{port}") from None
        except ssl.SSLCertVerificationError as error:
            self.close()
            raise PermanentError(
                f"smtp: {host}:{port}: TLS certificate not trusted: {error.verify_message}"
            ) from None
        except (smtplib.SMTPException, OSError) as error:
            self.close()
            raise TransientError(
                f"smtp: cannot connect to {host}:{port}: {_describe(error)}"
            ) from None
        logger.debug("connected to %s:%d (%s)", host, port, settings.security)

    @property
    def offers_smtputf8(self) -> bool:
        """Whether the server takes internationalized addresses (RFC 6531); connects first."""
        self.open()
        assert self._smtp is not None
        return bool(self._smtp.has_extn("smtputf8"))

    def send(
        self, sender: str, recipients: Sequence[str], message: bytes, *, smtputf8: bool = False
    ) -> dict[str, str]:
        """Send ``message``; returns the recipients refused, with the reason.

        A refusal of every recipient raises (4xx: ``TransientError``, 5xx:
        ``PermanentError``) so the caller can treat one-recipient sends simply.
        ``smtputf8``: the message has UTF-8 headers or addresses; a server that
        does not offer SMTPUTF8 gets a ``PermanentError`` before anything is sent.
        """
        self.open()
        smtp = self._smtp
        assert smtp is not None
        smtp.body_sent = False
        options: list[str] = []
        if smtputf8:
            if not smtp.has_extn("smtputf8"):
                raise PermanentError(
                    f"smtp: {self.settings.host}:{self.settings.effective_port} does not offer "
                    "SMTPUTF8, which an address with non-ASCII letters before the @ needs"
                )
            options = ["SMTPUTF8"] + (["BODY=8BITMIME"] if smtp.has_extn("8bitmime") else [])
        try:
            code, reply = smtp.mail(sender, options)
            if code != 250:
                self._reset()
                raise classify(code, reply, "MAIL FROM")
            refused: dict[str, tuple[int, bytes]] = {}
            for recipient in recipients:
                code, reply = smtp.rcpt(recipient)
                if code not in (250, 251):
                    refused[recipient] = (code, reply)
            if len(refused) == len(recipients):
                self._reset()
                code, reply = next(iter(refused.values()))
                raise classify(code, reply, "RCPT TO")
            code, reply = smtp.data(message)
            if code != 250:
                raise classify(code, reply, "DATA")
        except smtplib.SMTPResponseException as error:
            # e.g. DATA refused with 354 never sent, or a 421 answer: the message is not sent.
            self.close()
            raise classify(error.smtp_code, error.smtp_error, "DATA") from None
        except (smtplib.SMTPServerDisconnected, OSError) as error:
            body_sent = smtp.body_sent
            self.close()
            if body_sent:
                raise UncertainError(
                    f"smtp: connection lost after the message was sent, before the server "
                    f"confirmed it: {_describe(error)}"
                ) from None
            raise TransientError(f"smtp: connection lost: {_describe(error)}") from None
        except DeliveryError:
            raise
        except Exception as error:  # e.g. an address smtplib cannot encode: never a traceback
            body_sent = smtp.body_sent
            self.close()
            if body_sent:
                raise UncertainError(f"smtp: the send failed after the message was sent: "
                                     f"{_describe(error)}") from None
            raise PermanentError(f"smtp: cannot send: {_describe(error)}") from None
        return {
            recipient: _reply_text(code, reply) for recipient, (code, reply) in refused.items()
        }

    def _reset(self) -> None:
        try:
            assert self._smtp is not None
            self._smtp.rset()
        except (smtplib.SMTPException, OSError):
            self.close()

    def close(self) -> None:
        smtp, self._smtp = self._smtp, None
        if smtp is None:
            return
        try:
            smtp.quit()
        except (smtplib.SMTPException, OSError):
            with contextlib.suppress(OSError):
                smtp.close()


def classify(code: int, reply: bytes | str, where: str) -> DeliveryError:
    """The error for an SMTP answer: 5xx is permanent, anything else is worth a retry."""
    text = f"smtp: {where}: {_reply_text(code, reply)}"
    if 500 <= code < 600:
        return PermanentError(text)
    return TransientError(text)


def _reply_text(code: int, reply: bytes | str) -> str:
    if isinstance(reply, bytes):
        reply = reply.decode("utf-8", "replace")
    return f"{code} {' '.join(reply.split())}"


def _describe(error: BaseException) -> str:
    if isinstance(error, socket.timeout | TimeoutError):
        return "timed out"
    return str(error) or type(error).__name__
