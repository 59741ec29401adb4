"""``show``: one task, its tags, its direct subtasks and theirs, loaded by ``selectinload``.

The graph is bounded (one task and one level of children), so the eager load
is four statements whatever the size of the forest, one fewer in all than
loading views query by query (``tests/test_query_counts.py``); the task's
annotations are one more, its intervals (time spent) one more. Whole forests
keep the flat query in ``queries``: ``selectinload`` over every level measured
1.3-1.9x slower there and its statement count grows with the depth
(``python bench/tree_loading.py``).
"""

from __future__ import annotations

from typing import Any, cast

from sqlalchemy.orm import QueryableAttribute, selectinload
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession
from sqlmodel.sql.expression import SelectOfScalar

from taskcli import queries
from taskcli.domain import Progress, TaskDetail, TaskView
from taskcli.errors import TaskNotFound
from taskcli.models import Task
from taskcli.services._common import load_views, rows
from taskcli.services.annotations import annotations_of
from taskcli.services.timing import time_spent


def _relation(attribute: object) -> QueryableAttribute[Any]:
    """A relationship as SQLAlchemy sees it (SQLModel types it as the related list)."""
    return cast(QueryableAttribute[Any], attribute)


def _select_with_subtasks(task_id: int) -> SelectOfScalar[Task]:
    tags = _relation(Task.tags)
    return (
        select(Task)
        .where(Task.id == task_id)
        .options(selectinload(tags), selectinload(_relation(Task.children)).selectinload(tags))
    )


def _view(model: Task, progress: dict[int, Progress]) -> TaskView:
    assert model.id is not None
    return queries.to_view(
        cast(Any, model), [tag.name for tag in model.tags], progress.get(model.id)
    )


async def show_task(session: AsyncSession, *, task_id: int) -> TaskDetail:
    """One task in full, with its ancestor path (root first) and direct subtasks."""
    model: Task | None = (await session.exec(_select_with_subtasks(task_id))).first()
    if model is None:
        raise TaskNotFound(task_id)
    family = queries.select_tasks().where(
        (queries.task.c.id == task_id) | (queries.task.c.parent_id == task_id)
    )
    progress = {
        task: Progress(done=int(done), total=int(total))
        for task, done, total in await rows(session, queries.select_progress_for(family))
    }
    ancestors = await load_views(session, queries.select_ancestors(task_id))
    subtasks = sorted(model.children, key=lambda child: child.id or 0)
    spent = await time_spent(session, task_id)
    return TaskDetail(
        task=_view(model, progress),
        ancestors=tuple(ancestors),
        subtasks=tuple(_view(child, progress) for child in subtasks),
        annotations=await annotations_of(session, task_id),
        time_spent=spent.seconds,
        running_since=spent.running_since,
    )
