"""Read-only services: list, tree, show. They never write."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import datetime
from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession

from taskcli import queries
from taskcli.domain import Progress, Status, TaskFilter, TaskView, TreeNode
from taskcli.services._common import load_views, require_task, rows, tags_by_task


async def list_tasks(
    session: AsyncSession, *, task_filter: TaskFilter, now: datetime, detail: bool = True
) -> list[Any]:
    """The flat list of ``taskcli list``, with progress for tasks that have subtasks.

    Without ``detail`` only id rows come back (for ``-f ids``): no views, no
    tags, no progress, no datetime conversion.
    """
    if task_filter.parent_id is not None:
        await require_task(session, task_filter.parent_id)
    selection = queries.select_list(task_filter, now=now)
    if not detail:
        return await rows(session, selection.with_only_columns(queries.task.c.id))
    return await load_views(session, selection, with_progress=True)


async def get_tree(
    session: AsyncSession, *, root_id: int | None, depth: int | None, include_done: bool
) -> list[TreeNode]:
    """The forest (or one subtree), pruned for display; progress counts every descendant.

    Without ``include_done``, done tasks are shown only when they have pending
    descendants (a task named by ``root_id`` is always shown, so ``tree ID``
    has one node). ``depth`` limits the levels shown (1 = the roots only).
    """
    if root_id is None:
        selection, tag_rows = queries.select_tasks(), queries.select_all_tags()
    else:
        await require_task(session, root_id)
        selection = queries.select_subtree(root_id)
        tag_rows = queries.select_tags_for(selection)
    task_rows = await rows(session, selection)
    tags = await tags_by_task(session, tag_rows)
    views = {row.id: queries.to_view(row, tags.get(row.id, ())) for row in task_rows}
    roots = (
        [root_id]
        if root_id is not None
        else [v.id for v in views.values() if v.parent_id not in views]
    )
    return _assemble(views, sorted(roots), depth, include_done, named_root=root_id is not None)


TreeSink = Callable[[Sequence[Any], Sequence[str], int, int, int], None]
"""Receives each shown node in output order: (task row, tags, done, total, level)."""

STREAM_BATCH = 2_000


async def stream_forest(
    session: AsyncSession, *, depth: int | None, include_done: bool, sink: TreeSink
) -> int:
    """The forest as ``get_tree`` shapes it, handed to ``sink`` node by node; returns the count.

    The shape (id, parent, status) is read first and children and progress are
    computed over integer lists; only the shown tasks' full rows are then
    fetched, in output order and a batch at a time, so memory holds the shape
    and one batch rather than every task as an object. Three statements,
    whatever the number of tasks.
    """
    shape = await rows(session, queries.select_shape())
    task_ids = [row[0] for row in shape]
    position = {task_id: index for index, task_id in enumerate(task_ids)}
    children: list[list[int]] = [[] for _ in task_ids]
    roots: list[int] = []
    for index, (_, parent_id, _status) in enumerate(shape):
        parent = position.get(parent_id) if parent_id is not None else None
        if parent is None:
            roots.append(index)
        else:
            children[parent].append(index)
    is_done = [row[2] == Status.DONE.value for row in shape]
    del shape, position
    done, total = _rollup(children, roots, is_done)
    shown, levels = _shown_in_order(children, roots, is_done, done, total, depth, include_done)
    tags = await tags_by_task(session, queries.select_all_tags())
    if not shown:
        return 0
    statement = queries.select_in_order(
        [task_ids[index] for index in shown], session.bind.dialect.name
    )
    result = await session.stream(statement.execution_options(yield_per=STREAM_BATCH))
    written = 0
    try:
        async for partition in result.partitions():
            for row in partition:
                index = shown[written]
                sink(row, tags.get(row[0], ()), done[index], total[index], levels[written])
                written += 1
    except BrokenPipeError:
        # The reader went away: stop reading. The caller's next write meets the
        # closed pipe outside the database, where it is reported as such.
        pass
    return written


def _rollup(
    children: list[list[int]], roots: list[int], is_done: list[bool]
) -> tuple[list[int], list[int]]:
    """Done and total descendants of every node, post-order without recursion (64 levels deep)."""
    done = [0] * len(children)
    total = [0] * len(children)
    order: list[int] = []
    stack = list(roots)
    while stack:
        index = stack.pop()
        order.append(index)
        stack.extend(children[index])
    for index in reversed(order):
        for child in children[index]:
            done[index] += done[child] + is_done[child]
            total[index] += total[child] + 1
    return done, total


def _shown_in_order(
    children: list[list[int]],
    roots: list[int],
    is_done: list[bool],
    done: list[int],
    total: list[int],
    depth: int | None,
    include_done: bool,
) -> tuple[list[int], list[int]]:
    """The shown nodes in output (pre-)order with their levels (roots at 1).

    A done task is shown only with ``include_done`` or when it has pending
    descendants; ``depth`` limits the levels shown.
    """

    def visible(index: int) -> bool:
        return include_done or not is_done[index] or done[index] < total[index]

    shown: list[int] = []
    levels: list[int] = []
    stack = [(index, 1) for index in reversed(roots) if visible(index)]
    while stack:
        index, level = stack.pop()
        shown.append(index)
        levels.append(level)
        if depth is None or level < depth:
            stack.extend(
                (child, level + 1) for child in reversed(children[index]) if visible(child)
            )
    return shown, levels


def _assemble(
    views: dict[int, TaskView],
    root_ids: list[int],
    depth: int | None,
    include_done: bool,
    *,
    named_root: bool = False,
) -> list[TreeNode]:
    children: dict[int, list[int]] = defaultdict(list)
    for view in sorted(views.values(), key=lambda v: v.id):
        if view.parent_id is not None and view.parent_id in views:
            children[view.parent_id].append(view.id)
    done: dict[int, int] = {}
    total: dict[int, int] = {}
    # Post-order without recursion: trees may be 64 levels deep and wide.
    order: list[int] = []
    stack = list(root_ids)
    while stack:
        task_id = stack.pop()
        order.append(task_id)
        stack.extend(children[task_id])
    for task_id in reversed(order):
        done[task_id] = sum(done[c] + (views[c].status is Status.DONE) for c in children[task_id])
        total[task_id] = sum(total[c] + 1 for c in children[task_id])

    def visible(task_id: int) -> bool:
        view = views[task_id]
        return include_done or view.status is Status.PENDING or done[task_id] < total[task_id]

    def build(task_id: int, level: int) -> TreeNode:
        view = views[task_id]
        if total[task_id]:
            view = _with_progress(view, Progress(done=done[task_id], total=total[task_id]))
        node = TreeNode(task=view)
        if depth is None or level < depth:
            node.children = [build(c, level + 1) for c in children[task_id] if visible(c)]
        return node

    return [build(task_id, 1) for task_id in root_ids if named_root or visible(task_id)]


def _with_progress(view: TaskView, progress: Progress) -> TaskView:
    return replace(view, progress=progress)


async def id_titles(
    session: AsyncSession, *, prefix: str, limit: int = 100
) -> list[tuple[int, str]]:
    """(id, title) of pending tasks whose id starts with ``prefix``, for shell completion."""
    return [
        (row.id, row.title) for row in await rows(session, queries.select_id_titles(prefix, limit))
    ]
