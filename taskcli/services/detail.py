"""``show``: one task, its direct subtasks, their tags and progress, its ancestors,
annotations, time spent and blocked-by links.

The graph is bounded (one task and one level of children), so the family
is one selection of views and the ancestors one more. On PostgreSQL, where
each statement is two round trips, the family's statement also brings the
task's annotations, intervals and blocked-by links (arrays aggregated once,
in scalar subqueries): two statements in all (``load_views`` brings tags and progress
along), 9 round trips with connecting (13 when annotations and intervals
were a statement each, ``tests/test_round_trips.py``). SQLite, in process,
keeps plain statements: the family, its tags and progress, the ancestors
(two), the annotations, the intervals and the links. Whole forests keep the flat query
in ``queries`` (``python bench/tree_loading.py``).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Select, Table, Text, cast, func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from taskcli import queries
from taskcli.domain import Annotation, TaskDetail, TaskView
from taskcli.errors import TaskNotFound
from taskcli.queries.blockers import select_related
from taskcli.services._common import combined_view, dialect_name, load_views, rows
from taskcli.services.annotations import annotations_of
from taskcli.services.blockers import Related, related_from, related_tasks
from taskcli.services.timing import TimeSpent, spent_in, time_spent
from taskcli.tables import annotation, interval

# The task's annotations, its time spent, and the tasks it is blocked by and blocks.
_Extras = tuple[tuple[Annotation, ...], TimeSpent, tuple[Related, Related]]


async def show_task(session: AsyncSession, *, task_id: int) -> TaskDetail:
    """One task in full, with its ancestor path (root first) and direct subtasks."""
    family = (
        queries.select_tasks()
        .where((queries.task.c.id == task_id) | (queries.task.c.parent_id == task_id))
        .order_by(queries.task.c.id)
    )
    extras: _Extras | None = None
    if dialect_name(session) == "postgresql":
        views, extras = await _family_in_one(session, family, task_id)
    else:
        views = await load_views(session, family, with_progress=True)
    found = [view for view in views if view.id == task_id]
    if not found:
        raise TaskNotFound(task_id)
    ancestors = await load_views(session, queries.select_ancestors(task_id))
    if extras is None:
        spent = await time_spent(session, task_id)
        notes = await annotations_of(session, task_id)
        extras = (notes, spent, await related_tasks(session, task_id))
    notes, spent, (blocked_by, blocking) = extras
    return TaskDetail(
        task=found[0],
        ancestors=tuple(ancestors),
        subtasks=tuple(view for view in views if view.id != task_id),
        annotations=notes,
        time_spent=spent.seconds,
        running_since=spent.running_since,
        blocked_by=blocked_by,
        blocking=blocking,
    )


async def _family_in_one(
    session: AsyncSession, family: Select[Any], task_id: int
) -> tuple[list[TaskView], _Extras]:
    """PostgreSQL: the family's views, and the task's annotations and time, in one statement."""
    from sqlalchemy.dialects.postgresql import aggregate_order_by

    def aggregated(table: Table, column: Any, *order: Any) -> Any:
        return (
            select(func.array_agg(aggregate_order_by(column, *order)))
            .where(table.c.task_id == task_id)
            .scalar_subquery()
        )

    # text[] only (timestamps as ISO text): the driver decodes other arrays only after
    # asking the server about their type, a statement of its own.
    in_order = (annotation.c.entry, annotation.c.id)
    extended = family.add_columns(
        aggregated(annotation, _iso(annotation.c.entry), *in_order).label("annotation_entries"),
        aggregated(annotation, cast(annotation.c.text, Text), *in_order).label("annotation_texts"),
        aggregated(interval, _iso(interval.c.started_at), interval.c.id).label("interval_starts"),
        aggregated(interval, _iso(interval.c.stopped_at), interval.c.id).label("interval_stops"),
        _related_links(task_id).label("related_links"),
    )
    found = await rows(session, queries.with_tags_and_progress(extended, progress=True))
    own = [row for row in found if row.id == task_id]
    if not own:
        return [], ((), TimeSpent(), ((), ()))
    row = own[0]
    texts = zip(row.annotation_entries or (), row.annotation_texts or (), strict=True)
    notes = tuple(Annotation(entry=_instant(entry), text=text) for entry, text in texts)
    spans = zip(row.interval_starts or (), row.interval_stops or (), strict=True)
    intervals = [(_instant(start), _instant(stop) if stop else None) for start, stop in spans]
    links = (link.split(":", 3) for link in row.related_links or ())
    related = related_from(
        (kind == "t", int(other), title, status) for kind, other, status, title in links
    )
    views = [combined_view(row, True) for row in found]
    return views, (notes, spent_in(intervals), related)


def _related_links(task_id: int) -> Any:
    """``select_related`` as one text[] of ``blocking:id:status:title`` (the title last, so
    it may hold colons): text, as the other arrays, needs no type lookup by the driver."""
    from sqlalchemy.dialects.postgresql import aggregate_order_by

    related = select_related(task_id).order_by(None).subquery()
    link = (
        func.substr(cast(related.c.blocking, Text), 1, 1)
        + ":"
        + cast(related.c.id, Text)
        + ":"
        + related.c.status
        + ":"
        + related.c.title
    )
    in_order = aggregate_order_by(link, related.c.blocking, related.c.id)
    return select(func.array_agg(in_order)).scalar_subquery()


def _iso(column: Any) -> Any:
    return queries.iso_text(column, "postgresql")


def _instant(text: str) -> datetime:
    """ISO text from ``queries.iso_text`` as the aware UTC datetime the column reads as."""
    return datetime.fromisoformat(text)
