"""publish(): build a brief, update the archive, deliver it -- under one error policy.

This is the one path from sources to readers. ``briefing build [--send]``,
``briefing send`` and the scheduler all go through it::

    build (briefing.pipeline) ──> archive (briefing.archive) ──> deliver (email)

The error policy, the same for every caller:

* **Build.** A failure raises (a ``BriefingError``); nothing was published, so
  nothing else happens. ``NothingNewError`` (nothing new to brief) is one of them.
* **Archive.** The brief is published once its folder is in place; the archive's
  index, feed and search are derived from it. A failed archive update is a
  warning (logged and in ``PublishResult.warnings``), never a failed build, and
  never stops the delivery. ``briefing archive rebuild`` repairs it later.
* **Delivery.** Never raises for the mail's sake: a delivery that cannot even be
  attempted (no recipients, SMTP unreachable) or that some recipients refused is
  reported in ``Delivery`` (``ok`` false). The brief stays published either way.

A scheduled profile's digest goes out once a day, whoever sends it: the caller
passes a ``DigestGate`` (``briefing.schedule``) that is told when the brief is
built, asked before sending, and told the outcome.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from briefing.config import Config
from briefing.errors import one_line

if TYPE_CHECKING:
    from briefing.archive import ArchiveReport
    from briefing.brief import Brief
    from briefing.deliver import SendReport
    from briefing.pipeline import BuildResult
    from briefing.storage import Storage

logger = logging.getLogger(__name__)

__all__ = [
    "Delivery",
    "DigestGate",
    "PublishResult",
    "Publisher",
    "SendClaim",
    "publish",
    "send",
]


@dataclass(frozen=True)
class SendClaim:
    """A digest gate's answer before sending: go ahead, or why not."""

    claimed: bool
    note: str | None = None
    #: When not claimed: True when nothing needs doing (it went out already).
    ok: bool = True


class DigestGate(Protocol):
    """A scheduled profile's record of the day's digest (see ``briefing.schedule``)."""

    def built(self, store: Storage, brief_id: int) -> None:
        """The brief of the digest was built (and published)."""

    def claim_send(self, store: Storage, brief_id: int) -> SendClaim:
        """May this process send ``brief_id`` as the digest now?"""

    def finished(self, store: Storage, report: SendReport) -> None:
        """The send ran; ``report`` says to whom it went."""

    def failed(self, store: Storage, error: str) -> None:
        """The send could not run at all."""


@dataclass(frozen=True)
class Delivery:
    """What delivering one brief did."""

    brief_id: int | None
    #: Recipient by recipient; None when nothing was sent (``note`` says why).
    report: SendReport | None = None
    note: str | None = None
    #: False when someone should act: recipients failed or are unknown, or nothing
    #: could be sent.
    ok: bool = True

    def lines(self) -> list[str]:
        """One line per fact, for people (recipients named, no secrets)."""
        if self.report is not None:
            return self.report.lines()
        return [self.note] if self.note else []


@dataclass(frozen=True)
class PublishResult:
    build: BuildResult
    archive: ArchiveReport | None = None
    delivery: Delivery | None = None
    #: Problems that did not stop the publication (a failed archive update).
    warnings: tuple[str, ...] = ()

    @property
    def brief_id(self) -> int:
        return self.build.brief_id

    @property
    def ok(self) -> bool:
        return self.delivery is None or self.delivery.ok


