"""The reading commands (list, tree, show): parse and validate → ``run(service)`` → render."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from typing import Annotated, Any

import typer

from taskcli.cli._boundary import guarded
from taskcli.cli._invocation import settings_of
from taskcli.cli._runtime import run
from taskcli.cli.context_scope import (
    NoContext,
    context_in_force,
    scoped_filters,
    scoped_tree,
)
from taskcli.cli.filters import FilterOptions, filter_options
from taskcli.cli.formats import formatter
from taskcli.cli.formatter import Formatter
from taskcli.cli.options import (
    ListFormat,
    TaskId,
    TextFormat,
    TextFormatOption,
    TreeFormat,
)
from taskcli.domain import (
    LIST_COLUMNS,
    MAX_COUNT,
    TaskFilter,
    WaitFilter,
    parse_columns,
    parse_sort,
    validate_task_id,
)
from taskcli.errors import UsageError

# Merged into the main application by ``taskcli.cli`` (``add_typer``).
app = typer.Typer(rich_markup_mode=None)


# The options of ``list`` beyond its filters (those are in ``taskcli.cli.filters``).
Roots = Annotated[bool, typer.Option("--roots", help="Top-level tasks only.")]
Sort = Annotated[
    str | None,
    typer.Option(
        "--sort",
        metavar="KEY[,KEY...]",
        help=(
            "due, priority, created, id, title; -KEY reverses one key; ties by id "
            "(default: the config file's, else due)."
        ),
        show_default=False,
    ),
]
Columns = Annotated[
    str | None,
    typer.Option(
        "--columns",
        metavar="NAME[,NAME...]",
        help="Table columns: " + ",".join(LIST_COLUMNS) + ".",
        show_default=False,
    ),
]
Reverse = Annotated[bool, typer.Option("--reverse", help="Reverse the order.")]
Limit = Annotated[
    int | None,
    typer.Option("--limit", min=0, max=MAX_COUNT, help="At most N tasks.", show_default=False),
]
ListAll = Annotated[
    bool, typer.Option("--all", "-a", help="Include waiting tasks (a wait date still to come).")
]
Waiting = Annotated[
    bool,
    typer.Option("--waiting", help="Only waiting tasks (a wait date still to come)."),
]
ListFormatOption = Annotated[
    ListFormat, typer.Option("--format", "-f", case_sensitive=False, help="Output format.")
]


@app.command("list")
@guarded
@filter_options()
def list_command(
    ctx: typer.Context,
    *,
    filters: FilterOptions,
    roots: Roots = False,
    sort: Sort = None,
    reverse: Reverse = False,
    limit: Limit = None,
    columns: Columns = None,
    all_tasks: ListAll = False,
    waiting: Waiting = False,
    format: ListFormatOption = ListFormat.TABLE,
    no_context: NoContext = False,
) -> None:
    """List tasks as a flat table (pending ones unless --status says otherwise)."""
    settings = settings_of(ctx)
    chosen_columns = _columns(columns, format, settings.list_columns)
    task_filter = replace(
        scoped_filters(filters, context_in_force(no_context)).task_filter(),
        roots=roots,
        sort=parse_sort(sort if sort is not None else settings.list_sort),
        reverse=reverse,
        limit=limit,
        waiting=_wait_filter(all_tasks=all_tasks, waiting=waiting),
    )
    _print_list(ctx, task_filter, formatter(format), chosen_columns)


def _print_list(
    ctx: typer.Context, task_filter: TaskFilter, chosen: Formatter, columns: tuple[str, ...] | None
) -> None:
    """Run ``list``'s query in the shape its format prints: records for JSON, else views."""
    from taskcli.services.reading import list_tasks

    now = datetime.now().astimezone()
    if chosen.lists_records:
        from taskcli.services.listing import list_records

        found, tags = run(ctx, list_records, write=False, task_filter=task_filter, now=now)
        chosen.task_records(found, tags)
        return
    views = run(
        ctx,
        list_tasks,
        write=False,
        task_filter=task_filter,
        now=now,
        detail=chosen.needs_views,
        paths=columns is not None and "path" in columns,
    )
    chosen.task_list(views, now=now, columns=columns)


def _wait_filter(*, all_tasks: bool, waiting: bool) -> WaitFilter:
    """``--waiting`` wins over ``--all``: only waiting tasks either way."""
    if waiting:
        return WaitFilter.WAITING
    return WaitFilter.ANY if all_tasks else WaitFilter.VISIBLE


def _columns(
    columns: str | None, format: ListFormat, configured: str | None
) -> tuple[str, ...] | None:
    """The table's columns: ``--columns``, else the config file's (``None``: automatic)."""
    chosen = parse_columns(columns) if columns is not None else None
    if chosen is not None and format is not ListFormat.TABLE:
        raise UsageError("--columns applies to the table format only")
    if chosen is None and format is ListFormat.TABLE and configured:
        chosen = parse_columns(configured)
    return chosen


# The options of ``tree``.
TreeRoot = Annotated[
    int | None,
    typer.Argument(metavar="[ID]", help="Show only the subtree under ID.", show_default=False),
]
TreeDepth = Annotated[
    int | None,
    typer.Option(
        "--depth", min=1, max=MAX_COUNT, help="Show at most N levels.", show_default=False
    ),
]
TreeAll = Annotated[bool, typer.Option("--all", "-a", help="Include done and waiting tasks.")]
TreeWaiting = Annotated[
    bool, typer.Option("--waiting", help="Only the waiting tasks, each with its subtree.")
]
TreeFormatOption = Annotated[
    TreeFormat, typer.Option("--format", "-f", case_sensitive=False, help="Output format.")
]


@app.command("tree")
@guarded
def tree_command(
    ctx: typer.Context,
    task_id: TreeRoot = None,
    depth: TreeDepth = None,
    all_tasks: TreeAll = False,
    waiting: TreeWaiting = False,
    format: TreeFormatOption = TreeFormat.TREE,
    no_context: NoContext = False,
) -> None:
    """Show the task forest with rolled-up progress (done/total of all descendants)."""
    from taskcli.services.reading import get_tree, stream_forest

    root_id = validate_task_id(task_id) if task_id is not None else None
    chosen = formatter(format)
    context = context_in_force(no_context)
    shape: dict[str, Any] = {  # how the tree is pruned, the same for every path below
        "depth": depth,
        "include_done": all_tasks,
        "waiting": _wait_filter(all_tasks=all_tasks, waiting=waiting),
        "now": datetime.now().astimezone(),
    }
    if context is not None:
        nodes = scoped_tree(ctx, context, root_id=root_id, **shape)
        chosen.task_tree(nodes, single=root_id is not None)
        return
    if root_id is not None:
        nodes = run(ctx, get_tree, write=False, root_id=root_id, **shape)
        chosen.task_tree(nodes, single=True)
        return
    chosen.task_forest(
        lambda: run(ctx, get_tree, write=False, root_id=None, **shape),
        lambda sink: run(ctx, stream_forest, write=False, sink=sink, **shape),
    )


@app.command("show")
@guarded
def show_command(
    ctx: typer.Context, task_id: TaskId, format: TextFormatOption = TextFormat.TEXT
) -> None:
    """Show one task in full: fields, ancestor path and direct subtasks."""
    from taskcli.services.detail import show_task

    detail = run(ctx, show_task, write=False, task_id=validate_task_id(task_id))
    formatter(format).task_detail(detail)
