"""``briefing sources [import FILE.opml | export]``: feed health, and OPML in and out.

``briefing.cli`` wires this in with ``add_commands(commands, common)``; the work
is in ``briefing.subscriptions`` (and ``briefing.collect`` for the health table).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from briefing.config import Config

if TYPE_CHECKING:
    # rich loads when a command runs (briefing.cli), never for `briefing --help`.
    from rich.console import Console

EXIT_OK = 0


def add_commands(commands: Any, common: argparse.ArgumentParser) -> None:
    """Add ``sources`` (health), ``sources import`` and ``sources export``."""
    sources = commands.add_parser(
        "sources", parents=[common],
        help="health of each feed and page source; OPML import and export",
        description="Print each web source's last success, last error and consecutive "
        "failures; or import feeds from an OPML file into the config, or export them as OPML.",
    )
    sources.set_defaults(handler=cmd_health)
    actions = sources.add_subparsers(dest="sources_command", metavar="{import,export}")
    importing = actions.add_parser(
        "import", parents=[common], help="add the feeds of an OPML file to the config",
        description="Add every feed of an OPML subscription list (as feed readers export "
        "it) to the config file as [[sources]], keeping the file's comments and layout. "
        "Feeds the config already has are left alone.",
    )
    importing.add_argument("file", type=Path, metavar="FILE.opml")
    importing.add_argument("--profile", "-p",
                           help="also add the new feeds to this profile's sources "
                           "(created when it does not exist)")
    importing.set_defaults(handler=cmd_import)
    exporting = actions.add_parser(
        "export", parents=[common], help="write the config's feeds as OPML 2.0",
        description="Write the config's feed sources as an OPML 2.0 subscription list "
        "that feed readers import.",
    )
    exporting.add_argument("--profile", "-p", help="only this profile's feeds")
    exporting.add_argument("--output", "-o", type=Path, metavar="FILE",
                           help="write to FILE (default: standard output)")
    exporting.set_defaults(handler=cmd_export)


def cmd_health(args: argparse.Namespace, config: Config, err: Console) -> int:
    from briefing.collect import format_health, source_health
    from briefing.storage import open_storage

    with open_storage(config.paths.store) as store:
        print(format_health(source_health(store)))
    return EXIT_OK


def cmd_import(args: argparse.Namespace, config: Config, err: Console) -> int:
    from briefing.subscriptions import config_target, import_opml

    result, listing = import_opml(args.file, config_target(config), profile=args.profile)
    if not args.quiet:
        print(f"{result.file}: {len(result.added)} feed(s) added, "
              f"{len(result.already)} already there")
        if result.profile_note:
            print(f"  {result.profile_note}")
    for line in listing.skipped:
        err.print(f"warning: skipped {line}", highlight=False, markup=False, soft_wrap=True)
    return EXIT_OK


def cmd_export(args: argparse.Namespace, config: Config, err: Console) -> int:
    from briefing.fsutil import write_atomic
    from briefing.subscriptions import export_opml

    data = export_opml(config, args.profile)
    if args.output is None:
        sys.stdout.buffer.write(data)
        sys.stdout.flush()
    else:
        write_atomic(args.output, data)
    return EXIT_OK
