"""The writing commands (add, done, undone, edit, move, rm): validate, run, report."""

from __future__ import annotations

import sys
from collections.abc import Sequence
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
    TaskIds,
    TextFormat,
    TextFormatOption,
)
from taskcli.cli.selection import select_ids
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
        list[str],
        typer.Argument(
            metavar="TITLE...",
            help="The title; several words are joined by spaces ('-' reads one title per line "
            "from stdin; '--' ends the options).",
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
    from taskcli.services.writing import create_task

    bulk = title == ["-"]
    if bulk and format is TextFormat.JSON:
        raise UsageError("--format json is not available with '-'; use -q to get the new ids")
    new = NewTask(
        title="-" if bulk else validate_title(" ".join(title)),
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
    changed = run(ctx, create_task, write=True, new=new)
    if quiet:
        write(f"{changed.tasks[0].id}\n")
    else:
        formatter(format).changes("Created", changed.tasks)
    report_reopened(changed.reopened)


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
    """Complete tasks; a task with pending subtasks needs -r.

    Or name its pending subtasks in the same command: done 13 4 (13 being 4's open child).
    """
    from taskcli.services.writing import complete_tasks

    views = run(ctx, complete_tasks, write=True, ids=select_ids(task_ids), recursive=recursive)
    formatter(format).changes("Completed", views)


@app.command("undone")
@guarded
def undone_command(
    ctx: typer.Context, task_ids: TaskIds, format: TextFormatOption = TextFormat.TEXT
) -> None:
    """Reopen completed tasks.

    Their done ancestors reopen too: a done task never holds pending work.
    """
    from taskcli.services.writing import reopen_tasks

    views = run(ctx, reopen_tasks, write=True, ids=select_ids(task_ids))
    formatter(format).changes("Reopened", views)


@app.command("edit")
@guarded
def edit_command(
    ctx: typer.Context,
    task_ids: TaskIds,
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
    """Change a task's fields.

    Several ids, ranges (3-7) or - (ids from stdin) change together, in one undo step.
    """
    from taskcli.services.writing import edit_tasks

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
    views = run(ctx, edit_tasks, write=True, ids=select_ids(task_ids), patch=patch)
    formatter(format).changes("Updated", views)


@app.command("move")
@guarded
def move_command(
    ctx: typer.Context,
    task_ids: TaskIds,
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
    """Move a task (with its subtree) under another task, or to the top level.

    Several ids move together; pending work moved under a done task reopens it.
    """
    from taskcli.services.writing import move_tasks

    if (parent is None) == (not root):
        raise UsageError("give exactly one of --parent PID or --root")
    parent_id = validate_task_id(parent) if parent is not None else None
    ids = select_ids(task_ids)
    changed = run(ctx, move_tasks, write=True, ids=ids, parent_id=parent_id)
    formatter(format).changes("Moved", changed.tasks)
    report_reopened(changed.reopened)


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

    ids = select_ids(task_ids)
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


def report_reopened(views: Sequence[TaskView]) -> None:
    """Done ancestors a command reopened (a done task never holds pending work): a message."""
    from taskcli.layout import change_line

    for view in views:
        print_message(change_line("Reopened", view))


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
