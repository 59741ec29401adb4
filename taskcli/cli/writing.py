"""The writing commands (add, done, undone, edit, move, rm): validate, run, report."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime
from typing import TYPE_CHECKING, Annotated

import typer

from taskcli.cli._boundary import guarded, print_message
from taskcli.cli._output import write
from taskcli.cli._runtime import run
from taskcli.cli.completion import complete_any_task_id
from taskcli.cli.filters import (
    SomeTaskIds,
    WhereAnyTag,
    WhereDueBefore,
    WhereOverdue,
    WhereParent,
    WherePriority,
    WhereSearch,
    WhereStatus,
    WhereTag,
    WhereUnder,
    Yes,
    where_filter,
)
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
    TaskFilter,
    TaskPatch,
    TaskView,
    validate_note,
    validate_tag,
    validate_task_id,
    validate_title,
)
from taskcli.errors import UsageError

if TYPE_CHECKING:
    from taskcli.services.writing import Selection, StatusChange

# A filter that selects more tasks than this asks first on a terminal (unless --yes).
CONFIRM_ABOVE = 3
NOTHING_SELECTED = "No tasks match the filters; nothing was changed."

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
    task_ids: SomeTaskIds = None,
    recursive: Annotated[
        bool, typer.Option("--recursive", "-r", help="Complete the whole subtree.")
    ] = False,
    where_tag: WhereTag = None,
    where_any_tag: WhereAnyTag = None,
    where_priority: WherePriority = None,
    where_due_before: WhereDueBefore = None,
    where_overdue: WhereOverdue = False,
    where_search: WhereSearch = None,
    where_parent: WhereParent = None,
    where_under: WhereUnder = None,
    yes: Yes = False,
    format: TextFormatOption = TextFormat.TEXT,
) -> None:
    """Complete tasks; a task with pending subtasks needs -r.

    Or name its pending subtasks in the same command: done 13 4 (13 being 4's open child).
    --where-* filters (those of list) select the pending tasks that match.
    """
    from taskcli.services.writing import complete_selected

    where = where_filter(
        tag=where_tag,
        any_tag=where_any_tag,
        priority=where_priority,
        due_before=where_due_before,
        overdue=where_overdue,
        search=where_search,
        parent=where_parent,
        under=where_under,
    )
    chosen = confirmed(ctx, selection(task_ids, where), yes=yes)
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
    from taskcli.services.writing import reopen_tasks

    result = run(ctx, reopen_tasks, write=True, ids=select_ids(task_ids))
    report_status_change("Reopened", result, format=format, already="pending")


@app.command("edit")
@guarded
def edit_command(
    ctx: typer.Context,
    task_ids: SomeTaskIds = None,
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
    where_status: WhereStatus = None,
    where_tag: WhereTag = None,
    where_any_tag: WhereAnyTag = None,
    where_priority: WherePriority = None,
    where_due_before: WhereDueBefore = None,
    where_overdue: WhereOverdue = False,
    where_search: WhereSearch = None,
    where_parent: WhereParent = None,
    where_under: WhereUnder = None,
    yes: Yes = False,
    format: TextFormatOption = TextFormat.TEXT,
) -> None:
    """Change a task's fields.

    Several ids, ranges (3-7) or - (ids from stdin) change together, in one undo step;
    --where-* filters (those of list) select the tasks that match.
    """
    from taskcli.services.writing import edit_selected

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
    where = where_filter(
        status=where_status,
        tag=where_tag,
        any_tag=where_any_tag,
        priority=where_priority,
        due_before=where_due_before,
        overdue=where_overdue,
        search=where_search,
        parent=where_parent,
        under=where_under,
    )
    chosen = confirmed(ctx, selection(task_ids, where), yes=yes)
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
    task_ids: SomeTaskIds = None,
    recursive: Annotated[
        bool, typer.Option("--recursive", "-r", help="Delete whole subtrees.")
    ] = False,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask for confirmation.")] = False,
    where_status: WhereStatus = None,
    where_tag: WhereTag = None,
    where_any_tag: WhereAnyTag = None,
    where_priority: WherePriority = None,
    where_due_before: WhereDueBefore = None,
    where_overdue: WhereOverdue = False,
    where_search: WhereSearch = None,
    where_parent: WhereParent = None,
    where_under: WhereUnder = None,
) -> None:
    """Delete tasks; a task with subtasks needs -r. Asks first on a terminal unless -y.

    --where-* filters (those of list) select the tasks that match.
    """
    from taskcli.layout import change_line
    from taskcli.services.writing import plan_selected_removal, remove_selected

    where = where_filter(
        status=where_status,
        tag=where_tag,
        any_tag=where_any_tag,
        priority=where_priority,
        due_before=where_due_before,
        overdue=where_overdue,
        search=where_search,
        parent=where_parent,
        under=where_under,
    )
    chosen = selection(task_ids, where)
    if not yes and sys.stdin.isatty():
        ids, plan = run(
            ctx, plan_selected_removal, write=False, selection=chosen, recursive=recursive
        )
        if not ids:
            print_message(NOTHING_SELECTED)
            return
        if not typer.confirm(
            _removal_question(plan.tasks, plan.descendants, filtered=where is not None),
            default=False,
            err=True,
        ):
            print_message("Nothing was deleted.")
            return
        chosen = replace(chosen, confirmed=frozenset(ids))
    removal = run(ctx, remove_selected, write=True, selection=chosen, recursive=recursive)
    lines = [change_line("Deleted", view) for view in removal.tasks]
    if removal.descendants:
        lines.append(
            f"... and {removal.descendants} subtask{'s' if removal.descendants != 1 else ''}"
        )
    write("".join(f"{line}\n" for line in lines))
    report_nothing_selected(chosen, removal.tasks)


def selection(tokens: list[str] | None, where: TaskFilter | None) -> Selection:
    """Ids as typed and the filter: ids alone, a filter alone (every match), or both (AND)."""
    from taskcli.services.writing import Selection

    if where is None:
        if not tokens:
            raise UsageError("no task ids given: give ids, ranges (3-7), - or --where-* filters")
        return Selection(ids=tuple(select_ids(tokens)))
    ids = tuple(select_ids(tokens)) if tokens else ()
    return Selection(ids=ids, task_filter=where, now=datetime.now().astimezone())


def confirmed(ctx: typer.Context, chosen: Selection, *, yes: bool) -> Selection | None:
    """Ask first when a filter alone selects many tasks on a terminal; ``None``: the answer
    was no. The ids agreed to travel with the selection: if the filter selects others by
    the time the change runs, nothing is changed."""
    if chosen.task_filter is None or chosen.ids or yes or not sys.stdin.isatty():
        return chosen
    from taskcli.services.writing import selected_ids

    ids = run(ctx, selected_ids, write=False, selection=chosen, for_change=False)
    if len(ids) <= CONFIRM_ABOVE:
        return chosen
    if not typer.confirm(f"Change {len(ids)} tasks?", default=False, err=True):
        print_message("Nothing was changed.")
        return None
    return replace(chosen, confirmed=frozenset(ids))


def report_status_change(
    verb: str, result: StatusChange, *, format: TextFormat, already: str
) -> None:
    """Text lists the tasks changed (as ``log`` counts them); JSON the named ones too.

    A named task that was already done (or pending) is said on stderr: stdout
    never claims a change the journal did not record.
    """
    if format is TextFormat.JSON:
        formatter(format).changes(verb, result.views)
    else:
        formatter(format).changes(verb, result.changed())
    for task_id in sorted(result.unchanged):
        print_message(f"Task {task_id} was already {already}.")


def report_nothing_selected(chosen: Selection, changed: Sequence[TaskView]) -> None:
    """A filter that matched nothing is an empty result (exit 0), said on stderr."""
    if chosen.task_filter is not None and not changed:
        print_message(NOTHING_SELECTED)


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


def _removal_question(tasks: tuple[TaskView, ...], descendants: int, *, filtered: bool) -> str:
    """Names the tasks, or counts them when a filter selected many."""
    from taskcli.textsafe import terminal_safe

    if filtered and len(tasks) > CONFIRM_ABOVE:
        subtasks = f" and {descendants} subtask{'s' if descendants != 1 else ''}"
        return f"Delete {len(tasks)} tasks{subtasks if descendants else ''}?"
    names = ", ".join(f"{view.id} ({terminal_safe(view.title)})" for view in tasks)
    extra = f" and {descendants} subtask{'s' if descendants != 1 else ''}" if descendants else ""
    return f"Delete task {names}{extra}?"
