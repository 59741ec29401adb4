"""The journal: opening operations around commands, and undoing or redoing them.

Row changes are written by database triggers (migration 0003) under the
operation opened here, in the command's own transaction. Undo and redo put
rows back exactly as they were, in an order the foreign keys accept, and
refuse (exit 4) when a row is no longer as the operation left it, because
someone changed it since; ``force`` overrides that.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, insert, select, text, update
from sqlalchemy.exc import IntegrityError
from sqlmodel.ext.asyncio.session import AsyncSession

from taskcli.errors import Conflict
from taskcli.models import Change, Operation
from taskcli.services._common import lock_tree, rows, utcnow
from taskcli.services.journal_checks import Refusal, check_restorable, check_tree

APPLIED, UNDONE, DISCARDED = "applied", "undone", "discarded"
_CHUNK = 2_000
_TABLES = ("task", "tag", "task_tag")
_KEYS = {"task": ("id",), "tag": ("id",), "task_tag": ("task_id", "tag_id")}
_operation = Operation.__table__
_change = Change.__table__


@dataclass(frozen=True)
class Reverted:
    """An operation undone or redone, for the report line."""

    operation_id: int
    command: str
    rows: int


async def open_operation(session: AsyncSession, *, user: str, command: str) -> int:
    """Start journaling this transaction's changes under a new operation."""
    # Core on tables: ORM entities here would set up every mapper (~9 ms) per command.
    statement = (
        insert(_operation)
        .values(user_name=user, command=command, state=APPLIED, created_at=utcnow())
        .returning(_operation.c.id)
    )
    operation_id = int((await session.exec(statement)).scalar_one())  # type: ignore[call-overload]
    await _point_cursor(session, operation_id)
    return operation_id


async def close_operation(
    session: AsyncSession, *, operation_id: int, user: str, keep: int
) -> None:
    """Stop journaling; drop an operation that changed nothing; prune old ones.

    A command that changed something ends this user's chance to redo.
    """
    await _point_cursor(session, None)
    changed = await rows(
        session, select(_change.c.id).where(_change.c.operation_id == operation_id).limit(1)
    )
    if not changed:
        await session.exec(delete(_operation).where(_operation.c.id == operation_id))  # type: ignore[call-overload]
        return
    await session.exec(  # type: ignore[call-overload]
        update(_operation)
        .where(_operation.c.user_name == user, _operation.c.state == UNDONE)
        .values(state=DISCARDED)
    )
    await session.exec(delete(_operation).where(_operation.c.id <= operation_id - keep))  # type: ignore[call-overload]


async def _point_cursor(session: AsyncSession, operation_id: int | None) -> None:
    if session.bind.dialect.name == "postgresql":
        value = "" if operation_id is None else str(operation_id)
        await session.exec(
            text("SELECT set_config('taskcli.operation_id', :value, true)").bindparams(value=value)
        )  # type: ignore[call-overload]
    else:
        await session.exec(
            text("UPDATE journal_cursor SET operation_id = :value WHERE id = 1").bindparams(
                value=operation_id
            )
        )  # type: ignore[call-overload]


async def undo(session: AsyncSession, *, user: str, steps: int, force: bool) -> list[Reverted]:
    """Revert this user's newest applied operations, newest first, all or none."""
    return await _travel(session, user=user, steps=steps, force=force, backwards=True)


async def redo(session: AsyncSession, *, user: str, steps: int, force: bool) -> list[Reverted]:
    """Re-apply what undo reverted, oldest undone first."""
    return await _travel(session, user=user, steps=steps, force=force, backwards=False)


async def _travel(
    session: AsyncSession, *, user: str, steps: int, force: bool, backwards: bool
) -> list[Reverted]:
    state, order = (APPLIED, Operation.id.desc()) if backwards else (UNDONE, Operation.id.asc())  # type: ignore[union-attr]
    operations = await rows(
        session,
        select(Operation.id, Operation.command)
        .where(Operation.user_name == user, Operation.state == state)
        .order_by(order)
        .limit(steps),
    )
    if not operations:
        raise Conflict(f"nothing to {'undo' if backwards else 'redo'}")
    await lock_tree(session)  # undo may re-parent, delete or restore subtrees
    done: list[Reverted] = []
    for operation_id, command in operations:
        touched = await _apply(session, operation_id, command, force=force, backwards=backwards)
        await session.exec(  # type: ignore[call-overload]
            update(Operation)
            .where(Operation.id == operation_id)
            .values(state=UNDONE if backwards else APPLIED)
        )
        done.append(Reverted(operation_id=operation_id, command=command, rows=touched))
    return done


