"""``briefing store migrate`` and ``briefing store copy --to URL``: parse, call, print.

The work is in ``briefing.storage`` (migrations live with each backend, the copy
in ``briefing.storage.copy``).
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING, Any

from briefing.config import Config, is_store_url
from briefing.errors import ConfigError

if TYPE_CHECKING:
    # rich loads when a command runs (briefing.cli), never for `briefing --help`.
    from rich.console import Console

EXIT_OK = 0


def add_commands(commands: Any, common: argparse.ArgumentParser) -> None:
    """Add ``store migrate|copy`` to the ``briefing`` sub-commands."""
    store = commands.add_parser(
        "store", parents=[common], help="the store: bring its schema up to date, copy it",
        description="Manage the store named by paths.store (an SQLite file, or a "
        "postgresql:// URL whose password comes from BRIEFING_STORE_PASSWORD or PGPASSWORD).",
    )
    actions = store.add_subparsers(dest="store_command", metavar="ACTION", required=True)
    migrate = actions.add_parser(
        "migrate", parents=[common], help="bring the store's schema up to date",
        description="Apply the store's missing schema migrations (every command also does "
        "this when it opens the store; run it once before starting new workers).",
    )
    migrate.set_defaults(handler=cmd_migrate)
    copy = actions.add_parser(
        "copy", parents=[common], help="copy an SQLite store into PostgreSQL",
        description="Copy every article, brief, digest, outbox row, source and LLM record "
        "of an SQLite store (default: paths.store) into an empty PostgreSQL database, ids "
        "kept, in one transaction. Then point paths.store at the URL.",
    )
    copy.add_argument("--to", required=True, metavar="URL",
                      help="the PostgreSQL database: postgresql://user@host/dbname")
    copy.add_argument("--from", dest="source", type=Path, metavar="FILE",
                      help="the SQLite store to copy (default: paths.store)")
    copy.set_defaults(handler=cmd_copy)


def cmd_migrate(args: argparse.Namespace, config: Config, err: Console) -> int:
    from briefing.storage import open_storage

    with open_storage(config.paths.store, migrate=False) as store:
        before = store.schema_version
        applied = store.migrate()
        after = store.schema_version
        where, backend = store.location, store.backend
    if not args.quiet:
        if applied:
            print(f"{where}: schema version {before} -> {after} ({backend})")
        else:
            print(f"{where}: schema version {after} ({backend}), up to date")
    return EXIT_OK


def cmd_copy(args: argparse.Namespace, config: Config, err: Console) -> int:
    from briefing.storage.copy import copy_store
    from briefing.storage.postgres import PostgresStorage
    from briefing.storage.sqlite import SqliteStorage

    source = args.source or config.paths.store
    if is_store_url(source):
        raise ConfigError(f"{source}: --from must be an SQLite store file "
                          "(paths.store is already a PostgreSQL URL)")
    if not is_store_url(args.to):
        raise ConfigError(f"--to {args.to!r}: expected a postgresql://user@host/dbname URL")
    if not Path(source).is_file():
        raise ConfigError(f"{source}: no SQLite store there to copy")

    def progress(table: str, rows: int) -> None:
        if not args.quiet:
            err.print(f"  {table}: {rows} row(s)", highlight=False, markup=False)

    with SqliteStorage(Path(source)) as sqlite, PostgresStorage(args.to) as postgres:
        report = copy_store(sqlite, postgres, progress)
        where = postgres.location
    if not args.quiet:
        print(f"copied {report.total} row(s) from {source} into {where}; "
              f"set [paths] store = \"{where}\" to use it")
    return EXIT_OK
