"""Import's new tasks: the records no task here matches, inserted parents first.

Kept apart from changing matched tasks (``transfer_update``): new records
are ordered by depth so a parent's id exists before its children's rows,
and into an empty database they keep the ids the file gives them.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import func, insert, select, text
from sqlmodel.ext.asyncio.session import AsyncSession

from taskcli import queries
from taskcli.domain import MAX_DEPTH, Status
from taskcli.errors import Conflict, UsageError
from taskcli.queries import task, task_tag
from taskcli.records import ImportRecord, ImportReport
from taskcli.services._common import dialect_name, ensure_tags, scalar, utcnow
from taskcli.services.transfer_annotations import import_annotations
from taskcli.services.transfer_match import Matching
from taskcli.tables import interval


async def insert_new_records(
    session: AsyncSession,
    fresh: list[ImportRecord],
    known: dict[str, int],
    matching: Matching,
    report: ImportReport,
) -> None:
    """Insert the new records parents first (Core inserts, one per level)."""
    keep_ids = (
        bool(fresh) and all(r.original_id is not None for r in fresh) and await _is_empty(session)
    )
    levels = await _levels(session, fresh, known)
    tag_ids = await ensure_tags(session, {tag for record in fresh for tag in record.tags})
    now = utcnow()
    for level in levels:
        values = [_row(record, known, keep_ids, now, matching) for record in level]
        # Core inserts: the ORM's bulk path splits rows whose None columns differ
        # into separate statements (tens of thousands for a real export).
        if keep_ids:
            await session.exec(insert(task), params=values)
            new_ids = [record.original_id for record in level]
        else:
            result = await session.exec(insert(task).returning(task.c.id), params=values)
            new_ids = sorted(result.scalars())  # assigned in VALUES order
        links = []
        for record, new_id in zip(level, new_ids, strict=True):
            assert new_id is not None
            known[record.key] = report.created[record.key] = new_id
            links += [{"task_id": new_id, "tag_id": tag_ids[tag]} for tag in sorted(record.tags)]
        if links:
            await session.exec(insert(task_tag), params=links)
        await import_annotations(
            session,
            {known[r.key]: r.annotations for r in level if r.annotations},
            replace=False,
        )
        await _start_running(session, [(known[r.key], r.started_at) for r in level if r.started_at])
    if keep_ids and dialect_name(session) == "postgresql":
        await session.exec(  # type: ignore[call-overload]
            text("SELECT setval(pg_get_serial_sequence('task', 'id'), (SELECT max(id) FROM task))")
        )


async def _start_running(session: AsyncSession, started: list[tuple[int, datetime]]) -> None:
    """A running interval for each new task that arrives started (Taskwarrior's ``start``)."""
    if started:
        rows = [{"task_id": task_id, "started_at": when} for task_id, when in started]
        await session.exec(insert(interval), params=rows)


def _row(
    record: ImportRecord, known: dict[str, int], keep_ids: bool, now: datetime, matching: Matching
) -> dict[str, Any]:
    """The task row of a new record: its parent by the id it has here."""
    done = record.status is Status.DONE
    row = {
        "title": record.title,
        "note": record.note,
        "status": record.status.value,
        "priority": int(record.priority),
        "due": record.due,
        "parent_id": known[record.parent_key] if record.parent_key is not None else None,
        "created_at": record.created_at or now,
        "updated_at": record.updated_at or record.created_at or now,
        "completed_at": record.completed_at if done else None,
        "wait": record.wait,
        "scheduled": record.scheduled,
        "external_id": matching.identities.get(record.key),
        "recur_rule": record.recur.rule if record.recur else None,
        "recur_from": record.recur.start if record.recur else None,
        "recur_until": record.recur.until if record.recur else None,
        "recur_anchor": record.recur_anchor if record.recur else None,
    }
    if keep_ids:
        row["id"] = record.original_id
    return row


async def _levels(
    session: AsyncSession, records: Sequence[ImportRecord], known: dict[str, int]
) -> list[list[ImportRecord]]:
    """Records grouped so that every parent comes in an earlier group; checks depth."""
    by_key = {record.key: record for record in records}
    depth: dict[str, int] = {}
    base_depth: dict[int, int] = {}
    for record in records:
        chain: list[ImportRecord] = []
        current: ImportRecord | None = record
        while current is not None and current.key not in depth:
            if len(chain) > len(records):
                raise UsageError(f"record {record.key!r}: its parents form a cycle")
            chain.append(current)
            parent = current.parent_key
            if parent is None or parent in known:
                current = None
            elif parent in by_key:
                current = by_key[parent]
            else:
                raise UsageError(f"record {current.key!r}: parent {parent!r} is not in the file")
        for item in reversed(chain):
            parent = item.parent_key
            if parent is None:
                depth[item.key] = 1
            elif parent in known:
                existing_id = known[parent]
                if existing_id not in base_depth:
                    base_depth[existing_id] = await scalar(
                        session, queries.select_depth(existing_id)
                    )
                depth[item.key] = base_depth[existing_id] + 1
            else:
                depth[item.key] = depth[parent] + 1
            if depth[item.key] > MAX_DEPTH:
                raise Conflict(f"record {item.key!r} would pass the depth limit of {MAX_DEPTH}")
    grouped: dict[int, list[ImportRecord]] = defaultdict(list)
    for record in records:
        grouped[depth[record.key]].append(record)
    return [grouped[level] for level in sorted(grouped)]


async def _is_empty(session: AsyncSession) -> bool:
    return await scalar(session, select(func.count()).select_from(task)) == 0
