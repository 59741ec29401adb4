"""An import's blocked-by links: each record that lists its blockers gets exactly those.

Blockers are named by their keys in the file (exported ids, Taskwarrior
uuids); a key the file does not import names no task here and is left out.
A record that says nothing about blockers (a file from before 0.4.0, an
outline) keeps the links its task has here. The import holds the tree lock,
so the one cycle check after the writes sees every edge.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

from sqlalchemy import select, tuple_

from taskcli.queries.blockers import links_of, task_blocker
from taskcli.records import ImportRecord
from taskcli.services._common import rows
from taskcli.services.blockers import refuse_cycle

if TYPE_CHECKING:
    from sqlmodel.ext.asyncio.session import AsyncSession


async def link_imported(
    session: AsyncSession, records: Sequence[ImportRecord], ids: Mapping[str, int]
) -> None:
    """Set each listing record's links to the file's; refuse (exit 4) a cycle they make."""
    wanted = {
        ids[record.key]: {ids[key] for key in record.blocked_by if key in ids}
        for record in records
        if record.blocked_by is not None and record.key in ids
    }
    if not wanted:
        return
    have = set(
        await rows(
            session,
            select(task_blocker.c.task_id, task_blocker.c.blocked_by_id).where(
                task_blocker.c.task_id.in_(sorted(wanted))
            ),
        )
    )
    should = {(task_id, blocker) for task_id, blockers in wanted.items() for blocker in blockers}
    if gone := sorted(have - should):
        await session.exec(
            task_blocker.delete().where(
                tuple_(task_blocker.c.task_id, task_blocker.c.blocked_by_id).in_(gone)
            )
        )
    if new := sorted(should - have):
        await session.exec(
            task_blocker.insert(), params=[{"task_id": t, "blocked_by_id": b} for t, b in new]
        )
        await refuse_cycle(session, links_of(sorted({task_id for task_id, _ in new})))
