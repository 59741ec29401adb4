"""The journal for people and scripts: ``log`` and ``history`` as text and JSON."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from taskcli.domain import HistoryEntry, OperationView
from taskcli.layout import aligned, local_time
from taskcli.render import iso
from taskcli.textsafe import terminal_safe


def operation_object(operation: OperationView) -> dict[str, Any]:
    return {
        "id": operation.id,
        "time": iso(operation.created_at),
        "user": operation.user,
        "command": operation.command,
        "state": operation.state,
        "tasks": operation.tasks_touched,
    }


def operations_table(operations: Sequence[OperationView]) -> str:
    """``taskcli log`` for people: newest first, one operation per line."""
    grid = [["ID", "When", "User", "Tasks", "State", "Command"]]
    grid += [
        [
            str(o.id),
            local_time(o.created_at),
            terminal_safe(o.user),
            str(o.tasks_touched),
            o.state,
            terminal_safe(o.command),
        ]
        for o in operations
    ]
    return aligned(grid)


def history_objects(entries: Sequence[HistoryEntry]) -> list[dict[str, Any]]:
    return [
        {
            "operation": entry.operation_id,
            "time": iso(entry.created_at),
            "command": entry.command,
            "state": entry.state,
            "kind": entry.kind,
            "fields": [{"name": f.name, "old": f.old, "new": f.new} for f in entry.fields],
        }
        for entry in entries
    ]


def history_text(entries: Sequence[HistoryEntry]) -> str:
    """``taskcli history ID`` for people: one block per operation, oldest first."""
    lines: list[str] = []
    for entry in entries:
        undone = "" if entry.state == "applied" else f" ({entry.state})"
        lines.append(
            f"{local_time(entry.created_at)}  #{entry.operation_id} {entry.kind}{undone}: "
            f"{terminal_safe(entry.command)}"
        )
        for field in entry.fields:
            if field.name == "tag":
                tag = f"+{field.new}" if field.new else f"-{field.old or ''}"
                lines.append(f"    tag {terminal_safe(tag)}")
            elif entry.kind == "changed":
                lines.append(f"    {field.name}: {_shown(field.old)} -> {_shown(field.new)}")
            elif field.new is not None or field.old is not None:
                value = field.new if entry.kind == "created" else field.old
                lines.append(f"    {field.name}: {_shown(value)}")
    return "".join(f"{line}\n" for line in lines)


def _shown(value: str | None) -> str:
    return "(none)" if value is None else terminal_safe(value)
