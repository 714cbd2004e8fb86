"""``briefing archive list|search|open|rebuild`` and ``briefing serve``.

Parsing and printing only; the work is in ``briefing.archive``. ``cli.py``
calls ``add_commands`` while building its parser.

``briefing.archive`` (Jinja, the store, the site writer) is imported by each
command when it runs: building the parser for ``briefing --help`` must stay cheap.
"""

from __future__ import annotations

import argparse
import os
import sys
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from briefing.config import Config

if TYPE_CHECKING:
    from rich.console import Console

    from briefing.archive import ArchiveReport

EXIT_OK, EXIT_USAGE = 0, 2


def add_commands(commands: Any, common: argparse.ArgumentParser) -> None:
    """Add ``archive`` (with its sub-commands) and ``serve`` to the ``briefing`` parser."""
    archive = commands.add_parser(
        "archive", parents=[common], help="list, search, open and rebuild the archive of briefs",
        description="The archive of every brief under the output folder: out/index.html, "
        "a page per brief, out/feed.xml and a full-text search index.",
    )
    archive.set_defaults(handler=_cmd_archive_help, archive_parser=archive)
    actions = archive.add_subparsers(dest="archive_command", metavar="ACTION")

    listing = actions.add_parser("list", parents=[common], help="list the briefs, newest first")
    listing.add_argument("--profile", "-p", help="only this profile's briefs")
    listing.add_argument("--since", type=_day, metavar="YYYY-MM-DD",
                         help="only briefs from this date on")
    _out_option(listing)
    listing.set_defaults(handler=_cmd_list)

    find = actions.add_parser(
        "search", parents=[common], help="full-text search of headlines, bullets and sources",
        description="Search every brief's headlines, bullets and sources (all words must "
        "match; end a word with * for a prefix). Best matches first.",
    )
    find.add_argument("query", nargs="+", help="words to look for")
    find.add_argument("--profile", "-p", help="only this profile's briefs")
    find.add_argument("--limit", "-n", type=int, default=20, help="at most this many hits (20)")
    find.set_defaults(handler=_cmd_search)

    show = actions.add_parser(
        "open", parents=[common], help="print the PDF path of a brief (or open it)",
        description="Print the path of a brief's PDF; with --open, open it in the default viewer.",
    )
    show.add_argument("brief", metavar="DATE|ID",
                      help="a brief id, PROFILE/YYYY-MM-DD[-N] or YYYY-MM-DD[-N]")
    show.add_argument("--profile", "-p", help="the profile, when several briefed that day")
    show.add_argument("--open", action="store_true", dest="launch", help="open the PDF")
    _out_option(show)
    show.set_defaults(handler=_cmd_open)

    rebuild = actions.add_parser(
        "rebuild", parents=[common], help="regenerate the pages and search indexes",
        description="Regenerate every archive page, feed.xml and both search indexes from the "
        "brief.json files (e.g. after losing the SQLite store).",
    )
    _out_option(rebuild)
    rebuild.set_defaults(handler=_cmd_rebuild)

    serve = commands.add_parser(
        "serve", parents=[common], help="browse the archive at http://127.0.0.1:PORT/",
        description="Serve the output folder on 127.0.0.1 (this machine only) until Ctrl+C.",
    )
    serve.add_argument("--port", type=int, default=8000, help="port (default 8000; 0: any free)")
    _out_option(serve)
    serve.set_defaults(handler=_cmd_serve)


def _out_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--out", "-o", type=Path, metavar="DIR",
                        help="output folder (default: paths.out in the config, else ./out)")


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(f"{text!r} is not a YYYY-MM-DD date") from error


def _cmd_archive_help(args: argparse.Namespace, config: Config, err: Console) -> int:
    args.archive_parser.print_help()
    return EXIT_USAGE


def _cmd_list(args: argparse.Namespace, config: Config, err: Console) -> int:
    from briefing.archive import list_briefs

    root: Path = args.out or config.paths.out
    briefs = list_briefs(config, root, profile=args.profile, since=args.since)
    if not briefs:
        print("No briefs in the archive.")
    # Thousands of lines: folders joined as text, written at once.
    base = "" if str(root) == "." else str(root)
    lines = [
        f"{entry.day.isoformat()}  {entry.key:<28} {f'{entry.clock} {entry.zone}'.strip():<15} "
        f"{entry.story_count:>3} stories  {entry.title}  {os.path.join(base, entry.key)}\n"
        for entry in briefs
    ]
    sys.stdout.write("".join(lines))
    return EXIT_OK


def _cmd_search(args: argparse.Namespace, config: Config, err: Console) -> int:
    from briefing.archive import indexed_briefs, list_briefs, search

    query = " ".join(args.query)
    hits = search(config, query, limit=max(args.limit, 1), profile=args.profile)
    if not hits:
        print(f"No story matches {query!r}.")
        if indexed_briefs(config) == 0 and list_briefs(config):
            print("The search index is empty: run `briefing archive rebuild`.")
        return EXIT_OK
    for rank, hit in enumerate(hits, 1):
        print(f"{rank:>2}. {hit.brief}  {hit.title}")
        print(f"    {hit.headline}")
        print(f"    {' '.join(hit.snippet.split())}")
    return EXIT_OK


def _cmd_open(args: argparse.Namespace, config: Config, err: Console) -> int:
    from briefing.archive import ArchiveError, find_brief

    entry = find_brief(config, args.brief, args.out, profile=args.profile)
    pdf = entry.folder / "brief.pdf"
    if not pdf.is_file():
        raise ArchiveError(f"{entry.key}: the brief has no PDF ({pdf} is missing)")
    print(pdf)
    if args.launch:
        import webbrowser

        webbrowser.open(pdf.resolve().as_uri())
    return EXIT_OK


def _cmd_rebuild(args: argparse.Namespace, config: Config, err: Console) -> int:
    from briefing.archive import rebuild_archive

    report = rebuild_archive(config, args.out)
    if not args.quiet:
        root = args.out or config.paths.out
        print(f"Rebuilt the archive of {report.briefs} brief(s) in {report.seconds:.2f} s: "
              f"{root / 'index.html'}")
        if report.pruned:
            print(_pruned_line(report))
    return EXIT_OK


def _cmd_serve(args: argparse.Namespace, config: Config, err: Console) -> int:
    from briefing.archive import ArchiveError, make_server, server_url

    root: Path = args.out or config.paths.out
    if not (root / "index.html").is_file():
        raise ArchiveError(f"{root}/index.html not found: run `briefing archive rebuild` first")
    try:
        server = make_server(root, args.port, allowed_hosts=config.archive.allowed_hosts)
    except OSError as error:
        raise ArchiveError(f"cannot listen on 127.0.0.1:{args.port}: {error}") from error
    print(f"Serving {root} at {server_url(server)} (Ctrl+C stops)", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    return EXIT_OK


def _pruned_line(report: ArchiveReport) -> str:
    days = ", ".join(p.key for p in report.pruned)
    return f"pruned {len(report.pruned)} old brief(s): {days}"
