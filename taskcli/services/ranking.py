"""``taskcli next``: the actionable tasks ranked by urgency. Read-only.

The numbers every candidate is ranked by come in one statement (two with
tag weights); only the tasks shown are then loaded as views, with their
paths: a fixed number of statements whatever the number of tasks. Ranking
runs in Python, where the terms ``--explain`` shows are computed by the
same function that ranks.
"""

from __future__ import annotations

import heapq
from collections import defaultdict
from dataclasses import replace
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from taskcli import queries
from taskcli.domain import TaskFilter
from taskcli.queries.actionable import select_urgency_inputs, select_weighted_tags
from taskcli.services._common import load_views, require_task, rows
from taskcli.services.reading import with_paths
from taskcli.urgency import Coefficients, RankedTask, score, urgency_terms

if TYPE_CHECKING:  # the session class is imported by the engine; reading needs no SQLModel
    from sqlmodel.ext.asyncio.session import AsyncSession


async def rank_tasks(
    session: AsyncSession,
    *,
    task_filter: TaskFilter,
    now: datetime,
    weights: Coefficients,
    count: int,
    detail: bool = True,
) -> list[RankedTask]:
    """The ``count`` most urgent actionable tasks the filter selects, most urgent first.

    Ties go to the lower id. Without ``detail`` (``-f ids``) no views are loaded.
    """
    for named in (task_filter.parent_id, task_filter.under_id):
        if named is not None:
            await require_task(session, named)
    candidates = await rows(session, select_urgency_inputs(task_filter, now=now))
    tag_weight = await _tag_weights(session, weights)
    moment = now.timestamp()
    ranked = []
    for task_id, due, priority, created, active in candidates:
        terms = urgency_terms(
            weights,
            now=moment,
            due=due,
            priority=priority,
            created=created,
            active=bool(active),
            tag_weight=tag_weight.get(task_id, 0.0),
        )
        ranked.append((-score(terms), task_id, terms, due, priority))
    top = heapq.nsmallest(count, ranked)
    shown = [
        RankedTask(task_id, -negative, terms, _instant(due), priority)
        for negative, task_id, terms, due, priority in top
    ]
    if not detail or not shown:
        return shown
    return await _with_views(session, shown)


async def _tag_weights(session: AsyncSession, weights: Coefficients) -> dict[int, float]:
    """Each task's summed tag weights (no statement when no tag has a weight)."""
    found: dict[int, float] = defaultdict(float)
    if weights.tags:
        for task_id, name in await rows(session, select_weighted_tags(sorted(weights.tags))):
            found[task_id] += weights.tags[name]
    return found


def _instant(seconds: float | None) -> datetime | None:
    # Milliseconds: julianday keeps about 50 µs, and a due at 23:59:59 must show as a date.
    return datetime.fromtimestamp(round(seconds, 3), UTC) if seconds is not None else None


async def _with_views(session: AsyncSession, shown: list[RankedTask]) -> list[RankedTask]:
    """The shown tasks with their views and paths: two statements (SQLite: four)."""
    selection: Any = queries.select_by_ids([each.task_id for each in shown])
    views = await load_views(session, selection)
    views = await with_paths(session, views, selection) if views else views
    by_id = {view.id: view for view in views}
    # A task deleted since it was ranked (PostgreSQL's READ COMMITTED) is left out.
    return [replace(each, view=by_id[each.task_id]) for each in shown if each.task_id in by_id]
