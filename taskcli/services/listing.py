"""``list`` for the data formats that print stored fields as they are (``-f json``).

Kept apart from ``reading`` because it trades views for speed: rows come back
as task *records* (``queries.record_columns``: timestamps as text) with their
tags, and no progress, which ``-f json`` does not print. Measured at 10,000
tasks (SQLite, warm, CPU): 370 ms through views, about 125 ms this way.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

from taskcli import queries
from taskcli.domain import TaskFilter
from taskcli.services._common import dialect_name, require_task, rows, tags_by_task

if TYPE_CHECKING:
    from sqlmodel.ext.asyncio.session import AsyncSession

TaskRecords = tuple[list[Sequence[Any]], dict[int, list[str]]]
"""Task records in list order and each task's tags (unsorted) by id."""


async def list_records(
    session: AsyncSession, *, task_filter: TaskFilter, now: datetime
) -> TaskRecords:
    """The tasks ``list`` shows, as records with their tags: two statements (one on PostgreSQL)."""
    if task_filter.parent_id is not None:
        await require_task(session, task_filter.parent_id)
    selection = queries.select_list(task_filter, now=now)
    dialect = dialect_name(session)
    chosen = selection.with_only_columns(*queries.record_columns(dialect))
    tags: dict[int, list[str]]
    if dialect == "postgresql":
        found = await rows(session, queries.with_tags_and_progress(chosen, progress=False))
        tags = {row[0]: row.tag_names for row in found if row.tag_names}
    else:
        found = await rows(session, chosen)
        tags = await tags_by_task(session, queries.select_tags_for(selection)) if found else {}
    if not found and task_filter.under_id is not None:
        await require_task(session, task_filter.under_id)
    return found, tags
