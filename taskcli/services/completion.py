"""The candidates shell completion offers: ids with titles, filtered by what a command takes."""

from __future__ import annotations

from sqlalchemy import String, cast, select
from sqlmodel.ext.asyncio.session import AsyncSession

from taskcli.domain import Status
from taskcli.queries import task
from taskcli.services._common import rows


async def id_titles(
    session: AsyncSession, *, prefix: str, status: Status | None, limit: int = 100
) -> list[tuple[int, str]]:
    """(id, title) of tasks whose id starts with ``prefix``; ``status`` None: any task."""
    statement = select(task.c.id, task.c.title).where(cast(task.c.id, String).startswith(prefix))
    if status is not None:
        statement = statement.where(task.c.status == status.value)
    return [
        (row.id, row.title)
        for row in await rows(session, statement.order_by(task.c.id).limit(limit))
    ]
