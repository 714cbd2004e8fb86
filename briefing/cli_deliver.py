"""The ``briefing send`` command: parse, call ``briefing.publish.deliver``, print.

``briefing.cli`` wires this in (``add_commands``) and prints ``build --send``'s
delivery with ``print_delivery``.
"""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, Any

from rich.console import Console

from briefing.config import Config

if TYPE_CHECKING:
    from briefing.publish import Delivery

EXIT_OK, EXIT_ERROR = 0, 1


def add_commands(commands: Any, common: argparse.ArgumentParser) -> None:
    """Add ``send`` to the ``briefing`` sub-commands (``commands`` from add_subparsers)."""
    send = commands.add_parser(
        "send", parents=[common], help="email a brief to its profile's recipients",
        description="Email a brief (default: the profile's latest) to the profile's "
        "recipients over SMTP ([smtp] in the config). Each recipient gets it at most once: "
        "a message whose fate is unknown (the connection dropped after sending, or a send "
        "was killed) is reported and only resent with --retry-unknown.",
    )
    send.add_argument("--profile", "-p", default="default", help="profile whose brief to send")
    send.add_argument("--brief", type=int, metavar="ID",
                      help="the brief's id (default: the profile's latest)")
    send.add_argument("--dry-run", action="store_true",
                      help="write the .eml files to smtp.dry_run_dir (beside the store) "
                      "instead of sending")
    send.add_argument("--retry-unknown", action="store_true",
                      help="resend messages whose delivery is unknown (may duplicate them)")
    send.set_defaults(handler=cmd_send)


def cmd_send(args: argparse.Namespace, config: Config, err: Console) -> int:
    from briefing.publish import deliver

    delivery = deliver(
        config, args.brief, profile=args.profile, dry_run=args.dry_run,
        retry_unknown=args.retry_unknown,
    )
    print_delivery(delivery, err, quiet=bool(getattr(args, "quiet", False)))
    return EXIT_OK if delivery.ok else EXIT_ERROR


def print_delivery(delivery: Delivery, err: Console, *, quiet: bool) -> None:
    """The delivery's summary line on stdout (unless quiet); every problem on stderr."""
    report = delivery.report
    if report is None:
        if not quiet or not delivery.ok:
            err.print(delivery.note or "not sent", highlight=False, markup=False,
                      soft_wrap=True)
        return
    lines = report.lines()
    if report.dry_run:
        if not quiet:
            for line in lines:
                print(line)
        return
    if not quiet:
        print(lines[0])
    for line in lines[1:]:
        err.print(line, highlight=False, markup=False, soft_wrap=True)
