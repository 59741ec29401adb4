"""``taskcli calc``: what a date expression means, before anything stores it.

It reads no database: only the date grammar and the local time zone.
"""

from __future__ import annotations

from typing import Annotated

import typer

from taskcli.cli._boundary import guarded
from taskcli.cli.formats import formatter
from taskcli.cli.options import TextFormat, TextFormatOption
from taskcli.dates import parse_date

Expression = Annotated[
    list[str],
    typer.Argument(
        metavar="EXPR...",
        help="A date as --due takes it; the words are joined (taskcli calc fri 17:00).",
        show_default=False,
    ),
]

# Merged into the main application by ``taskcli.cli`` (``add_typer``).
app = typer.Typer(rich_markup_mode=None)


@app.command("calc")
@guarded
def calc_command(expression: Expression, format: TextFormatOption = TextFormat.TEXT) -> None:
    """Show what a date means in local time and UTC; stores nothing.

    Accepts every form --due accepts (see the README's Dates table); a bad
    expression is exit 2.
    """
    text = " ".join(expression)
    formatter(format).resolved_date(text, parse_date(text))
