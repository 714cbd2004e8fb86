"""Deliver a recorded brief by email: MIME, SMTP over verified TLS, and an outbox.

``send_brief(config, store, brief_id)`` is the one call the CLI and the
scheduler make::

    recorded brief ──content──> EmailContent ──mime──> one message per recipient (or Bcc)
                                                   │
              outbox row: pending ──claim──> sending ──smtp──> sent | failed | unknown

* The outbox (``outbox.py``) holds one row per (brief, recipient); a row is
  claimed with a conditional UPDATE, so a brief never reaches a recipient twice
  even when two processes send at once.
* 4xx answers and dropped connections are retried with exponential backoff
  (``smtp.retry_delay``, doubled each time, up to ``smtp.max_attempts``); 5xx
  answers are not.
* A message whose connection dropped after DATA, or whose sender died mid-send,
  is ``unknown``: reported, never resent by itself; ``retry_unknown=True``
  (``briefing send --retry-unknown``) resends it on purpose, with the same
  Message-ID.
* ``dry_run=True`` writes the ``.eml`` files to ``smtp.dry_run_dir`` (beside the
  store by default: never inside the published archive) and sends nothing.
"""

from __future__ import annotations

import email.utils
import logging
import re
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from briefing.claims import Liveness
from briefing.config import Config, SmtpSettings, is_store_url
from briefing.deliver.content import email_content, load_brief
from briefing.deliver.links import brief_page_url
from briefing.deliver.mime import (
    EmailContent,
    Envelope,
    build_message,
    make_message_id,
    message_bytes,
)
from briefing.deliver.outbox import Outbox, OutboxRow
from briefing.deliver.smtp import (
    DeliveryError,
    PermanentError,
    SmtpConnection,
    TransientError,
    UncertainError,
)
from briefing.fsutil import write_atomic
from briefing.storage import Storage

__all__ = [
    "DeliveryError",
    "EmailContent",
    "Outbox",
    "OutboxRow",
    "SendReport",
    "dry_run_folder",
    "send_brief",
]

logger = logging.getLogger(__name__)


@dataclass
class SendReport:
    """What one ``send_brief`` call did, recipient by recipient."""

    brief_id: int
    profile: str
    dry_run: bool = False
    #: Delivered by this call.
    sent: list[str] = field(default_factory=list)
    #: Delivered earlier: not sent again.
    already_sent: list[str] = field(default_factory=list)
    #: Refused for good (5xx, or out of attempts), with the reason.
    failed: dict[str, str] = field(default_factory=dict)
    #: Maybe delivered, maybe not: left alone until ``--retry-unknown``.
    unknown: dict[str, str] = field(default_factory=dict)
    #: Still pending after this call (temporary failures), with the last error.
    deferred: dict[str, str] = field(default_factory=dict)
    #: Being sent by another process right now.
    in_progress: list[str] = field(default_factory=list)
    #: The .eml files a dry run wrote.
    files: list[Path] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not (self.failed or self.unknown or self.deferred)

    def lines(self) -> list[str]:
        """A human summary, one line per fact (recipients named, no secrets)."""
        if self.dry_run:
            return [f"dry run: wrote {path}" for path in self.files]
        lines = [
            f"brief {self.brief_id} ({self.profile}): {len(self.sent)} sent, "
            f"{len(self.already_sent)} already sent, {len(self.failed)} failed, "
            f"{len(self.unknown)} unknown, {len(self.deferred)} deferred"
        ]
        lines += [f"failed: {who}: {why}" for who, why in self.failed.items()]
        lines += [
            f"unknown: {who}: {why} (not resent; briefing send --retry-unknown resends it)"
            for who, why in self.unknown.items()
        ]
        lines += [f"deferred: {who}: {why}" for who, why in self.deferred.items()]
        lines += [f"in progress elsewhere: {who}" for who in self.in_progress]
        return lines


