"""Recurring tasks: the columns ``add``/``edit`` set, and the next instance ``done`` makes.

The rule travels with each instance (columns on ``task``, so reading a task
never joins). Completing an instance inserts the next one in the same
transaction; the ``UPDATE ... WHERE status = 'pending'`` that completes it
returns it to exactly one of any number of concurrent ``done``s (the row lock,
and on PostgreSQL the tree lock, serialise them), and a series that already
has a pending instance (after ``undone``) gets no second one.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, case, func, insert, literal, select
from sqlmodel.ext.asyncio.session import AsyncSession

from taskcli import queries
from taskcli.domain import Recurrence, Status, TaskPatch, Unset
from taskcli.errors import UsageError
from taskcli.queries import task, task_tag
from taskcli.recurrence import FROM_DUE, next_due, next_due_from_completion, parse_rule, shift
from taskcli.services._common import rows, utcnow
from taskcli.tables import UTCDateTime

NEEDS_DUE = "a recurrence from the due date needs a due date (give --due, or use --recur-after)"
#: Dates that move with the due from one instance to the next.
SHIFTED: tuple[str, ...] = ("wait", "scheduled")
_SOURCE = (
    task.c.id,
    task.c.title,
    task.c.note,
    task.c.priority,
    task.c.due,
    task.c.parent_id,
    task.c.series_id,
    task.c.recur_rule,
    task.c.recur_from,
    task.c.recur_until,
    task.c.recur_anchor,
    task.c.completed_at,
)


def recur_columns(recur: Recurrence | None, due: datetime | None) -> dict[str, Any]:
    """The recurrence columns of a new task; a fixed schedule needs a due date."""
    if recur is None:
        return {}
    if recur.start == FROM_DUE and due is None:
        raise UsageError(NEEDS_DUE)
    return _rule_columns(recur, due)


def _rule_columns(recur: Recurrence, due: Any) -> dict[str, Any]:
    """A rule's columns; a fixed schedule is anchored at ``due`` (a value or the column)."""
    return {
        "recur_rule": recur.rule,
        "recur_from": recur.start,
        "recur_until": recur.until,
        "recur_anchor": due if recur.start == FROM_DUE else None,
    }


def patch_columns(patch: TaskPatch) -> dict[str, Any]:
    """What an edit sets: a new rule (anchored at the due after the edit), or only ``until``;
    a new due re-anchors a fixed schedule."""
    due = task.c.due if isinstance(patch.due, Unset) else patch.due
    values: dict[str, Any] = {}
    if patch.recur is None:
        values = dict.fromkeys(("recur_rule", "recur_from", "recur_until", "recur_anchor"))
    elif isinstance(patch.recur, Recurrence):
        values = _rule_columns(patch.recur, due)
    elif isinstance(patch.due, datetime):
        values["recur_anchor"] = case((task.c.recur_from == FROM_DUE, _instant(patch.due)))
    elif patch.due is None:
        values["recur_anchor"] = None  # check_edited refuses a fixed schedule left so
    if isinstance(patch.until, datetime):
        values["recur_until"] = case((task.c.recur_rule.is_not(None), _instant(patch.until)))
    elif patch.until is None:
        values["recur_until"] = None
    return values


def _instant(value: datetime) -> Any:
    """A bound instant typed as the columns are (a bare one in a CASE is text to PostgreSQL)."""
    return literal(value, UTCDateTime())


def check_edited(found: Sequence[Any]) -> None:
    """Refuse (the transaction rolls back) an edit that left a fixed schedule without a due."""
    if any(row.recur_from == FROM_DUE and row.due is None for row in found):
        raise UsageError(NEEDS_DUE)


async def spawn_next(session: AsyncSession, completed: Sequence[int]) -> list[int]:
    """The next instance of each recurring task just completed (ids of those made)."""
    return await continue_series(session, await series_sources(session, completed))


async def series_sources(session: AsyncSession, ids: Sequence[int]) -> list[Any]:
    """The recurring tasks among ``ids`` as ``continue_series`` needs them (read before an
    ``rm`` deletes them)."""
    if not ids:
        return []
    selection = select(*_SOURCE, *(task.c[name] for name in SHIFTED))
    chosen = selection.where(task.c.id.in_(list(ids)), task.c.recur_rule.is_not(None))
    return sorted(await rows(session, chosen), key=lambda row: row.id)


