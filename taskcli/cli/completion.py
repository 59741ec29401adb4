"""Shell completion of task ids, offered with their titles.

Each command is offered the tasks it can take: ``undone`` done ones,
``done``, ``edit`` and ``move`` pending ones, the others (and every
``--parent``) any task. Runs only when the shell asks for completions, never
for ``--help``; it stays silent on any problem (a shell prompt is no place
for errors) and does not create a database that does not exist yet.

Titles: zsh and fish show Click's help text beside each value; bash shows
values only. So for bash, when several tasks match, each value is the id
followed by its title (bash lists them, and inserts only the ids' common
prefix, since ids differ before the titles start); when one task matches,
the value is the bare id, which bash inserts.
"""

from __future__ import annotations

import os

import typer

from taskcli.config import resolve_settings
from taskcli.domain import Status

# The tasks each command's ID arguments take; a command not named takes any task.
_STATUS_BY_COMMAND = {
    "undone": Status.DONE,
    "done": Status.PENDING,
    "edit": Status.PENDING,
    "move": Status.PENDING,
}
BASH_TITLE_WIDTH = 60
COMPLETE_VARIABLE = "_TASKCLI_COMPLETE"


def complete_task_id(ctx: typer.Context, incomplete: str) -> list[tuple[str, str]] | list[str]:
    """The ids the running command takes, for its ID arguments."""
    return _complete(ctx, incomplete, _STATUS_BY_COMMAND.get(ctx.info_name or ""))


def complete_any_task_id(ctx: typer.Context, incomplete: str) -> list[tuple[str, str]] | list[str]:
    """Any task's id (``--parent``: a done task may hold new subtasks after reopening)."""
    return _complete(ctx, incomplete, None)


def _complete(
    ctx: typer.Context, incomplete: str, status: Status | None
) -> list[tuple[str, str]] | list[str]:
    if incomplete and not incomplete.isdigit():
        return []
    try:
        from taskcli.cli._runtime import execute
        from taskcli.db.files import needs_creation
        from taskcli.services.completion import id_titles
        from taskcli.textsafe import terminal_safe

        settings = resolve_settings(ctx.find_root().params.get("db"))
        path = settings.database.path
        if path is not None and needs_creation(path):
            return []
        pairs = execute(settings, id_titles, write=False, prefix=incomplete, status=status)
    except Exception:
        return []
    items = [(str(task_id), " ".join(terminal_safe(title).split())) for task_id, title in pairs]
    if os.environ.get(COMPLETE_VARIABLE, "").endswith("bash") and len(items) > 1:
        return [f"{value}  {_shorten(title)}" for value, title in items]
    return items


def _shorten(title: str) -> str:
    return title if len(title) <= BASH_TITLE_WIDTH else title[: BASH_TITLE_WIDTH - 1] + "…"
