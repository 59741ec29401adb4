"""Blocked-by links: adding and removing them, refusing self links, tree relatives and cycles.

Every change takes the tree lock (``lock_tree``) first, as ``move`` does:
links and parent edges make one dependency graph, so two concurrent
commands that each add half of a cycle are serialised and the second one's
check sees the first one's edge (the check is one statement run after the
insert, so on PostgreSQL it reads what committed before the lock was ours).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

from sqlalchemy import Select, delete, select

from taskcli.domain import BlockerLink, Status
from taskcli.errors import Conflict
from taskcli.queries.blockers import (
    links_of,
    parent_edges_of,
    select_cycle,
    select_nested,
    select_related,
    task_blocker,
)
from taskcli.services._common import lock_tree, rows
from taskcli.services.targets import require_ids

if TYPE_CHECKING:
    from sqlmodel.ext.asyncio.session import AsyncSession

Related = tuple[BlockerLink, ...]


async def link_blockers(
    session: AsyncSession, *, ids: Sequence[int], blocker_ids: frozenset[int]
) -> None:
    """Make every task in ``ids`` blocked by every task in ``blocker_ids`` (existing links stay).

    Refused (exit 4): a task blocked by itself, by one of its subtasks or
    ancestors, or by a task that already waits for it (a cycle). A missing
    blocker is ``TaskNotFound`` (exit 1). The caller checked ``ids`` exist.
    """
    if not blocker_ids or not ids:
        return
    await lock_tree(session)
    wanted = sorted(blocker_ids)
    for task_id in ids:
        if task_id in blocker_ids:
            raise Conflict(f"task {task_id} cannot be blocked by itself")
    await require_ids(session, wanted)
    nested = await rows(session, select_nested(ids, wanted))
    if nested:
        owner, inner = nested[0]
        raise Conflict(f"task {owner} cannot be blocked by {inner}: {inner} is its subtask")
    new_links = await _missing_links(session, ids, wanted)
    if not new_links:
        return
    await session.exec(task_blocker.insert(), params=new_links)
    await refuse_cycle(session, links_of(sorted({link["task_id"] for link in new_links})))


async def _missing_links(
    session: AsyncSession, ids: Sequence[int], wanted: Sequence[int]
) -> list[dict[str, int]]:
    """The (task, blocker) rows of ``ids`` x ``wanted`` not linked yet."""
    existing = set(
        await rows(
            session,
            select(task_blocker.c.task_id, task_blocker.c.blocked_by_id).where(
                task_blocker.c.task_id.in_(list(ids)), task_blocker.c.blocked_by_id.in_(wanted)
            ),
        )
    )
    return [
        {"task_id": task_id, "blocked_by_id": blocker}
        for task_id in ids
        for blocker in wanted
        if (task_id, blocker) not in existing
    ]


async def refuse_cycle(session: AsyncSession, seeds: Select[Any]) -> None:
    """``Conflict`` when one of the seed edges (waiter, waited) now lies on a cycle."""
    found = await rows(session, select_cycle(seeds))
    if found:
        waiter, waited = found[0]
        raise Conflict(
            f"task {waiter} cannot wait for {waited}: {waited} already waits for {waiter} "
            "(through blocked-by links or subtasks)"
        )


async def refuse_move_cycle(session: AsyncSession, ids: Sequence[int]) -> None:
    """After a move: the new parent may not (through links) wait for the moved tasks' work."""
    await refuse_cycle(session, parent_edges_of(ids))


async def unlink_blockers(
    session: AsyncSession, *, ids: Sequence[int], blocker_ids: frozenset[int]
) -> None:
    """Remove these links (a link that is not there is no error; a missing task is)."""
    if not blocker_ids or not ids:
        return
    await require_ids(session, sorted(blocker_ids))
    await session.exec(
        delete(task_blocker).where(
            task_blocker.c.task_id.in_(list(ids)),
            task_blocker.c.blocked_by_id.in_(sorted(blocker_ids)),
        )
    )


async def related_tasks(session: AsyncSession, task_id: int) -> tuple[Related, Related]:
    """(blocked by, blocking) of one task, by id, in one statement (for ``show``)."""
    return related_from(await rows(session, select_related(task_id)))


def related_from(found: Iterable[Sequence[Any]]) -> tuple[Related, Related]:
    """(blocked by, blocking) from rows of ``select_related``, in their order."""
    links = [
        (blocking, BlockerLink(other, title, status == Status.PENDING.value))
        for blocking, other, title, status in found
    ]
    return (
        tuple(link for blocking, link in links if not blocking),
        tuple(link for blocking, link in links if blocking),
    )
