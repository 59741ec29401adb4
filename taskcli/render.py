"""Pure rendering: task views in, text out (JSON, CSV, tables, trees). No database.

Styles are applied through a ``Styler`` the caller passes in (ANSI colour on
a terminal, nothing when piped), so this module needs no Rich.

User text (titles, notes, tags) is data: it is made terminal-safe and put
into ``Text`` objects, never parsed as Rich markup. Data formats (JSON, CSV,
ids) keep the stored text exactly; JSON escapes every non-ASCII character.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime, time
from typing import Any

from taskcli.dates import to_local
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


_PRIORITY_LABELS = tuple(priority.label for priority in Priority)
_json_text = json.encoder.encode_basestring_ascii  # what json.dumps does to a str, in C


def _json_or_null(value: str | None) -> str:
    return "null" if value is None else _json_text(value)


def _iso_from_text(value: str) -> str:
    """ISO 8601 text (as ``datetime.isoformat`` gives it) of a record's timestamp.

    PostgreSQL records carry it already; SQLite's carry the stored UTC text
    ``YYYY-MM-DD HH:MM:SS.ffffff``, where a zero fraction is left out.
    """
    if value[10] == "T":
        return value
    fraction = value[20:]
    if fraction in ("", "000000"):
        return f"{value[:10]}T{value[11:19]}+00:00"
    return f"{value[:10]}T{value[11:19]}.{fraction}+00:00"


def _time_or_null(value: str | None) -> str:
    return "null" if value is None else f'"{_iso_from_text(value)}"'


def record_json(row: Sequence[Any], tags: Iterable[str]) -> str:
    """The JSON text of ``task_object`` without its closing brace, from a task record.

    A record is a row of ``queries.record_columns``: timestamps are text
    (see ``_iso_from_text``). Formatting the known keys directly is about twice as fast as a
    dict through ``json.dumps`` and gives the same bytes; streams (export,
    ``tree -f json``) append their own keys and the brace.
    """
    note, parent_id = row[2], row[6]
    return (
        f'{{"id": {row[0]}, "title": {_json_text(row[1])}, "note": {_json_or_null(note)}, '
        f'"status": {_json_text(row[3])}, "priority": "{_PRIORITY_LABELS[row[4]]}", '
        f'"due": {_time_or_null(row[5])}, '
        f'"tags": [{", ".join(_json_text(tag) for tag in sorted(tags)) if tags else ""}], '
        f'"parent_id": {"null" if parent_id is None else parent_id}, '
        f'"created_at": "{_iso_from_text(row[7])}", "updated_at": "{_iso_from_text(row[8])}", '
        f'"completed_at": {_time_or_null(row[9])}'
    )


class TreeJsonWriter:
    """``tree -f json`` of a whole forest written node by node, in pre-order.

    The bytes are those of ``to_json(tree_objects(nodes))``: one root per
    line, each with its whole subtree nested on that line.
    """

    def __init__(self, out: Callable[[str], Any]) -> None:
        self._out = out
        self._level = 0  # the level of the last node opened (0: none yet)

    def node(
        self, row: Sequence[Any], tags: Iterable[str], done: int, total: int, level: int
    ) -> None:
        opened = (
            f'{record_json(row, tags)}, "progress": {{"done": {done}, "total": {total}}}, '
            '"subtasks": ['
        )
        if self._level == 0:
            lead = "[\n"
        elif level > self._level:
            lead = ""  # the first child of the node just opened
        else:
            lead = "]}" * (self._level - level + 1) + (", " if level > 1 else ",\n")
        self._out(lead + opened)
        self._level = level

    def finish(self) -> None:
        self._out("]}" * self._level + "\n]\n" if self._level else "[]\n")


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


def export_record(
    task: tuple[Sequence[Any], Iterable[str]], external_id: str | None, *, first: bool
) -> str:
    """One exported task: its record (see ``record_json``) and tags, and its external id."""
    row, tags = task
    lead = "" if first else ",\n"
    return f'{lead}{record_json(row, tags)}, "external_id": {_json_or_null(external_id)}}}'


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
    local = to_local(due)
    if local.time() == time(23, 59, 59):
        return local.strftime("%Y-%m-%d")
    return local.strftime("%Y-%m-%d %H:%M")


def progress_text(view: TaskView) -> str:
    return f"{view.progress.done}/{view.progress.total}" if view.progress else ""


def tags_text(view: TaskView) -> str:
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
        "Tags": tags_text(view),
        "Progress": progress_text(view),
    }
    return [values[column] for column in columns]


Styler = Callable[[str, str], str]
"""Wraps text in a named style (``bold``, ``dim``, ``red`` ...); the plain one does nothing."""

PRIORITY_STYLES = {Priority.HIGH: "bold red", Priority.MEDIUM: "yellow", Priority.LOW: "cyan"}


def plain(text: str, _style: str) -> str:
    return text


def task_table(
    views: Sequence[TaskView],
    *,
    now: datetime | None,
    style: Styler,
    width: int | None = None,
    cell_width: Callable[[str], int] = len,
) -> str:
    """The ``list`` table as text: one task per line, columns aligned.

    With ``width`` (a terminal) titles are shortened with an ellipsis so that
    rows fit; without it nothing is ever cut. Building lines directly keeps
    10,000 rows to milliseconds, where a Rich ``Table`` costs about 0.3 ms a row.
    """
    columns = _columns(views)
    grid = [columns, *(_cells(view, columns) for view in views)]
    widths = [max(cell_width(row[i]) for row in grid) for i in range(len(columns))]
    title = columns.index("Title")
    if width is not None:
        others = sum(widths) - widths[title] + 2 * (len(columns) - 1)
        widths[title] = max(10, min(widths[title], width - others))
    lines = [_row(columns, widths, cell_width, style, "bold")]
    for view, cells in zip(views, grid[1:], strict=True):
        if cell_width(cells[title]) > widths[title]:
            cells[title] = _shorten(cells[title], widths[title], cell_width)
        lines.append(
            _row(
                cells, widths, cell_width, style, _row_style(view), _cell_styles(view, columns, now)
            )
        )
    return "".join(f"{line}\n" for line in lines)


def _row(
    cells: Sequence[str],
    widths: Sequence[int],
    cell_width: Callable[[str], int],
    style: Styler,
    row_style: str,
    cell_styles: dict[int, str] | None = None,
) -> str:
    parts = []
    for index, (cell, width) in enumerate(zip(cells, widths, strict=True)):
        pad = " " * (width - cell_width(cell))
        name = (cell_styles or {}).get(index, row_style)
        text = style(cell, name) if cell and name else cell
        parts.append(pad + text if index == 0 else text + pad)
    return "  ".join(parts).rstrip()


def _row_style(view: TaskView) -> str:
    return "dim" if view.status is Status.DONE else ""


def _cell_styles(view: TaskView, columns: Sequence[str], now: datetime | None) -> dict[int, str]:
    if view.status is Status.DONE:
        return {}
    styles = {columns.index("Pri"): PRIORITY_STYLES.get(view.priority, "")}
    if now is not None and view.due is not None and view.due < now:
        styles[columns.index("Due")] = "red"
    return styles


def _shorten(text: str, width: int, cell_width: Callable[[str], int]) -> str:
    while text and cell_width(text) > width - 1:
        text = text[:-1]
    return text + "…"


def aligned(grid: Sequence[Sequence[str]]) -> str:
    """Rows of cells as aligned text, the first column (ids) to the right."""
    columns = grid[0]
    widths = [max(len(row[i]) for row in grid) for i in range(len(columns))]
    return "".join(f"{_row(row, widths, len, plain, '')}\n" for row in grid)


def node_label(view: TaskView, style: Styler) -> str:
    """``○ 7 Title  [2/5]  due 2026-12-01  +tag`` with its styles."""
    done = view.status is Status.DONE
    mark = style(_DONE_MARK, "green") if done else _PENDING_MARK
    title = terminal_safe(view.title)
    title_style = "dim" if done else PRIORITY_STYLES.get(view.priority, "")
    extras = []
    if view.progress:
        extras.append(f"[{view.progress.done}/{view.progress.total}]")
    if view.due:
        extras.append(f"due {format_due(view.due)}")
    if view.tags:
        extras.append(" ".join(f"+{terminal_safe(tag)}" for tag in view.tags))
    label = (
        f"{mark} {style(str(view.id), 'dim')} {style(title, title_style) if title_style else title}"
    )
    return label + (style("  " + "  ".join(extras), "dim") if extras else "")


def task_tree(nodes: Sequence[TreeNode], *, style: Styler = plain) -> str:
    """The forest with guide lines, one node per line, each root at the margin."""
    lines: list[str] = []
    stack: list[tuple[TreeNode, str, str]] = [(node, "", "") for node in reversed(nodes)]
    while stack:
        node, lead, indent = stack.pop()
        lines.append(
            style(lead, "dim") + node_label(node.task, style)
            if lead
            else node_label(node.task, style)
        )
        last = len(node.children) - 1
        for index in range(last, -1, -1):
            is_last = index == last
            stack.append(
                (
                    node.children[index],
                    indent + ("└── " if is_last else "├── "),
                    indent + ("    " if is_last else "│   "),
                )
            )
    return "".join(f"{line}\n" for line in lines)


def local_time(value: datetime) -> str:
    return to_local(value).strftime("%Y-%m-%d %H:%M:%S")


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
