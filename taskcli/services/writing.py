"""Services that change tasks. Each runs inside the caller's one transaction,
validates everything before changing anything, and flushes (never commits)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, select, update
from sqlmodel.ext.asyncio.session import AsyncSession

from taskcli import queries
from taskcli.domain import UNSET, NewTask, Removal, Status, TaskFilter, TaskPatch, TaskView
from taskcli.errors import Conflict, TaskNotFound
from taskcli.models import Task
from taskcli.queries import tag, task, task_tag
from taskcli.services._common import (
    check_room_below,
    ensure_tags,
    lineage_cte,
    load_views,
    lock_tree,
    reopen_lineage,
    require_task,
    require_tasks,
    rows,
    scalar,
    utcnow,
)
from taskcli.services.bulk import add_tasks

# Ids per ``IN (...)`` when loading views: well under SQLite's and asyncpg's parameter limits.
VIEW_CHUNK = 2_000


@dataclass(frozen=True)
class Changed:
    """The tasks a command changed, and the done ancestors it reopened to keep the tree valid."""

    tasks: list[TaskView]
    reopened: list[TaskView] = field(default_factory=list)


@dataclass(frozen=True)
class Selection:
    """The tasks a command changes: the ids named, those matching a filter, or both (AND).

    ``confirmed``: the ids the user agreed to at a prompt. The filter runs again
    in the writing transaction; if it now selects other tasks, nothing changes.
    """

    ids: tuple[int, ...] = ()
    task_filter: TaskFilter | None = None
    now: datetime | None = None
    confirmed: frozenset[int] | None = None


async def selected_ids(
    session: AsyncSession, *, selection: Selection, for_change: bool = True
) -> list[int]:
    """The ids a selection names now: named ones in the order given, else by id.

    A named id that does not exist is ``TaskNotFound`` even when a filter would
    have left it out: a typo is never silently ignored (nor in ``--where-parent``
    or ``--where-under``). ``for_change``: lock the tree and the selected rows
    until the transaction ends.
    """
    if selection.task_filter is None:
        return list(selection.ids)
    if for_change:
        await lock_tree(session)  # the tree's shape holds still from selecting to changing
    where = selection.task_filter
    named = [*selection.ids, *(i for i in (where.parent_id, where.under_id) if i is not None)]
    if named:
        await _require_ids(session, named)  # as ``list``: an unknown --parent is no such task
    statement = queries.select_matching_ids(
        selection.task_filter,
        now=selection.now or utcnow(),
        among=selection.ids,
        lock=for_change,
    )
    found = [task_id for (task_id,) in await rows(session, statement)]
    if selection.ids:
        matching = set(found)
        found = [task_id for task_id in selection.ids if task_id in matching]
    if selection.confirmed is not None and set(found) != selection.confirmed:
        raise Conflict(
            "the tasks the filters select changed while you were asked; "
            "nothing was changed: run the command again"
        )
    return found


@dataclass(frozen=True)
class StatusChange:
    """``done``/``undone``: the named tasks first, then the others the command changed.

    ``unchanged``: named tasks that were already in the state asked for.
    """

    views: list[TaskView]
    unchanged: frozenset[int] = frozenset()

    def changed(self) -> list[TaskView]:
        return [view for view in self.views if view.id not in self.unchanged]


async def complete_selected(
    session: AsyncSession, *, selection: Selection, recursive: bool
) -> StatusChange:
    """``complete_tasks`` on a selection (nothing selected: nothing changed)."""
    ids = await selected_ids(session, selection=selection)
    return await complete_tasks(session, ids=ids, recursive=recursive) if ids else StatusChange([])


async def edit_selected(
    session: AsyncSession, *, selection: Selection, patch: TaskPatch
) -> list[TaskView]:
    """``edit_tasks`` on a selection (nothing selected: nothing changed)."""
    ids = await selected_ids(session, selection=selection)
    return await edit_tasks(session, ids=ids, patch=patch) if ids else []


async def plan_selected_removal(
    session: AsyncSession, *, selection: Selection, recursive: bool
) -> tuple[list[int], Removal]:
    """What ``rm`` would delete for a selection, and the ids it selected (a preview: no locks)."""
    ids = await selected_ids(session, selection=selection, for_change=False)
    if not ids:
        return ids, Removal(tasks=(), descendants=0)
    return ids, await plan_removal(session, ids=ids, recursive=recursive)


async def remove_selected(
    session: AsyncSession, *, selection: Selection, recursive: bool
) -> Removal:
    """``remove_tasks`` on a selection (nothing selected: nothing changed)."""
    ids = await selected_ids(session, selection=selection)
    if not ids:
        return Removal(tasks=(), descendants=0)
    return await remove_tasks(session, ids=ids, recursive=recursive)


async def create_task(session: AsyncSession, *, new: NewTask) -> Changed:
    """Create one task (under ``new.parent_id`` if given, reopening it if done) with its tags."""
    parent_done = False
    if new.parent_id is not None:
        await lock_tree(session)
        parent_done = (await require_task(session, new.parent_id)).status is Status.DONE
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
    await _add_tags(session, [row.id], new.tags)
    # A pending parent has no done ancestor (the invariant): only a done one costs a statement.
    reopened: list[int] = []
    if parent_done and new.parent_id is not None:
        reopened = await reopen_lineage(session, [new.parent_id])
    return Changed([await require_task(session, row.id)], await _views(session, reopened))


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
    return ids, await _views(session, reopened)


async def complete_tasks(
    session: AsyncSession, *, ids: Sequence[int], recursive: bool
) -> StatusChange:
    """Mark tasks done: the named ones first, then the subtasks this completed (each by id).

    Without ``recursive`` every pending descendant must be named too. The tree
    lock keeps a concurrent ``add --parent``/``undone`` from slipping a pending
    task under one being completed.
    """
    await lock_tree(session)
    await _require_ids(session, ids)
    if recursive:
        targets: Any = select(queries.subtree_cte(ids).c.id)
    else:
        await _refuse_open_subtasks(session, ids)
        targets = list(ids)
    now = utcnow()
    changed = await rows(
        session,
        update(task)
        .where(task.c.id.in_(targets), task.c.status == Status.PENDING.value)
        .values(status=Status.DONE.value, completed_at=now, updated_at=now)
        .returning(task.c.id),
    )
    completed = {task_id for (task_id,) in changed}
    views = await _views(session, ids) + await _views(session, sorted(completed - set(ids)))
    return StatusChange(views, frozenset(ids) - completed)


async def _refuse_open_subtasks(session: AsyncSession, ids: Sequence[int]) -> None:
    """``Conflict`` naming the first task with a pending descendant this command leaves open."""
    progress = await rows(session, queries.select_progress_for(queries.select_by_ids(ids)))
    if all(int(total) == int(done) for _, done, total in progress):
        return  # the usual case: one aggregate query, no tree walk
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


async def _require_ids(session: AsyncSession, ids: Sequence[int]) -> dict[int, str]:
    """Each task's status; ``TaskNotFound`` for the first of ``ids`` that does not exist."""
    statement = select(task.c.id, task.c.status).where(task.c.id.in_(list(ids)))
    found = {task_id: status for task_id, status in await rows(session, statement)}
    for task_id in ids:
        if task_id not in found:
            raise TaskNotFound(task_id)
    return found


