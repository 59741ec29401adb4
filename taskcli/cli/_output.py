"""Writing results: data formats as plain text, human formats through Rich.

Rich is imported only here, inside the functions, so commands that never
print a table or tree do not pay for it.
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from rich.console import Console, RenderableType

# Piped output is never wrapped or cut: one task, one line.
PIPE_WIDTH = 1_000_000


def write(text: str) -> None:
    """Data (JSON, CSV, ids, plain tables) straight to stdout."""
    sys.stdout.write(text)
    sys.stdout.flush()


def stdout_is_terminal() -> bool:
    return sys.stdout.isatty()


def console() -> Console:
    from rich.console import Console

    rich_console = Console(highlight=False, emoji=False, markup=False)
    if not rich_console.is_terminal:
        rich_console.width = PIPE_WIDTH
    return rich_console


def show(renderable: RenderableType) -> None:
    console().print(renderable)