async def continue_series(
    session: AsyncSession, sources: Sequence[Any], *, when: datetime | None = None
) -> list[int]:
    """The next instance of each series; ``when``: the end of the instance if not completed."""
    made = []
    for source in sources:
        due = _next_due(source, source.completed_at or when or utcnow())
        if due is not None and await _may_spawn(session, source):
            made.append(await _insert_instance(session, source, due))
    return made


def _next_due(source: Any, ended: datetime) -> datetime | None:
    """The next instance's due, or None when the series ends (past ``until``) or cannot go on."""
    rule = parse_rule(source.recur_rule)
    if rule is None:
        return None
    if source.recur_from == FROM_DUE:
        if source.due is None:
            return None
        found = next_due(source.recur_anchor or source.due, rule, source.due)
    else:
        found = next_due_from_completion(source.due, rule, ended)
    if source.recur_until is not None and found > source.recur_until:
        return None
    return found


async def _may_spawn(session: AsyncSession, source: Any) -> bool:
    """No other pending instance in the series, and a pending parent (or none) to go under."""
    series = source.series_id if source.series_id is not None else source.id
    pending = Status.PENDING.value
    in_series = func.coalesce(task.c.series_id, task.c.id) == series
    others = select(task.c.id).where(in_series, task.c.status == pending)
    checks: list[ColumnElement[bool]] = [others.exists()]
    if source.parent_id is not None:  # a done parent, or one deleted by the same ``rm``
        parent = select(task.c.id).where(task.c.id == source.parent_id, task.c.status == pending)
        checks.append(~parent.exists())
    blocked = await rows(session, select(*(check.label(f"c{i}") for i, check in enumerate(checks))))
    return not any(blocked[0])


async def _insert_instance(session: AsyncSession, source: Any, due: datetime) -> int:
    """A pending copy of ``source`` due ``due``, with its tags and its subtasks' template."""
    delta = due - source.due if source.due is not None else timedelta(0)
    now = utcnow()
    values = {
        "title": source.title,
        "note": source.note,
        "status": Status.PENDING.value,
        "priority": source.priority,
        "due": due,
        "parent_id": source.parent_id,
        "series_id": source.series_id if source.series_id is not None else source.id,
        "recur_rule": source.recur_rule,
        "recur_from": source.recur_from,
        "recur_until": source.recur_until,
        "recur_anchor": source.recur_anchor,
        "created_at": now,
        "updated_at": now,
        **{name: shift(getattr(source, name), delta) for name in SHIFTED},
    }
    [(new_id,)] = await rows(session, insert(task).values(**values).returning(task.c.id))
    await _copy_tags(session, {source.id: new_id})
    await _copy_template(session, source.id, new_id, now)
    return int(new_id)


async def _copy_tags(session: AsyncSession, copies: dict[int, int]) -> None:
    """Each copy gets its original's tags (one statement)."""
    mapping = case(copies, value=task_tag.c.task_id)
    await session.exec(
        insert(task_tag).from_select(
            ["task_id", "tag_id"],
            select(mapping, task_tag.c.tag_id).where(task_tag.c.task_id.in_(list(copies))),
        )
    )


async def _copy_template(session: AsyncSession, old_id: int, new_id: int, now: datetime) -> None:
    """The recurring task's subtree again under the new instance: titles, tags, priorities,
    all pending (one insert each: templates are small)."""
    subtree = queries.subtree_cte([old_id])
    found = await rows(
        session,
        select(task.c.id, task.c.parent_id, task.c.title, task.c.priority, subtree.c.depth)
        .join(subtree, subtree.c.id == task.c.id)
        .where(task.c.id != old_id)
        .order_by(subtree.c.depth, task.c.id),
    )
    copies = {old_id: new_id}
    for row in found:
        statement = insert(task).values(
            title=row.title,
            status=Status.PENDING.value,
            priority=row.priority,
            parent_id=copies[row.parent_id],
            created_at=now,
            updated_at=now,
        )
        [(copy_id,)] = await rows(session, statement.returning(task.c.id))
        copies[row.id] = copy_id
    del copies[old_id]
    if copies:
        await _copy_tags(session, copies)
