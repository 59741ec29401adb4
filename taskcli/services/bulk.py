"""Bulk creation for ``taskcli add -``: one transaction, batched statements."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from sqlalchemy import insert
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from taskcli.domain import NewTask, Status
from taskcli.models import Task, TaskTag
from taskcli.services._common import check_room_below, ensure_tags, lock_tree, require_task, utcnow

BATCH_SIZE = 5_000


async def add_tasks(
    session: AsyncSession,
    *,
    titles: Sequence[str],
    template: NewTask,
    on_progress: Callable[[int], None] | None = None,
) -> list[int]:
    """Create one task per title, all sharing the template's other fields; return their ids.

    Rows go in as multi-row INSERT ... RETURNING batches, so 100,000 titles
    are a few hundred statements, all in the caller's single transaction.
    """
    if template.parent_id is not None:
        await lock_tree(session)
        await require_task(session, template.parent_id)
        await check_room_below(session, template.parent_id, height=1)
    tag_ids = list((await ensure_tags(session, template.tags)).values())
    now = utcnow()
    shared = {
        "note": template.note,
        "status": Status.PENDING.value,
        "priority": int(template.priority),
        "due": template.due,
        "parent_id": template.parent_id,
        "created_at": now,
        "updated_at": now,
    }
    ids: list[int] = []
    for start in range(0, len(titles), BATCH_SIZE):
        batch = [{"title": title, **shared} for title in titles[start : start + BATCH_SIZE]]
        # Ids are assigned in VALUES order within one statement, so sorting the
        # RETURNING rows restores line order (and avoids SQLAlchemy's much slower
        # row-by-row path that ``sort_by_parameter_order`` takes here).
        result = await session.exec(insert(Task).returning(col(Task.id)), params=batch)
        batch_ids = sorted(int(row[0]) for row in result.all())
        if tag_ids:
            links = [
                {"task_id": task_id, "tag_id": tag_id}
                for task_id in batch_ids
                for tag_id in tag_ids
            ]
            await session.exec(insert(TaskTag), params=links)
        ids.extend(batch_ids)
        if on_progress is not None:
            on_progress(len(ids))
    return ids
