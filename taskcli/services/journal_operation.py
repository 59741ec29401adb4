"""The journal's operations: one is opened before a command's changes and closed after.

Database triggers (migration 0003) file each row change under the operation
opened here, in the command's own transaction. On PostgreSQL the opening
travels with ``BEGIN`` and the closing with ``COMMIT`` (no turn of their own);
undo and redo, which read what was filed, live in ``journal``.
"""

from __future__ import annotations

from sqlalchemy import Table, bindparam, delete, select, text, update
from sqlmodel.ext.asyncio.session import AsyncSession

from taskcli.models import Change, Operation
from taskcli.services._common import rows, utcnow
from taskcli.tables import UTCDateTime

APPLIED, UNDONE, DISCARDED = "applied", "undone", "discarded"
_operation: Table = Operation.__table__  # type: ignore[attr-defined]
_change: Table = Change.__table__  # type: ignore[attr-defined]


async def open_operation(session: AsyncSession, *, user: str, command: str) -> int:
    """Start journaling this transaction's changes under a new operation.

    On PostgreSQL one statement both files the operation and points the
    triggers at it: each statement is a round trip to a server that may be
    far away.
    """
    values = {"user": user, "command": command, "state": APPLIED}
    now = bindparam("now", value=utcnow(), type_=UTCDateTime())
    insert_operation = (
        "INSERT INTO operation (user_name, command, state, created_at) "
        "VALUES (:user, :command, :state, :now) RETURNING id"
    )
    if postgresql(session):
        statement = text(
            f"WITH opened AS ({insert_operation}) "
            "SELECT id, set_config('taskcli.operation_id', CAST(id AS TEXT), true) FROM opened"
        )
        found = await rows(session, statement.bindparams(now, **values))
        return int(found[0][0])
    statement = text(insert_operation).bindparams(now, **values)
    operation_id = int((await rows(session, statement))[0][0])
    await session.exec(  # type: ignore[call-overload]
        text("UPDATE journal_cursor SET operation_id = :value WHERE id = 1").bindparams(
            value=operation_id
        )
    )
    return operation_id


def postgresql(session: AsyncSession) -> bool:
    bind = session.bind
    return bind is not None and bind.dialect.name == "postgresql"


# The operation's id is read back from the setting the opening made, so the
# statement carries no parameters and can travel with COMMIT (one turn).
_CLOSE_POSTGRESQL = """
WITH opened AS (SELECT nullif(current_setting('taskcli.operation_id', true), '')::bigint AS id),
changed AS (
    SELECT EXISTS (SELECT 1 FROM change WHERE operation_id = (SELECT id FROM opened)) AS found
),
dropped AS (
    DELETE FROM operation WHERE id = (SELECT id FROM opened) AND NOT (SELECT found FROM changed)
),
discarded AS (
    UPDATE operation SET state = '{discarded}'
    WHERE user_name = {user} AND state = '{undone}' AND id > (SELECT id FROM opened) - {keep}
      AND (SELECT found FROM changed)
),
pruned AS (
    DELETE FROM operation WHERE id <= (SELECT id FROM opened) - {keep}
      AND (SELECT found FROM changed)
)
SELECT (SELECT found FROM changed)
"""


def opening_sql(*, user: str, command: str) -> str:
    """PostgreSQL: ``open_operation`` as SQL text, to send with ``BEGIN`` (no turn of its own)."""
    return (
        "WITH opened AS (INSERT INTO operation (user_name, command, state, created_at) "
        f"VALUES ({sql_literal(user)}, {sql_literal(command)}, '{APPLIED}', "
        f"{sql_literal(utcnow().isoformat())}::timestamptz) RETURNING id) "
        "SELECT set_config('taskcli.operation_id', CAST(id AS TEXT), true) FROM opened"
    )


def sql_literal(value: str) -> str:
    """A PostgreSQL string literal, safe whatever ``standard_conforming_strings`` says."""
    if "\x00" in value:
        raise ValueError("NUL in a string literal")
    return "E'" + value.replace("\\", "\\\\").replace("'", "''") + "'"


async def close_operation(
    session: AsyncSession, *, operation_id: int | None, user: str, keep: int
) -> None:
    """Stop journaling; drop an operation that changed nothing; prune old ones.

    A command that changed something ends this user's chance to redo. On
    PostgreSQL all of it is one statement, sent with the COMMIT (no turn of
    its own); the operation's setting ends with the transaction.
    """
    if postgresql(session):
        from taskcli.db.pg_turns import run_with_commit

        await run_with_commit(
            session,
            _CLOSE_POSTGRESQL.format(
                user=sql_literal(user), keep=int(keep), discarded=DISCARDED, undone=UNDONE
            ),
        )
        return
    if operation_id is None:
        raise ValueError("SQLite's journal closes the operation by its id")
    await session.exec(  # type: ignore[call-overload]
        text("UPDATE journal_cursor SET operation_id = NULL WHERE id = 1")
    )
    changed = await rows(
        session, select(_change.c.id).where(_change.c.operation_id == operation_id).limit(1)
    )
    if not changed:
        await session.exec(delete(_operation).where(_operation.c.id == operation_id))
        return
    await session.exec(
        update(_operation)
        .where(_operation.c.user_name == user, _operation.c.state == UNDONE)
        .values(state=DISCARDED)
    )
    await session.exec(delete(_operation).where(_operation.c.id <= operation_id - keep))