def send_brief(
    config: Config,
    store: Storage,
    brief_id: int | None = None,
    *,
    profile: str | None = None,
    dry_run: bool = False,
    retry_unknown: bool = False,
    environ: Mapping[str, str] | None = None,
    sleep: Callable[[float], None] = time.sleep,
    owner: str | None = None,
    liveness: Liveness | None = None,
) -> SendReport:
    """Send brief ``brief_id`` (default: the latest of ``profile``) to its profile's recipients.

    Raises ``DeliveryError`` when nothing can be attempted (no brief, no
    recipients, no from address, bad credentials setup, TLS not trusted);
    per-recipient outcomes are in the returned ``SendReport``. ``owner`` names the
    claims (a scheduler worker passes its own); ``liveness`` says whose claims
    still hold (default: read from the store).
    """
    settings = config.smtp
    brief, record = load_brief(store, brief_id, profile)
    recipients = _recipients(config, record.profile)
    sender = _sender(settings)
    domain = settings.message_id_domain or email.utils.parseaddr(sender)[1].rpartition("@")[2]
    dirs = (config.paths.templates,) if config.paths.templates else ()
    page_url = brief_page_url(config.archive.base_url, config.paths.out, record.folder)
    content = email_content(brief, record.folder, settings, template_dirs=dirs, page_url=page_url)
    report = SendReport(brief_id=record.id, profile=record.profile, dry_run=dry_run)
    if dry_run:
        folder = dry_run_folder(config) / record.folder.parent.name / record.slug
        report.files = _write_eml_files(folder, content, settings, recipients, domain)
        return report

    liveness = liveness or Liveness.of(store, timedelta(seconds=config.workers.lease_seconds))
    outbox = Outbox(store, owner, liveness)
    outbox.enqueue(record.id, recipients, lambda: make_message_id(domain))
    lease = timedelta(seconds=max(600.0, settings.timeout * 10))
    for orphan in outbox.mark_orphans_unknown(record.id, lease):
        logger.warning("%s: a previous send stopped mid-message; marked unknown", orphan.recipient)
    waiting = {"pending", "unknown"} if retry_unknown else {"pending"}
    if any(row.state in waiting and row.recipient in recipients
           for row in outbox.rows(record.id)):
        sending = _Sending(settings, outbox, content, sender, report, sleep, record.id,
                           recipients, retry_unknown)
        with SmtpConnection(settings, environ) as connection:
            if settings.mode == "bcc":
                sending.bcc(connection)
            else:
                sending.each(connection)
    _fill_report(report, outbox.rows(record.id), set(recipients))
    return report


def _recipients(config: Config, profile: str) -> list[str]:
    recipients = list(dict.fromkeys(config.profile(profile).recipients))
    if not recipients:
        raise DeliveryError(
            f"profiles.{profile}.recipients is empty: nobody to send the brief to"
        )
    return recipients


def _sender(settings: SmtpSettings) -> str:
    if not settings.from_address:
        raise DeliveryError("smtp.from_address is not set: emails need a sender")
    return settings.from_address


@dataclass
class _Sending:
    """One run's sending loop: claims rows one at a time, sends, records the outcome."""

    settings: SmtpSettings
    outbox: Outbox
    content: EmailContent
    sender: str
    report: SendReport
    sleep: Callable[[float], None]
    brief_id: int
    recipients: Sequence[str]
    retry_unknown: bool
    #: Rows this run has dealt with: never claimed again by it (an unknown one stays so).
    handled: set[int] = field(default_factory=set)

    def message(self, to: str, message_id: str) -> bytes:
        envelope = Envelope(
            from_address=self.sender,
            to=to,
            message_id=message_id,
            date=datetime.now(UTC),
            reply_to=self.settings.reply_to,
            unsubscribe_mailto=self.settings.list_unsubscribe_mailto,
            unsubscribe_url=self.settings.list_unsubscribe_url,
        )
        return message_bytes(build_message(self.content, envelope))

    @property
    def envelope_sender(self) -> str:
        """The bare address for MAIL FROM (From may carry a display name)."""
        return email.utils.parseaddr(self.sender)[1]

    def backoff(self, attempt: int) -> None:
        self.sleep(self.settings.retry_delay * 2 ** max(attempt - 1, 0))

    def connect(self, connection: SmtpConnection) -> None:
        """Open the connection, retrying temporary failures with backoff."""
        for attempt in range(1, self.settings.max_attempts + 1):
            try:
                connection.open()
                return
            except TransientError as error:
                if attempt == self.settings.max_attempts:
                    raise DeliveryError(f"{error} (after {attempt} attempts)") from None
                logger.warning("%s; retrying", error)
                self.backoff(attempt)
            except PermanentError as error:
                raise DeliveryError(str(error)) from None

    def each(self, connection: SmtpConnection) -> None:
        """One message per recipient: claim the next row, send it, until none is left.

        The connection is opened before each claim, so a server that cannot be
        reached never leaves a row claimed and unsent. Rows another process
        claims meanwhile are its own; each row is claimed by exactly one.
        """
        while True:
            self.connect(connection)
            row = self.outbox.claim_next(self.brief_id, self.recipients,
                                         retry_unknown=self.retry_unknown, exclude=self.handled)
            if row is None:
                return
            self.handled.add(row.id)
            self.one(connection, row)

    def one(self, connection: SmtpConnection, row: OutboxRow) -> None:
        """Send one claimed row's message, retrying temporary failures."""
        while True:
            try:
                message = self.message(row.recipient, row.message_id)
                connection.send(self.envelope_sender, [row.recipient], message)
            except PermanentError as error:
                self.outbox.mark_failed(row.id, str(error))
                return
            except UncertainError as error:
                logger.warning("%s: %s", row.recipient, error)
                self.outbox.mark_unknown(row.id, str(error))
                return
            except TransientError as error:
                connection.close()
                if not self.retry_later(row.id, str(error)):
                    return
                self.connect(connection)
                if not self.outbox.claim(row.id):
                    return  # another process took it (the report shows where it stands)
                continue
            self.outbox.mark_sent(row.id)
            self.report.sent.append(row.recipient)
            logger.info("sent brief %d to %s", row.brief_id, row.recipient)
            return

    def retry_later(self, row_id: int, error: str) -> bool:
        """Record a temporary failure; True (after the backoff) when worth another try."""
        current = self.outbox.row(row_id)
        attempts = current.attempts if current else self.settings.max_attempts
        if attempts >= self.settings.max_attempts:
            self.outbox.mark_failed(row_id, f"gave up after {attempts} attempts: {error}")
            return False
        logger.warning("%s; retrying", error)
        self.outbox.release(row_id, error)
        self.backoff(attempts)
        return True

    def bcc(self, connection: SmtpConnection) -> None:
        """One message to every waiting recipient, hidden from each other (Bcc)."""
        retry_unknown = self.retry_unknown
        while True:
            self.connect(connection)
            claimed = self.outbox.claim_all(self.brief_id, self.recipients,
                                            retry_unknown=retry_unknown, exclude=self.handled)
            retry_unknown = False  # a row that becomes unknown now stays so
            if not claimed:
                return
            message = self.message(self.sender, claimed[0].message_id)
            try:
                recipients = [row.recipient for row in claimed]
                refused = connection.send(self.envelope_sender, recipients, message)
            except PermanentError as error:
                for row in claimed:
                    self.outbox.mark_failed(row.id, str(error))
                return
            except UncertainError as error:
                for row in claimed:
                    self.outbox.mark_unknown(row.id, str(error))
                return
            except TransientError as error:
                connection.close()
                refused = {row.recipient: str(error) for row in claimed}
            again: list[OutboxRow] = []
            for row in claimed:
                reason = refused.get(row.recipient)
                if reason is None:
                    self.outbox.mark_sent(row.id)
                    self.report.sent.append(row.recipient)
                elif reason.startswith("5"):
                    self.outbox.mark_failed(row.id, f"smtp: RCPT TO: {reason}")
                elif row.attempts < self.settings.max_attempts:
                    self.outbox.release(row.id, reason)
                    again.append(row)
                else:
                    self.outbox.mark_failed(row.id, f"gave up: {reason}")
            self.handled.update(row.id for row in claimed if row not in again)
            if not again:
                return
            self.backoff(max(row.attempts for row in again))


