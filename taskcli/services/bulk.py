"""Bulk creation for ``taskcli add -``: one transaction, batched statements."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

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
    shared = _shared_columns(template)
    ids: list[int] = []
    for start in range(0, len(titles), BATCH_SIZE):
        batch_ids = await _insert_batch(session, titles[start : start + BATCH_SIZE], shared)
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


def _shared_columns(template: NewTask) -> dict[str, Any]:
    """Every column but the title: the same for each task of one ``add -``."""
    now = utcnow()
    return {
        "note": template.note,
        "status": Status.PENDING.value,
        "priority": int(template.priority),
        "due": template.due,
        "wait": template.wait,
        "scheduled": template.scheduled,
        "parent_id": template.parent_id,
        "created_at": now,
        "updated_at": now,
    }


async def _insert_batch(
    session: AsyncSession, titles: Sequence[str], shared: dict[str, Any]
) -> list[int]:
    """One multi-row INSERT ... RETURNING; the new ids in the titles' order."""
    batch = [{"title": title, **shared} for title in titles]
    # Ids are assigned in VALUES order within one statement, so sorting the
    # RETURNING rows restores line order (and avoids SQLAlchemy's much slower
    # row-by-row path that ``sort_by_parameter_order`` takes here).
    result = await session.exec(insert(Task).returning(col(Task.id)), params=batch)
    return sorted(int(row[0]) for row in result.all())
