"""Annotations in export and import: loaded once for an export, set from the file on import.

A task's annotations compare as a set of (entry, text) pairs: importing the
same file again finds them equal and changes nothing; a file whose task has
other annotations replaces them (the file wins, as for tags). A record that
says nothing about annotations (an export made before 0.3.0, an outline)
leaves them as they are.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping

from sqlalchemy import delete, insert, select
from sqlmodel.ext.asyncio.session import AsyncSession

from taskcli.domain import Annotation
from taskcli.services._common import rows
from taskcli.tables import annotation

BATCH = 2_000  # ids per statement, within every driver's parameter limit


async def annotations_by_task(session: AsyncSession) -> dict[int, list[Annotation]]:
    """Every task's annotations, oldest first: one statement whatever their number."""
    grouped: dict[int, list[Annotation]] = defaultdict(list)
    statement = select(annotation.c.task_id, annotation.c.entry, annotation.c.text).order_by(
        annotation.c.task_id, annotation.c.entry, annotation.c.id
    )
    for task_id, entry, text in await rows(session, statement):
        grouped[task_id].append(Annotation(entry=entry, text=text))
    return grouped


def annotation_set(annotations: Iterable[Annotation]) -> tuple[tuple[object, str], ...]:
    """Annotations as compared on import: sorted (entry, text) pairs."""
    return tuple(sorted((each.entry, each.text) for each in annotations))


async def import_annotations(
    session: AsyncSession,
    wanted: Mapping[int, Iterable[Annotation]],
    *,
    replace: bool,
) -> None:
    """Give these tasks exactly these annotations (``replace``: remove theirs first)."""
    if not wanted:
        return
    if replace:
        ids = list(wanted)
        for start in range(0, len(ids), BATCH):
            chunk = ids[start : start + BATCH]
            await session.exec(delete(annotation).where(annotation.c.task_id.in_(chunk)))
    values = [
        {"task_id": task_id, "entry": each.entry, "text": each.text}
        for task_id, annotations in wanted.items()
        for each in sorted(annotations, key=lambda each: (each.entry, each.text))
    ]
    if values:
        await session.exec(insert(annotation), params=values)
