"""Services that change tasks. Each runs inside the caller's one transaction,
validates everything before changing anything, and flushes (never commits).

This module is the write API: creating, editing and moving tasks live here;
``done``/``undone`` and the tree invariant in ``status``, ``rm`` in
``removal``, selections and the ids they resolve to in ``targets``.

Write paths read and change rows with Core statements (``queries``' tables),
never ORM objects: no write path loads a relationship, so there is no graph
for ``selectinload`` to load.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from sqlalchemy import delete, func, insert, null, select, update
from sqlmodel.ext.asyncio.session import AsyncSession

from taskcli import queries
from taskcli.domain import UNSET, NewTask, Status, TaskPatch, TaskView
from taskcli.errors import Conflict, TaskNotFound
from taskcli.queries import tag, task, task_tag
from taskcli.services._common import (
    check_room_below,
    lineage_cte,
    link_tags,
    lock_tree,
    reopen_lineage,
    require_parent,
    rows,
    scalar,
    utcnow,
)
from taskcli.services.blockers import link_blockers, refuse_move_cycle, unlink_blockers
from taskcli.services.bulk import add_tasks
from taskcli.services.recurring import check_edited, patch_columns, recur_columns
from taskcli.services.removal import (
    plan_removal,
    plan_selected_removal,
    remove_selected,
    remove_tasks,
)
from taskcli.services.status import StatusChange, complete_selected, complete_tasks, reopen_tasks
from taskcli.services.targets import Selection, require_ids, selected_ids, views_by_id

__all__ = [
    "Changed",
    "Selection",
    "StatusChange",
    "add_task",
    "add_titles",
    "complete_selected",
    "complete_tasks",
    "create_task",
    "edit_selected",
    "edit_task",
    "edit_tasks",
    "move_task",
    "move_tasks",
    "plan_removal",
    "plan_selected_removal",
    "remove_selected",
    "remove_tasks",
    "reopen_tasks",
    "selected_ids",
]


@dataclass(frozen=True)
class Changed:
    """The tasks a command changed, and the done ancestors it reopened to keep the tree valid."""

    tasks: list[TaskView]
    reopened: list[TaskView] = field(default_factory=list)


#: A new task's columns as INSERT ... RETURNING gives them: its links come after
#: the INSERT, so ``blocked_by`` (a subquery on another table) is not asked for.
_RETURNED = tuple(
    null().label("blocked_by") if column.name == "blocked_by" else column
    for column in queries.TASK_COLUMNS
)


async def create_task(session: AsyncSession, *, new: NewTask) -> Changed:
    """Create one task (under ``new.parent_id`` if given, reopening it if done) with its tags.

    The new task's view is the inserted row (``RETURNING``) with the tags just
    linked; it has no subtasks yet, so nothing else is read back.
    """
    parent_done = False
    if new.parent_id is not None:
        await lock_tree(session)
        parent_done = await require_parent(session, new.parent_id) == Status.DONE.value
    now = utcnow()
    # A Core insert into the same table: an ORM ``Task`` (pydantic validation,
    # unit of work, configuring every mapper on first use) made a warm ``add``
    # cost 70 ms of CPU instead of 58, for the same single INSERT. The new
    # task's view comes back from RETURNING: no statement reads it again.
    inserted = insert(task).values(
        title=new.title,
        note=new.note,
        status=Status.PENDING.value,
        priority=int(new.priority),
        due=new.due,
        wait=new.wait,
        scheduled=new.scheduled,
        parent_id=new.parent_id,
        created_at=now,
        updated_at=now,
        **recur_columns(new.recur, new.due),
    )
    row = (await rows(session, inserted.returning(*_RETURNED)))[0]
    await link_tags(session, [row.id], new.tags)
    await link_blockers(session, ids=[row.id], blocker_ids=new.blocked_by)
    # A pending parent has no done ancestor (the invariant): only a done one costs a statement.
    reopened: list[int] = []
    if parent_done and new.parent_id is not None:
        reopened = await reopen_lineage(session, [new.parent_id])
    # Its blocked-by links were made after the INSERT returned it.
    view = replace(queries.to_view(row, sorted(new.tags)), blocked_by=tuple(sorted(new.blocked_by)))
    return Changed([view], await views_by_id(session, reopened))


async def add_task(session: AsyncSession, *, new: NewTask) -> TaskView:
    """Create one task; see ``create_task``."""
    return (await create_task(session, new=new)).tasks[0]


async def add_titles(
    session: AsyncSession,
    *,
    titles: Sequence[str],
    template: NewTask,
    on_progress: Callable[[int], None] | None = None,
) -> tuple[list[int], list[TaskView]]:
    """``add -``: the new ids, and the done ancestors reopened for them (under a done parent)."""
    ids = await add_tasks(session, titles=titles, template=template, on_progress=on_progress)
    reopened: list[int] = []
    if template.parent_id is not None and ids:  # add_tasks holds the tree lock
        reopened = await reopen_lineage(session, [template.parent_id])
    return ids, await views_by_id(session, reopened)


async def edit_selected(
    session: AsyncSession, *, selection: Selection, patch: TaskPatch
) -> list[TaskView]:
    """``edit_tasks`` on a selection (nothing selected: nothing changed)."""
    ids = await selected_ids(session, selection=selection)
    return await edit_tasks(session, ids=ids, patch=patch) if ids else []


async def edit_tasks(
    session: AsyncSession, *, ids: Sequence[int], patch: TaskPatch
) -> list[TaskView]:
    """Apply the fields a patch sets to every task; tags are added and removed by name.

    One UPDATE ... RETURNING both finds the tasks and changes them (one round
    trip to a remote server, not two).
    """
    values: dict[str, Any] = {
        name: value
        for name in ("title", "note", "due", "wait", "scheduled")
        if (value := getattr(patch, name)) is not UNSET
    }
    if patch.priority is not UNSET:
        values["priority"] = int(patch.priority)
    values.update(patch_columns(patch))
    statement = update(task).where(task.c.id.in_(list(ids))).values(**values, updated_at=utcnow())
    edited = await rows(session, statement.returning(task.c.id, task.c.due, task.c.recur_from))
    check_edited(edited)
    found = {row.id for row in edited}
    for task_id in ids:
        if task_id not in found:
            raise TaskNotFound(task_id)
    await link_tags(session, ids, patch.add_tags)
    if patch.remove_tags:
        await session.exec(
            delete(task_tag).where(
                task_tag.c.task_id.in_(list(ids)),
                task_tag.c.tag_id.in_(
                    select(tag.c.id).where(tag.c.name.in_(sorted(patch.remove_tags)))
                ),
            )
        )
    await unlink_blockers(session, ids=ids, blocker_ids=patch.remove_blockers)
    await link_blockers(session, ids=ids, blocker_ids=patch.add_blockers)
    return await views_by_id(session, ids)


async def edit_task(session: AsyncSession, *, task_id: int, patch: TaskPatch) -> TaskView:
    """Change one task; see ``edit_tasks``."""
    return (await edit_tasks(session, ids=[task_id], patch=patch))[0]


async def move_tasks(
    session: AsyncSession, *, ids: Sequence[int], parent_id: int | None
) -> Changed:
    """Re-parent tasks (``None``: make them roots), refusing cycles and the depth limit.

    Moving pending work under a done task reopens it and its done ancestors.
    """
    await lock_tree(session)
    status = await require_ids(session, [*ids, parent_id] if parent_id is not None else ids)
    reopened: list[int] = []
    if parent_id is not None:
        await _refuse_cycle(session, ids, parent_id)
        subtree = queries.subtree_cte(ids)
        height = await scalar(session, select(func.max(subtree.c.depth) + 1))
        await check_room_below(session, parent_id, height=height)
    await session.exec(
        update(task)
        .where(task.c.id.in_(list(ids)))
        .values(parent_id=parent_id, updated_at=utcnow())
    )
    if parent_id is not None:
        await refuse_move_cycle(session, ids)
    # A done task's subtree is all done (the invariant): only pending roots bring pending work.
    if (
        parent_id is not None
        and status[parent_id] == Status.DONE.value
        and any(status[task_id] == Status.PENDING.value for task_id in ids)
    ):
        reopened = await reopen_lineage(session, [parent_id])
    return Changed(await views_by_id(session, ids), await views_by_id(session, reopened))


async def _refuse_cycle(session: AsyncSession, ids: Sequence[int], parent_id: int) -> None:
    """A task cannot go under itself or under one of its own descendants."""
    if parent_id in ids:
        raise Conflict(f"cannot move task {parent_id} under itself")
    lineage = lineage_cte([parent_id])
    inside = await rows(session, select(lineage.c.id).where(lineage.c.id.in_(list(ids))))
    if inside:
        task_id = inside[0][0]
        raise Conflict(
            f"cannot move {task_id} under {parent_id}: {parent_id} is inside {task_id}'s subtree"
        )


async def move_task(session: AsyncSession, *, task_id: int, parent_id: int | None) -> TaskView:
    """Move one task; see ``move_tasks``."""
    return (await move_tasks(session, ids=[task_id], parent_id=parent_id)).tasks[0]
