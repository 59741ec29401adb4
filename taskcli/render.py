"""Pure rendering: task views in, Rich renderables or text out. No database.

User text (titles, notes, tags) is data: it is made terminal-safe and put
into ``Text`` objects, never parsed as Rich markup. Data formats (JSON, CSV,
ids) keep the stored text exactly; JSON escapes every non-ASCII character.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Sequence
from datetime import datetime, time
from typing import Any

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text
from rich.tree import Tree

from taskcli.domain import (
    HistoryEntry,
    OperationView,
    Priority,
    Status,
    TaskDetail,
    TaskView,
    TreeNode,
)
from taskcli.textsafe import terminal_safe

JSON_KEYS = (
    "id",
    "title",
    "note",
    "status",
    "priority",
    "due",
    "tags",
    "parent_id",
    "created_at",
    "updated_at",
    "completed_at",
)
_PRIORITY_STYLE = {Priority.HIGH: "bold red", Priority.MEDIUM: "yellow", Priority.LOW: "cyan"}
_DONE_MARK = "✓"
_PENDING_MARK = "○"


# -- data formats -------------------------------------------------------------


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def task_object(view: TaskView) -> dict[str, Any]:
    """The SPEC's task object: exactly these keys, times ISO 8601 with offset, tags sorted."""
    return {
        "id": view.id,
        "title": view.title,
        "note": view.note,
        "status": view.status.value,
        "priority": view.priority.label,
        "due": _iso(view.due),
        "tags": sorted(view.tags),
        "parent_id": view.parent_id,
        "created_at": _iso(view.created_at),
        "updated_at": _iso(view.updated_at),
        "completed_at": _iso(view.completed_at),
    }


def to_json(document: Any) -> str:
    """One JSON document; a list puts one compact element per line.

    Python's C encoder only runs without ``indent``; indenting 10,000 tasks in
    pure Python took longer than loading them.
    """
    if isinstance(document, list):
        if not document:
            return "[]\n"
        return (
            "[\n" + ",\n".join(json.dumps(item, ensure_ascii=True) for item in document) + "\n]\n"
        )
    return json.dumps(document, ensure_ascii=True, indent=2) + "\n"


def tasks_json(views: Iterable[TaskView]) -> str:
    return to_json([task_object(view) for view in views])


def detail_object(detail: TaskDetail) -> dict[str, Any]:
    return {
        **task_object(detail.task),
        "ancestors": [task_object(view) for view in detail.ancestors],
        "subtasks": [task_object(view) for view in detail.subtasks],
    }


def tree_objects(nodes: Sequence[TreeNode]) -> list[dict[str, Any]]:
    """Tree nodes as task objects with ``subtasks`` and ``progress`` added."""
    return [
        {
            **task_object(node.task),
            "progress": {
                "done": node.task.progress.done if node.task.progress else 0,
                "total": node.task.progress.total if node.task.progress else 0,
            },
            "subtasks": tree_objects(node.children),
        }
        for node in nodes
    ]


def export_header() -> str:
    """The start of ``taskcli export``: records follow one per line, then ``export_footer``."""
    return '{"format": "taskcli", "version": 1, "tasks": [\n'


def export_record(view: TaskView, external_id: str | None, *, first: bool) -> str:
    record = {**task_object(view), "external_id": external_id}
    return ("" if first else ",\n") + json.dumps(record, ensure_ascii=True)


def export_footer(count: int) -> str:
    return ("\n" if count else "") + "]}\n"


