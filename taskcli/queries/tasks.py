"""Tasks as rows: the columns read, the plain selections, and a row as a ``TaskView``.

What the other query modules build on; it changes with the task's columns
(a new field is ``TASK_COLUMNS`` and ``to_view`` here).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.engine import Row

from taskcli.domain import Priority, Progress, Status, TaskView

# Core tables, not the SQLModel classes: reading never builds pydantic models.
from taskcli.tables import tag as tag
from taskcli.tables import task as task
from taskcli.tables import task_tag as task_tag

TASK_COLUMNS = (
    task.c.id,
    task.c.title,
    task.c.note,
    task.c.status,
    task.c.priority,
    task.c.due,
    task.c.parent_id,
    task.c.created_at,
    task.c.updated_at,
    task.c.completed_at,
    # Last, so a record's positions before them stay as they were (``render.record_json``).
    task.c.wait,
    task.c.scheduled,
)


def select_tasks() -> Select[Any]:
    return select(*TASK_COLUMNS)


def select_by_ids(ids: Iterable[int]) -> Select[Any]:
    return select_tasks().where(task.c.id.in_(list(ids))).order_by(task.c.id)


def select_shape() -> Select[Any]:
    """(id, parent id, status) of every task in id order: a forest's shape, without its text."""
    return select(task.c.id, task.c.parent_id, task.c.status).order_by(task.c.id)


def select_children(task_id: int) -> Select[Any]:
    return select_tasks().where(task.c.parent_id == task_id).order_by(task.c.id)


def select_tags_for(selection: Select[Any]) -> Select[Any]:
    """(task id, tag name) for every task the selection returns."""
    ids = selection.with_only_columns(task.c.id).subquery()
    return (
        select(task_tag.c.task_id, tag.c.name)
        .join(tag, tag.c.id == task_tag.c.tag_id)
        .where(task_tag.c.task_id.in_(select(ids.c.id)))
    )


def select_all_tags() -> Select[Any]:
    return select(task_tag.c.task_id, tag.c.name).join(tag, tag.c.id == task_tag.c.tag_id)


# Lookups instead of ``Status(value)``/``Priority(value)``: an enum call costs
# several times a dict lookup, twice per row of a 10,000-task list.
_STATUSES = {status.value: status for status in Status}
_PRIORITIES = tuple(Priority)


def to_view(row: Row[Any], tags: Sequence[str] = (), progress: Progress | None = None) -> TaskView:
    return TaskView(
        id=row.id,
        title=row.title,
        note=row.note,
        status=_STATUSES[row.status],
        priority=_PRIORITIES[row.priority],
        due=row.due,
        tags=tuple(sorted(tags)) if tags else (),
        parent_id=row.parent_id,
        created_at=row.created_at,
        updated_at=row.updated_at,
        completed_at=row.completed_at,
        wait=row.wait,
        scheduled=row.scheduled,
        progress=progress,
    )
