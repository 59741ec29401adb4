"""``show``: one task, its direct subtasks, their tags and progress, and its ancestors.

The graph is bounded (one task and one level of children), so the family
is one selection of views and the ancestors one more: on PostgreSQL two
statements in all (``load_views`` brings tags and progress along), on
SQLite five. ``selectinload`` of the task, its children and both levels'
tags took four statements before progress and ancestors, six in all: each
statement is two round trips to PostgreSQL (17 turns for ``show`` against
9 then, ``tests/test_round_trips.py``). The task's annotations are one more
statement, its intervals (time spent) one more. Whole forests keep the flat
query in ``queries`` (``python bench/tree_loading.py``).
"""

from __future__ import annotations

from sqlmodel.ext.asyncio.session import AsyncSession

from taskcli import queries
from taskcli.domain import TaskDetail
from taskcli.errors import TaskNotFound
from taskcli.services._common import load_views
from taskcli.services.annotations import annotations_of
from taskcli.services.blockers import related_tasks
from taskcli.services.timing import time_spent


async def show_task(session: AsyncSession, *, task_id: int) -> TaskDetail:
    """One task in full, with its ancestor path (root first) and direct subtasks."""
    family = (
        queries.select_tasks()
        .where((queries.task.c.id == task_id) | (queries.task.c.parent_id == task_id))
        .order_by(queries.task.c.id)
    )
    views = await load_views(session, family, with_progress=True)
    found = [view for view in views if view.id == task_id]
    if not found:
        raise TaskNotFound(task_id)
    ancestors = await load_views(session, queries.select_ancestors(task_id))
    spent = await time_spent(session, task_id)
    blocked_by, blocking = await related_tasks(session, task_id)
    return TaskDetail(
        task=found[0],
        ancestors=tuple(ancestors),
        subtasks=tuple(view for view in views if view.id != task_id),
        annotations=await annotations_of(session, task_id),
        time_spent=spent.seconds,
        running_since=spent.running_since,
        blocked_by=blocked_by,
        blocking=blocking,
    )
