"""Blocked-by links as SQL: the ids a task waits for, the reverse, and cycle detection.

A task *waits for* its blockers and, as ``done`` refuses a task with open
subtasks, for its subtasks. Both kinds of edge make one dependency graph: a
new edge may not close a cycle in it (``select_cycle``, one recursive CTE).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import (
    ColumnElement,
    CompoundSelect,
    Select,
    String,
    exists,
    literal,
    select,
    union_all,
)
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import FunctionElement

from taskcli.domain import MAX_DEPTH, Status
from taskcli.tables import task, task_blocker

__all__ = [
    "blocked_by_column",
    "links_of",
    "not_blocked",
    "parent_edges_of",
    "parse_ids",
    "select_cycle",
    "select_nested",
    "select_related",
    "task_blocker",
]


class IdList(FunctionElement[str]):
    """``group_concat`` on SQLite, ``string_agg`` on PostgreSQL: ids joined by commas."""

    type = String()
    name = "id_list"
    inherit_cache = True


@compiles(IdList)
def _group_concat(element: IdList, compiler: SQLCompiler, **kw: Any) -> str:
    return f"group_concat({compiler.process(element.clauses, **kw)})"


@compiles(IdList, "postgresql")
def _string_agg(element: IdList, compiler: SQLCompiler, **kw: Any) -> str:
    return f"string_agg(CAST({compiler.process(element.clauses, **kw)} AS TEXT), ',')"


def blocked_by_column() -> ColumnElement[Any]:
    """The ids a task is blocked by, as text ``"3,7"`` or NULL: one correlated aggregate.

    It rides in every task selection, so ``list``/``tree``/``export`` carry
    ``blocked_by`` without a statement more (an index lookup per row, on the
    link table's primary key).
    """
    return (
        select(IdList(task_blocker.c.blocked_by_id))
        .where(task_blocker.c.task_id == task.c.id)
        .scalar_subquery()
        .label("blocked_by")
    )


def parse_ids(text: str | None) -> tuple[int, ...]:
    """``blocked_by_column``'s text as sorted ids."""
    return tuple(sorted(int(part) for part in text.split(","))) if text else ()


def not_blocked() -> ColumnElement[bool]:
    """True for a task none of whose blockers is pending (for ``list --unblocked``, ``next``)."""
    blocker = task.alias("blocker")
    return ~exists().where(
        task_blocker.c.task_id == task.c.id,
        blocker.c.id == task_blocker.c.blocked_by_id,
        blocker.c.status == Status.PENDING.value,
    )


def links_of(task_ids: Sequence[int]) -> Select[Any]:
    """(waiter, waited) for every blocked-by link of these tasks: seeds for ``select_cycle``."""
    return select(task_blocker.c.task_id, task_blocker.c.blocked_by_id).where(
        task_blocker.c.task_id.in_(list(task_ids))
    )


def parent_edges_of(task_ids: Sequence[int]) -> Select[Any]:
    """(parent, task) for these tasks: seeds for ``select_cycle`` after a move."""
    return select(task.c.parent_id, task.c.id).where(
        task.c.id.in_(list(task_ids)), task.c.parent_id.is_not(None)
    )


def select_cycle(seeds: Select[Any]) -> Select[Any]:
    """The first seed edge (waiter, waited) on a cycle: the waiter is reachable from
    the waited task along blocked-by links and parent-to-subtask edges.

    Run after the edges are written, so every new edge is checked in one
    statement; the graph was acyclic before, so any cycle found goes through
    a new edge. ``UNION`` keeps each (edge, task) pair once, which also ends
    the recursion.
    """
    graph = union_all(
        select(task_blocker.c.task_id.label("src"), task_blocker.c.blocked_by_id.label("dst")),
        select(task.c.parent_id.label("src"), task.c.id.label("dst")).where(
            task.c.parent_id.is_not(None)
        ),
    ).subquery("dependency")
    seed = seeds.subquery("seed")
    waiter, waited = seed.c
    reach = select(waiter.label("origin"), waited.label("target"), waited.label("id")).cte(
        "reach", recursive=True
    )
    reach = reach.union(
        select(reach.c.origin, reach.c.target, graph.c.dst).join(graph, graph.c.src == reach.c.id)
    )
    return (
        select(reach.c.origin, reach.c.target)
        .where(reach.c.id == reach.c.origin)
        .order_by(reach.c.origin, reach.c.target)
        .limit(1)
    )


def select_related(task_id: int) -> CompoundSelect[Any]:
    """(blocking, id, title, status) of the tasks this one is blocked by (``blocking``
    false) and of those it blocks (true), by id: ``show``'s one statement for both."""
    blocked_by = (
        select(literal(False).label("blocking"), task.c.id, task.c.title, task.c.status)
        .join(task_blocker, task_blocker.c.blocked_by_id == task.c.id)
        .where(task_blocker.c.task_id == task_id)
    )
    blocking = (
        select(literal(True).label("blocking"), task.c.id, task.c.title, task.c.status)
        .join(task_blocker, task_blocker.c.task_id == task.c.id)
        .where(task_blocker.c.blocked_by_id == task_id)
    )
    return blocked_by.union_all(blocking).order_by("blocking", "id")


def select_nested(task_ids: Sequence[int], blocker_ids: Sequence[int]) -> Select[Any]:
    """(task, blocker) for a blocker inside one of these tasks' subtrees: walks up from
    each blocker (bounded by the depth limit) to see whether it meets one of the tasks."""
    up = (
        select(task.c.id.label("origin"), task.c.parent_id.label("id"), literal(1).label("depth"))
        .where(task.c.id.in_(list(blocker_ids)), task.c.parent_id.is_not(None))
        .cte("blocker_ancestor", recursive=True)
    )
    parent = task.alias("blocker_parent")
    up = up.union_all(
        select(up.c.origin, parent.c.parent_id, up.c.depth + 1)
        .join(parent, parent.c.id == up.c.id)
        .where(parent.c.parent_id.is_not(None), up.c.depth < MAX_DEPTH)
    )
    return (
        select(up.c.id, up.c.origin)
        .where(up.c.id.in_(list(task_ids)))
        .order_by(up.c.id, up.c.origin)
        .limit(1)
    )
