"""Services that change tasks. Each runs inside the caller's one transaction,
validates everything before changing anything, and flushes (never commits)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import delete, exists, func, select, update
from sqlmodel.ext.asyncio.session import AsyncSession

from taskcli import queries
from taskcli.domain import UNSET, NewTask, Removal, Status, TaskPatch, TaskView
from taskcli.errors import Conflict, TaskNotFound
from taskcli.models import Task
from taskcli.queries import tag, task, task_tag
from taskcli.services._common import (
    check_room_below,
    ensure_tags,
    load_views,
    lock_tree,
    require_task,
    require_tasks,
    rows,
    scalar,
    utcnow,
)


async def add_task(session: AsyncSession, *, new: NewTask) -> TaskView:
    """Create one task (under ``new.parent_id`` if given) with its tags."""
    if new.parent_id is not None:
        await lock_tree(session)
        await require_task(session, new.parent_id)
        await check_room_below(session, new.parent_id, height=1)
    now = utcnow()
    row = Task(
        title=new.title,
        note=new.note,
        status=Status.PENDING.value,
        priority=int(new.priority),
        due=new.due,
        parent_id=new.parent_id,
        created_at=now,
        updated_at=now,
    )
    session.add(row)
    await session.flush()
    assert row.id is not None
    await _add_tags(session, row.id, new.tags)
    return await require_task(session, row.id)


async def complete_tasks(
    session: AsyncSession, *, ids: Sequence[int], recursive: bool
) -> list[TaskView]:
    """Mark tasks done; without ``recursive`` a task with pending descendants is refused."""
    await _require_ids(session, ids)
    if recursive:
        await lock_tree(session)
        targets: Any = select(queries.subtree_cte(ids).c.id)
    else:
        for task_id, done, total in await rows(
            session, queries.select_progress_for(queries.select_by_ids(ids))
        ):
            if (pending := int(total) - int(done)) > 0:
                noun = "subtask" if pending == 1 else "subtasks"
                raise Conflict(
                    f"task {task_id} has {pending} pending {noun}; use -r to complete them too"
                )
        targets = list(ids)
    now = utcnow()
    changed = await rows(
        session,
        update(task)
        .where(task.c.id.in_(targets), task.c.status == Status.PENDING.value)
        .values(status=Status.DONE.value, completed_at=now, updated_at=now)
        .returning(task.c.id),
    )
    # The named tasks first, then the subtasks this command completed, by id.
    views = await load_views(session, queries.select_by_ids(ids), with_progress=True)
    subtasks = sorted({task_id for (task_id,) in changed} - set(ids))
    for start in range(0, len(subtasks), 2_000):
        chunk = queries.select_by_ids(subtasks[start : start + 2_000])
        views += await load_views(session, chunk, with_progress=True)
    return views


async def _require_ids(session: AsyncSession, ids: Sequence[int]) -> None:
    """``TaskNotFound`` for the first of ``ids`` that does not exist (ids only: no views)."""
    found = {
        task_id
        for (task_id,) in await rows(session, select(task.c.id).where(task.c.id.in_(list(ids))))
    }
    for task_id in ids:
        if task_id not in found:
            raise TaskNotFound(task_id)


async def reopen_tasks(session: AsyncSession, *, ids: Sequence[int]) -> list[TaskView]:
    """Mark tasks pending again."""
    await require_tasks(session, ids)
    await session.exec(
        update(task)
        .where(task.c.id.in_(list(ids)), task.c.status == Status.DONE.value)
        .values(status=Status.PENDING.value, completed_at=None, updated_at=utcnow())
    )
    return await load_views(session, queries.select_by_ids(ids), with_progress=True)


async def edit_task(session: AsyncSession, *, task_id: int, patch: TaskPatch) -> TaskView:
    """Apply the fields a patch sets; tags are added and removed by name.

    One UPDATE ... RETURNING both finds the task and changes it (one round
    trip to a remote server, not two).
    """
    values: dict[str, Any] = {
        name: value
        for name in ("title", "note", "due")
        if (value := getattr(patch, name)) is not UNSET
    }
    if patch.priority is not UNSET:
        values["priority"] = int(patch.priority)
    statement = update(task).where(task.c.id == task_id).values(**values, updated_at=utcnow())
    if not await rows(session, statement.returning(task.c.id)):
        raise TaskNotFound(task_id)
    await _add_tags(session, task_id, patch.add_tags)
    if patch.remove_tags:
        await session.exec(
            delete(task_tag).where(
                task_tag.c.task_id == task_id,
                task_tag.c.tag_id.in_(
                    select(tag.c.id).where(tag.c.name.in_(sorted(patch.remove_tags)))
                ),
            )
        )
    return (await load_views(session, queries.select_by_ids([task_id]), with_progress=True))[0]


async def move_task(session: AsyncSession, *, task_id: int, parent_id: int | None) -> TaskView:
    """Re-parent a task (``None``: make it a root), refusing cycles and the depth limit."""
    await lock_tree(session)
    named = [task_id] if parent_id in (None, task_id) else [task_id, parent_id]
    await _require_ids(session, named)
    if parent_id is not None:
        if parent_id == task_id:
            raise Conflict(f"cannot move task {task_id} under itself")
        subtree = queries.subtree_cte([task_id])
        if (await session.exec(select(exists().where(subtree.c.id == parent_id)))).one()[0]:  # type: ignore[call-overload]
            raise Conflict(
                f"cannot move {task_id} under {parent_id}: "
                f"{parent_id} is inside {task_id}'s subtree"
            )
        height = await scalar(session, queries.select_height(task_id))
        await check_room_below(session, parent_id, height=height)
    await session.exec(
        update(task).where(task.c.id == task_id).values(parent_id=parent_id, updated_at=utcnow())
    )
    return (await load_views(session, queries.select_by_ids([task_id]), with_progress=True))[0]


async def plan_removal(session: AsyncSession, *, ids: Sequence[int], recursive: bool) -> Removal:
    """What ``rm`` would delete; refuses tasks with subtasks unless ``recursive``."""
    views = sorted(await require_tasks(session, ids, with_progress=True), key=lambda v: v.id)
    if not recursive:
        for view in views:
            if view.progress is not None and view.progress.total:
                count = view.progress.total
                noun = "subtask" if count == 1 else "subtasks"
                raise Conflict(f"task {view.id} has {count} {noun}; use -r to delete them too")
    subtree = queries.subtree_cte(ids)
    in_subtree = await scalar(session, select(func.count(func.distinct(subtree.c.id))))
    return Removal(tasks=tuple(views), descendants=in_subtree - len(views))


async def remove_tasks(session: AsyncSession, *, ids: Sequence[int], recursive: bool) -> Removal:
    """Delete tasks (and with ``recursive`` their whole subtrees) in one statement."""
    if recursive:
        await lock_tree(session)
    removal = await plan_removal(session, ids=ids, recursive=recursive)
    await session.exec(delete(task).where(task.c.id.in_(select(queries.subtree_cte(ids).c.id))))
    return removal


async def _add_tags(session: AsyncSession, task_id: int, names: frozenset[str]) -> None:
    if not names:
        return
    tag_ids = await ensure_tags(session, names)
    existing = {
        tag_id
        for (tag_id,) in await rows(
            session, select(task_tag.c.tag_id).where(task_tag.c.task_id == task_id)
        )
    }
    new_links = [
        {"task_id": task_id, "tag_id": tag_id}
        for tag_id in tag_ids.values()
        if tag_id not in existing
    ]
    if new_links:
        await session.exec(task_tag.insert().values(new_links))
