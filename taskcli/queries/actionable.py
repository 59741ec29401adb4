"""Which tasks ``taskcli next`` may show, and the numbers it ranks them by, as SQL.

``actionable_conditions`` is the one place that says what "actionable"
means; the ranking inputs (``select_urgency_inputs``) come in one statement
whatever the number of tasks: inherited due dates and priorities from one
recursive CTE walked down from the roots, times as epoch seconds so no row
is turned into ``datetime`` objects before it is ranked.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime
from typing import Any

from sqlalchemy import CTE, ColumnElement, Float, Select, case, exists, func, literal, or_, select
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import FunctionElement

from taskcli.domain import MAX_DEPTH, Status, TaskFilter
from taskcli.queries.blockers import not_blocked
from taskcli.queries.filters import not_waiting, select_list
from taskcli.queries.tasks import tag, task, task_tag
from taskcli.tables import interval


def actionable_conditions(now: datetime) -> list[ColumnElement[bool]]:
    """Pending, with no pending subtask and no pending blocker, not waiting and its
    scheduled date (the earliest start) reached or started: the leaves of the pending tree.

    The subtask test says ``status <> 'done'`` (the same rows: a status is
    pending or done), which SQLite cannot look up in the status index:
    without statistics it probed that index for ``= 'pending'``, scanning
    every pending task once per task (minutes at 100,000 tasks), where the
    parent index takes 0.1 s. PostgreSQL makes it a hash anti-join.
    """
    child = task.alias("pending_child")
    conditions: list[ColumnElement[bool]] = [
        task.c.status == Status.PENDING.value,
        ~exists().where(child.c.parent_id == task.c.id, child.c.status != Status.DONE.value),
        not_blocked(),
        not_waiting(now),
        # A task already started is under way, whatever its scheduled date said.
        or_(task.c.scheduled.is_(None), task.c.scheduled <= now, _running()),
    ]
    return conditions


def _running() -> ColumnElement[bool]:
    """The task has a running interval (it is started)."""
    return exists().where(interval.c.task_id == task.c.id, interval.c.stopped_at.is_(None))


class epoch(FunctionElement[float]):
    """Seconds since 1970 (UTC) of a stored instant, as a float, on either backend."""

    type = Float()
    inherit_cache = True
    name = "epoch"


@compiles(epoch, "sqlite")
def _epoch_sqlite(element: epoch, compiler: SQLCompiler, **kw: Any) -> str:
    # Stored as UTC text; julianday's day 2440587.5 is 1970-01-01T00:00Z.
    return f"((julianday({compiler.process(element.clauses, **kw)}) - 2440587.5) * 86400.0)"


@compiles(epoch, "postgresql")
def _epoch_postgresql(element: epoch, compiler: SQLCompiler, **kw: Any) -> str:
    # EXTRACT gives numeric (Decimal in Python); a double is what Python ranks with.
    return f"CAST(EXTRACT(EPOCH FROM {compiler.process(element.clauses, **kw)}) AS FLOAT8)"


def inherited_cte() -> CTE:
    """Every task reachable from a root with its due date and priority, else its nearest
    ancestor's: one pass down the forest (each task once), bounded by the depth limit."""
    top = (
        select(task.c.id, task.c.due, task.c.priority, literal(0).label("depth"))
        .where(task.c.parent_id.is_(None))
        .cte("inherited", recursive=True)
    )
    child = task.alias("inherited_child")
    return top.union_all(
        select(
            child.c.id,
            func.coalesce(child.c.due, top.c.due),
            case((child.c.priority > 0, child.c.priority), else_=top.c.priority),
            top.c.depth + 1,
        )
        .join(top, child.c.parent_id == top.c.id)
        .where(top.c.depth < MAX_DEPTH)
    )


def select_urgency_inputs(task_filter: TaskFilter, *, now: datetime) -> Select[Any]:
    """(id, due, priority, created, active) of every actionable task the filter selects.

    ``due`` and ``priority`` are inherited when the task has none; times are epoch seconds.
    """
    inherited = inherited_cte()
    running = _running()
    plain = replace(task_filter, limit=None)
    return (
        select_list(plain, now=now)
        .with_only_columns(
            task.c.id,
            epoch(inherited.c.due).label("due"),
            inherited.c.priority,
            epoch(task.c.created_at).label("created"),
            case((running, 1), else_=0).label("active"),
        )
        .join_from(task, inherited, inherited.c.id == task.c.id)
        .where(*actionable_conditions(now))
        .order_by(None)
    )


def select_weighted_tags(names: Sequence[str]) -> Select[Any]:
    """(task id, tag name) of every link to one of these tags (those with a weight)."""
    return (
        select(task_tag.c.task_id, tag.c.name)
        .join(tag, tag.c.id == task_tag.c.tag_id)
        .where(tag.c.name.in_(list(names)))
    )
