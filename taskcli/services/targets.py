"""The tasks a write command targets, and the views it reports back.

A ``Selection`` (ids, a filter, or both) becomes ids inside the writing
transaction; ids are checked to exist before anything changes; the changed
tasks come back as views, loaded by id. Core statements throughout: a write
path never loads an ORM object, so it has no relationships to load eagerly.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlmodel.ext.asyncio.session import AsyncSession

from taskcli import queries
from taskcli.domain import TaskFilter, TaskView
from taskcli.errors import Conflict, TaskNotFound
from taskcli.queries import task
from taskcli.services._common import load_views, lock_tree, rows, utcnow

# Ids per ``IN (...)`` when loading views: well under SQLite's and asyncpg's parameter limits.
VIEW_CHUNK = 2_000


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
    where = selection.task_filter
    if where is None:
        return list(selection.ids)
    if for_change:
        await lock_tree(session)  # the tree's shape holds still from selecting to changing
    named = [*selection.ids, *(i for i in (where.parent_id, where.under_id) if i is not None)]
    if named:
        await require_ids(session, named)  # as ``list``: an unknown --parent is no such task
    statement = queries.select_matching_ids(
        where, now=selection.now or utcnow(), among=selection.ids, lock=for_change
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


async def require_ids(session: AsyncSession, ids: Sequence[int]) -> dict[int, str]:
    """Each task's status; ``TaskNotFound`` for the first of ``ids`` that does not exist."""
    statement = select(task.c.id, task.c.status).where(task.c.id.in_(list(ids)))
    found = {task_id: status for task_id, status in await rows(session, statement)}
    for task_id in ids:
        if task_id not in found:
            raise TaskNotFound(task_id)
    return found


async def views_by_id(session: AsyncSession, ids: Sequence[int]) -> list[TaskView]:
    """Views with progress, by id, in chunks that fit any backend's parameter limit.

    A fixed three statements a chunk (rows, tags, rolled-up progress): the
    rollup is a recursive CTE no ``selectinload`` could replace.
    """
    ordered = sorted(ids)
    views: list[TaskView] = []
    for start in range(0, len(ordered), VIEW_CHUNK):
        chunk = queries.select_by_ids(ordered[start : start + VIEW_CHUNK])
        views += await load_views(session, chunk, with_progress=True)
    return views
