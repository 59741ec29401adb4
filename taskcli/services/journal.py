"""The journal: undoing and redoing the operations ``journal_operation`` files.

Row changes are written by database triggers (migration 0003) under the
operation each command opens, in its own transaction. Undo and redo put
rows back exactly as they were and refuse (exit 4) when a row is no longer as
the operation left it, because someone changed it since; ``force`` overrides
that.

Undo and redo are set-based: each check and each restore is one SQL
statement over the operation's net change per row, computed from the
``change`` table in the database (``journal_net``). Nothing the size of the
operation is held in Python, so memory is flat (a 200,000-row undo peaks
where ``taskcli log`` does), and foreign keys need no row ordering because
both backends check them at the end of each statement. Processing chunks of
keys instead would have needed deferrable constraints (a new revision on
PostgreSQL) and a way to order a tree across chunks; one transaction of
set-based statements keeps all-or-nothing as it was.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Table, select, text, update
from sqlalchemy.exc import IntegrityError
from sqlmodel.ext.asyncio.session import AsyncSession

from taskcli.models import Change, Operation
from taskcli.services._common import lock_tree, rows
from taskcli.services.journal_checks import (
    Refusal,
    check_links,
    check_restorable,
    check_tree,
)
from taskcli.services.journal_net import KEYS, Net
from taskcli.services.journal_operation import (
    APPLIED,
    UNDONE,
)
from taskcli.services.journal_operation import postgresql as _postgresql

_operation: Table = Operation.__table__  # type: ignore[attr-defined]
_change: Table = Change.__table__  # type: ignore[attr-defined]


@dataclass(frozen=True)
class Reverted:
    """An operation undone or redone, for the report line."""

    operation_id: int
    command: str
    rows: int


async def undo(session: AsyncSession, *, user: str, steps: int, force: bool) -> list[Reverted]:
    """Revert this user's newest applied operations, newest first, all or none.

    Nothing to revert is not a conflict: the result is empty and nothing changes.
    """
    return await _travel(session, user=user, steps=steps, force=force, backwards=True)


async def redo(session: AsyncSession, *, user: str, steps: int, force: bool) -> list[Reverted]:
    """Re-apply what undo reverted, oldest undone first."""
    return await _travel(session, user=user, steps=steps, force=force, backwards=False)


async def _travel(
    session: AsyncSession, *, user: str, steps: int, force: bool, backwards: bool
) -> list[Reverted]:
    ids = _operation.c.id
    state, order = (APPLIED, ids.desc()) if backwards else (UNDONE, ids.asc())
    operations = await rows(
        session,
        select(_operation.c.id, _operation.c.command)
        .where(_operation.c.user_name == user, _operation.c.state == state)
        .order_by(order)
        .limit(steps),
    )
    if not operations:
        return []
    await lock_tree(session)  # undo may re-parent, delete or restore subtrees
    done: list[Reverted] = []
    for operation_id, command in operations:
        touched = await _apply(session, operation_id, command, force=force, backwards=backwards)
        await session.exec(
            update(_operation)
            .where(_operation.c.id == operation_id)
            .values(state=UNDONE if backwards else APPLIED)
        )
        done.append(Reverted(operation_id=operation_id, command=command, rows=touched))
    return done


async def _apply(
    session: AsyncSession, operation_id: int, command: str, *, force: bool, backwards: bool
) -> int:
    """Put back every row the operation touched, checking first that it still may.

    Every step is one statement over the operation's net changes
    (``journal_net``), computed in the database: memory stays flat however
    many rows the operation touched (a 200,000-row ``add -`` included). One
    statement per table also keeps the foreign keys satisfied without
    ordering rows: both backends check them at the end of each statement.
    """
    postgres = _postgresql(session)
    nets = {
        table: Net(table, backwards, postgres, await _columns(session, table, postgres))
        for table in KEYS
    }
    params = {"operation_id": operation_id}
    refusal = Refusal(operation_id, command, "undo" if backwards else "redo")
    if postgres:
        # Locked until commit: a concurrent writer of these rows waits for us, or
        # committed first and is seen here as a conflict; it is never overwritten.
        for net in nets.values():
            await _run(session, _lock_statement(net), params)
    if not force:
        await _refuse_conflicts(session, nets, params, refusal)
    await check_restorable(session, nets["task"], params, refusal)
    try:
        async with session.begin_nested():
            await _restore(session, nets, params)
            await check_tree(session, nets["task"], params, refusal)
            await check_links(session, nets["task_blocker"], params, refusal)
    except IntegrityError:
        raise refusal(
            "a row it restores clashes with the database as it is now (a task or tag it "
            "refers to is gone, or a tag of the same name was made since); "
            "--force cannot help"
        ) from None
    return await _rows_touched(session, params)


async def _rows_touched(session: AsyncSession, params: dict[str, Any]) -> int:
    """How many distinct rows the operation changed (what undo and redo report)."""
    touched = await _run(
        session,
        "SELECT count(*) FROM (SELECT DISTINCT table_name, row_key FROM change "
        "WHERE operation_id = :operation_id) AS touched",
        params,
    )
    return int(touched[0][0])


#: How a conflict message names a row of each journaled table.
_ROW_NAMES = {
    "task": "task",
    "tag": "tag",
    "task_tag": "tag link",
    "annotation": "annotation",
    "time_interval": "interval",
    "task_blocker": "blocked-by link",
}


async def _refuse_conflicts(
    session: AsyncSession, nets: dict[str, Net], params: dict[str, Any], refusal: Refusal
) -> None:
    """Refuse when a row the operation touched was changed by a later one."""
    for table, net in nets.items():
        for (row_key,) in await _run(session, _conflict_statement(net), params):
            raise refusal(
                f"{_ROW_NAMES.get(table, table)} {row_key} was changed since; "
                f"use --force to {refusal.verb} it anyway"
            )


async def _run(session: AsyncSession, sql: str, params: dict[str, Any]) -> list[Any]:
    used = {name: value for name, value in params.items() if f":{name}" in sql}
    result = await session.exec(text(sql).bindparams(**used))  # type: ignore[call-overload]
    return list(result.all()) if result.returns_rows else []


async def _columns(session: AsyncSession, table: str, postgres: bool) -> tuple[str, ...]:
    """SQLite: the table's columns now, to build a row's JSON (PostgreSQL has ``to_jsonb``)."""
    if postgres:
        return ()
    return tuple(row[1] for row in await rows(session, text(f"PRAGMA table_info({table})")))


def _lock_statement(net: Net) -> str:
    return (
        f"WITH {net.cte()} SELECT count(*) FROM (SELECT 1 FROM {net.table} AS live "
        f"JOIN net ON {net.join()} FOR UPDATE OF live) AS locked"
    )


def _conflict_statement(net: Net) -> str:
    """The first row that is neither as the operation left it nor already restored."""
    return (
        f"WITH {net.cte()} SELECT net.row_key FROM net LEFT JOIN {net.table} AS live "
        f"ON {net.join()} WHERE NOT ({net.matches('net.expected')} OR "
        f"{net.matches('net.target')}) LIMIT 1"
    )


async def _restore(session: AsyncSession, nets: dict[str, Net], params: dict[str, Any]) -> None:
    """Put every row into its target state, tables in an order the foreign keys accept."""
    await _delete(session, nets["task_tag"], params)
    await _delete(session, nets["annotation"], params)
    await _delete(session, nets["time_interval"], params)
    await _delete(session, nets["task_blocker"], params)
    await _insert(session, nets["tag"], params)
    await _update(session, nets["tag"], params)
    await _insert(session, nets["task"], params)
    await _update(session, nets["task"], params)
    await _delete(session, nets["task"], params)
    await _delete(session, nets["tag"], params, unused_only=True)
    await _insert(session, nets["task_tag"], params)
    await _insert(session, nets["annotation"], params)  # after their tasks
    await _update(session, nets["annotation"], params)
    await _insert(session, nets["time_interval"], params)
    await _update(session, nets["time_interval"], params)
    await _insert(session, nets["task_blocker"], params)  # both tasks exist by now


async def _delete(
    session: AsyncSession, net: Net, params: dict[str, Any], *, unused_only: bool = False
) -> None:
    """Delete the rows the operation created (a subtree in one statement, as ``rm -r``).

    With ``unused_only`` (tags): never one a task still carries. Another user
    may have tagged a task with it since; deleting the tag would strip it
    from that task by cascade, a change no journal would hold.
    """
    keys = ", ".join(net.keys)
    wanted = ", ".join(f"key_{column}" for column in net.keys)
    unused = (
        " AND NOT EXISTS (SELECT 1 FROM task_tag WHERE task_tag.tag_id = tag.id)"
        if unused_only
        else ""
    )
    await _run(
        session,
        f"WITH {net.cte()} DELETE FROM {net.table} WHERE ({keys}) IN "
        f"(SELECT {wanted} FROM net WHERE target IS NULL){unused}",
        params,
    )


async def _column_sets(session: AsyncSession, net: Net, params: dict[str, Any]) -> list[str]:
    """The distinct sets of captured columns (one per schema the operation saw)."""
    found = await _run(
        session,
        f"WITH {net.cte()} SELECT DISTINCT {net.column_set()} FROM net "
        "WHERE net.target IS NOT NULL",
        params,
    )
    return [str(row[0]) for row in found]


def _of_set(net: Net, column_sets: list[str]) -> str:
    """Only rows with ``:column_set``'s columns (no filter when all rows have the same)."""
    return f" AND {net.column_set()} = :column_set" if len(column_sets) > 1 else ""


