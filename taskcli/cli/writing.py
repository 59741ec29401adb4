"""The writing commands (add, done, undone, edit, move, rm): validate, run, report."""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from taskcli.cli._boundary import guarded, print_message
from taskcli.cli._output import write
from taskcli.cli._runtime import run
from taskcli.cli.completion import complete_any_task_id
from taskcli.cli.formats import formatter
from taskcli.cli.options import (
    DueOption,
    PriorityOption,
    TaskId,
    TaskIds,
    TextFormat,
    TextFormatOption,
)
from taskcli.dates import parse_date
from taskcli.domain import (
    UNSET,
    NewTask,
    Priority,
    TaskPatch,
    TaskView,
    validate_note,
    validate_tag,
    validate_task_id,
    validate_title,
)
from taskcli.errors import UsageError

# Merged into the main application by ``taskcli.cli`` (``add_typer``).
app = typer.Typer(rich_markup_mode=None)


@app.command("add")
@guarded
def add_command(
    ctx: typer.Context,
    title: Annotated[
        str,
        typer.Argument(
            metavar="TITLE",
            help="The title ('-' reads one title per line from stdin).",
            show_default=False,
        ),
    ],
    parent: Annotated[
        int | None,
        typer.Option(
            "--parent",
            "-p",
            metavar="ID",
            help="Make it a subtask of ID.",
            show_default=False,
            autocompletion=complete_any_task_id,
        ),
    ] = None,
    priority: PriorityOption = None,
    due: DueOption = None,
    tag: Annotated[
        list[str] | None,
        typer.Option("--tag", "-t", metavar="TAG", help="A tag (repeatable).", show_default=False),
    ] = None,
    note: Annotated[
        str | None, typer.Option("--note", "-n", metavar="TEXT", help="A note.", show_default=False)
    ] = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Print only the new id.")] = False,
    format: TextFormatOption = TextFormat.TEXT,
) -> None:
    """Create a task: prints 'Created task 7: Title' (-q: just the id)."""
    from taskcli.services.writing import add_task

    bulk = title == "-"
    if bulk and format is TextFormat.JSON:
        raise UsageError("--format json is not available with '-'; use -q to get the new ids")
    new = NewTask(
        title="-" if bulk else validate_title(title),
        note=validate_note(note) if note is not None else None,
        priority=Priority.parse(priority) if priority is not None else Priority.NONE,
        due=parse_date(due) if due is not None else None,
        tags=frozenset(validate_tag(name) for name in tag or ()),
        parent_id=validate_task_id(parent) if parent is not None else None,
    )
    if bulk:
        from taskcli.cli.bulk import add_from_stdin

        add_from_stdin(ctx, new, quiet=quiet)
        return
    view = run(ctx, add_task, write=True, new=new)
    if quiet:
        write(f"{view.id}\n")
    else:
        formatter(format).changes("Created", [view])


@app.command("done")
@guarded
def done_command(
    ctx: typer.Context,
    task_ids: TaskIds,
    recursive: Annotated[
        bool, typer.Option("--recursive", "-r", help="Complete the whole subtree.")
    ] = False,
    format: TextFormatOption = TextFormat.TEXT,
) -> None:
    """Complete tasks; a task with pending subtasks needs -r."""
    from taskcli.services.writing import complete_tasks

    ids = _ids(task_ids)
    views = run(ctx, complete_tasks, write=True, ids=ids, recursive=recursive)
    formatter(format).changes("Completed", views, named=len(set(ids)))


@app.command("undone")
@guarded
def undone_command(
    ctx: typer.Context, task_ids: TaskIds, format: TextFormatOption = TextFormat.TEXT
) -> None:
    """Reopen completed tasks."""
    from taskcli.services.writing import reopen_tasks

    views = run(ctx, reopen_tasks, write=True, ids=_ids(task_ids))
    formatter(format).changes("Reopened", views)


