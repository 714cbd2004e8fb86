"""The CLI's stderr: rich's Console and log handler, loaded when something is printed.

Loading rich costs a quick command (``briefing archive list``, ``briefing --help``)
a sixth of its CPU, and most runs print nothing on stderr; so ``briefing.cli``
hands its commands a stand-in that makes the Console when it is first used, and
logs through a handler that makes rich's when the first record comes. Whether
stderr is a terminal is told without rich where rich would say the same: it is
a TTY, and neither ``TTY_COMPATIBLE`` nor ``FORCE_COLOR`` says otherwise.
"""

from __future__ import annotations

import logging
import os
import sys
from typing import TYPE_CHECKING, Any, cast

if TYPE_CHECKING:
    from rich.console import Console


class LazyConsole:
    """rich's ``Console(stderr=True)``, made on first use; stands in for it."""

    def __init__(self) -> None:
        self._console: Console | None = None

    @property
    def console(self) -> Console:
        if self._console is None:
            from rich.console import Console

            self._console = Console(stderr=True)
        return self._console

    @property
    def is_terminal(self) -> bool:
        if self._console is None and not _terminal_forced():
            try:
                return sys.stderr.isatty()
            except ValueError:  # closed
                return False
        return self.console.is_terminal

    def __getattr__(self, name: str) -> Any:
        return getattr(self.console, name)


def lazy_stderr() -> Console:
    """The stand-in, typed as what it stands in for."""
    return cast("Console", LazyConsole())


def log_handler(err: Console, *, verbose: bool) -> logging.Handler:
    """rich's handler on a terminal (made for the first record), plain lines otherwise."""
    if not err.is_terminal:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("%(levelname)s: %(message)s"))
        return handler
    return _RichOnFirstRecord(err, verbose=verbose)


class _RichOnFirstRecord(logging.Handler):
    def __init__(self, err: Console, *, verbose: bool) -> None:
        super().__init__()
        self.err = err
        self.verbose = verbose
        self.rich: logging.Handler | None = None

    def emit(self, record: logging.LogRecord) -> None:
        if self.rich is None:
            from rich.logging import RichHandler

            console = self.err.console if isinstance(self.err, LazyConsole) else self.err
            self.rich = RichHandler(console=console, show_time=self.verbose, show_path=False,
                                    markup=False)
            self.rich.setFormatter(logging.Formatter("%(message)s"))
        self.rich.emit(record)  # this handler's filters (redaction) ran already


def _terminal_forced() -> bool:
    # rich reads these before asking the file (rich.console.Console.is_terminal).
    return bool(os.environ.get("TTY_COMPATIBLE")) or os.environ.get("FORCE_COLOR") is not None
