"""Time spent on tasks: ``start`` and ``stop`` record intervals; ``report time`` sums them.

A task is active while it has a running interval (``stopped_at`` NULL); a
partial unique index keeps that to one per task on both backends. Starting
or stopping touches the task too (its ``updated_at``), as annotating does:
the task row is what a later ``undo`` checks, and on PostgreSQL the update
locks it, so a concurrent ``rm`` either waits or is seen as "no such task".
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, insert, literal, or_, select, update
from sqlmodel.ext.asyncio.session import AsyncSession

from taskcli.domain import MAX_DEPTH, Status
from taskcli.errors import Conflict
from taskcli.services._common import rows, utcnow
from taskcli.services.status import StatusChange, _status_change
from taskcli.services.targets import require_ids
from taskcli.tables import interval, tag, task, task_tag

NO_TAG = "(no tag)"


@dataclass(frozen=True)
class TimeSpent:
    """A task's time: seconds in all its intervals (a running one up to now)."""

    seconds: int = 0
    running_since: datetime | None = None


@dataclass(frozen=True)
class TimeRow:
    """One line of ``report time``: a tag (or a root task) and its seconds."""

    key: str
    seconds: int
    task_id: int | None = None  # ``--by root``: the root task's id


def running() -> ColumnElement[bool]:
    return interval.c.stopped_at.is_(None)


async def start_tasks(session: AsyncSession, *, ids: Sequence[int]) -> StatusChange:
    """Open an interval on each named task; those already started are left as they are.

    A done task cannot be started (``Conflict``, exit 4): reopen it first.
    """
    await _lock(session, ids)
    statuses = await require_ids(session, ids)
    for task_id in ids:
        if statuses[task_id] == Status.DONE.value:
            raise Conflict(f"task {task_id} is done; reopen it with 'taskcli undone {task_id}'")
    started = await _running_among(session, ids)
    wanted = [task_id for task_id in ids if task_id not in started]
    if wanted:
        now = utcnow()
        await _touch(session, wanted, now)
        await session.exec(
            insert(interval).values([{"task_id": i, "started_at": now} for i in wanted])
        )
    return await _status_change(session, ids, set(wanted))


async def stop_tasks(session: AsyncSession, *, ids: Sequence[int]) -> StatusChange:
    """Close the running interval of each named task; those not started are left alone."""
    await _lock(session, ids)
    await require_ids(session, ids)
    started = await _running_among(session, ids)
    if started:
        now = utcnow()
        await _touch(session, sorted(started), now)
        await session.exec(
            update(interval)
            .where(interval.c.task_id.in_(sorted(started)), running())
            .values(stopped_at=now)
        )
    return await _status_change(session, ids, started)


async def time_spent(session: AsyncSession, task_id: int) -> TimeSpent:
    """The task's total time, and since when it runs if it is active (one statement)."""
    found = await rows(
        session,
        select(interval.c.started_at, interval.c.stopped_at).where(interval.c.task_id == task_id),
    )
    return spent_in(found)


def spent_in(intervals: Sequence[tuple[datetime, datetime | None]]) -> TimeSpent:
    """The time in a task's intervals (start, stop or None while it runs), up to now."""
    since = next((start for start, stop in intervals if stop is None), None)
    return TimeSpent(seconds=_seconds(intervals, None, utcnow()), running_since=since)


async def time_report(session: AsyncSession, *, since: datetime | None, by: str) -> list[TimeRow]:
    """Seconds per tag (a task counts under each of its tags) or per root task, most first.

    Intervals count from ``since`` (clipped there) up to now; a running one up to now.
    """
    now = utcnow()
    window = [interval.c.started_at < now]
    if since is not None:
        window.append(or_(running(), interval.c.stopped_at > since))
    columns = (interval.c.started_at, interval.c.stopped_at)
    totals: dict[tuple[str, int | None], float] = {}
    if by == "root":
        roots = _roots_cte()
        statement = (
            select(roots.c.root_id, task.c.title, *columns)
            .join(roots, roots.c.id == interval.c.task_id)
            .join(task, task.c.id == roots.c.root_id)
            .where(*window)
        )
        for root_id, title, start, stop in await rows(session, statement):
            key = (title, root_id)
            totals[key] = totals.get(key, 0) + _span(start, stop, since, now)
    else:
        statement = (
            select(tag.c.name, *columns)
            .select_from(interval)
            .outerjoin(task_tag, task_tag.c.task_id == interval.c.task_id)
            .outerjoin(tag, tag.c.id == task_tag.c.tag_id)
            .where(*window)
        )
        for name, start, stop in await rows(session, statement):
            key = (name or NO_TAG, None)
            totals[key] = totals.get(key, 0) + _span(start, stop, since, now)
    ordered = sorted(totals.items(), key=lambda item: (-item[1], item[0][0], item[0][1] or 0))
    return [
        TimeRow(key=key, seconds=int(seconds), task_id=root) for (key, root), seconds in ordered
    ]


def _seconds(
    intervals: Iterable[tuple[datetime, datetime | None]], since: datetime | None, now: datetime
) -> int:
    """Whole seconds in the intervals, each clipped to ``since``..now (running: up to now)."""
    return int(sum(_span(start, stop, since, now) for start, stop in intervals))


def _span(start: datetime, stop: datetime | None, since: datetime | None, now: datetime) -> float:
    begin = max(start, since) if since is not None else start
    end = min(stop, now) if stop is not None else now
    return max((end - begin).total_seconds(), 0.0)


def _roots_cte() -> Any:
    """Every task's id with its root's id (roots map to themselves)."""
    roots = (
        select(task.c.id, task.c.id.label("root_id"), literal(0).label("depth"))
        .where(task.c.parent_id.is_(None))
        .cte("root_of", recursive=True)
    )
    child = task.alias("root_of_child")
    return roots.union_all(
        select(child.c.id, roots.c.root_id, roots.c.depth + 1)
        .join(roots, child.c.parent_id == roots.c.id)
        .where(roots.c.depth < MAX_DEPTH)
    )


async def _running_among(session: AsyncSession, ids: Sequence[int]) -> set[int]:
    found = await rows(
        session,
        select(interval.c.task_id).where(interval.c.task_id.in_(list(ids)), running()),
    )
    return {task_id for (task_id,) in found}


async def _lock(session: AsyncSession, ids: Sequence[int]) -> None:
    """PostgreSQL: lock the tasks first, so a concurrent start, stop or rm of one waits for
    this command, or finished first and is seen by the checks that follow."""
    await rows(session, select(task.c.id).where(task.c.id.in_(list(ids))).with_for_update())


async def _touch(session: AsyncSession, ids: Sequence[int], now: datetime) -> None:
    await session.exec(update(task).where(task.c.id.in_(list(ids))).values(updated_at=now))
