"""Writing results: data formats as plain text, human formats styled on a terminal.

Rich is imported only when stdout is (or is forced to count as) a terminal,
so piped output and data formats never pay for it.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from rich.console import Console, RenderableType

    from taskcli.layout import Styler

# Rich's own switches for treating a pipe as a terminal.
_FORCE_TERMINAL = ("FORCE_COLOR", "TTY_COMPATIBLE", "TTY_INTERACTIVE")
# Piped output is never wrapped or cut: one task, one line.
PIPE_WIDTH = 1_000_000


def write(text: str) -> None:
    """Data (JSON, CSV, ids, plain tables) straight to stdout."""
    sys.stdout.write(text)
    sys.stdout.flush()


def write_readable(text: str) -> None:
    """A data format people also read (CSV, outline): exact when piped, escaped on a terminal.

    On a terminal, stored text from other writers must not move the cursor or
    retitle the window; a pipe or file gets the bytes as stored.
    """
    if sys.stdout.isatty():
        from taskcli.textsafe import terminal_safe

        text = terminal_safe(text, keep_newlines=True)
    write(text)


def write_stdout(text: str) -> None:
    """Buffered data for stdout from inside a database call (a streaming sink).

    A closed pipe stays ``BrokenPipeError`` (exit 141, silent); any other
    failure is ``OutputFailed``, so the database layer never mistakes it for
    one of its own.
    """
    try:
        sys.stdout.write(text)
    except BrokenPipeError:
        raise
    except OSError as error:
        from taskcli.cli._commit import output_failure
        from taskcli.errors import OutputFailed

        raise OutputFailed(output_failure(error.strerror or str(error))) from None


def _maybe_terminal() -> bool:
    return sys.stdout.isatty() or any(os.environ.get(name) for name in _FORCE_TERMINAL)


def console() -> Console:
    from rich.console import Console

    class _Console(Console):
        def on_broken_pipe(self) -> None:
            # Rich would exit 1; a closed pipe is exit 141 for every command.
            raise BrokenPipeError

    rich_console = _Console(highlight=False, emoji=False, markup=False)
    if not rich_console.is_terminal:
        rich_console.width = PIPE_WIDTH
    return rich_console


def styled(plain_text: Callable[[], str], renderable: Callable[[], RenderableType]) -> None:
    """A Rich renderable printed by a Rich console on a terminal; ``plain_text`` when piped.

    The renderable lays its own lines out (it is never cropped or wrapped
    again); a pipe gets the plain text without importing Rich.
    """
    if _maybe_terminal():
        terminal = console()
        if terminal.is_terminal:
            terminal.print(renderable(), crop=False, end="")
            return
    write(plain_text())


def show(build: Callable[[Styler], RenderableType]) -> None:
    """A Rich renderable (``show``), printed by a console that knows the terminal."""
    from taskcli.render_rich import ansi_styler

    rich_console = console()
    rich_console.print(build(ansi_styler(rich_console)))
