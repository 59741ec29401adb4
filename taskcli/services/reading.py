"""Read-only services: list, tree, show. They never write."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import datetime
from typing import TYPE_CHECKING, Any

from taskcli import queries
from taskcli.domain import MAX_DEPTH, TaskFilter, TaskView, TreeNode, WaitFilter
from taskcli.queries.filters import not_waiting
from taskcli.services._common import (
    dialect_name,
    load_views,
    require_task,
    rows,
    tags_by_task,
    utcnow,
)
from taskcli.services.forest import Forest, assemble

if TYPE_CHECKING:  # the session class is imported by the engine; reading needs no SQLModel
    from sqlmodel.ext.asyncio.session import AsyncSession


async def list_tasks(
    session: AsyncSession,
    *,
    task_filter: TaskFilter,
    now: datetime,
    detail: bool = True,
    paths: bool = False,
) -> list[Any]:
    """The flat list of ``taskcli list``, with progress for tasks that have subtasks.

    Without ``detail`` only id rows come back (for ``-f ids``): no views, no
    tags, no progress, no datetime conversion. ``paths`` adds each task's
    ancestor titles (one more statement for the whole list).
    """
    if task_filter.parent_id is not None:
        await require_task(session, task_filter.parent_id)
    selection = queries.select_list(task_filter, now=now)
    found: list[Any]
    if not detail:
        found = await rows(session, selection.with_only_columns(queries.task.c.id))
    else:
        found = await load_views(session, selection, with_progress=True)
        if paths and found:
            found = await with_paths(session, found, selection)
    if not found and task_filter.under_id is not None:
        # Only an empty list can hide an unknown --under id: no extra statement otherwise.
        await require_task(session, task_filter.under_id)
    return found


async def with_paths(
    session: AsyncSession, views: list[TaskView], selection: Any
) -> list[TaskView]:
    """The views with their ancestor titles, root first, from one ancestry query."""
    parent_of: dict[int, tuple[int | None, str]] = {
        row.id: (row.parent_id, row.title)
        for row in await rows(session, queries.select_ancestry_for(selection))
    }
    known: dict[int, tuple[str, ...]] = {}

    def path_through(task_id: int) -> tuple[str, ...]:
        """Titles from the root down to ``task_id`` itself."""
        chain: list[int] = []
        current: int | None = task_id
        while current in parent_of and current not in known and len(chain) <= MAX_DEPTH:
            chain.append(current)
            current = parent_of[current][0]
        path = known.get(current, ()) if current is not None else ()
        for ancestor_id in reversed(chain):
            path = (*path, parent_of[ancestor_id][1])
            known[ancestor_id] = path
        return known.get(task_id, path)

    return [
        replace(view, path=path_through(view.parent_id) if view.parent_id is not None else ())
        for view in views
    ]


async def get_tree(
    session: AsyncSession,
    *,
    root_id: int | None,
    depth: int | None,
    include_done: bool,
    waiting: WaitFilter = WaitFilter.VISIBLE,
    now: datetime | None = None,
) -> list[TreeNode]:
    """The forest (or one subtree), pruned for display; progress counts every descendant.

    Without ``include_done``, done tasks are shown only when they have pending
    descendants (a task named by ``root_id`` is always shown, so ``tree ID``
    has one node). ``depth`` limits the levels shown (1 = the roots only).
    Waiting tasks (at ``now``) are pruned as ``waiting`` says (see ``forest``).
    """
    if root_id is None:
        selection, tag_rows = queries.select_tasks(), queries.select_all_tags()
    else:
        await require_task(session, root_id)
        selection = queries.select_subtree(root_id)
        tag_rows = queries.select_tags_for(selection)
    task_rows = await rows(session, selection.add_columns(_waiting_flag(now)))
    tags = await tags_by_task(session, tag_rows)
    views = {row.id: queries.to_view(row, tags.get(row.id, ())) for row in task_rows}
    tops = [v.id for v in views.values() if v.parent_id not in views]
    roots = [root_id] if root_id is not None else tops
    waiting_ids = {row.id for row in task_rows if row.is_waiting}
    return assemble(
        views,
        sorted(roots),
        depth,
        include_done,
        named_root=root_id is not None,
        waiting_ids=waiting_ids,
        waiting=waiting,
    )


def _waiting_flag(now: datetime | None) -> Any:
    """Is the task waiting at ``now``: one more column of a statement a tree reads anyway."""
    return (~not_waiting(now or utcnow())).label("is_waiting")


TreeSink = Callable[[Sequence[Any], Sequence[str], int, int, int], None]
"""Receives each shown node in output order: (task record, tags, done, total, level).

A record is a row of ``queries.record_columns``.
"""

STREAM_BATCH = 2_000


async def stream_forest(
    session: AsyncSession,
    *,
    depth: int | None,
    include_done: bool,
    sink: TreeSink,
    waiting: WaitFilter = WaitFilter.VISIBLE,
    now: datetime | None = None,
) -> int:
    """The forest as ``get_tree`` shapes it, handed to ``sink`` node by node; returns the count.

    The shape (id, parent, status, waiting at ``now``) is read first and
    children and progress are computed over integer lists; only the shown tasks' records are then
    fetched, in output order and a batch at a time, so
    memory holds the shape and one batch rather than every task as an object.
    Three statements, whatever the number of tasks.
    """
    shape = await rows(session, queries.select_shape().add_columns(_waiting_flag(now)))
    forest = Forest(shape)
    del shape
    shown, levels = forest.shown_in_order(depth, include_done, waiting)
    tags = await tags_by_task(session, queries.select_all_tags())
    if not shown:
        return 0
    return await _hand_over(session, forest, shown, levels, tags, sink)


async def _hand_over(
    session: AsyncSession,
    forest: Forest,
    shown: list[int],
    levels: list[int],
    tags: dict[int, Any],
    sink: TreeSink,
) -> int:
    """Stream the shown tasks' records to ``sink`` in output order; how many were written."""
    task_ids, done, total = forest.task_ids, forest.done, forest.total
    statement = queries.select_in_order([task_ids[index] for index in shown], dialect_name(session))
    result = await session.stream(statement.execution_options(yield_per=STREAM_BATCH))
    written = 0
    no_tags: tuple[str, ...] = ()
    try:
        async for partition in result.partitions():
            for record in partition:
                index = shown[written]
                sink(
                    record,
                    tags.get(task_ids[index], no_tags),
                    done[index],
                    total[index],
                    levels[written],
                )
                written += 1
    except BrokenPipeError:
        # The reader went away: stop reading. The caller's next write meets the
        # closed pipe outside the database, where it is reported as such.
        pass
    return written
