"""The writing commands (add, done, undone, edit, move, rm): validate, run, report.

Their options and checks live beside them: the task fields in ``task_fields``,
the ``--where-*`` filters in ``filters``, ids and selections in ``selection``,
the questions asked first in ``confirmation``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from taskcli.cli._boundary import guarded
from taskcli.cli._output import write
from taskcli.cli._runtime import run
from taskcli.cli.completion import complete_any_task_id
from taskcli.cli.confirmation import confirmed, confirmed_removal, report_nothing_selected
from taskcli.cli.context_scope import NoContext, context_in_force, context_tags
from taskcli.cli.filters import FilterOptions, SomeTaskIds, Yes, filter_options
from taskcli.cli.formats import formatter
from taskcli.cli.options import DueOption, PriorityOption, TaskIds, TextFormat, TextFormatOption
from taskcli.cli.reporting import report_removal, report_reopened, report_status_change
from taskcli.cli.selection import select_ids, selection_of
from taskcli.cli.task_fields import (
    BlockedBy,
    NewDue,
    NewNote,
    NewScheduled,
    NewTitle,
    NewWait,
    Note,
    Parent,
    RecurAfter,
    RecurRule,
    Scheduled,
    TagChanges,
    Tags,
    Title,
    Unblock,
    Until,
    Wait,
    new_task,
    recurrence,
    task_patch,
    with_dates,
)
from taskcli.domain import NewTask, validate_task_id
from taskcli.errors import UsageError

if TYPE_CHECKING:
    pass

# Merged into the main application by ``taskcli.cli`` (``add_typer``).
app = typer.Typer(rich_markup_mode=None)

Quiet = Annotated[bool, typer.Option("--quiet", "-q", help="Print only the new id.")]
CompleteSubtree = Annotated[
    bool, typer.Option("--recursive", "-r", help="Complete the whole subtree.")
]
DeleteSubtrees = Annotated[bool, typer.Option("--recursive", "-r", help="Delete whole subtrees.")]
DeleteYes = Annotated[bool, typer.Option("--yes", "-y", help="Do not ask for confirmation.")]
KeepSeries = Annotated[
    bool,
    typer.Option(
        "--keep-series",
        help="A deleted recurring task's series goes on: its next instance is made.",
    ),
]
NewParent = Annotated[
    int | None,
    typer.Option(
        "--parent",
        "-p",
        metavar="PID",
        help="The new parent.",
        show_default=False,
        autocompletion=complete_any_task_id,
    ),
]
Root = Annotated[bool, typer.Option("--root", help="Make it a top-level task.")]


@app.command("add")
@guarded
def add_command(
    ctx: typer.Context,
    title: Title,
    parent: Parent = None,
    priority: PriorityOption = None,
    due: DueOption = None,
    tag: Tags = None,
    note: Note = None,
    wait: Wait = None,
    scheduled: Scheduled = None,
    blocked_by: BlockedBy = None,
    recur: RecurRule = None,
    recur_after: RecurAfter = False,
    until: Until = None,
    quiet: Quiet = False,
    format: TextFormatOption = TextFormat.TEXT,
    no_context: NoContext = False,
) -> None:
    """Create a task: prints 'Created task 7: Title' (-q: just the id)."""
    from taskcli.services.writing import create_task

    tag = context_tags(tag, context_in_force(no_context))
    if until is not None and recur is None:
        raise UsageError("--until needs --recur RULE")
    repeat = recurrence(recur, after=recur_after, until=until)
    new = new_task(
        title,
        parent=parent,
        priority=priority,
        due=due,
        tags=tag,
        note=note,
        blocked_by=blocked_by,
        recur=repeat,
    )
    new = with_dates(new, wait=wait, scheduled=scheduled)
    if title == ["-"]:
        _add_many(ctx, new, quiet=quiet, format=format)
        return
    changed = run(ctx, create_task, write=True, new=new)
    if quiet:
        write(f"{changed.tasks[0].id}\n")
    else:
        formatter(format).changes("Created", changed.tasks)
    report_reopened(changed.reopened)


def _add_many(ctx: typer.Context, template: NewTask, *, quiet: bool, format: TextFormat) -> None:
    """``add -``: one task per line of stdin, each with the template's other fields."""
    from taskcli.cli.bulk import add_from_stdin

    if format is TextFormat.JSON:
        raise UsageError("--format json is not available with '-'; use -q to get the new ids")
    if template.blocked_by:
        raise UsageError("--blocked-by is not available with '-'; use edit --blocked-by after")
    if template.recur is not None:
        raise UsageError("--recur is not available with '-'")
    add_from_stdin(ctx, template, quiet=quiet)


