"""The ``briefing send`` command and ``build --send``: parse, call ``send_brief``, print.

``briefing.cli`` wires this in::

    from briefing.cli_deliver import add_commands, send_after_build
    add_commands(commands, common)                       # in _parser()
    return send_after_build(config, result.brief_id, err, quiet=args.quiet)  # build --send
"""

from __future__ import annotations

import argparse
from typing import Any

from rich.console import Console

from briefing.config import Config

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
                      help="write the .eml files next to the brief instead of sending")
    send.add_argument("--retry-unknown", action="store_true",
                      help="resend messages whose delivery is unknown (may duplicate them)")
    send.set_defaults(handler=cmd_send)


def cmd_send(args: argparse.Namespace, config: Config, err: Console) -> int:
    return _send(
        config, err, brief_id=args.brief, profile=args.profile, dry_run=args.dry_run,
        retry_unknown=args.retry_unknown, quiet=bool(getattr(args, "quiet", False)),
    )


def send_after_build(
    config: Config, brief_id: int, err: Console, *, dry_run: bool = False, quiet: bool = False,
    profile: str | None = None,
) -> int:
    """``briefing build --send``: send the brief just built; returns the exit code.

    For a scheduled ``profile``, the day's digest is sent once whoever sends it
    (``briefing.schedule.manual``): when the scheduler already sent it, the
    brief is built but not sent again, and a line says so.
    """
    if profile is not None and not dry_run and config.profile(profile).schedule is not None:
        return _send_scheduled(config, err, brief_id=brief_id, profile=profile, quiet=quiet)
    return _send(config, err, brief_id=brief_id, profile=None, dry_run=dry_run,
                 retry_unknown=False, quiet=quiet)


def _send_scheduled(
    config: Config, err: Console, *, brief_id: int, profile: str, quiet: bool
) -> int:
    from briefing.schedule.manual import send_built_brief
    from briefing.store import Store

    with Store(config.paths.store) as store:
        result = send_built_brief(config, store, profile, brief_id)
    if result.report is not None:
        _print_report(result.report, err, quiet)
        return EXIT_OK if result.report.ok else EXIT_ERROR
    if not quiet or not result.ok:
        err.print(result.note or "not sent", highlight=False, markup=False, soft_wrap=True)
    return EXIT_OK if result.ok else EXIT_ERROR


def _send(
    config: Config,
    err: Console,
    *,
    brief_id: int | None,
    profile: str | None,
    dry_run: bool,
    retry_unknown: bool,
    quiet: bool,
) -> int:
    from briefing.deliver import send_brief
    from briefing.store import Store

    with Store(config.paths.store) as store:
        report = send_brief(
            config, store, brief_id, profile=profile, dry_run=dry_run,
            retry_unknown=retry_unknown,
        )
    _print_report(report, err, quiet)
    return EXIT_OK if report.ok else EXIT_ERROR


def _print_report(report: Any, err: Console, quiet: bool) -> None:
    lines = report.lines()
    if not quiet:
        for line in lines[:1] if not report.dry_run else lines:
            print(line)
    for line in lines[1:] if not report.dry_run else []:
        err.print(line, highlight=False, markup=False, soft_wrap=True)
