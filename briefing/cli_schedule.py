"""``briefing schedule [--once] [--profile P ...]``: parse, call ``run_scheduler``, report.

``briefing.cli`` wires this in with ``add_commands(commands, common)``. The
work is in ``briefing.schedule``; this module only raises the scheduler's log
level to INFO (a daemon that says nothing about its jobs is hard to trust) and
turns the run into an exit status. ``--once`` prints one error line per message
that failed or may not have arrived and is not yet dealt with, even with ``-q``,
and exits 1 while there is one.
"""

from __future__ import annotations

import argparse
import logging
from typing import TYPE_CHECKING, Any

from briefing.cli_deliver import print_problems
from briefing.config import Config

if TYPE_CHECKING:
    from rich.console import Console

EXIT_OK, EXIT_ERROR, EXIT_INTERRUPTED = 0, 1, 130
#: How long ``--once`` waits for another scheduler's lock by default (a cron run
#: may start while the previous one is finishing).
ONCE_LOCK_WAIT = 10.0


def add_commands(commands: Any, common: argparse.ArgumentParser) -> None:
    """Add ``schedule`` to the ``briefing`` sub-commands."""
    parser = commands.add_parser(
        "schedule", parents=[common],
        help="run the scheduler: collect through the day, deliver each digest on time",
        description="Run in the foreground: collect each scheduled profile's feeds every "
        "collect_every_minutes, and build and email its digest at deliver_at in its time zone "
        "([profiles.NAME.schedule] in the config), exactly once per day. A delivery missed "
        "while it was not running is caught up within catch_up_grace_minutes; a failed one is "
        "retried. SIGINT or SIGTERM stops it after the job in hand (a second one abandons "
        "the job). One scheduler per store.",
    )
    parser.add_argument("--once", action="store_true",
                        help="run what is due now and exit (cron, systemd timers, CronJobs); "
                        "exit 1 when a job failed or a message failed or may not have "
                        "arrived and is not yet resent or dismissed (one line each, even "
                        "with -q)")
    parser.add_argument("--profile", "-p", action="append", default=[], metavar="NAME",
                        dest="profiles",
                        help="only this profile (repeatable; default: every scheduled profile)")
    parser.add_argument("--lock-wait", type=float, metavar="SECONDS",
                        help="wait this long for another scheduler's lock "
                        f"(default: 0, or {ONCE_LOCK_WAIT:g} with --once)")
    parser.set_defaults(handler=cmd_schedule)


def cmd_schedule(args: argparse.Namespace, config: Config, err: Console) -> int:
    from briefing.schedule import run_scheduler

    # Set either way: a level left by an earlier call in this process (a program
    # calling main() twice) must not let INFO through a -q run.
    quiet_or_verbose = args.quiet or args.verbose
    logging.getLogger("briefing.schedule").setLevel(
        logging.NOTSET if quiet_or_verbose else logging.INFO)
    for handler in logging.getLogger("briefing").handlers:
        if type(handler) is logging.StreamHandler:  # piped (cron mail, a log file): add times
            handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s: %(message)s"))
    wait = args.lock_wait if args.lock_wait is not None else (
        ONCE_LOCK_WAIT if args.once else 0.0
    )
    report = run_scheduler(config, profiles=args.profiles, once=args.once, lock_wait=wait)
    if report.abandoned:
        return EXIT_INTERRUPTED
    if not report.once:
        return EXIT_OK  # the daemon logged every problem as it saw it
    if not args.quiet:
        done = [o for o in report.outcomes if o.kind != "missed"]
        failed = sum(1 for o in done if o.failed)
        print(f"{len(done)} job(s) run, {failed} failed")
    # Loud even with -q (cron mails what a job prints): until resent or dismissed.
    print_problems(report.problems, err)
    return EXIT_ERROR if report.failed or report.problems else EXIT_OK
