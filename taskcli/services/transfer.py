"""Export and import: everything out as a stream, records in as one transaction."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import Any

from sqlalchemy import bindparam, delete, func, insert, or_, select, text, update
from sqlalchemy.sql.elements import BindParameter
from sqlmodel.ext.asyncio.session import AsyncSession

from taskcli import queries
from taskcli.domain import MAX_DEPTH, Annotation, Status
from taskcli.errors import Conflict, UsageError
from taskcli.queries import task, task_tag
from taskcli.records import ImportRecord, ImportReport
from taskcli.services._common import (
    dialect_name,
    ensure_tags,
    lock_tree,
    rows,
    scalar,
    tags_by_task,
    utcnow,
)
from taskcli.services.transfer_annotations import annotations_by_task, import_annotations
from taskcli.services.transfer_match import (
    Matching,
    database_identity,
    match_records,
    wanted_fields,
)

STREAM_BATCH = 2_000


ExportSink = Callable[[tuple[Sequence[Any], Sequence[str]], str | None, Sequence[Annotation]], None]
"""Receives (task record, see ``queries.record_columns``; its tags), the external id and
the task's annotations."""


async def export_tasks(session: AsyncSession, *, sink: ExportSink) -> tuple[int, str]:
    """Hand every task (with its external id) to ``sink`` in id order, a batch at a time;
    return how many and this database's identity (the export's ``source``).

    Tags and annotations are loaded once; task rows are streamed as tuples
    (no view object per task), so memory does not grow with the whole graph.
    """
    source = await database_identity(session)
    tags = await tags_by_task(session, queries.select_all_tags())
    annotations = await annotations_by_task(session)
    columns = queries.record_columns(dialect_name(session))
    statement = select(*columns, task.c.external_id).order_by(task.c.id)
    result = await session.stream(statement.execution_options(yield_per=STREAM_BATCH))
    count = 0
    try:
        async for partition in result.partitions():
            for row in partition:
                sink((row, tags.get(row[0], ())), row[10], annotations.get(row[0], ()))
                count += 1
    except BrokenPipeError:
        # The reader went away: stop reading. The caller's next write meets the
        # closed pipe outside the database, where it is reported as such.
        pass
    return count, source


async def import_records(
    session: AsyncSession,
    *,
    records: Sequence[ImportRecord],
    source: str | None = None,
    as_new: bool = False,
) -> ImportReport:
    """Add the records that are new here, update those that changed, skip the rest.

    ``source``: the identity of the database a taskcli export came from. A
    record matches a task here by external id or by (source, exported id)
    (see ``transfer_match``); ``as_new`` matches nothing and keeps no identity,
    so every record becomes a new task. Into an empty database ids are kept.
    """
    await lock_tree(session)
    report = ImportReport()
    if as_new:
        records = [replace(record, external_id=None) for record in records]
        matching = Matching(identities={record.key: None for record in records})
    else:
        matching = await match_records(session, records, source)
    known = dict(matching.existing)
    fresh = [record for record in records if record.key not in known]
    report.already_present = len(known)
    await _insert(session, fresh, known, matching, report)
    await _update(
        session, [r for r in records if r.key in matching.existing], known, matching, report
    )
    report.reopened = await _reopen_above_pending(
        session, {*report.created.values(), *report.updated.values()}
    )
    return report


