"""Choices and option types shared by the task commands."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

import typer

from taskcli.cli.completion import complete_task_id


class ListFormat(StrEnum):
    TABLE = "table"
    JSON = "json"
    CSV = "csv"
    IDS = "ids"


class TreeFormat(StrEnum):
    TREE = "tree"
    JSON = "json"
    OUTLINE = "outline"


class TextFormat(StrEnum):
    TEXT = "text"
    JSON = "json"


TaskIds = Annotated[
    list[str],
    typer.Argument(
        help="Task ids, ranges (3-7) or - to read ids from stdin.",
        show_default=False,
        metavar="ID...",
        autocompletion=complete_task_id,
    ),
]
TaskId = Annotated[
    int,
    typer.Argument(
        help="Task id.", show_default=False, metavar="ID", autocompletion=complete_task_id
    ),
]
PriorityOption = Annotated[
    str | None,
    typer.Option(
        "--priority",
        "-P",
        metavar="PRIORITY",
        help="H/high, M/med/medium, L/low or N/none, any case.",
        show_default=False,
    ),
]
DueOption = Annotated[
    str | None,
    typer.Option(
        "--due",
        "-d",
        metavar="DATE",
        help="2026-12-01, fri 17:00, tomorrow 9am, dec 24, eom, +2h ... (try: taskcli calc DATE).",
        show_default=False,
    ),
]
TextFormatOption = Annotated[
    TextFormat, typer.Option("--format", "-f", case_sensitive=False, help="Output format.")
]
