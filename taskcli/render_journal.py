"""The journal for people and scripts: ``log`` and ``history`` as text and JSON."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

from taskcli.domain import FieldChange, HistoryEntry, OperationView
from taskcli.fitting import Step, ellipsized
from taskcli.layout import aligned, format_due, local_time
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


def _log_steps(command: int, width: int) -> list[Step]:
    """The command gets the slack and is cut last; the user and task count give way first."""
    return [
        ("Command", min(command, max(20, width // 2))),
        ("User", 10),
        ("Command", 16),
        ("Tasks", 0),
        ("User", 0),
        ("Command", 1),
    ]


def operations_table(
    operations: Sequence[OperationView],
    *,
    width: int | None = None,
    cell_width: Callable[[str], int] = len,
) -> str:
    """``taskcli log`` for people: newest first, one operation per line (fitted to ``width``)."""
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
    if width is None:
        return aligned(grid)
    command = max(cell_width(row[-1]) for row in grid)
    return aligned(grid, width=width, steps=_log_steps(command, width), cell_width=cell_width)


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


def history_text(
    entries: Sequence[HistoryEntry],
    *,
    width: int | None = None,
    cell_width: Callable[[str], int] = len,
) -> str:
    """``taskcli history ID`` for people: one block per operation, oldest first.

    Times are local, as everywhere for people; with ``width`` each line is
    cut at the end (``…``) to fit it.
    """
    lines: list[str] = []
    for entry in entries:
        undone = "" if entry.state == "applied" else f" ({entry.state})"
        lines.append(
            f"{local_time(entry.created_at)}  #{entry.operation_id} {entry.kind}{undone}: "
            f"{terminal_safe(entry.command)}"
        )
        shown = (_field_line(entry.kind, field) for field in entry.fields)
        lines.extend(line for line in shown if line is not None)
    if width is not None:
        lines = [ellipsized(line, width, cell_width) for line in lines]
    return "".join(f"{line}\n" for line in lines)


def _field_line(kind: str, field: FieldChange) -> str | None:
    """One indented line of ``history`` for one field of one operation (None: nothing to say)."""
    if field.name == "tag":
        tag = f"+{field.new}" if field.new else f"-{field.old or ''}"
        return f"    tag {terminal_safe(tag)}"
    if field.name == "annotation":
        change = "added" if field.new is not None else "removed"
        text = field.new if field.new is not None else field.old or ""
        return f"    annotation {change}: {terminal_safe(text)}"
    if field.name in ("started", "stopped"):
        when = field.new if field.new is not None else field.old
        reopened = " (running again)" if field.new is None else ""
        return f"    {field.name} {_shown('completed_at', when)}{reopened}"
    if field.name == "blocked_by":
        change = "added" if field.new is not None else "removed"
        return f"    blocked by {field.new or field.old} {change}"
    if field.name == "interval":
        return f"    interval removed: {terminal_safe(field.old or '')}"
    if kind == "changed":
        old, new = _shown(field.name, field.old), _shown(field.name, field.new)
        return f"    {field.name}: {old} -> {new}"
    if field.new is None and field.old is None:
        return None
    value = field.new if kind == "created" else field.old
    return f"    {field.name}: {_shown(field.name, value)}"


def _shown(name: str, value: str | None) -> str:
    """A field's value for people: times in the local zone, as ``list`` and ``show`` show them."""
    if value is None:
        return "(none)"
    if name in ("due", "completed_at", "wait", "scheduled"):
        try:
            moment = datetime.fromisoformat(value)
        except ValueError:
            return terminal_safe(value)
        return local_time(moment) if name == "completed_at" else format_due(moment)
    return terminal_safe(value)