def tasks_csv(views: Iterable[TaskView]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(JSON_KEYS)
    for view in views:
        record = task_object(view)
        record["tags"] = ",".join(record["tags"])
        writer.writerow("" if record[key] is None else record[key] for key in JSON_KEYS)
    return buffer.getvalue()


def tasks_ids(views: Iterable[TaskView]) -> str:
    return "".join(f"{view.id}\n" for view in views)


def tree_outline(nodes: Sequence[TreeNode]) -> str:
    """A Markdown checklist, two spaces per level (``import --outline`` reads it back)."""
    lines: list[str] = []
    stack = [(node, 0) for node in reversed(nodes)]
    while stack:
        node, level = stack.pop()
        mark = "x" if node.task.status is Status.DONE else " "
        lines.append(f"{'  ' * level}- [{mark}] {node.task.title}")
        stack.extend((child, level + 1) for child in reversed(node.children))
    return "".join(f"{line}\n" for line in lines)


# -- human formats ------------------------------------------------------------


def format_due(due: datetime | None) -> str:
    """Local time; a due at the end of a day shows as the date alone."""
    if due is None:
        return ""
    local = due.astimezone()
    if local.time() == time(23, 59, 59):
        return local.strftime("%Y-%m-%d")
    return local.strftime("%Y-%m-%d %H:%M")


def _progress_text(view: TaskView) -> str:
    return f"{view.progress.done}/{view.progress.total}" if view.progress else ""


def _tags_text(view: TaskView) -> str:
    return " ".join(terminal_safe(tag) for tag in view.tags)


def _columns(views: Sequence[TaskView]) -> list[str]:
    columns = ["ID"]
    if any(view.status is Status.DONE for view in views):
        columns.append("St")
    columns += ["Pri", "Title", "Due", "Tags"]
    if any(view.progress for view in views):
        columns.append("Progress")
    return columns


def _cells(view: TaskView, columns: Sequence[str]) -> list[str]:
    values = {
        "ID": str(view.id),
        "St": _DONE_MARK if view.status is Status.DONE else "",
        "Pri": "" if view.priority is Priority.NONE else view.priority.label,
        "Title": terminal_safe(view.title),
        "Due": format_due(view.due),
        "Tags": _tags_text(view),
        "Progress": _progress_text(view),
    }
    return [values[column] for column in columns]


def plain_table(views: Sequence[TaskView]) -> str:
    """Aligned columns, one task per line, never wrapped or cut (for pipes)."""
    columns = _columns(views)
    return aligned([columns, *(_cells(view, columns) for view in views)])


def aligned(grid: Sequence[Sequence[str]]) -> str:
    """Rows of cells as aligned text, the first column (ids) to the right."""
    columns = grid[0]
    widths = [max(len(row[i]) for row in grid) for i in range(len(columns))]
    right = {0}
    lines = []
    for row in grid:
        cells = [
            cell.rjust(width) if i in right else cell.ljust(width)
            for i, (cell, width) in enumerate(zip(row, widths, strict=True))
        ]
        lines.append("  ".join(cells).rstrip())
    return "".join(f"{line}\n" for line in lines)


def rich_table(views: Sequence[TaskView], *, now: datetime) -> Table:
    """The terminal table: the same columns as ``plain_table``, with colour."""
    columns = _columns(views)
    table = Table(box=None, header_style="bold", pad_edge=False, show_edge=False)
    for column in columns:
        table.add_column(
            column,
            justify="right" if column == "ID" else "left",
            no_wrap=column != "Title",
            overflow="fold",
        )
    for view in views:
        cells = _cells(view, columns)
        row_style = "dim" if view.status is Status.DONE else ""
        rendered = [Text(cell) for cell in cells]
        if "Pri" in columns:
            rendered[columns.index("Pri")].stylize(_PRIORITY_STYLE.get(view.priority, ""))
        if view.due is not None and view.due < now and view.status is Status.PENDING:
            rendered[columns.index("Due")].stylize("red")
        table.add_row(*rendered, style=row_style)
    return table


def _node_label(view: TaskView) -> Text:
    done = view.status is Status.DONE
    label = Text(f"{_DONE_MARK if done else _PENDING_MARK} ", style="green" if done else "")
    label.append(f"{view.id} ", style="dim")
    label.append(
        terminal_safe(view.title), style="dim" if done else _PRIORITY_STYLE.get(view.priority, "")
    )
    extras = []
    if view.progress:
        extras.append(f"[{view.progress.done}/{view.progress.total}]")
    if view.due:
        extras.append(f"due {format_due(view.due)}")
    if view.tags:
        extras.append(" ".join(f"+{terminal_safe(tag)}" for tag in view.tags))
    if extras:
        label.append("  " + "  ".join(extras), style="dim")
    return label


def task_tree(nodes: Sequence[TreeNode]) -> RenderableType:
    """The forest as Rich trees, one per root."""
    trees = []
    for node in nodes:
        tree = Tree(_node_label(node.task))
        stack = [(tree, child) for child in reversed(node.children)]
        while stack:
            parent, child = stack.pop()
            branch = parent.add(_node_label(child.task))
            stack.extend((branch, grandchild) for grandchild in reversed(child.children))
        trees.append(tree)
    return Group(*trees)


def task_detail(detail: TaskDetail) -> RenderableType:
    """``show``: every field, the ancestor path and the direct subtasks."""
    view = detail.task
    grid = Table.grid(padding=(0, 2))
    grid.add_column(style="bold", no_wrap=True)
    grid.add_column(overflow="fold")
    fields: list[tuple[str, str]] = [
        ("ID", str(view.id)),
        ("Title", terminal_safe(view.title)),
        ("Status", view.status.value),
        ("Priority", view.priority.label),
        ("Due", format_due(view.due) or "-"),
        ("Tags", _tags_text(view) or "-"),
        (
            "Path",
            " \u203a ".join(terminal_safe(a.title) for a in detail.ancestors) or "(top level)",
        ),
        ("Progress", _progress_text(view) or "-"),
        ("Created", _local(view.created_at)),
        ("Updated", _local(view.updated_at)),
    ]
    if view.completed_at is not None:
        fields.append(("Completed", _local(view.completed_at)))
    if view.note:
        fields.append(("Note", terminal_safe(view.note, keep_newlines=True)))
    for name, value in fields:
        grid.add_row(name, Text(value))
    parts: list[RenderableType] = [grid]
    if detail.subtasks:
        parts.append(Text("\nSubtasks", style="bold"))
        parts.append(Group(*(_node_label(sub) for sub in detail.subtasks)))
    return Group(*parts)


def _local(value: datetime) -> str:
    return value.astimezone().strftime("%Y-%m-%d %H:%M:%S")


def change_line(verb: str, view: TaskView) -> str:
    """``Completed task 3: Title`` (terminal-safe)."""
    return f"{verb} task {view.id}: {terminal_safe(view.title)}"


# -- the journal --------------------------------------------------------------


def operation_object(operation: OperationView) -> dict[str, Any]:
    return {
        "id": operation.id,
        "time": _iso(operation.created_at),
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
            _local(o.created_at),
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
            "time": _iso(entry.created_at),
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
            f"{_local(entry.created_at)}  #{entry.operation_id} {entry.kind}{undone}: "
            f"{terminal_safe(entry.command)}"
        )
        for field in entry.fields:
            if field.name == "tag":
                lines.append(f"    tag {'+' + field.new if field.new else '-' + (field.old or '')}")
            elif entry.kind == "changed":
                lines.append(f"    {field.name}: {_shown(field.old)} -> {_shown(field.new)}")
            elif field.new is not None or field.old is not None:
                value = field.new if entry.kind == "created" else field.old
                lines.append(f"    {field.name}: {_shown(value)}")
    return "".join(f"{line}\n" for line in lines)


def _shown(value: str | None) -> str:
    return "(none)" if value is None else terminal_safe(value)
