"""Tasks as rows: the columns read, the plain selections, and a row as a ``TaskView``.

What the other query modules build on; it changes with the task's columns
(a new field is ``TASK_COLUMNS`` and ``to_view`` here).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.engine import Row

from taskcli.domain import Priority, Progress, Recurrence, Status, TaskView
from taskcli.queries.blockers import blocked_by_column, parse_ids

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
    # 0.4.0, in the JSON task object's order; after the earlier columns, so a
    # record's first positions stay as they were (``render.record_json``).
    task.c.wait,
    task.c.scheduled,
    blocked_by_column(),  # ids as text, see ``blockers``
    task.c.recur_rule,
    task.c.recur_from,
    task.c.recur_until,
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
        blocked_by=parse_ids(row.blocked_by),
        progress=progress,
        recur=None
        if row.recur_rule is None
        else Recurrence(row.recur_rule, row.recur_from or "due", row.recur_until),
    )


class _StoredInstants(dict[str | None, datetime | None]):
    """SQLite's stored UTC text to aware datetimes, each distinct text converted once.

    Lists repeat values (a day's due dates, imported batches' created_at), and
    one ``fromisoformat`` here replaces SQLAlchemy's conversion plus
    ``UTCDateTime``'s. Reading 10,000 rows of ``list`` into views, SQL
    included (CPU): 104 ms through those, 63 ms so with every created_at
    distinct, 47 ms with them all equal.
    """

    def __init__(self) -> None:
        super().__init__({None: None})

    def __missing__(self, text: str | None) -> datetime | None:
        value = self[text] = datetime.fromisoformat(str(text)).replace(tzinfo=UTC)
        return value


def views_from_stored(
    found: Iterable[Sequence[Any]],
    tags: Mapping[int, Sequence[str]],
    progress: Mapping[int, Progress],
) -> list[TaskView]:
    """Views of SQLite task records (``queries.record_columns``: stored text timestamps)."""
    instant = _StoredInstants()
    statuses, priorities = _STATUSES, _PRIORITIES
    return [
        TaskView(
            id=row[0],
            title=row[1],
            note=row[2],
            status=statuses[row[3]],
            priority=priorities[row[4]],
            due=instant[row[5]],
            tags=tuple(sorted(tags[row[0]])) if row[0] in tags else (),
            parent_id=row[6],
            created_at=instant[row[7]],  # type: ignore[arg-type]  # NOT NULL columns
            updated_at=instant[row[8]],  # type: ignore[arg-type]
            completed_at=instant[row[9]],
            wait=instant[row[10]],
            scheduled=instant[row[11]],
            blocked_by=parse_ids(row[12]),
            progress=progress.get(row[0]),
            recur=None
            if row[13] is None
            else Recurrence(row[13], row[14] or "due", instant[row[15]]),
        )
        for row in found
    ]
