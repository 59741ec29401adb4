"""Export and import: everything out as a stream, records in as one transaction.

An import is matched (``transfer_match``), then its new records are added
(``transfer_insert``) and its matched ones changed (``transfer_update``);
what holds for the whole import, the lock and the done/pending rule
afterwards, stays here.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import Any

from sqlalchemy import bindparam, or_, select, update
from sqlalchemy.sql.elements import BindParameter
from sqlmodel.ext.asyncio.session import AsyncSession

from taskcli import queries
from taskcli.domain import Annotation, Status
from taskcli.queries import task
from taskcli.records import ImportRecord, ImportReport
from taskcli.services._common import dialect_name, lock_tree, rows, tags_by_task, utcnow
from taskcli.services.transfer_annotations import annotations_by_task
from taskcli.services.transfer_insert import insert_new_records
from taskcli.services.transfer_match import Matching, database_identity, match_records
from taskcli.services.transfer_update import update_matched_records

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
                sink((row, tags.get(row[0], ())), row.external_id, annotations.get(row[0], ()))
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
    await insert_new_records(session, fresh, known, matching, report)
    await update_matched_records(
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
