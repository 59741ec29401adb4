"""Read-only services: list, tree, show. They never write."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import replace
from datetime import datetime
from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession

from taskcli import queries
from taskcli.domain import Progress, Status, TaskDetail, TaskFilter, TaskView, TreeNode
from taskcli.services._common import load_views, require_task, require_tasks, rows, tags_by_task


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


async def show_task(session: AsyncSession, *, task_id: int) -> TaskDetail:
    """One task in full, with its ancestor path (root first) and direct subtasks."""
    [found] = await require_tasks(session, [task_id], with_progress=True)
    ancestors = await load_views(session, queries.select_ancestors(task_id))
    subtasks = await load_views(session, queries.select_children(task_id), with_progress=True)
    return TaskDetail(task=found, ancestors=tuple(ancestors), subtasks=tuple(subtasks))


async def id_titles(
    session: AsyncSession, *, prefix: str, limit: int = 100
) -> list[tuple[int, str]]:
    """(id, title) of pending tasks whose id starts with ``prefix``, for shell completion."""
    return [
        (row.id, row.title) for row in await rows(session, queries.select_id_titles(prefix, limit))
    ]
