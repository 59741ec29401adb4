"""How tasks and trees are read: the only module that decides it.

Whole forests load in one flat query and are assembled in memory; a subtree
or an ancestor path is one recursive CTE. Tags and rolled-up progress are one
more query each, keyed by the same selection, so the number of statements
never depends on the number of tasks (no N+1, no per-level queries).
Every recursive CTE is bounded by the depth limit, so even a cycle written by
another tool cannot make a query loop forever.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import (
    CTE,
    ColumnElement,
    Select,
    String,
    Text,
    and_,
    case,
    cast,
    exists,
    func,
    literal,
    or_,
    select,
    type_coerce,
)
from sqlalchemy.engine import Row

from taskcli.domain import (
    MAX_DEPTH,
    Priority,
    Progress,
    SortKey,
    SortOrder,
    Status,
    StatusFilter,
    TaskFilter,
    TaskView,
)

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
)


def select_tasks() -> Select[Any]:
    return select(*TASK_COLUMNS)


def select_by_ids(ids: Iterable[int]) -> Select[Any]:
    return select_tasks().where(task.c.id.in_(list(ids))).order_by(task.c.id)


def select_shape() -> Select[Any]:
    """(id, parent id, status) of every task in id order: a forest's shape, without its text."""
    return select(task.c.id, task.c.parent_id, task.c.status).order_by(task.c.id)


def iso_text(column: Any, dialect: str) -> ColumnElement[Any]:
    """A UTC timestamp column as the text ``datetime.isoformat`` gives it, built in SQL.

    Streams of whole task lists (export, ``tree -f json``) then carry text the
    output uses as is, instead of converting every value to a ``datetime``
    and back. Microseconds appear only when not zero, as ``isoformat`` does.
    """
    if dialect == "postgresql":
        utc = func.timezone("UTC", column)
        return case(
            (column.is_(None), None),
            else_=func.to_char(utc, 'YYYY-MM-DD"T"HH24:MI:SS')
            + case(
                (func.to_char(utc, "US") == "000000", ""),
                else_=func.to_char(utc, ".US"),
            )
            + "+00:00",
        )
    stored = type_coerce(column, String)
    fraction = func.substr(stored, 21)
    return case(
        (stored.is_(None), None),
        else_=func.substr(stored, 1, 10)
        + "T"
        + func.substr(stored, 12, 8)
        + case((fraction.in_(["", "000000"]), ""), else_="." + fraction)
        + "+00:00",
    )


def record_columns(dialect: str) -> tuple[ColumnElement[Any], ...]:
    """``TASK_COLUMNS`` with the timestamps as text: a task *record*.

    On PostgreSQL the text is ISO 8601 built in SQL (``iso_text``). On SQLite
    it is the stored text itself, ``YYYY-MM-DD HH:MM:SS.ffffff`` in UTC, which
    ``render.record_json`` turns into ISO 8601: slicing a string in Python
    costs less than SQLite's string functions and far less than a
    ``datetime`` per value.
    """
    return tuple(
        _time_text(column, dialect).label(column.name)
        if column.name in ("due", "created_at", "updated_at", "completed_at")
        else column
        for column in TASK_COLUMNS
    )


def _time_text(column: Any, dialect: str) -> ColumnElement[Any]:
    if dialect == "postgresql":
        return iso_text(column, dialect)
    return type_coerce(column, String)


def select_in_order(ids: Sequence[int], dialect: str) -> Select[Any]:
    """The tasks with these ids as records, in exactly this order, in one statement.

    The ids travel as one parameter (a JSON array on SQLite, an integer array
    on PostgreSQL) and are joined back with their position, so the database
    returns rows in output order and they can be written as they arrive.
    """
    chosen = record_columns(dialect)
    if dialect == "postgresql":
        from sqlalchemy import ARRAY, Integer, bindparam

        wanted = (
            func.unnest(bindparam("ids", list(ids), type_=ARRAY(Integer)))
            .table_valued("id", with_ordinality="position")
            .render_derived()
        )
        return (
            select(*chosen)
            .select_from(task)
            .join(wanted, wanted.c.id == task.c.id)
            .order_by(wanted.c.position)
        )
    import json

    wanted = func.json_each(json.dumps(list(ids))).table_valued("key", "value")
    return (
        select(*chosen)
        .select_from(task)
        .join(wanted, wanted.c.value == task.c.id)
        .order_by(wanted.c.key)
    )


def select_children(task_id: int) -> Select[Any]:
    return select_tasks().where(task.c.parent_id == task_id).order_by(task.c.id)


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
    if task_filter.roots:
        conditions.append(task.c.parent_id.is_(None))
    return conditions


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


def select_tags_for(selection: Select[Any]) -> Select[Any]:
    """(task id, tag name) for every task the selection returns."""
    ids = selection.with_only_columns(task.c.id).subquery()
    return (
        select(task_tag.c.task_id, tag.c.name)
        .join(tag, tag.c.id == task_tag.c.tag_id)
        .where(task_tag.c.task_id.in_(select(ids.c.id)))
    )


def with_tags_and_progress(selection: Select[Any], *, progress: bool) -> Select[Any]:
    """PostgreSQL: the selection plus ``tag_names`` (an array or NULL) and, with
    ``progress``, ``progress_done`` and ``progress_total`` (NULL without subtasks).

    One statement instead of the selection, ``select_tags_for`` and
    ``select_progress_for``: each statement is two round trips to the server.
    Both are aggregated per task for the selection's ids only and joined back
    at most one row per task, so the selection's order and limit stand.
    """
    combined = _with_tag_names(selection)
    if not progress:
        return combined
    rollup = select_progress_for(selection).subquery("task_progress")
    root_id, done, total = rollup.c
    return combined.outerjoin_from(task, rollup, root_id == task.c.id).add_columns(
        done.label("progress_done"), total.label("progress_total")
    )