def _fill_report(report: SendReport, rows: Sequence[OutboxRow], wanted: set[str]) -> None:
    sent_now = set(report.sent)
    for row in rows:
        if row.recipient not in wanted:
            continue
        if row.state == "sent" and row.recipient not in sent_now:
            report.already_sent.append(row.recipient)
        elif row.state == "failed":
            report.failed[row.recipient] = row.last_error or "failed"
        elif row.state == "unknown":
            report.unknown[row.recipient] = row.last_error or "unknown"
        elif row.state == "pending":
            report.deferred[row.recipient] = row.last_error or "not attempted"
        elif row.state == "sending":
            report.in_progress.append(row.recipient)


def dry_run_folder(config: Config) -> Path:
    """Where ``send --dry-run`` writes its .eml files: ``smtp.dry_run_dir``, by default a
    ``dry-run`` folder beside the store (beside ``out`` for a PostgreSQL store, in
    ``.briefing/``), never inside the published archive."""
    if config.smtp.dry_run_dir is not None:
        return config.smtp.dry_run_dir
    store = config.paths.store
    if is_store_url(store):
        return config.paths.out.parent / ".briefing" / "dry-run"
    return Path(store).parent / "dry-run"


def _write_eml_files(
    folder: Path,
    content: EmailContent,
    settings: SmtpSettings,
    recipients: Sequence[str],
    domain: str,
) -> list[Path]:
    sender = _sender(settings)
    now = datetime.now(UTC)
    files: list[Path] = []
    targets = [("bcc", sender)] if settings.mode == "bcc" else [(r, r) for r in recipients]
    for name, to in targets:
        envelope = Envelope(
            from_address=sender, to=to, message_id=make_message_id(domain), date=now,
            reply_to=settings.reply_to, unsubscribe_mailto=settings.list_unsubscribe_mailto,
            unsubscribe_url=settings.list_unsubscribe_url,
        )
        message = build_message(content, envelope)
        if settings.mode == "bcc":
            message["Bcc"] = ", ".join(recipients)
        path = folder / f"email-{_safe_name(name)}.eml"
        try:
            write_atomic(path, message_bytes(message))
        except OSError as error:
            raise DeliveryError(f"{path}: cannot write: {error.strerror or error}") from error
        files.append(path)
    return files


def _safe_name(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9@._+-]+", "_", text).strip(".") or "recipient"