async def _apply(
    session: AsyncSession, operation_id: int, command: str, *, force: bool, backwards: bool
) -> int:
    changes = await rows(
        session,
        select(Change.table_name, Change.row_key, Change.old_row, Change.new_row)
        .where(Change.operation_id == operation_id)
        .order_by(Change.id),
    )
    # Per row: the state the operation left (expected now) and the one to restore.
    expected: dict[tuple[str, str], str | None] = {}
    target: dict[tuple[str, str], str | None] = {}
    for table, key, old, new in changes if backwards else reversed(changes):
        start, end = (old, new) if backwards else (new, old)
        target.setdefault((table, key), start)
        expected[(table, key)] = end
    del changes
    refusal = Refusal(operation_id, command, "undo" if backwards else "redo")
    # Locked until commit: a concurrent writer of these rows waits for us, or
    # committed first and is seen here as a conflict; it is never overwritten.
    present = await _current_rows(session, list(target))
    if not force:
        for (table, key), wanted in expected.items():
            now = present.get((table, key))
            if not _matches(now, wanted) and not _matches(now, target[(table, key)]):
                what = {"task": "task", "tag": "tag"}.get(table, "tag link")
                raise refusal(
                    f"{what} {key} was changed since; use --force to {refusal.verb} it anyway"
                )
    await check_restorable(session, target, present, refusal)
    try:
        async with session.begin_nested():
            await _restore(session, target, present)
            await check_tree(session, target, present, refusal)
    except IntegrityError:
        raise refusal(
            "a row it restores clashes with the database as it is now (a task or tag it "
            "refers to is gone, or a tag of the same name was made since); "
            "--force cannot help"
        ) from None
    return len(target)


def _matches(present: str | None, captured: str | None) -> bool:
    """Is the row now as the journal captured it? Only captured columns count.

    A column added after the change was captured is not part of the comparison
    (the journal never knew its value), so a schema change does not turn every
    old operation into a conflict.
    """
    if present is None or captured is None:
        return present is None and captured is None
    now, then = json.loads(present), json.loads(captured)
    return all(now.get(column) == value for column, value in then.items())


async def _current_rows(
    session: AsyncSession, keys: Sequence[tuple[str, str]]
) -> dict[tuple[str, str], str]:
    """The rows as they are now, in the journal's JSON form, locked for this transaction."""
    found: dict[tuple[str, str], str] = {}
    by_table: dict[str, list[str]] = defaultdict(list)
    for table, key in keys:
        by_table[table].append(key)
    postgres = session.bind.dialect.name == "postgresql"
    for table, row_keys in by_table.items():
        for start in range(0, len(row_keys), _CHUNK):
            chunk = row_keys[start : start + _CHUNK]
            document = (
                f"to_jsonb({table})::text" if postgres else await _sqlite_json(session, table)
            )
            key_sql = _key_expression(table)
            lock = " FOR UPDATE" if postgres else ""  # SQLite writers hold the write lock
            statement = text(
                f"SELECT {key_sql}, {document} FROM {table} WHERE {key_sql} IN :keys{lock}"
            ).bindparams(_expanding("keys", _key_values(table, chunk)))
            for row_key, document_text in await rows(session, statement):
                found[(table, str(row_key))] = document_text
    return found


def _expanding(name: str, values: list[str]) -> Any:
    from sqlalchemy import bindparam

    return bindparam(name, value=values, expanding=True)


def _key_expression(table: str) -> str:
    if table == "task_tag":
        return "(CAST(task_id AS TEXT) || ':' || CAST(tag_id AS TEXT))"
    return "id"


def _key_values(table: str, keys: list[str]) -> list[Any]:
    """Keys as the key expression compares them: ids as integers, so indexes serve."""
    return keys if table == "task_tag" else [int(key) for key in keys]


async def _sqlite_json(session: AsyncSession, table: str) -> str:
    """The row as a JSON object of the table's columns as they are in the database."""
    columns = [row[1] for row in await rows(session, text(f"PRAGMA table_info({table})"))]
    return "json_object(" + ", ".join(f"'{c}', {c}" for c in columns) + ")"


async def _restore(
    session: AsyncSession,
    target: dict[tuple[str, str], str | None],
    present: dict[tuple[str, str], str],
) -> None:
    """Put every row into its target state, in an order the foreign keys accept."""
    plan: dict[str, dict[str, list[Any]]] = {
        table: {"delete": [], "insert": [], "update": []} for table in _TABLES
    }
    for (table, key), document in target.items():
        exists = (table, key) in present
        if document is None:
            if exists:
                plan[table]["delete"].append(key)
        else:
            plan[table]["update" if exists else "insert"].append(json.loads(document))
    await _delete(session, "task_tag", plan["task_tag"]["delete"])
    await _insert(session, "tag", plan["tag"]["insert"])
    await _update(session, "tag", plan["tag"]["update"])
    await _insert(session, "task", _parents_first(plan["task"]["insert"]))
    await _update(session, "task", plan["task"]["update"])
    await _delete(session, "task", _children_first(plan["task"]["delete"], present))
    await _delete_unused_tags(session, plan["tag"]["delete"])
    await _insert(session, "task_tag", plan["task_tag"]["insert"])