async def _reopen_above_pending(session: AsyncSession, touched: set[int]) -> list[int]:
    """Reopen every done ancestor of pending work the import placed: a done task never
    has pending descendants (the rule ``add --parent`` keeps).

    Only edges at a task the import added or updated (its status, or its
    parent) can have broken the rule, so those seed one recursive statement
    that walks up from each done parent of a pending child and reopens the
    done tasks on the way. The ids are inlined: an import may touch more of
    them than a driver takes parameters.
    """
    if not touched:
        return []
    ids: BindParameter[list[int]] = bindparam(
        "touched", sorted(touched), expanding=True, literal_execute=True
    )
    child, parent, step = task.alias("child"), task.alias("parent"), task.alias("step")
    up = (
        select(parent.c.id)
        .select_from(child.join(parent, child.c.parent_id == parent.c.id))
        .where(
            parent.c.status == Status.DONE.value,
            child.c.status == Status.PENDING.value,
            or_(parent.c.id.in_(ids), child.c.id.in_(ids)),
        )
        .cte("reopen_up", recursive=True)
    )
    up = up.union(
        select(step.c.parent_id).join(up, step.c.id == up.c.id).where(step.c.parent_id.is_not(None))
    )
    reopened = await rows(
        session,
        update(task)
        .where(task.c.id.in_(select(up.c.id)), task.c.status == Status.DONE.value)
        .values(status=Status.PENDING.value, completed_at=None, updated_at=utcnow())
        .returning(task.c.id),
    )
    return sorted(task_id for (task_id,) in reopened)


async def _insert(
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
    if keep_ids and dialect_name(session) == "postgresql":
        await session.exec(  # type: ignore[call-overload]
            text("SELECT setval(pg_get_serial_sequence('task', 'id'), (SELECT max(id) FROM task))")
        )


async def _update(
    session: AsyncSession,
    matched: list[ImportRecord],
    known: dict[str, int],
    matching: Matching,
    report: ImportReport,
) -> None:
    """Give matched tasks the file's values where they differ; count the others unchanged."""
    now = utcnow()
    changes: list[tuple[int, ImportRecord, dict[str, Any]]] = []
    for record in matched:
        task_id = known[record.key]
        parent_id = known[record.parent_key] if record.parent_key is not None else None
        wanted = wanted_fields(record, parent_id, matching.current[task_id])
        if wanted:
            changes.append((task_id, record, wanted))
            report.updated[record.key] = task_id
        else:
            report.unchanged += 1
    if not changes:
        return
    tag_ids = await ensure_tags(
        session, {tag for _, r, w in changes if "tags" in w for tag in r.tags}
    )
    # One executemany per set of changed columns, not one statement per task.
    batches: dict[tuple[str, ...], list[dict[str, Any]]] = defaultdict(list)
    retagged: dict[int, frozenset[str]] = {}
    reannotated: dict[int, tuple[Annotation, ...]] = {}
    for task_id, record, wanted in changes:
        if "tags" in wanted:
            retagged[task_id] = wanted.pop("tags")
        if "annotations" in wanted:
            wanted.pop("annotations")
            reannotated[task_id] = record.annotations or ()
        values = {**wanted, "updated_at": record.updated_at or now}
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
    if retagged:
        ids = list(retagged)
        for start in range(0, len(ids), STREAM_BATCH):  # within every driver's parameter limit
            chunk = ids[start : start + STREAM_BATCH]
            await session.exec(delete(task_tag).where(task_tag.c.task_id.in_(chunk)))
        links = [
            {"task_id": task_id, "tag_id": tag_ids[tag]}
            for task_id, tags in retagged.items()
            for tag in sorted(tags)
        ]
        if links:
            await session.exec(insert(task_tag), params=links)
    await import_annotations(session, reannotated, replace=True)
    for task_id, _, wanted in changes:
        if "parent_id" in wanted:
            await _check_depth(session, task_id)


async def _check_depth(session: AsyncSession, task_id: int) -> None:
    """A task the file moved, with everything below it, stays within the depth limit."""
    level = await scalar(session, queries.select_depth(task_id))
    height = await scalar(session, queries.select_height(task_id))
    if level + height - 1 > MAX_DEPTH:
        raise Conflict(f"task {task_id} would pass the depth limit of {MAX_DEPTH}")


def _row(
    record: ImportRecord, known: dict[str, int], keep_ids: bool, now: Any, matching: Matching
) -> dict[str, Any]:
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
        "external_id": matching.identities.get(record.key),
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