async def _insert(session: AsyncSession, net: Net, params: dict[str, Any]) -> None:
    """Insert the absent rows with every column the journal captured."""
    column_sets = await _column_sets(session, net, params)
    for column_set in column_sets:
        columns = [column for column in column_set.split(",") if column]
        values = ", ".join(net.value(column) for column in columns)
        await _run(
            session,
            f"WITH {net.cte()} INSERT INTO {net.table} ({', '.join(columns)}) "
            f"SELECT {values} FROM net{net.captured_source()} "
            f"WHERE net.target IS NOT NULL{_of_set(net, column_sets)} "
            f"AND NOT EXISTS (SELECT 1 FROM {net.table} AS live WHERE {net.join()})",
            {**params, "column_set": column_set},
        )


async def _update(session: AsyncSession, net: Net, params: dict[str, Any]) -> None:
    """Set every column the journal captured where the row differs from its target.

    A column the journal never knew keeps its value; a row inserted just
    before (or already as wanted) is left alone.
    """
    column_sets = await _column_sets(session, net, params)
    for column_set in column_sets:
        columns = [c for c in column_set.split(",") if c and c not in net.keys]
        if not columns:
            continue
        assignments = ", ".join(f"{column} = {net.value(column)}" for column in columns)
        await _run(
            session,
            f"WITH {net.cte()} UPDATE {net.table} AS live SET {assignments} "
            f"FROM net{net.captured_source()} WHERE {net.join()} "
            f"AND net.target IS NOT NULL{_of_set(net, column_sets)} "
            f"AND NOT {net.contains('net.target')}",
            {**params, "column_set": column_set},
        )