async def reopen_tasks(session: AsyncSession, *, ids: Sequence[int]) -> StatusChange:
    """Mark tasks pending again, with their done ancestors (named ones first, then those)."""
    await lock_tree(session)
    await _require_ids(session, ids)
    reopened = set(await reopen_lineage(session, ids))
    views = await _views(session, ids) + await _views(session, sorted(reopened - set(ids)))
    return StatusChange(views, frozenset(ids) - reopened)


async def edit_tasks(
    session: AsyncSession, *, ids: Sequence[int], patch: TaskPatch
) -> list[TaskView]:
    """Apply the fields a patch sets to every task; tags are added and removed by name.

    One UPDATE ... RETURNING both finds the tasks and changes them (one round
    trip to a remote server, not two).
    """
    values: dict[str, Any] = {
        name: value
        for name in ("title", "note", "due")
        if (value := getattr(patch, name)) is not UNSET
    }
    if patch.priority is not UNSET:
        values["priority"] = int(patch.priority)
    statement = update(task).where(task.c.id.in_(list(ids))).values(**values, updated_at=utcnow())
    found = {task_id for (task_id,) in await rows(session, statement.returning(task.c.id))}
    for task_id in ids:
        if task_id not in found:
            raise TaskNotFound(task_id)
    await _add_tags(session, ids, patch.add_tags)
    if patch.remove_tags:
        await session.exec(
            delete(task_tag).where(
                task_tag.c.task_id.in_(list(ids)),
                task_tag.c.tag_id.in_(
                    select(tag.c.id).where(tag.c.name.in_(sorted(patch.remove_tags)))
                ),
            )
        )
    return await _views(session, ids)


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
    status = await _require_ids(session, [*ids, parent_id] if parent_id is not None else ids)
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
    # A done task's subtree is all done (the invariant): only pending roots bring pending work.
    if (
        parent_id is not None
        and status[parent_id] == Status.DONE.value
        and any(status[task_id] == Status.PENDING.value for task_id in ids)
    ):
        reopened = await reopen_lineage(session, [parent_id])
    return Changed(await _views(session, ids), await _views(session, reopened))


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


async def _views(session: AsyncSession, ids: Sequence[int]) -> list[TaskView]:
    """Views with progress, by id, in chunks that fit any backend's parameter limit."""
    ordered = sorted(ids)
    views: list[TaskView] = []
    for start in range(0, len(ordered), VIEW_CHUNK):
        chunk = queries.select_by_ids(ordered[start : start + VIEW_CHUNK])
        views += await load_views(session, chunk, with_progress=True)
    return views


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


async def _add_tags(session: AsyncSession, ids: Sequence[int], names: frozenset[str]) -> None:
    if not names:
        return
    tag_ids = await ensure_tags(session, names)
    existing = {
        (task_id, tag_id)
        for task_id, tag_id in await rows(
            session,
            select(task_tag.c.task_id, task_tag.c.tag_id).where(
                task_tag.c.task_id.in_(list(ids)), task_tag.c.tag_id.in_(list(tag_ids.values()))
            ),
        )
    }
    new_links = [
        {"task_id": task_id, "tag_id": tag_id}
        for task_id in ids
        for tag_id in tag_ids.values()
        if (task_id, tag_id) not in existing
    ]
    if new_links:
        await session.exec(task_tag.insert(), params=new_links)  # executemany: any count
