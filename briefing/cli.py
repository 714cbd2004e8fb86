"""The ``briefing`` command: parses arguments, calls the library, prints.

No business logic lives here. This is also the only module that configures
logging: rich on a terminal, plain lines otherwise.
"""

from __future__ import annotations

import argparse
import gc
import logging
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

from briefing import __version__
from briefing.config import ENGINES, Config, load_config
from briefing.errors import BriefingError, ConfigError, NothingNewError
from briefing.redact import RedactingFilter

if TYPE_CHECKING:
    from rich.console import Console

    from briefing.pipeline import BuildResult

logger = logging.getLogger("briefing.cli")

EXIT_OK, EXIT_ERROR, EXIT_USAGE, EXIT_INTERRUPTED = 0, 1, 2, 130
_GC_EVERY_ALLOCATIONS = 50_000


def run() -> NoReturn:
    """The ``briefing`` console script: ``main`` on ``sys.argv``, then exit with its code."""
    # A command is one batch: it builds many long-lived objects (articles, sketches,
    # WeasyPrint's boxes) and few reference cycles, so the collector's default
    # (every 700 container allocations, a full pass now and then over everything
    # alive) spends 5-9% of a build finding nothing. Collecting every 50,000 keeps
    # a 5,000-article build's peak memory where it was. This process is ours; a
    # library caller's collector is left alone.
    gc.set_threshold(_GC_EVERY_ALLOCATIONS, *gc.get_threshold()[1:])
    # httpx loads its own command-line client when imported (click, pygments and rich, a
    # third of a collect's start-up), and defines a stand-in ``httpx.main`` when that
    # module cannot be had. Nothing here runs httpx's client.
    sys.modules.setdefault("httpx._main", None)  # type: ignore[arg-type]
    code = main()
    # Every file the command wrote is closed by now. The interpreter's last garbage
    # collections would only walk what WeasyPrint and the pipeline leave behind, about
    # 0.2 s of CPU after a PDF, a sixth of a one-article build; frozen objects are
    # outside them. Python never promised to finalise what is still alive at exit, and
    # ``main`` itself stays free of this for callers that go on running.
    gc.freeze()
    sys.exit(code)


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    if not getattr(args, "command", None):
        parser.print_help()
        return EXIT_USAGE
    for name, default in (("config", None), ("verbose", False), ("quiet", False)):
        if not hasattr(args, name):
            setattr(args, name, default)
    # rich loads when something is printed on stderr: most runs print nothing there.
    from briefing.cli_console import lazy_stderr

    err = lazy_stderr()
    _configure_logging(args.verbose, args.quiet, err)
    try:
        config = load_config(args.config)
        handler: Callable[[argparse.Namespace, Config, Console], int] = args.handler
        return handler(args, config, err)
    except ConfigError as error:
        _print_error(err, error)
        return EXIT_USAGE
    except NothingNewError as error:
        # Not a failure: every article was briefed before (or the profile took none).
        err.print(str(error), highlight=False, markup=False, soft_wrap=True)
        return EXIT_OK
    except BriefingError as error:
        _print_error(err, error)
        return EXIT_ERROR
    except KeyboardInterrupt:
        err.print("interrupted")
        return EXIT_INTERRUPTED


def _print_error(err: Console, error: BaseException) -> None:
    from rich.markup import escape

    # Escaped: a file name such as "[draft].txt" must reach the user whole.
    err.print(f"[bold red]error:[/] {escape(str(error))}", highlight=False, soft_wrap=True)


def _parser() -> argparse.ArgumentParser:
    # SUPPRESS: these options work before or after the command; a sub-parser's own
    # default must not overwrite a value given before the command.
    common = argparse.ArgumentParser(add_help=False, argument_default=argparse.SUPPRESS)
    common.add_argument("--config", type=Path, metavar="FILE",
                        help="config file (default: $BRIEFING_CONFIG, then ./briefing.toml)")
    noise = common.add_mutually_exclusive_group()
    noise.add_argument("-v", "--verbose", action="store_true", help="log every step")
    noise.add_argument("-q", "--quiet", action="store_true", help="print errors only")

    parser = argparse.ArgumentParser(
        prog="briefing",
        description="Turn news articles into cited bullet-point briefs (PDF, email HTML, "
        "text, JSON).",
        parents=[common],
    )
    parser.add_argument("--version", action="version", version=f"briefing {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    build = commands.add_parser(
        "build", parents=[common], help="build a brief now",
        description="Read articles, summarize them into a cited brief and write "
        "brief.pdf, brief.html, brief.txt, brief.md and brief.json to OUT/<profile>/<YYYY-MM-DD>/. "
        "With no --source and no configured sources, the bundled example articles are used.",
    )
    build.add_argument("--source", "-s", action="append", default=[], metavar="PATH|URL",
                       help="article file or folder (.txt, .md, .html), or a feed or page URL; "
                       "repeatable; replaces the profile's sources")
    build.add_argument("--no-collect", action="store_true",
                       help="do not fetch feeds and pages first; brief what was collected before")
    build.add_argument("--out", "-o", type=Path, metavar="DIR",
                       help="output folder (default: paths.out in the config, else ./out)")
    build.add_argument("--title", "-t", help="the brief's title")
    build.add_argument("--profile", "-p", default="default", help="profile to build")
    build.add_argument("--engine", choices=[e for e in ENGINES if e != "auto"],
                       help="summarizer (default: brief.engine in the config, 'auto')")
    build.add_argument("--model", help="LLM model name (overrides llm.model)")
    build.add_argument("--send", action="store_true",
                       help="email the brief to the profile's recipients ([smtp] in the config)")
    build.set_defaults(handler=_cmd_build)

    collect = commands.add_parser(
        "collect", parents=[common], help="fetch new articles from feeds and pages",
        description="Fetch every feed and page source of a profile and store what is new "
        "(conditional GET: unchanged feeds cost a 304).",
    )
    collect.add_argument("--profile", "-p", default="default",
                         help="profile whose sources to fetch")
    collect.set_defaults(handler=_cmd_collect)

    usage = commands.add_parser(
        "usage", parents=[common], help="LLM calls and tokens per day and model",
        description="Print the LLM calls, cache hits and tokens recorded in the store, "
        "per day and model.",
    )
    usage.set_defaults(handler=_cmd_usage)

    from briefing.cli_archive import add_commands as add_archive_commands
    from briefing.cli_deliver import add_commands as add_deliver_commands
    from briefing.cli_schedule import add_commands as add_schedule_commands
    from briefing.cli_sources import add_commands as add_sources_commands
    from briefing.cli_store import add_commands as add_store_commands

    add_sources_commands(commands, common)  # sources [import FILE.opml | export]
    add_archive_commands(commands, common)  # archive list|search|open|rebuild, serve
    add_deliver_commands(commands, common)  # send
    add_schedule_commands(commands, common)  # schedule [--once]
    add_store_commands(commands, common)  # store migrate|copy
    return parser


