"""``list``'s filter and sort as SQL: what ``list`` shows and what a filtered write selects.

``not_blocked()`` (no pending blocker) is re-exported here for reports to reuse.

Kept apart because it changes with ``list``'s options (a new filter, a new
sort key), and the write commands select their tasks by the same rules.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, exists, func, or_, select

from taskcli.domain import Status, StatusFilter, TaskFilter, WaitFilter
from taskcli.list_options import SortKey, SortOrder
from taskcli.queries.blockers import not_blocked
from taskcli.queries.hierarchy import subtree_cte
from taskcli.queries.tasks import select_tasks, tag, task, task_tag
from taskcli.tables import interval

__all__ = ["not_blocked", "select_list", "select_matching_ids"]


def select_list(task_filter: TaskFilter, *, now: datetime) -> Select[Any]:
    """The filtered, sorted, limited selection of ``taskcli list``."""
    statement = select_tasks().where(*_conditions(task_filter, now=now))
    statement = statement.order_by(*_ordering(task_filter.sort, task_filter.reverse))
    if task_filter.limit is not None:
        statement = statement.limit(task_filter.limit)
    return statement


def select_matching_ids(
    task_filter: TaskFilter, *, now: datetime, among: Sequence[int] = (), lock: bool = True
) -> Select[Any]:
    """Ids of the tasks ``list`` would show with this filter (only ``among`` them, if given).

    ``lock``: ``FOR UPDATE`` (PostgreSQL; SQLite's writer holds the whole database),
    so a concurrent writer cannot change a task between selecting and changing it.
    """
    statement = select(task.c.id).where(*_conditions(task_filter, now=now))
    if among:
        statement = statement.where(task.c.id.in_(list(among)))
    statement = statement.order_by(task.c.id)
    return statement.with_for_update(of=task) if lock else statement


def _conditions(task_filter: TaskFilter, *, now: datetime) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = []
    if task_filter.status is not StatusFilter.ALL:
        conditions.append(task.c.status == task_filter.status.value)
    conditions.extend(_has_tags([name]) for name in task_filter.tags)
    conditions.extend(~_has_tags([name]) for name in task_filter.without_tags)
    if task_filter.any_tags:
        conditions.append(_has_tags(task_filter.any_tags))
    if task_filter.min_priority is not None:
        conditions.append(task.c.priority >= int(task_filter.min_priority))
    if task_filter.due_before is not None:
        conditions.append(task.c.due <= task_filter.due_before)
    if task_filter.overdue:
        conditions.append(and_(task.c.due < now, task.c.status == Status.PENDING.value))
    if task_filter.search:
        conditions.append(
            or_(
                task.c.title.icontains(task_filter.search, autoescape=True),
                task.c.note.icontains(task_filter.search, autoescape=True),
            )
        )
    if task_filter.parent_id is not None:
        conditions.append(task.c.parent_id == task_filter.parent_id)
    if task_filter.under_id is not None:
        subtree = subtree_cte([task_filter.under_id], "under")
        conditions.append(task.c.id.in_(select(subtree.c.id).where(subtree.c.depth > 0)))
    if task_filter.active:
        conditions.append(
            exists().where(interval.c.task_id == task.c.id, interval.c.stopped_at.is_(None))
        )
    if task_filter.blocked is not None:
        conditions.append(~not_blocked() if task_filter.blocked else not_blocked())
    if task_filter.roots:
        conditions.append(task.c.parent_id.is_(None))
    if task_filter.waiting is WaitFilter.VISIBLE:
        conditions.append(not_waiting(now))
    elif task_filter.waiting is WaitFilter.WAITING:
        conditions.append(~not_waiting(now))
    return conditions


def not_waiting(now: datetime) -> ColumnElement[bool]:
    """The task is not waiting at ``now``: no wait date, a wait date reached, or not pending.

    One expression for every view that hides waiting tasks (``list``, ``tree``,
    a ranking of what to do next); its negation selects the waiting ones. A
    wait date equal to ``now`` has been reached. It never yields NULL, so
    ``~not_waiting(now)`` is exactly the waiting tasks.
    """
    return or_(
        task.c.wait.is_(None),
        task.c.wait <= now,
        task.c.status != Status.PENDING.value,
    )


def _has_tags(names: Sequence[str]) -> ColumnElement[bool]:
    """The task carries at least one of these tags."""
    condition = tag.c.name == names[0] if len(names) == 1 else tag.c.name.in_(list(names))
    return exists().where(task_tag.c.task_id == task.c.id, task_tag.c.tag_id == tag.c.id, condition)


def _ordering(sort: Sequence[SortOrder], reverse: bool) -> list[Any]:
    """The keys in order, then id; ``-key`` flips one key, ``reverse`` flips them all."""
    columns: list[Any] = []
    for order in sort:
        key_columns = _key_columns(order.key)
        columns += [_reversed(c) for c in key_columns] if order.descending else key_columns
        if order.key is SortKey.ID:
            break  # ids are unique: later keys could never decide
    else:
        columns.append(task.c.id)
    if not reverse:
        return columns
    return [_reversed(column) for column in columns]


def _key_columns(key: SortKey) -> list[Any]:
    if key is SortKey.DUE:
        return [task.c.due.is_(None), task.c.due]
    if key is SortKey.PRIORITY:
        return [task.c.priority.desc()]
    if key is SortKey.CREATED:
        return [task.c.created_at]
    if key is SortKey.TITLE:
        return [func.lower(task.c.title)]
    return [task.c.id]


def _reversed(column: Any) -> Any:
    """The column in the other direction (``-KEY`` under ``--reverse`` flips back)."""
    modifier = getattr(getattr(column, "modifier", None), "__name__", "")
    if modifier == "desc_op":
        return column.element.asc()
    if modifier == "asc_op":
        return column.element.desc()
    return column.desc()
