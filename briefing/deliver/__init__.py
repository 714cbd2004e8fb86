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
  Message-ID. A ``failed`` one (5xx, or out of attempts) is resent on purpose by
  ``retry_failed=True`` (``--retry-failed``).
* Failed and unknown messages stay loud until someone deals with them:
  ``delivery_problems`` lists them (``briefing send`` and ``schedule --once``
  print one line each and exit 1) until they are resent or dismissed
  (``dismiss_problems``, ``briefing send --dismiss``). A recipient taken out of
  the config is not reported any more.
* A recipient is a ``briefing.addresses.Mailbox``: its display name goes in the
  To header, its address (the outbox's key) in RCPT TO. An address with a
  non-ASCII local part is sent with SMTPUTF8 when the server offers it, and
  otherwise fails for that recipient alone, saying why.
* ``dry_run=True`` writes the ``.eml`` files to ``smtp.dry_run_dir`` (beside the
  store by default: never inside the published archive) and sends nothing.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from briefing.addresses import Mailbox, parse_mailbox
from briefing.claims import Liveness
from briefing.config import Config, SmtpSettings, is_store_url
from briefing.deliver.content import email_content, load_brief
from briefing.deliver.mime import (
    EmailContent,
    Envelope,
    build_message,
    header_address,
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
from briefing.errors import BriefingError
from briefing.fsutil import write_atomic
from briefing.render.context import reader_links
from briefing.storage import Storage

__all__ = [
    "DeliveryError",
    "DeliveryProblem",
    "EmailContent",
    "Outbox",
    "OutboxRow",
    "SendReport",
    "delivery_problems",
    "dismiss_problems",
    "dry_run_folder",
    "send_brief",
]

logger = logging.getLogger(__name__)


@dataclass
class SendReport:
    """What one ``send_brief`` call did, recipient by recipient (by address)."""

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
    #: Failed or unknown, and dismissed on purpose (``--dismiss``): no longer a problem.
    dismissed: dict[str, str] = field(default_factory=dict)
    #: The .eml files a dry run wrote.
    files: list[Path] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not (self.failed or self.unknown or self.deferred)

    def lines(self) -> list[str]:
        """A human summary, one line per fact (recipients named, no secrets)."""
        if self.dry_run:
            return [f"dry run: wrote {path}" for path in self.files]
        lines = [self.summary()]
        lines += [f"failed: {who}: {why} ({_hint(self.brief_id, 'failed')})"
                  for who, why in self.failed.items()]
        lines += [f"unknown: {who}: {why} ({_hint(self.brief_id, 'unknown')})"
                  for who, why in self.unknown.items()]
        lines += self.waiting_lines()
        return lines

    def summary(self) -> str:
        dismissed = f", {len(self.dismissed)} dismissed" if self.dismissed else ""
        return (
            f"brief {self.brief_id} ({self.profile}): {len(self.sent)} sent, "
            f"{len(self.already_sent)} already sent, {len(self.failed)} failed, "
            f"{len(self.unknown)} unknown, {len(self.deferred)} deferred{dismissed}"
        )

    def waiting_lines(self) -> list[str]:
        """Recipients not reached yet, for reasons that may pass (4xx, a busy sender)."""
        lines = [f"deferred: {who}: {why}" for who, why in self.deferred.items()]
        return lines + [f"in progress elsewhere: {who}" for who in self.in_progress]


@dataclass(frozen=True)
class DeliveryProblem:
    """A message that failed or whose fate is unknown, not yet resent or dismissed."""

    brief_id: int
    profile: str
    #: The brief's folder name (its local date, "2026-12-01").
    slug: str
    recipient: str
    #: "failed" or "unknown".
    state: str
    reason: str

    def line(self) -> str:
        """One line for people: which brief, who, what happened, what to do."""
        what = "not delivered" if self.state == "failed" else "may not have been delivered"
        return (
            f"brief {self.brief_id} ({self.profile}, {self.slug}) {what} to {self.recipient}: "
            f"{self.reason} ({_hint(self.brief_id, self.state)}, or "
            f"`briefing send --brief {self.brief_id} --dismiss` to stop this report)"
        )


def _hint(brief_id: int, state: str) -> str:
    option = "--retry-failed" if state == "failed" else "--retry-unknown"
    return f"`briefing send --brief {brief_id} {option}` resends it"


def send_brief(
    config: Config,
    store: Storage,
    brief_id: int | None = None,
    *,
    profile: str | None = None,
    dry_run: bool = False,
    retry_unknown: bool = False,
    retry_failed: bool = False,
    environ: Mapping[str, str] | None = None,
    sleep: Callable[[float], None] = time.sleep,
    owner: str | None = None,
    liveness: Liveness | None = None,
) -> SendReport:
    """Send brief ``brief_id`` (default: the latest of ``profile``) to its profile's recipients.

    ``retry_unknown`` / ``retry_failed`` resend, on purpose, messages whose fate is
    unknown / that failed. Raises ``DeliveryError`` when nothing can be attempted
    (no brief, no recipients, no from address, bad credentials setup, TLS not
    trusted); per-recipient outcomes are in the returned ``SendReport``. ``owner``
    names the claims (a scheduler worker passes its own); ``liveness`` says whose
    claims still hold (default: read from the store).
    """
    settings = config.smtp
    brief, record = load_brief(store, brief_id, profile)
    recipients = _recipients(config, record.profile)
    sender = _sender(settings)
    domain = settings.message_id_domain or parse_mailbox(sender).domain
    dirs = (config.paths.templates,) if config.paths.templates else ()
    links = reader_links(config, published=_under(record.folder, config.paths.out))
    content = email_content(brief, record.folder, settings, template_dirs=dirs, links=links)
    report = SendReport(brief_id=record.id, profile=record.profile, dry_run=dry_run)
    if dry_run:
        folder = dry_run_folder(config) / record.folder.parent.name / record.slug
        report.files = _write_eml_files(folder, content, settings, recipients, domain)
        return report

    liveness = liveness or Liveness.of(store, timedelta(seconds=config.workers.lease_seconds))
    outbox = Outbox(store, owner, liveness)
    outbox.enqueue(record.id, recipients, lambda: make_message_id(domain))
    for orphan in outbox.mark_orphans_unknown(record.id, _lease(settings)):
        logger.info("%s: a previous send stopped mid-message; marked unknown", orphan.recipient)
    if any(
        row.recipient in recipients
        and (row.state == "pending" or (retry_unknown and row.state == "unknown")
             or (retry_failed and row.state == "failed"))
        for row in outbox.rows(record.id)
    ):
        sending = _Sending(settings, outbox, content, sender, recipients, report, sleep,
                           record.id, retry_unknown, retry_failed)
        with SmtpConnection(settings, environ) as connection:
            if settings.mode == "bcc":
                sending.bcc(connection)
            else:
                sending.each(connection)
    _fill_report(report, outbox.rows(record.id), set(recipients))
    return report


def delivery_problems(
    config: Config, store: Storage, profiles: Sequence[str] | None = None
) -> list[DeliveryProblem]:
    """Messages of ``profiles`` (default: every profile) that failed or whose fate is
    unknown, and that nobody has resent or dismissed yet, oldest brief first.

    A message to someone no longer among the profile's recipients is not a
    problem any more. Rows left ``sending`` by a process that is gone are marked
    unknown first (they are problems too).
    """
    outbox = Outbox(store, liveness=Liveness.of(
        store, timedelta(seconds=config.workers.lease_seconds)))
    for orphan in outbox.settle_orphans(_lease(config.smtp)):
        logger.info("brief %d: %s: a send stopped mid-message; marked unknown",
                    orphan.brief_id, orphan.recipient)
    wanted: dict[str, set[str]] = {}
    problems = []
    for problem in outbox.problems(profiles):
        if problem.profile not in wanted:
            wanted[problem.profile] = set(_configured(config, problem.profile))
        row = problem.row
        if row.recipient not in wanted[problem.profile]:
            continue
        problems.append(DeliveryProblem(
            brief_id=row.brief_id, profile=problem.profile, slug=problem.slug,
            recipient=row.recipient, state=row.state, reason=row.last_error or row.state,
        ))
    return problems


def dismiss_problems(store: Storage, brief_id: int) -> list[DeliveryProblem]:
    """Stop reporting brief ``brief_id``'s failed and unknown messages (nothing is sent);
    returns what was dismissed."""
    record = store.briefs.record(brief_id)
    if record is None:
        raise DeliveryError(f"no brief with id {brief_id} in {store.location}")
    return [
        DeliveryProblem(row.brief_id, record.profile, record.slug, row.recipient, row.state,
                        row.last_error or row.state)
        for row in Outbox(store).dismiss(brief_id)
    ]


def _lease(settings: SmtpSettings) -> timedelta:
    """How long a claim on a row is trusted while its owner's liveness is unknown."""
    return timedelta(seconds=max(600.0, settings.timeout * 10))


def _configured(config: Config, profile: str) -> dict[str, Mailbox]:
    """The profile's recipients by address (the config normalized and checked them)."""
    try:
        listed = config.profile(profile).recipients
    except BriefingError:  # a profile taken out of the config: nobody to report to
        return {}
    mailboxes: dict[str, Mailbox] = {}
    for text in listed:
        mailbox = parse_mailbox(text)
        mailboxes.setdefault(mailbox.address, mailbox)
    return mailboxes


def _recipients(config: Config, profile: str) -> dict[str, Mailbox]:
    recipients = _configured(config, profile)
    if not recipients:
        raise DeliveryError(
            f"profiles.{profile}.recipients is empty: nobody to send the brief to"
        )
    return recipients


def _sender(settings: SmtpSettings) -> str:
    if not settings.from_address:
        raise DeliveryError("smtp.from_address is not set: emails need a sender")
    return settings.from_address


def _under(folder: Path, root: Path) -> bool:
    try:
        folder.resolve().relative_to(root.resolve())
    except ValueError:  # built with --out elsewhere: not in the published archive
        return False
    return True


@dataclass
class _Sending:
    """One run's sending loop: claims rows one at a time, sends, records the outcome."""

    settings: SmtpSettings
    outbox: Outbox
    content: EmailContent
    sender: str
    recipients: Mapping[str, Mailbox]
    report: SendReport
    sleep: Callable[[float], None]
    brief_id: int
    retry_unknown: bool
    retry_failed: bool
    #: Rows this run has dealt with: never claimed again by it (an unknown one stays so).
    handled: set[int] = field(default_factory=set)

    def envelope(self, to: Mailbox, message_id: str) -> Envelope:
        return Envelope(
            from_address=self.sender,
            to=to,
            message_id=message_id,
            date=datetime.now(UTC),
            reply_to=self.settings.reply_to,
            unsubscribe_mailto=self.settings.list_unsubscribe_mailto,
            unsubscribe_url=self.settings.list_unsubscribe_url,
        )

    def message(self, to: Mailbox, message_id: str) -> bytes:
        return message_bytes(build_message(self.content, self.envelope(to, message_id)))

    @property
    def envelope_sender(self) -> str:
        """The bare address for MAIL FROM (From may carry a display name)."""
        return parse_mailbox(self.sender).wire_address

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
            row = self.outbox.claim_next(self.brief_id, list(self.recipients),
                                         retry_unknown=self.retry_unknown,
                                         retry_failed=self.retry_failed, exclude=self.handled)
            if row is None:
                return
            self.handled.add(row.id)
            self.one(connection, row)

    def one(self, connection: SmtpConnection, row: OutboxRow) -> None:
        """Send one claimed row's message, retrying temporary failures."""
        mailbox = self.recipients[row.recipient]
        while True:
            try:
                message = self.message(mailbox, row.message_id)
                connection.send(self.envelope_sender, [mailbox.wire_address], message,
                                smtputf8=mailbox.needs_smtputf8)
            # Logged for the record only: the caller reports each problem once, as an
            # error (SendReport, delivery_problems).
            except PermanentError as error:
                logger.info("%s: %s", row.recipient, error)
                self.outbox.mark_failed(row.id, str(error))
                return
            except UncertainError as error:
                logger.info("%s: %s", row.recipient, error)
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
        retry_unknown, retry_failed = self.retry_unknown, self.retry_failed
        while True:
            self.connect(connection)
            claimed = self.outbox.claim_all(self.brief_id, list(self.recipients),
                                            retry_unknown=retry_unknown,
                                            retry_failed=retry_failed, exclude=self.handled)
            # A row that becomes unknown or fails now stays so.
            retry_unknown = retry_failed = False
            if not claimed:
                return
            claimed = self.drop_unsendable(connection, claimed)
            if not claimed:
                return
            utf8 = any(self.recipients[row.recipient].needs_smtputf8 for row in claimed)
            sender = parse_mailbox(self.sender)
            message = self.message(sender, claimed[0].message_id)
            try:
                addresses = {self.recipients[row.recipient].wire_address: row for row in claimed}
                refused = connection.send(self.envelope_sender, list(addresses), message,
                                          smtputf8=utf8)
                refused = {addresses[who].recipient: why for who, why in refused.items()}
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

    def drop_unsendable(
        self, connection: SmtpConnection, rows: list[OutboxRow]
    ) -> list[OutboxRow]:
        """Fail the rows whose address needs SMTPUTF8 when the server does not offer it."""
        needy = [row for row in rows if self.recipients[row.recipient].needs_smtputf8]
        if not needy or connection.offers_smtputf8:
            return rows
        host = f"{self.settings.host}:{self.settings.effective_port}"
        for row in needy:
            reason = (f"smtp: {host} does not offer SMTPUTF8, which an address with "
                      "non-ASCII letters before the @ needs")
            logger.info("%s: %s", row.recipient, reason)
            self.outbox.mark_failed(row.id, reason)
        return [row for row in rows if row not in needy]


def _fill_report(report: SendReport, rows: Sequence[OutboxRow], wanted: set[str]) -> None:
    sent_now = set(report.sent)
    for row in rows:
        if row.recipient not in wanted:
            continue
        if row.state == "sent" and row.recipient not in sent_now:
            report.already_sent.append(row.recipient)
        elif row.state in ("failed", "unknown") and row.dismissed:
            report.dismissed[row.recipient] = f"{row.state}: {row.last_error or row.state}"
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
    store = config.paths.store
    folder = config.smtp.dry_run_dir or (
        config.paths.out.parent / ".briefing" / "dry-run" if is_store_url(store)
        else Path(store).parent / "dry-run"
    )
    if _under(folder, config.paths.out):
        raise DeliveryError(
            f"{folder}: the dry run's messages (which name their recipients) would be in "
            f"the published archive ({config.paths.out}); set smtp.dry_run_dir elsewhere"
        )
    return folder


def _write_eml_files(
    folder: Path,
    content: EmailContent,
    settings: SmtpSettings,
    recipients: Mapping[str, Mailbox],
    domain: str,
) -> list[Path]:
    sender = _sender(settings)
    now = datetime.now(UTC)
    files: list[Path] = []
    bcc = settings.mode == "bcc"
    targets = [("bcc", parse_mailbox(sender))] if bcc else list(recipients.items())
    for name, to in targets:
        envelope = Envelope(
            from_address=sender, to=to, message_id=make_message_id(domain), date=now,
            reply_to=settings.reply_to, unsubscribe_mailto=settings.list_unsubscribe_mailto,
            unsubscribe_url=settings.list_unsubscribe_url,
            smtputf8=bcc and any(mailbox.needs_smtputf8 for mailbox in recipients.values()),
        )
        message = build_message(content, envelope)
        if bcc:
            message["Bcc"] = [header_address(mailbox) for mailbox in recipients.values()]
        path = folder / f"email-{_safe_name(name)}.eml"
        try:
            write_atomic(path, message_bytes(message))
        except OSError as error:
            raise DeliveryError(f"{path}: cannot write: {error.strerror or error}") from error
        files.append(path)
    return files


def _safe_name(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9@._+-]+", "_", text).strip(".") or "recipient"
