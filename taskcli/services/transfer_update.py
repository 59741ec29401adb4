"""Import's changes to tasks already here: the file's values where they differ.

Kept apart from adding new tasks (``transfer_insert``): an update sets only
the columns that changed, batched by which ones, replaces tags and
annotations wholesale (the file wins), and checks depth after a move.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, delete, insert, update
from sqlmodel.ext.asyncio.session import AsyncSession

from taskcli import queries
from taskcli.domain import MAX_DEPTH
from taskcli.errors import Conflict
from taskcli.queries import task, task_tag
from taskcli.records import ImportRecord, ImportReport
from taskcli.services._common import ensure_tags, scalar, utcnow
from taskcli.services.transfer_annotations import BATCH, import_annotations
from taskcli.services.transfer_match import Matching, wanted_fields

Change = tuple[int, ImportRecord, dict[str, Any]]
"""A task id here, the record it matched and the fields the file gives other values."""

# Fields set by their own statements, not as columns of the task row.
_NOT_COLUMNS = frozenset({"tags", "annotations"})


async def update_matched_records(
    session: AsyncSession,
    matched: list[ImportRecord],
    known: dict[str, int],
    matching: Matching,
    report: ImportReport,
) -> None:
    """Give matched tasks the file's values where they differ; count the others unchanged."""
    now = utcnow()
    changes = _changes(matched, known, matching, report)
    if not changes:
        return
    tag_ids = await ensure_tags(
        session, {tag for _, r, w in changes if "tags" in w for tag in r.tags}
    )
    await _set_columns(session, changes, now)
    await _retag(session, {task_id: w["tags"] for task_id, _, w in changes if "tags" in w}, tag_ids)
    reannotated = {task_id: r.annotations or () for task_id, r, w in changes if "annotations" in w}
    await import_annotations(session, reannotated, replace=True)
    for task_id, _, wanted in changes:
        if "parent_id" in wanted:
            await _check_depth(session, task_id)


def _changes(
    matched: list[ImportRecord], known: dict[str, int], matching: Matching, report: ImportReport
) -> list[Change]:
    """The matched records whose task differs here; the report counts changed and unchanged."""
    changes: list[Change] = []
    for record in matched:
        task_id = known[record.key]
        parent_id = known[record.parent_key] if record.parent_key is not None else None
        wanted = wanted_fields(record, parent_id, matching.current[task_id])
        if wanted:
            changes.append((task_id, record, wanted))
            report.updated[record.key] = task_id
        else:
            report.unchanged += 1
    return changes


async def _set_columns(session: AsyncSession, changes: list[Change], now: datetime) -> None:
    """One executemany per set of changed columns, not one statement per task."""
    batches: dict[tuple[str, ...], list[dict[str, Any]]] = defaultdict(list)
    for task_id, record, wanted in changes:
        values = {name: value for name, value in wanted.items() if name not in _NOT_COLUMNS}
        values["updated_at"] = record.updated_at or now
        batches[tuple(sorted(values))].append(
            {"b_id": task_id, **{f"b_{name}": value for name, value in values.items()}}
        )
    for columns, params in batches.items():
        statement = (
            update(task)
            .where(task.c.id == bindparam("b_id"))
            .values({name: bindparam(f"b_{name}") for name in columns})
        )
        await session.exec(statement, params=params)


async def _retag(
    session: AsyncSession, retagged: dict[int, frozenset[str]], tag_ids: dict[str, int]
) -> None:
    """Give these tasks exactly these tags: their links removed, then inserted again."""
    if not retagged:
        return
    ids = list(retagged)
    for start in range(0, len(ids), BATCH):  # within every driver's parameter limit
        chunk = ids[start : start + BATCH]
        await session.exec(delete(task_tag).where(task_tag.c.task_id.in_(chunk)))
    links = [
        {"task_id": task_id, "tag_id": tag_ids[tag]}
        for task_id, tags in retagged.items()
        for tag in sorted(tags)
    ]
    if links:
        await session.exec(insert(task_tag), params=links)


async def _check_depth(session: AsyncSession, task_id: int) -> None:
    """A task the file moved, with everything below it, stays within the depth limit."""
    level = await scalar(session, queries.select_depth(task_id))
    height = await scalar(session, queries.select_height(task_id))
    if level + height - 1 > MAX_DEPTH:
        raise Conflict(f"task {task_id} would pass the depth limit of {MAX_DEPTH}")