@app.command("edit")
@guarded
def edit_command(
    ctx: typer.Context,
    task_id: TaskId,
    title: Annotated[
        str | None, typer.Option("--title", metavar="TITLE", help="New title.", show_default=False)
    ] = None,
    priority: PriorityOption = None,
    due: Annotated[
        str | None,
        typer.Option(
            "--due",
            "-d",
            metavar="DATE",
            help="New due date, or 'none' to clear it.",
            show_default=False,
        ),
    ] = None,
    tag: Annotated[
        list[str] | None,
        typer.Option(
            "--tag",
            "-t",
            metavar="+TAG|-TAG",
            help="Add (+a or a) or remove (-b) a tag; repeatable.",
            show_default=False,
        ),
    ] = None,
    note: Annotated[
        str | None,
        typer.Option(
            "--note", "-n", metavar="TEXT", help="New note ('' clears it).", show_default=False
        ),
    ] = None,
    format: TextFormatOption = TextFormat.TEXT,
) -> None:
    """Change a task's fields."""
    from taskcli.services.writing import edit_task

    add_tags, remove_tags = _tag_changes(tag or [])
    patch = TaskPatch(
        title=validate_title(title) if title is not None else UNSET,
        note=validate_note(note) if note is not None else UNSET,
        priority=Priority.parse(priority) if priority is not None else UNSET,
        due=UNSET if due is None else None if due.strip().lower() == "none" else parse_date(due),
        add_tags=add_tags,
        remove_tags=remove_tags,
    )
    if patch.is_empty():
        raise UsageError("nothing to change: give --title, --priority, --due, --tag or --note")
    view = run(ctx, edit_task, write=True, task_id=validate_task_id(task_id), patch=patch)
    formatter(format).changes("Updated", [view])


@app.command("move")
@guarded
def move_command(
    ctx: typer.Context,
    task_id: TaskId,
    parent: Annotated[
        int | None,
        typer.Option(
            "--parent",
            "-p",
            metavar="PID",
            help="The new parent.",
            show_default=False,
            autocompletion=complete_any_task_id,
        ),
    ] = None,
    root: Annotated[bool, typer.Option("--root", help="Make it a top-level task.")] = False,
    format: TextFormatOption = TextFormat.TEXT,
) -> None:
    """Move a task (with its subtree) under another task, or to the top level."""
    from taskcli.services.writing import move_task

    if (parent is None) == (not root):
        raise UsageError("give exactly one of --parent PID or --root")
    parent_id = validate_task_id(parent) if parent is not None else None
    view = run(ctx, move_task, write=True, task_id=validate_task_id(task_id), parent_id=parent_id)
    formatter(format).changes("Moved", [view])


@app.command("rm")
@guarded
def rm_command(
    ctx: typer.Context,
    task_ids: TaskIds,
    recursive: Annotated[
        bool, typer.Option("--recursive", "-r", help="Delete whole subtrees.")
    ] = False,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask for confirmation.")] = False,
) -> None:
    """Delete tasks; a task with subtasks needs -r. Asks first on a terminal unless -y."""
    from taskcli.layout import change_line
    from taskcli.services.writing import plan_removal, remove_tasks

    ids = _ids(task_ids)
    if not yes and sys.stdin.isatty():
        plan = run(ctx, plan_removal, write=False, ids=ids, recursive=recursive)
        if not typer.confirm(
            _removal_question(plan.tasks, plan.descendants), default=False, err=True
        ):
            print_message("Nothing was deleted.")
            return
    removal = run(ctx, remove_tasks, write=True, ids=ids, recursive=recursive)
    lines = [change_line("Deleted", view) for view in removal.tasks]
    if removal.descendants:
        lines.append(
            f"... and {removal.descendants} subtask{'s' if removal.descendants != 1 else ''}"
        )
    write("".join(f"{line}\n" for line in lines))


def _ids(task_ids: list[int]) -> list[int]:
    return list(dict.fromkeys(validate_task_id(task_id) for task_id in task_ids))


def _tag_changes(changes: list[str]) -> tuple[frozenset[str], frozenset[str]]:
    add: set[str] = set()
    remove: set[str] = set()
    for change in changes:
        if change.startswith("-"):
            remove.add(validate_tag(change[1:]))
        else:
            add.add(validate_tag(change.removeprefix("+")))
    return frozenset(add), frozenset(remove)


def _removal_question(tasks: tuple[TaskView, ...], descendants: int) -> str:
    from taskcli.textsafe import terminal_safe

    names = ", ".join(f"{view.id} ({terminal_safe(view.title)})" for view in tasks)
    extra = f" and {descendants} subtask{'s' if descendants != 1 else ''}" if descendants else ""
    return f"Delete task {names}{extra}?"