def _configure_logging(verbose: bool, quiet: bool, err: Console) -> None:
    from briefing.cli_console import log_handler

    level = logging.DEBUG if verbose else logging.ERROR if quiet else logging.WARNING
    handler = log_handler(err, verbose=verbose)
    handler.addFilter(RedactingFilter())  # no credential in a URL reaches the terminal
    root = logging.getLogger("briefing")
    root.handlers[:] = [handler]
    root.setLevel(level)
    root.propagate = False


@contextmanager
def _progress(err: Console, enabled: bool) -> Iterator[Callable[[str], None] | None]:
    """A live status line on a terminal; nothing at all when piped or quiet."""
    if not (enabled and err.is_terminal):
        yield None
        return
    with err.status("starting") as status:
        yield lambda stage: status.update(f"{stage}…")


def _cmd_build(args: argparse.Namespace, config: Config, err: Console) -> int:
    from briefing.publishing import publish

    with _progress(err, not args.quiet) as progress:
        result = publish(
            config,
            args.profile,
            send=args.send,
            sources=args.source,
            out_root=args.out,
            title=args.title,
            engine=args.engine,
            model=args.model,
            collect_first=not args.no_collect,
            progress=progress,
        )
    if not args.quiet:
        _print_build_summary(result.build)
    for warning in result.warnings:
        err.print(f"warning: {warning}", highlight=False, markup=False, soft_wrap=True)
    if result.archive is not None and result.archive.pruned and not args.quiet:
        days = ", ".join(p.key for p in result.archive.pruned)
        err.print(f"note: pruned {len(result.archive.pruned)} old brief(s): {days}",
                  highlight=False, markup=False, soft_wrap=True)
    if result.delivery is not None:
        from briefing.cli_deliver import print_delivery

        print_delivery(result.delivery, err, quiet=args.quiet)
    return EXIT_OK if result.ok else EXIT_ERROR


def _print_build_summary(result: BuildResult) -> None:
    from rich.console import Console

    brief = result.brief
    out = Console()
    out.print(
        f"Brief {brief.id} written to {result.folder}\n"
        f"  {len(brief.stories)} stories · {brief.coverage}\n"
        f"  articles: {result.new_articles} new, {result.seen_articles} already seen"
        + (f"; {len(result.skipped)} file(s) skipped" if result.skipped else ""),
        highlight=False, markup=False, soft_wrap=True,
    )
    for note in (*brief.notes, *brief.build_notes):
        out.print(f"  note: {note}", highlight=False, markup=False, soft_wrap=True)
    files = result.files
    for path in (files.pdf, files.html, files.text, files.markdown, files.json):
        if path is not None:
            out.print(f"  {path}", highlight=False, markup=False, soft_wrap=True)


def _cmd_collect(args: argparse.Namespace, config: Config, err: Console) -> int:
    from briefing.collect import collect, collect_summary, failure_note
    from briefing.storage import open_storage

    sources = config.sources_for(config.profile(args.profile))
    with open_storage(config.paths.store) as store, _progress(err, not args.quiet) as progress:
        if progress:
            progress("collect")
        report = collect(config, store, sources)
    if not args.quiet:
        print(collect_summary(report))
    note = failure_note(report)
    if note:
        err.print(f"warning: {note}", highlight=False, markup=False, soft_wrap=True)
    return EXIT_OK


def _cmd_usage(args: argparse.Namespace, config: Config, err: Console) -> int:
    from briefing.storage import open_storage
    from briefing.usage import format_usage, usage_rows

    with open_storage(config.paths.store) as store:
        print(format_usage(usage_rows(store)))
    return EXIT_OK


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
