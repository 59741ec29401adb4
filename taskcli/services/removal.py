"""``rm``: what a removal would delete (the prompt's preview) and the deletion itself."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from sqlalchemy import delete, func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from taskcli import queries
from taskcli.domain import Removal, Status
from taskcli.errors import Conflict
from taskcli.queries import task
from taskcli.services._common import lock_tree, require_tasks, scalar, utcnow
from taskcli.services.recurring import continue_series, series_sources
from taskcli.services.targets import Selection, selected_ids

NOTHING = Removal(tasks=(), descendants=0)


async def plan_selected_removal(
    session: AsyncSession, *, selection: Selection, recursive: bool
) -> tuple[list[int], Removal]:
    """What ``rm`` would delete for a selection, and the ids it selected (a preview: no locks)."""
    ids = await selected_ids(session, selection=selection, for_change=False)
    if not ids:
        return ids, NOTHING
    return ids, await plan_removal(session, ids=ids, recursive=recursive)


async def remove_selected(
    session: AsyncSession, *, selection: Selection, recursive: bool, keep_series: bool = False
) -> Removal:
    """``remove_tasks`` on a selection (nothing selected: nothing changed)."""
    ids = await selected_ids(session, selection=selection)
    if not ids:
        return NOTHING
    return await remove_tasks(session, ids=ids, recursive=recursive, keep_series=keep_series)


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


async def remove_tasks(
    session: AsyncSession, *, ids: Sequence[int], recursive: bool, keep_series: bool = False
) -> Removal:
    """Delete tasks (and with ``recursive`` their whole subtrees) in one statement.

    Deleting a recurring task ends its series, unless ``keep_series``: then its
    next instance is made (this occurrence is skipped).
    """
    if recursive or keep_series:
        await lock_tree(session)
    removal = await plan_removal(session, ids=ids, recursive=recursive)
    pending = [view.id for view in removal.tasks if view.recur and view.status is Status.PENDING]
    sources = await series_sources(session, pending) if keep_series and pending else []
    await session.exec(delete(task).where(task.c.id.in_(select(queries.subtree_cte(ids).c.id))))
    made = await continue_series(session, sources, when=utcnow()) if sources else []
    if made:
        return replace(removal, spawned=tuple(await require_tasks(session, made)))
    return removal