@app.command("done")
@guarded
@filter_options(where=True, status=False)
def done_command(
    ctx: typer.Context,
    task_ids: SomeTaskIds = None,
    recursive: CompleteSubtree = False,
    *,
    filters: FilterOptions,
    yes: Yes = False,
    format: TextFormatOption = TextFormat.TEXT,
) -> None:
    """Complete tasks; a task with pending subtasks needs -r.

    Or name its pending subtasks in the same command: done 13 4 (13 being 4's open child).
    --where-* filters (those of list) select the pending tasks that match.
    """
    from taskcli.services.status import complete_selected

    chosen = confirmed(ctx, selection_of(task_ids, filters.where_filter()), yes=yes)
    if chosen is None:
        return
    result = run(ctx, complete_selected, write=True, selection=chosen, recursive=recursive)
    report_status_change("Completed", result, format=format, already="done")
    report_nothing_selected(chosen, result.views)


@app.command("undone")
@guarded
def undone_command(
    ctx: typer.Context, task_ids: TaskIds, format: TextFormatOption = TextFormat.TEXT
) -> None:
    """Reopen completed tasks.

    Their done ancestors reopen too: a done task never holds pending work.
    """
    from taskcli.services.status import reopen_tasks

    result = run(ctx, reopen_tasks, write=True, ids=select_ids(task_ids))
    report_status_change("Reopened", result, format=format, already="pending")


@app.command("edit")
@guarded
@filter_options(where=True)
def edit_command(
    ctx: typer.Context,
    task_ids: SomeTaskIds = None,
    title: NewTitle = None,
    priority: PriorityOption = None,
    due: NewDue = None,
    tag: TagChanges = None,
    note: NewNote = None,
    wait: NewWait = None,
    scheduled: NewScheduled = None,
    blocked_by: BlockedBy = None,
    unblock: Unblock = None,
    recur: RecurRule = None,
    recur_after: RecurAfter = False,
    until: Until = None,
    *,
    filters: FilterOptions,
    yes: Yes = False,
    format: TextFormatOption = TextFormat.TEXT,
) -> None:
    """Change a task's fields.

    Several ids, ranges (3-7) or - (ids from stdin) change together, in one undo step;
    --where-* filters (those of list) select the tasks that match.
    """
    from taskcli.services.writing import edit_selected

    patch = task_patch(
        title=title,
        priority=priority,
        due=due,
        tags=tag,
        note=note,
        wait=wait,
        scheduled=scheduled,
        blocked_by=blocked_by,
        unblock=unblock,
        recur=recurrence(recur, after=recur_after, until=until),
        until=until,
    )
    chosen = confirmed(ctx, selection_of(task_ids, filters.where_filter()), yes=yes)
    if chosen is None:
        return
    views = run(ctx, edit_selected, write=True, selection=chosen, patch=patch)
    formatter(format).changes("Updated", views)
    report_nothing_selected(chosen, views)


@app.command("move")
@guarded
def move_command(
    ctx: typer.Context,
    task_ids: TaskIds,
    parent: NewParent = None,
    root: Root = False,
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
@filter_options(where=True)
def rm_command(
    ctx: typer.Context,
    task_ids: SomeTaskIds = None,
    recursive: DeleteSubtrees = False,
    yes: DeleteYes = False,
    keep_series: KeepSeries = False,
    *,
    filters: FilterOptions,
) -> None:
    """Delete tasks; a task with subtasks needs -r. Asks first on a terminal unless -y.

    --where-* filters (those of list) select the tasks that match.
    """
    from taskcli.services.removal import remove_selected

    chosen = selection_of(task_ids, filters.where_filter())
    answer = confirmed_removal(ctx, chosen, recursive=recursive, yes=yes)
    if answer is None:
        return
    agreed, keep = answer
    removal = run(
        ctx,
        remove_selected,
        write=True,
        selection=agreed,
        recursive=recursive,
        keep_series=keep or keep_series,
    )
    report_removal(removal)
    report_nothing_selected(agreed, removal.tasks)
