"""``done`` and ``undone``, and the tree invariant they keep: no done task above pending work.

Completing refuses a task whose pending descendants the command leaves open
(unless ``recursive``); reopening reopens every done ancestor too. The writes
that add pending work under a task (``add --parent``, ``move``, ``import``)
reopen its done ancestors the same way (``_common.reopen_lineage``).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from sqlalchemy import select, update
from sqlmodel.ext.asyncio.session import AsyncSession

from taskcli import queries
from taskcli.domain import Status, TaskView
from taskcli.errors import Conflict, TaskNotFound
from taskcli.queries import task
from taskcli.services._common import dialect_name, lock_tree, reopen_lineage, rows, utcnow
from taskcli.services.recurring import spawn_next
from taskcli.services.targets import Selection, require_ids, selected_ids, views_by_id
from taskcli.tables import interval


@dataclass(frozen=True)
class StatusChange:
    """``done``/``undone``: the named tasks first, then the others the command changed.

    ``unchanged``: named tasks that were already in the state asked for.
    """

    views: list[TaskView]
    unchanged: frozenset[int] = frozenset()
    spawned: list[TaskView] = field(default_factory=list)  # next instances of recurring tasks

    def changed(self) -> list[TaskView]:
        return [view for view in self.views if view.id not in self.unchanged]


async def complete_selected(
    session: AsyncSession, *, selection: Selection, recursive: bool
) -> StatusChange:
    """``complete_tasks`` on a selection (nothing selected: nothing changed)."""
    ids = await selected_ids(session, selection=selection)
    return await complete_tasks(session, ids=ids, recursive=recursive) if ids else StatusChange([])


async def complete_tasks(
    session: AsyncSession, *, ids: Sequence[int], recursive: bool
) -> StatusChange:
    """Mark tasks done: the named ones first, then the subtasks this completed (each by id).

    Without ``recursive`` every pending descendant must be named too. The tree
    lock keeps a concurrent ``add --parent``/``undone`` from slipping a pending
    task under one being completed.
    """
    await lock_tree(session)
    if recursive:
        await require_ids(session, ids)
        targets: Any = select(queries.subtree_cte(ids).c.id)
    else:
        await _refuse_open_subtasks(session, ids)
        targets = list(ids)
    changed = await _complete(session, targets)
    spawned = await spawn_next(session, [task_id for task_id, rule in changed if rule is not None])
    result = await _status_change(session, ids, {task_id for task_id, _ in changed})
    return replace(result, spawned=await views_by_id(session, spawned)) if spawned else result


async def _complete(session: AsyncSession, targets: Any) -> list[tuple[int, str | None]]:
    """Mark the pending ones among ``targets`` done and stop their running intervals:
    (id, recurrence rule) of each task completed.

    A completed task is no longer worked on: its running interval stops now. On
    PostgreSQL that is a CTE of the same statement (a statement is two round trips).
    """
    now = utcnow()
    completing = (
        update(task)
        .where(task.c.id.in_(targets), task.c.status == Status.PENDING.value)
        .values(status=Status.DONE.value, completed_at=now, updated_at=now)
        .returning(task.c.id, task.c.recur_rule)
    )
    stopping = (
        update(interval)
        .where(interval.c.task_id.in_(targets), interval.c.stopped_at.is_(None))
        .values(stopped_at=now)
    )
    postgresql = dialect_name(session) == "postgresql"
    if postgresql:
        completing = completing.add_cte(stopping.cte("stopped"))
    changed = await rows(session, completing)
    if not postgresql:
        await session.exec(stopping)
    return [(task_id, rule) for task_id, rule in changed]


async def reopen_tasks(session: AsyncSession, *, ids: Sequence[int]) -> StatusChange:
    """Mark tasks pending again, with their done ancestors (named ones first, then those)."""
    await lock_tree(session)
    await require_ids(session, ids)
    reopened = set(await reopen_lineage(session, ids))
    return await _status_change(session, ids, reopened)


async def _status_change(
    session: AsyncSession, named: Sequence[int], changed: set[int]
) -> StatusChange:
    """The named tasks' views, then those of the others that changed; named ones unchanged."""
    views = await views_by_id(session, named)
    views += await views_by_id(session, sorted(changed - set(named)))
    return StatusChange(views, frozenset(named) - changed)


async def _refuse_open_subtasks(session: AsyncSession, ids: Sequence[int]) -> None:
    """``TaskNotFound`` for the first missing id, else ``Conflict`` naming the first task
    with a pending descendant this command leaves open.

    Existence and progress are one statement (each statement is a round trip or two).
    """
    rollup = queries.select_progress_for(queries.select_by_ids(ids)).subquery("rollup")
    root_id, done, total = rollup.c
    statement = (
        select(task.c.id, done, total)
        .outerjoin(rollup, root_id == task.c.id)
        .where(task.c.id.in_(list(ids)))
    )
    progress = await rows(session, statement)
    present = {task_id for task_id, _, _ in progress}
    for task_id in ids:
        if task_id not in present:
            raise TaskNotFound(task_id)
    if all(int(below or 0) == int(closed or 0) for _, closed, below in progress):
        return  # the usual case: one aggregate query, no tree walk
    children, pending = await _pending_below(session, ids)
    named = set(ids)
    for task_id in ids:
        stack, left_open = list(children[task_id]), 0
        while stack:
            child = stack.pop()
            left_open += child in pending and child not in named
            stack += children[child]
        if left_open:
            noun = "subtask" if left_open == 1 else "subtasks"
            raise Conflict(
                f"task {task_id} has {left_open} pending {noun}; "
                "use -r to complete them too, or name them in the same command"
            )


async def _pending_below(
    session: AsyncSession, ids: Sequence[int]
) -> tuple[dict[int, list[int]], set[int]]:
    """The subtrees' shape (children by parent) and which of their tasks are pending."""
    subtree = queries.subtree_cte(ids)
    shape = await rows(
        session,
        select(task.c.id, task.c.parent_id, task.c.status)
        .where(task.c.id.in_(select(subtree.c.id)))
        .distinct(),
    )
    children: dict[int, list[int]] = defaultdict(list)
    pending = set()
    for task_id, parent_id, status in shape:
        children[parent_id].append(task_id)
        if status == Status.PENDING.value:
            pending.add(task_id)
    return children, pending