class Publisher:
    """The publish path for one config. Its stages (``build``, ``send``,
    ``update_archive``) default to the real ones; an embedding program or a test
    may replace one."""

    def __init__(
        self,
        config: Config,
        *,
        build: Callable[..., BuildResult] | None = None,
        send: Callable[..., SendReport] | None = None,
        update_archive: Callable[..., ArchiveReport] | None = None,
        owner: str | None = None,
    ) -> None:
        self.config = config
        #: The owner name this path's outbox claims carry (a scheduler passes its own).
        self.owner = owner
        self._build = build
        self._send = send
        self._update_archive = update_archive

    def publish(
        self,
        profile: str = "default",
        *,
        send: bool = False,
        digest: DigestGate | None = None,
        **build_options: Any,
    ) -> PublishResult:
        """Build ``profile``'s brief, update the archive, and (with ``send``) deliver it.

        ``build_options`` are ``briefing.build``'s (sources, out_root, title, engine,
        model, summarizer, collect_first, now, progress). For a scheduled profile
        without a ``digest`` gate, the day's digest record is honoured (a digest
        already sent today is not sent again, and the result says so).
        """
        built = self._run_build(profile, **build_options)
        if digest is not None:
            with self._store() as store:
                digest.built(store, built.brief_id)
        warnings: list[str] = []
        archive = self.archive(built.folder.parent.parent, warnings,
                               written={built.folder: built.brief})
        delivery = None
        if send:
            gate = digest
            if gate is None and self.config.profile(profile).schedule is not None:
                from briefing.schedule.manual import ManualDigest

                gate = ManualDigest(self.config, profile)
            delivery = self.deliver(built.brief_id, digest=gate)
        return PublishResult(build=built, archive=archive, delivery=delivery,
                             warnings=tuple(warnings))

    def archive(
        self,
        out_root: Path,
        warnings: list[str] | None = None,
        *,
        written: Mapping[Path, Brief] | None = None,
    ) -> ArchiveReport | None:
        """Bring the archive under ``out_root`` up to date; a failure is only a warning.

        ``written``: briefs just published, by folder, handed over as they are."""
        try:
            if self._update_archive is not None:
                return self._update_archive(self.config, out_root, written=written)
            from briefing.archive import update_archive

            return update_archive(self.config, out_root, written=written)
        except Exception as error:  # the brief is published: the archive is derived from it
            message = f"archive not updated: {one_line(error)} (briefing archive rebuild " \
                      "repairs it)"
            logger.warning("%s", message)
            logger.debug("archive update failed", exc_info=True)
            if warnings is not None:
                warnings.append(message)
            return None

    def deliver(
        self,
        brief_id: int | None = None,
        *,
        profile: str | None = None,
        dry_run: bool = False,
        retry_unknown: bool = False,
        retry_failed: bool = False,
        digest: DigestGate | None = None,
    ) -> Delivery:
        """Send brief ``brief_id`` (default: ``profile``'s latest) to its recipients.

        Never raises for the mail's sake (see the module's error policy); a
        ``digest`` gate is asked first and told the outcome.
        """
        from briefing.deliver import DeliveryError

        with self._store() as store:
            if digest is not None and brief_id is not None and not dry_run:
                claim = digest.claim_send(store, brief_id)
                if not claim.claimed:
                    return Delivery(brief_id, None, claim.note, claim.ok)
            else:
                digest = None
            try:
                report = self._run_send(store, brief_id, profile=profile, dry_run=dry_run,
                                        retry_unknown=retry_unknown, retry_failed=retry_failed)
            except DeliveryError as error:
                if digest is not None:
                    digest.failed(store, one_line(error))
                logger.error("brief %s not sent: %s", brief_id, error)
                return Delivery(brief_id, None, f"not sent: {error}", ok=False)
            except Exception as error:
                if digest is not None:
                    digest.failed(store, one_line(error))
                raise
            # An interruption (Ctrl+C, the scheduler's second stop signal) is not recorded
            # here: the digest row stays claimed and the next run settles it.
            if digest is not None:
                digest.finished(store, report)
        return Delivery(report.brief_id, report, None, report.ok)

    def _run_build(self, profile: str, **options: Any) -> BuildResult:
        if self._build is not None:
            return self._build(self.config, profile=profile, **options)
        from briefing.pipeline import build_brief  # the heavy part: only when building

        if self.owner is not None:
            options["owner"] = self.owner
        return build_brief(self.config, profile=profile, **options)

    def _run_send(self, store: Storage, brief_id: int | None, **options: Any) -> SendReport:
        if self.owner is not None:
            options["owner"] = self.owner
        if self._send is not None:
            return self._send(self.config, store, brief_id, **options)
        from briefing.deliver import send_brief

        return send_brief(self.config, store, brief_id, **options)

    def _store(self) -> Storage:
        from briefing.storage import open_storage

        return open_storage(self.config.paths.store)


def publish(
    config: Config, profile: str = "default", *, send: bool = False, **build_options: Any
) -> PublishResult:
    """Build ``profile``'s brief, update the archive and, with ``send``, email it.

    See the module's error policy. ``build_options`` are ``briefing.build``'s.
    """
    return Publisher(config).publish(profile, send=send, **build_options)


def send(
    config: Config,
    brief_id: int | None = None,
    *,
    profile: str | None = None,
    dry_run: bool = False,
    retry_unknown: bool = False,
    retry_failed: bool = False,
) -> Delivery:
    """Email brief ``brief_id`` (default: ``profile``'s latest) to its profile's recipients.

    ``retry_unknown`` / ``retry_failed`` resend, on purpose, messages whose fate is
    unknown / that were refused.
    """
    return Publisher(config).deliver(
        brief_id, profile=profile, dry_run=dry_run, retry_unknown=retry_unknown,
        retry_failed=retry_failed,
    )

