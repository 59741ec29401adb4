"""Reading the journal: ``taskcli log`` and ``taskcli history ID``."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Table, func, or_, select
from sqlmodel.ext.asyncio.session import AsyncSession

from taskcli.domain import FieldChange, HistoryEntry, OperationView, Priority
from taskcli.errors import TaskNotFound
from taskcli.models import Change, Operation, Tag, Task
from taskcli.services._common import rows

_operation: Table = Operation.__table__  # type: ignore[attr-defined]
_change: Table = Change.__table__  # type: ignore[attr-defined]
_task: Table = Task.__table__  # type: ignore[attr-defined]
_tag: Table = Tag.__table__  # type: ignore[attr-defined]
_SHOWN_FIELDS = (
    "title",
    "note",
    "status",
    "priority",
    "due",
    "parent_id",
    "completed_at",
    "wait",
    "scheduled",
)


async def list_operations(session: AsyncSession, *, limit: int) -> list[OperationView]:
    """The newest operations first, with how many tasks each touched."""
    operations = await rows(
        session,
        select(
            _operation.c.id,
            _operation.c.created_at,
            _operation.c.user_name,
            _operation.c.command,
            _operation.c.state,
        )
        .order_by(_operation.c.id.desc())
        .limit(limit),
    )
    if not operations:
        return []
    ids = [operation.id for operation in operations]
    touched = dict(
        await rows(
            session,
            select(_change.c.operation_id, func.count(func.distinct(_change.c.row_key)))
            .where(_change.c.operation_id.in_(ids), _change.c.table_name == "task")
            .group_by(_change.c.operation_id),
        )
    )
    return [
        OperationView(
            id=o.id,
            created_at=o.created_at,
            user=o.user_name,
            command=o.command,
            state=o.state,
            tasks_touched=int(touched.get(o.id, 0)),
        )
        for o in operations
    ]


async def task_history(session: AsyncSession, *, task_id: int) -> list[HistoryEntry]:
    """Every journaled change to one task (its tags and annotations too), oldest first.

    ``TaskNotFound`` for an id with no journal and no row: it never existed
    (a deleted task keeps its history; a task older than the journal has none).
    """
    changes = await rows(session, _changes_of(task_id))
    if not changes and not await rows(session, select(_task.c.id).where(_task.c.id == task_id)):
        raise TaskNotFound(task_id)
    tag_names = dict(await rows(session, select(_tag.c.id, _tag.c.name)))
    entries: list[HistoryEntry] = []
    for change in changes:
        kind, fields = _described(change, tag_names)
        _merge(entries, change, kind, fields)
    return entries


def _changes_of(task_id: int) -> Any:
    """The task's own rows and those keyed ``task_id:…`` (tag links, annotations, intervals)."""
    return (
        select(
            _change.c.operation_id,
            _change.c.table_name,
            _change.c.old_row,
            _change.c.new_row,
            _operation.c.created_at,
            _operation.c.command,
            _operation.c.state,
        )
        .join(_operation, _operation.c.id == _change.c.operation_id)
        .where(
            or_(
                (_change.c.table_name == "task") & (_change.c.row_key == str(task_id)),
                _change.c.table_name.in_(_KEYED_UNDER_TASK)
                & _change.c.row_key.startswith(f"{task_id}:"),
            )
        )
        .order_by(_change.c.id)
    )


# Tables whose row keys start with their task's id ("task_id:...").
_KEYED_UNDER_TASK = ("task_tag", "annotation", "time_interval", "task_blocker")


def _described(change: Any, tag_names: dict[Any, str]) -> tuple[str, tuple[FieldChange, ...]]:
    """What one journaled row change did to the task: its kind and the fields it changed."""
    old, new = _load(change.old_row), _load(change.new_row)
    if change.table_name == "task_tag":
        tag_id = (old or new or {}).get("tag_id")
        name = tag_names.get(tag_id, f"#{tag_id}")
        return "changed", (FieldChange("tag", None if new else name, name if new else None),)
    if change.table_name == "annotation":
        # Annotations are added and removed, never edited: old or new is the text.
        texts = ((old or {}).get("text"), (new or {}).get("text"))
        return "changed", (FieldChange("annotation", *texts),)
    if change.table_name == "time_interval":
        return "changed", _interval_fields(old, new)
    if change.table_name == "task_blocker":
        blocker = str((old or new or {}).get("blocked_by_id"))
        return "changed", (
            FieldChange("blocked_by", None if new else blocker, blocker if new else None),
        )
    kind = "created" if old is None else "deleted" if new is None else "changed"
    fields = tuple(
        FieldChange(name, _shown(name, (old or {}).get(name)), _shown(name, (new or {}).get(name)))
        for name in _SHOWN_FIELDS
        if (old or {}).get(name) != (new or {}).get(name)
    )
    return kind, fields


def _interval_fields(
    old: dict[str, Any] | None, new: dict[str, Any] | None
) -> tuple[FieldChange, ...]:
    """``started`` and ``stopped`` (ISO times) as ``start``/``stop``/``done`` made them; a
    removed interval (its task deleted) as ``interval`` with its old ``start/stop``."""
    before, after = old or {}, new or {}
    start, stop = (_shown("due", after.get(n)) for n in ("started_at", "stopped_at"))
    if new is None:
        began, ended = (_shown("due", before.get(n)) for n in ("started_at", "stopped_at"))
        span = f"{began}/{ended or '..'}"
        return (FieldChange("interval", span, None),)
    fields: list[FieldChange] = []
    if old is None:
        fields.append(FieldChange("started", None, start))
    if after.get("stopped_at") != before.get("stopped_at"):
        fields.append(FieldChange("stopped", _shown("due", before.get("stopped_at")), stop))
    return tuple(fields)


def _merge(
    entries: list[HistoryEntry], change: Any, kind: str, fields: tuple[FieldChange, ...]
) -> None:
    """One entry per operation: a task row and its tag links changed by one command."""
    if entries and entries[-1].operation_id == change.operation_id:
        last = entries[-1]
        merged_kind = last.kind if last.kind != "changed" else kind
        entries[-1] = HistoryEntry(
            operation_id=last.operation_id,
            created_at=last.created_at,
            command=last.command,
            state=last.state,
            kind=merged_kind,
            fields=last.fields + fields,
        )
        return
    entries.append(
        HistoryEntry(
            operation_id=change.operation_id,
            created_at=change.created_at,
            command=change.command,
            state=change.state,
            kind=kind,
            fields=fields,
        )
    )


def _load(document: str | None) -> dict[str, Any] | None:
    if document is None:
        return None
    loaded: dict[str, Any] = json.loads(document)
    return loaded


def _shown(name: str, value: Any) -> str | None:
    """Journal values as people read them: priority names, times in ISO 8601 UTC."""
    if value is None:
        return None
    if name == "priority":
        return Priority(int(value)).label
    if name in ("due", "completed_at", "wait", "scheduled"):
        parsed = datetime.fromisoformat(str(value))
        return (parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)).isoformat()
    return str(value)