def _with_tag_names(selection: Select[Any]) -> Select[Any]:
    ids = selection.with_only_columns(task.c.id).subquery()
    names = (
        # text[], not varchar[]: the driver decodes it without asking the server about the type.
        select(task_tag.c.task_id, func.array_agg(cast(tag.c.name, Text)).label("names"))
        .join(tag, tag.c.id == task_tag.c.tag_id)
        .where(task_tag.c.task_id.in_(select(ids.c.id)))
        .group_by(task_tag.c.task_id)
        .subquery("task_tag_names")
    )
    return selection.outerjoin_from(task, names, names.c.task_id == task.c.id).add_columns(
        names.c.names.label("tag_names")
    )


def select_ancestry_for(selection: Select[Any]) -> Select[Any]:
    """(id, parent id, title) of every ancestor of the selection's tasks, each once.

    One statement whatever the depth: the paths of a whole list are then put
    together in memory. ``UNION`` (not ``UNION ALL``) keeps each ancestor
    once, which also ends the recursion on a cycle written by another tool.
    """
    parents = selection.with_only_columns(task.c.parent_id).subquery()
    ancestor = (
        select(task.c.id, task.c.parent_id, task.c.title)
        .where(task.c.id.in_(select(parents.c.parent_id)))
        .cte("path_ancestor", recursive=True)
    )
    parent = task.alias("path_parent")
    ancestor = ancestor.union(
        select(parent.c.id, parent.c.parent_id, parent.c.title).join(
            ancestor, parent.c.id == ancestor.c.parent_id
        )
    )
    return select(ancestor.c.id, ancestor.c.parent_id, ancestor.c.title)


def select_all_tags() -> Select[Any]:
    return select(task_tag.c.task_id, tag.c.name).join(tag, tag.c.id == task_tag.c.tag_id)


def select_progress_for(selection: Select[Any]) -> Select[Any]:
    """(task id, done, total) over all descendants, for the selection's tasks that have any."""
    anchor_ids = selection.with_only_columns(task.c.id).subquery()
    # Status travels with each row, so the rollup needs no join back to task.
    descendant = (
        select(
            task.c.parent_id.label("root_id"), task.c.id, task.c.status, literal(1).label("depth")
        )
        .where(task.c.parent_id.in_(select(anchor_ids.c.id)))
        .cte("descendant", recursive=True)
    )
    child = task.alias("child")
    descendant = descendant.union_all(
        select(descendant.c.root_id, child.c.id, child.c.status, descendant.c.depth + 1)
        .join(descendant, child.c.parent_id == descendant.c.id)
        .where(descendant.c.depth < MAX_DEPTH)
    )
    done = func.sum(case((descendant.c.status == Status.DONE.value, 1), else_=0))
    return select(descendant.c.root_id, done, func.count()).group_by(descendant.c.root_id)


def subtree_cte(root_ids: Sequence[int], name: str = "subtree") -> CTE:
    """Ids (and depth, roots at 0) of the given tasks and all their descendants."""
    subtree = (
        select(task.c.id, literal(0).label("depth"))
        .where(task.c.id.in_(list(root_ids)))
        .cte(name, recursive=True)
    )
    child = task.alias(f"{name}_child")
    return subtree.union_all(
        select(child.c.id, subtree.c.depth + 1)
        .join(subtree, child.c.parent_id == subtree.c.id)
        .where(subtree.c.depth < MAX_DEPTH)
    )


def select_subtree(root_id: int) -> Select[Any]:
    subtree = subtree_cte([root_id])
    return select_tasks().where(task.c.id.in_(select(subtree.c.id)))


def ancestors_cte(task_id: int, name: str = "ancestor") -> CTE:
    """Ids of the ancestors of a task with their distance (parent = 1)."""
    ancestor = (
        select(task.c.parent_id.label("id"), literal(1).label("distance"))
        .where(task.c.id == task_id, task.c.parent_id.is_not(None))
        .cte(name, recursive=True)
    )
    parent = task.alias(f"{name}_parent")
    return ancestor.union_all(
        select(parent.c.parent_id, ancestor.c.distance + 1)
        .join(ancestor, parent.c.id == ancestor.c.id)
        .where(parent.c.parent_id.is_not(None), ancestor.c.distance < MAX_DEPTH)
    )


def select_ancestors(task_id: int) -> Select[Any]:
    """The ancestors of a task, root first."""
    ancestor = ancestors_cte(task_id)
    return (
        select_tasks()
        .join(ancestor, ancestor.c.id == task.c.id)
        .order_by(ancestor.c.distance.desc())
    )


def select_depth(task_id: int) -> Select[Any]:
    """The level of a task: 1 for a root, its parent's level + 1 below."""
    ancestor = ancestors_cte(task_id, "depth_ancestor")
    return select(func.count() + 1).select_from(ancestor)


def select_height(task_id: int) -> Select[Any]:
    """Levels in a task's subtree: 1 for a leaf."""
    subtree = subtree_cte([task_id], "height_subtree")
    return select(func.max(subtree.c.depth) + 1)


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
        progress=progress,
    )
