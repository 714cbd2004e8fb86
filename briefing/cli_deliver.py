"""The ``briefing send`` command: parse, call ``briefing.publishing.deliver``, print.

``briefing.cli`` wires this in (``add_commands``) and prints ``build --send``'s
delivery with ``print_delivery``.

Delivery problems are loud: every message of the profile that failed or whose
fate is unknown, and that nobody has resent or dismissed, is printed as one
error line (even with ``-q``) and makes the exit status 1, until it is dealt
with (``--retry-failed``, ``--retry-unknown`` or ``--dismiss``).
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from briefing.config import Config

if TYPE_CHECKING:
    from rich.console import Console

    from briefing.deliver import DeliveryProblem
    from briefing.publishing import Delivery
    from briefing.storage import Storage

EXIT_OK, EXIT_ERROR, EXIT_USAGE = 0, 1, 2


def add_commands(commands: Any, common: argparse.ArgumentParser) -> None:
    """Add ``send`` to the ``briefing`` sub-commands (``commands`` from add_subparsers)."""
    send = commands.add_parser(
        "send", parents=[common], help="email a brief to its profile's recipients",
        description="Email a brief (default: the profile's latest) to the profile's "
        "recipients over SMTP ([smtp] in the config). Each recipient gets it at most once: "
        "a message whose fate is unknown (the connection dropped after sending, or a send "
        "was killed) is reported and only resent with --retry-unknown; one refused for good "
        "only with --retry-failed. Until each is resent or dismissed, every send reports "
        "it on stderr and exits 1.",
    )
    send.add_argument("--profile", "-p", default="default", help="profile whose brief to send")
    send.add_argument("--brief", type=int, metavar="ID",
                      help="the brief's id (default: the profile's latest)")
    action = send.add_mutually_exclusive_group()
    action.add_argument("--dry-run", action="store_true",
                        help="write the .eml files to smtp.dry_run_dir (beside the store) "
                        "instead of sending")
    action.add_argument("--dismiss", action="store_true",
                        help="stop reporting the brief's failed and unknown messages "
                        "(sends nothing)")
    send.add_argument("--retry-unknown", action="store_true",
                      help="resend messages whose delivery is unknown (may duplicate them)")
    send.add_argument("--retry-failed", action="store_true",
                      help="resend messages that were refused or gave up (after fixing the "
                      "cause)")
    send.set_defaults(handler=cmd_send)


def cmd_send(args: argparse.Namespace, config: Config, err: Console) -> int:
    from briefing.deliver import delivery_problems, dismiss_problems
    from briefing.publishing import send
    from briefing.storage import open_storage

    quiet = bool(getattr(args, "quiet", False))
    if args.dismiss and (args.retry_unknown or args.retry_failed):
        _error(err, "error: --dismiss sends nothing; it cannot be combined with --retry-*")
        return EXIT_USAGE
    if args.dismiss:
        with open_storage(config.paths.store) as store:
            brief_id = args.brief if args.brief is not None else _latest(store, args.profile)
            dismissed = dismiss_problems(store, brief_id)
            for problem in dismissed:
                if not quiet:
                    print(f"dismissed: brief {problem.brief_id}: {problem.recipient}: "
                          f"{problem.state}: {problem.reason}")
            if not dismissed and not quiet:
                print(f"brief {brief_id}: nothing to dismiss")
            record = store.briefs.record(brief_id)
            profile = record.profile if record is not None else args.profile
            problems = delivery_problems(config, store, [profile])
        print_problems(problems, err)
        return EXIT_ERROR if problems else EXIT_OK
    delivery = send(
        config, args.brief, profile=args.profile, dry_run=args.dry_run,
        retry_unknown=args.retry_unknown, retry_failed=args.retry_failed,
    )
    if args.dry_run:
        print_delivery(delivery, err, quiet=quiet)
        return EXIT_OK if delivery.ok else EXIT_ERROR
    profile = delivery.report.profile if delivery.report is not None else args.profile
    with open_storage(config.paths.store) as store:
        problems = delivery_problems(config, store, [profile])
    print_delivery(delivery, err, quiet=quiet, problems=problems)
    return EXIT_OK if delivery.ok and not problems else EXIT_ERROR


def print_delivery(
    delivery: Delivery, err: Console, *, quiet: bool,
    problems: Sequence[DeliveryProblem] | None = None,
) -> None:
    """The delivery's summary line on stdout (unless quiet); every problem on stderr.

    ``problems`` (every unresolved one of the profile) replace the report's own
    failed and unknown lines, so each is printed once.
    """
    report = delivery.report
    if report is None:
        if not quiet or not delivery.ok:
            _error(err, delivery.note or "not sent")
        if problems:
            print_problems(problems, err)
        return
    if report.dry_run:
        if not quiet:
            for line in report.lines():
                print(line)
        return
    if not quiet:
        print(report.summary())
    if problems is None:
        for line in report.lines()[1:]:
            _error(err, line)
        return
    for line in report.waiting_lines():
        _error(err, line)
    print_problems(problems, err)


def print_problems(problems: Sequence[DeliveryProblem], err: Console) -> None:
    """One error line per message that failed or may not have arrived (shown with -q too)."""
    for problem in problems:
        _error(err, f"error: {problem.line()}")


def _latest(store: Storage, profile: str) -> int:
    from briefing.deliver import DeliveryError

    record = store.briefs.latest(profile)
    if record is None:
        raise DeliveryError(f"no brief of profile {profile!r} yet")
    return int(record.id)


def _error(err: Console, line: str) -> None:
    err.print(line, highlight=False, markup=False, soft_wrap=True)
