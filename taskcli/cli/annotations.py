"""``taskcli annotate`` and ``taskcli denotate``: dated lines of text on a task."""

from __future__ import annotations

from typing import Annotated

import typer

from taskcli.cli._boundary import guarded
from taskcli.cli._runtime import run
from taskcli.cli.formats import formatter
from taskcli.cli.options import TaskId, TextFormat, TextFormatOption
from taskcli.domain import MAX_COUNT
from taskcli.errors import UsageError
from taskcli.validation import validate_annotation, validate_task_id

# Merged into the main application by ``taskcli.cli`` (``add_typer``).
app = typer.Typer(rich_markup_mode=None)


@app.command("annotate")
@guarded
def annotate_command(
    ctx: typer.Context,
    task_id: TaskId,
    text: Annotated[
        list[str],
        typer.Argument(
            metavar="TEXT...",
            help="The annotation; several words are joined by spaces ('--' ends the options).",
            show_default=False,
        ),
    ],
    format: TextFormatOption = TextFormat.TEXT,
) -> None:
    """Add a dated annotation to a task (shown by show and history; exported).

    Prints 'Annotated task 7: Title'; -f json prints the task with its annotations.
    """
    from taskcli.services.annotations import annotate_task

    annotation = validate_annotation(" ".join(text))
    result = run(ctx, annotate_task, write=True, task_id=validate_task_id(task_id), text=annotation)
    formatter(format).annotated("Annotated", result)


@app.command("denotate")
@guarded
def denotate_command(
    ctx: typer.Context,
    task_id: TaskId,
    number: Annotated[
        int | None,
        typer.Argument(
            metavar="[N]",
            help="The annotation's number, as 'taskcli show ID' lists them (1 is the oldest).",
            show_default=False,
        ),
    ] = None,
    text: Annotated[
        str | None,
        typer.Option(
            "--text",
            metavar="TEXT",
            help="The annotation whose text is TEXT, or else the one that starts with it.",
            show_default=False,
        ),
    ] = None,
    format: TextFormatOption = TextFormat.TEXT,
) -> None:
    """Remove one annotation from a task, by its number in show or by its text.

    Give exactly one of N and --text; text that matches several annotations is
    refused (exit 2), naming their numbers.
    """
    from taskcli.services.annotations import denotate_task

    number, text = _which_annotation(number, text)
    result = run(
        ctx, denotate_task, write=True, task_id=validate_task_id(task_id), number=number, text=text
    )
    formatter(format).annotated("Denotated", result)


def _which_annotation(number: int | None, text: str | None) -> tuple[int | None, str | None]:
    """Exactly one of a number in range and a text that is not blank (stripped)."""
    if (number is None) == (text is None):
        raise UsageError("give exactly one of N (as 'taskcli show ID' numbers them) or --text")
    if number is not None and not 1 <= number <= MAX_COUNT:
        raise UsageError(f"annotation number must be from 1 to {MAX_COUNT}")
    if text is not None and not text.strip():
        raise UsageError("--text must not be empty")
    return number, text.strip() if text is not None else None
