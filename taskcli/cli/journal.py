"""``taskcli undo``, ``redo``, ``log`` and ``history``: the journal's commands."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

import typer

from taskcli.cli._boundary import guarded, print_message
from taskcli.cli._invocation import journal_entry
from taskcli.cli._runtime import run
from taskcli.cli.formats import formatter
from taskcli.cli.options import TaskId, TextFormat, TextFormatOption
from taskcli.domain import MAX_COUNT, validate_task_id


class LogFormat(StrEnum):
    """The formats ``log`` offers, and so the only ones its ``--help`` lists."""

    TABLE = "table"
    JSON = "json"


def _positive(value: int) -> int:
    """1 or more: checked here so that ``--help`` shows ``N``, not ``<int range> [1<=x<=...]``."""
    if not 1 <= value <= MAX_COUNT:
        raise typer.BadParameter(f"give a number from 1 to {MAX_COUNT}")
    return value


Steps = Annotated[
    int,
    typer.Option(
        "--steps", "-n", metavar="N", callback=_positive, help="How many commands (1 or more)."
    ),
]
Force = Annotated[
    bool, typer.Option("--force", help="Even when a later change touched the same rows.")
]


# Merged into the main application by ``taskcli.cli`` (``add_typer``).
app = typer.Typer(rich_markup_mode=None)


@app.command("undo")
@guarded
def undo_command(ctx: typer.Context, steps: Steps = 1, force: Force = False) -> None:
    """Revert your newest commands, whole and atomically (refused if rows changed since)."""
    from taskcli.services.journal import undo
    from taskcli.services.journal_record import recorded

    entry = journal_entry(ctx)
    service = recorded(undo, user=entry.user, command=entry.command, verb="undid")
    reverted = run(
        ctx, service, write=True, journal=False, user=entry.user, steps=steps, force=force
    )
    if not reverted:
        print_message("Nothing to undo.")
    formatter(TextFormat.TEXT).reverted("Undid", reverted)


@app.command("redo")
@guarded
def redo_command(ctx: typer.Context, steps: Steps = 1, force: Force = False) -> None:
    """Re-apply what undo reverted (until you make a new change)."""
    from taskcli.services.journal import redo
    from taskcli.services.journal_record import recorded

    entry = journal_entry(ctx)
    service = recorded(redo, user=entry.user, command=entry.command, verb="redid")
    reverted = run(
        ctx, service, write=True, journal=False, user=entry.user, steps=steps, force=force
    )
    if not reverted:
        print_message("Nothing to redo.")
    formatter(TextFormat.TEXT).reverted("Redid", reverted)


@app.command("log")
@guarded
def log_command(
    ctx: typer.Context,
    limit: Annotated[
        int,
        typer.Option(
            "--limit",
            "-n",
            metavar="N",
            callback=_positive,
            help="At most N operations (1 or more).",
        ),
    ] = 20,
    format: Annotated[
        LogFormat, typer.Option("--format", "-f", case_sensitive=False, help="Output format.")
    ] = LogFormat.TABLE,
) -> None:
    """List the journaled commands, newest first."""
    from taskcli.services.history import list_operations

    operations = run(ctx, list_operations, write=False, limit=limit)
    formatter(format).operations(operations)


@app.command("history")
@guarded
def history_command(
    ctx: typer.Context, task_id: TaskId, format: TextFormatOption = TextFormat.TEXT
) -> None:
    """Show one task's changes over time, field by field."""
    from taskcli.services.history import task_history

    entries = run(ctx, task_history, write=False, task_id=validate_task_id(task_id))
    formatter(format).history(entries)
