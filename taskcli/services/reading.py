"""Read-only services: list, tree, show. They never write."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import datetime
from typing import TYPE_CHECKING, Any

from taskcli import queries
from taskcli.domain import MAX_DEPTH, Progress, Status, TaskFilter, TaskView, TreeNode
from taskcli.services._common import (
    dialect_name,
    load_views,
    require_task,
    rows,
    tags_by_task,
)

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
"""Receives each shown node in output order: (task record, tags, done, total, level).

A record is a row of ``queries.record_columns``.
"""

STREAM_BATCH = 2_000


async def stream_forest(
    session: AsyncSession, *, depth: int | None, include_done: bool, sink: TreeSink
) -> int:
    """The forest as ``get_tree`` shapes it, handed to ``sink`` node by node; returns the count.

    The shape (id, parent, status) is read first and children and progress are
    computed over integer lists; only the shown tasks' records are then
    fetched, in output order and a batch at a time, so
    memory holds the shape and one batch rather than every task as an object.
    Three statements, whatever the number of tasks.
    """
    shape = await rows(session, queries.select_shape())
    forest = _Forest(shape)
    del shape
    shown, levels = forest.shown_in_order(depth, include_done)
    tags = await tags_by_task(session, queries.select_all_tags())
    if not shown:
        return 0
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


class _Forest:
    """A forest's shape as integer lists indexed by position in id order.

    One iterative pre-order walk (trees may be 64 levels deep) gives every
    node's level; the rollup runs over that order reversed, so children are
    counted before their parents; and because a subtree is a contiguous run
    of the pre-order, pruning a node skips ``total`` entries at once.
    Tasks on a cycle (written by another tool) hang from no root and are
    never reached, as in ``get_tree``.
    """

    def __init__(self, shape: Sequence[Sequence[Any]]) -> None:
        self.task_ids: list[int] = [row[0] for row in shape]
        position = {task_id: index for index, task_id in enumerate(self.task_ids)}
        count = len(self.task_ids)
        parent_of = [-1] * count
        children: list[list[int]] = [[] for _ in range(count)]
        roots: list[int] = []
        for index, (_, parent_id, _status) in enumerate(shape):
            parent = position.get(parent_id) if parent_id is not None else None
            if parent is None:
                roots.append(index)
            else:
                parent_of[index] = parent
                children[parent].append(index)
        done_value = Status.DONE.value
        self.is_done = [row[2] == done_value for row in shape]
        order: list[int] = []
        stack = roots[::-1]
        while stack:
            index = stack.pop()
            order.append(index)
            below = children[index]
            if below:
                stack.extend(reversed(below))
        self.order = order
        self.parent_of = parent_of
        self.done, self.total = self._rollup()

    def _rollup(self) -> tuple[list[int], list[int]]:
        """Done and total descendants of every node."""
        done = [0] * len(self.task_ids)
        total = [0] * len(self.task_ids)
        parent_of, is_done = self.parent_of, self.is_done
        for index in reversed(self.order):
            parent = parent_of[index]
            if parent >= 0:
                done[parent] += done[index] + is_done[index]
                total[parent] += total[index] + 1
        return done, total

    def shown_in_order(self, depth: int | None, include_done: bool) -> tuple[list[int], list[int]]:
        """The shown nodes in output (pre-)order with their levels (roots at 1).

        A done task is shown only with ``include_done`` or when it has pending
        descendants (a hidden task hides its subtree); ``depth`` limits the
        levels shown.
        """
        order, parent_of, done, total, is_done = (
            self.order,
            self.parent_of,
            self.done,
            self.total,
            self.is_done,
        )
        level_of = [0] * len(self.task_ids)
        shown: list[int] = []
        levels: list[int] = []
        limit = depth if depth is not None else len(order) + 1
        at, end = 0, len(order)
        while at < end:
            index = order[at]
            parent = parent_of[index]
            level = 1 if parent < 0 else level_of[parent] + 1
            if not include_done and is_done[index] and done[index] >= total[index]:
                at += total[index] + 1
                continue
            level_of[index] = level
            shown.append(index)
            levels.append(level)
            at += 1 if level < limit else total[index] + 1
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