def _parents_first(tasks: list[dict[str, Any]]) -> list[dict[str, Any]]:
    by_id = {task["id"]: task for task in tasks}
    ordered: list[dict[str, Any]] = []
    placed: set[int] = set()

    def place(task: dict[str, Any]) -> None:
        chain = []
        while task["id"] not in placed:
            chain.append(task)
            parent = by_id.get(task["parent_id"])
            if parent is None or parent["id"] in placed or parent in chain:
                break
            task = parent
        for item in reversed(chain):
            placed.add(item["id"])
            ordered.append(item)

    for task in tasks:
        place(task)
    return ordered


def _children_first(keys: list[str], present: dict[tuple[str, str], str]) -> list[str]:
    """Deepest first, so that no delete statement leaves a child without its parent."""
    parents = {key: json.loads(present[("task", key)])["parent_id"] for key in keys}
    depth: dict[str, int] = {}
    for start in keys:
        path: list[str] = []
        key = start
        while key not in depth and key in parents and len(path) <= len(parents):
            path.append(key)
            parent = parents[key]
            key = str(parent) if parent is not None else ""
        base = depth.get(key, -1)
        for offset, item in enumerate(reversed(path), start=1):
            depth.setdefault(item, base + offset)
    return sorted(keys, key=depth.__getitem__, reverse=True)


async def _delete(session: AsyncSession, table: str, keys: list[str]) -> None:
    key_sql = _key_expression(table)
    for start in range(0, len(keys), _CHUNK):
        statement = text(f"DELETE FROM {table} WHERE {key_sql} IN :keys").bindparams(
            _expanding("keys", _key_values(table, keys[start : start + _CHUNK]))
        )
        await session.exec(statement)  # type: ignore[call-overload]


async def _delete_unused_tags(session: AsyncSession, keys: list[str]) -> None:
    """Delete tags the operation created, but never one a task still carries.

    Another user may have tagged a task with it since; deleting the tag would
    strip it from that task by cascade, a change no journal would hold.
    """
    for start in range(0, len(keys), _CHUNK):
        statement = text(
            "DELETE FROM tag WHERE id IN :keys "
            "AND NOT EXISTS (SELECT 1 FROM task_tag WHERE task_tag.tag_id = tag.id)"
        ).bindparams(_expanding("keys", _key_values("tag", keys[start : start + _CHUNK])))
        await session.exec(statement)  # type: ignore[call-overload]


async def _insert(session: AsyncSession, table: str, documents: list[dict[str, Any]]) -> None:
    """Insert the rows with every column the journal captured."""
    for columns, group in _by_columns(documents):
        if session.bind.dialect.name == "postgresql":
            statement = text(
                f"INSERT INTO {table} ({', '.join(columns)}) SELECT {', '.join(columns)} "
                f"FROM jsonb_populate_record(NULL::{table}, CAST(:document AS jsonb))"
            )
            params = [{"document": json.dumps(document)} for document in group]
        else:
            placeholders = ", ".join(f":{c}" for c in columns)
            statement = text(f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({placeholders})")
            params = group
        await session.exec(statement, params=params)  # type: ignore[call-overload]


async def _update(session: AsyncSession, table: str, documents: list[dict[str, Any]]) -> None:
    """Set every column the journal captured (a column it never knew keeps its value)."""
    keys = _KEYS[table]
    where = " AND ".join(f"{k} = :{k}" for k in keys)
    for all_columns, group in _by_columns(documents):
        columns = [c for c in all_columns if c not in keys]
        if not columns:
            continue
        if session.bind.dialect.name == "postgresql":
            statement = text(
                f"UPDATE {table} SET ({', '.join(columns)}) = (SELECT {', '.join(columns)} "
                f"FROM jsonb_populate_record(NULL::{table}, CAST(:document AS jsonb))) "
                f"WHERE {where}"
            )
            params = [{"document": json.dumps(d), **{k: d[k] for k in keys}} for d in group]
        else:
            statement = text(
                f"UPDATE {table} SET {', '.join(f'{c} = :{c}' for c in columns)} WHERE {where}"
            )
            params = group
        await session.exec(statement, params=params)  # type: ignore[call-overload]


def _by_columns(
    documents: list[dict[str, Any]],
) -> list[tuple[tuple[str, ...], list[dict[str, Any]]]]:
    """Documents grouped by the columns they hold (one statement per group)."""
    groups: dict[tuple[str, ...], list[dict[str, Any]]] = defaultdict(list)
    for document in documents:
        groups[tuple(document)].append(document)
    return list(groups.items())
