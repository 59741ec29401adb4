"""Who ran an undo or redo: one line in the journal's log for each run.

The line is an operation of its own, filed as ``discarded`` (the only state
that neither undo nor redo ever picks up) with no row changes, under the
user who ran it and naming the operations it reverted or re-applied.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from sqlalchemy import insert
from sqlmodel.ext.asyncio.session import AsyncSession

from taskcli.models import Operation
from taskcli.services._common import utcnow

Travel = Callable[..., Awaitable[list[Any]]]


def recorded(travel: Travel, *, user: str, command: str, verb: str) -> Travel:
    """``travel`` (undo or redo), followed in the same transaction by its log line."""

    async def service(session: AsyncSession, **kwargs: Any) -> list[Any]:
        reverted = await travel(session, **kwargs)
        if not reverted:  # nothing was undone: nothing to log either
            return reverted
        await record_travel(
            session,
            user=user,
            command=command,
            verb=verb,
            operation_ids=[item.operation_id for item in reverted],
        )
        return reverted

    return service


async def record_travel(
    session: AsyncSession, *, user: str, command: str, verb: str, operation_ids: Sequence[int]
) -> None:
    """File ``command`` by ``user`` as having ``verb`` (undid/redid) these operations."""
    listed = ", ".join(str(operation_id) for operation_id in operation_ids)
    plural = "s" if len(operation_ids) > 1 else ""
    await session.exec(
        insert(Operation.__table__).values(  # type: ignore[attr-defined]
            user_name=user,
            command=f"{command} ({verb} operation{plural} {listed})",
            state="discarded",
            created_at=utcnow(),
        )
    )
