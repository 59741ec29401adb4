"""Annotations: dated lines of text added to a task and removed again (Taskwarrior's).

Adding or removing one changes the task too (its ``updated_at``, as
Taskwarrior's ``modified``): the task's row is what ``log`` counts and what
a later ``undo`` checks, and on PostgreSQL the update locks the row, so a
concurrent ``rm`` either waits or is seen as "no such task".
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Select, delete, insert, select, update
from sqlmodel.ext.asyncio.session import AsyncSession

from taskcli.domain import AnnotatedTask, Annotation
from taskcli.errors import TaskNotFound, UsageError
from taskcli.services._common import require_task, rows, utcnow
from taskcli.tables import annotation, task


def select_annotations(task_id: int) -> Select[Any]:
    """A task's annotations as ``show`` numbers them: oldest first (ties: as written)."""
    return (
        select(annotation.c.id, annotation.c.entry, annotation.c.text)
        .where(annotation.c.task_id == task_id)
        .order_by(annotation.c.entry, annotation.c.id)
    )


async def annotations_of(session: AsyncSession, task_id: int) -> tuple[Annotation, ...]:
    found = await rows(session, select_annotations(task_id))
    return tuple(Annotation(entry=row.entry, text=row.text) for row in found)


async def annotate_task(session: AsyncSession, *, task_id: int, text: str) -> AnnotatedTask:
    """Add one annotation, dated now; ``TaskNotFound`` (exit 1) for a missing task."""
    now = utcnow()
    await _touch(session, task_id, now)
    await session.exec(insert(annotation).values(task_id=task_id, entry=now, text=text))
    return AnnotatedTask(
        task=await require_task(session, task_id),
        annotations=await annotations_of(session, task_id),
        changed=Annotation(entry=now, text=text),
    )


async def denotate_task(
    session: AsyncSession, *, task_id: int, number: int | None, text: str | None
) -> AnnotatedTask:
    """Remove one annotation, chosen by its number (as ``show`` lists them) or its text.

    Text matches exactly or, failing that, as the start of one annotation;
    no match or several is a bad value (exit 2), naming the numbers to choose from.
    """
    await _touch(session, task_id, utcnow())
    found = await rows(session, select_annotations(task_id))
    index = _chosen(task_id, [row.text for row in found], number, text)
    await session.exec(delete(annotation).where(annotation.c.id == found[index].id))
    return AnnotatedTask(
        task=await require_task(session, task_id),
        annotations=tuple(
            Annotation(entry=row.entry, text=row.text)
            for position, row in enumerate(found)
            if position != index
        ),
        changed=Annotation(entry=found[index].entry, text=found[index].text),
    )


async def _touch(session: AsyncSession, task_id: int, now: datetime) -> None:
    changed = await rows(
        session,
        update(task).where(task.c.id == task_id).values(updated_at=now).returning(task.c.id),
    )
    if not changed:
        raise TaskNotFound(task_id)


def _chosen(task_id: int, texts: Sequence[str], number: int | None, text: str | None) -> int:
    """The index of the annotation meant (0-based), or ``UsageError`` saying why none is."""
    if not texts:
        raise UsageError(f"task {task_id} has no annotations")
    if number is not None:
        if number > len(texts):
            raise UsageError(
                f"task {task_id} has {len(texts)} annotation{'s' if len(texts) != 1 else ''}; "
                f"give a number from 1 to {len(texts)}"
            )
        return number - 1
    assert text is not None
    exact = [index for index, each in enumerate(texts) if each == text]
    matches = exact or [index for index, each in enumerate(texts) if each.startswith(text)]
    if len(matches) == 1:
        return matches[0]
    if not matches:
        raise UsageError(f"no annotation of task {task_id} starts with {text!r}")
    numbers = ", ".join(str(index + 1) for index in matches)
    raise UsageError(
        f"{len(matches)} annotations of task {task_id} match {text!r} (numbers {numbers}); "
        "give its number instead"
    )
