"""Data formats: task views in, JSON, CSV, ids and outlines out. No database, no Rich.

Data formats keep the stored text exactly; JSON escapes every non-ASCII
character. The layouts for people are in ``layout``, the journal's views in
``render_journal``.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

from taskcli.domain import (
    AnnotatedTask,
    Annotation,
    Priority,
    Recurrence,
    Status,
    TaskDetail,
    TaskView,
    TreeNode,
)

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
    "wait",
    "scheduled",
    "blocked_by",
    "recur",
)


def iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def task_object(view: TaskView) -> dict[str, Any]:
    """The SPEC's task object: exactly these keys, times ISO 8601 with offset, tags sorted."""
    return {
        "id": view.id,
        "title": view.title,
        "note": view.note,
        "status": view.status.value,
        "priority": view.priority.label,
        "due": iso(view.due),
        "tags": sorted(view.tags),
        "parent_id": view.parent_id,
        "created_at": iso(view.created_at),
        "updated_at": iso(view.updated_at),
        "completed_at": iso(view.completed_at),
        # 0.4.0: hidden from list and tree until ``wait``; ``scheduled``: the earliest start.
        "wait": iso(view.wait),
        "scheduled": iso(view.scheduled),
        "blocked_by": list(view.blocked_by),  # 0.4.0
        "recur": recur_object(view.recur),
    }


def recur_object(recur: Recurrence | None) -> dict[str, Any] | None:
    """``recur`` (0.4.0): null, or the rule, what it counts from and its end (ISO or null)."""
    if recur is None:
        return None
    return {"rule": recur.rule, "from": recur.start, "until": iso(recur.until)}


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


def _quoted_iso(value: str) -> str:
    return f'"{_iso_from_text(value)}"'


def record_json(row: Sequence[Any], tags: Iterable[str]) -> str:
    """The JSON text of ``task_object`` without its closing brace, from a task record.

    A record is a row of ``queries.record_columns``: timestamps are text
    (see ``_iso_from_text``). Formatting the known keys directly is about twice as fast as a
    dict through ``json.dumps`` and gives the same bytes; streams (export,
    ``tree -f json``) append their own keys and the brace. The fields are
    unpacked once and ``None`` tested inline (100,000 records: 195 ms of CPU
    with a helper call per field, 180 ms so).
    """
    task_id, title, note, status, priority, due, parent_id, created, updated, completed = row[:10]
    # status is 'pending' or 'done' (a CHECK constraint): no escaping needed.
    return (
        f'{{"id": {task_id}, "title": {_json_text(title)}, '
        f'"note": {"null" if note is None else _json_text(note)}, '
        f'"status": "{status}", "priority": "{_PRIORITY_LABELS[priority]}", '
        f'"due": {"null" if due is None else _quoted_iso(due)}, '
        f'"tags": [{", ".join(map(_json_text, sorted(tags))) if tags else ""}], '
        f'"parent_id": {"null" if parent_id is None else parent_id}, '
        f'"created_at": "{_iso_from_text(created)}", "updated_at": "{_iso_from_text(updated)}", '
        f'"completed_at": {"null" if completed is None else _quoted_iso(completed)}, '
        f'"wait": {_time_or_null(row[10])}, "scheduled": {_time_or_null(row[11])}, '
        f'"blocked_by": [{_sorted_ids(row[12])}], "recur": {_recur_json(row)}'
    )


def _recur_json(row: Sequence[Any]) -> str:
    """``recur`` of a record (its last three columns), as ``recur_object`` gives it."""
    if row[13] is None:
        return "null"
    return (
        f'{{"rule": {_json_text(row[13])}, "from": {_json_text(row[14] or "due")}, '
        f'"until": {_time_or_null(row[15])}}}'
    )


def _time_or_null(text: str | None) -> str:
    return "null" if text is None else _quoted_iso(text)


def _sorted_ids(text: str | None) -> str:
    """A record's ``blocked_by`` text (``"7,3"`` or NULL) as sorted JSON numbers."""
    if not text:
        return ""
    return ", ".join(str(n) for n in sorted(int(part) for part in text.split(",")))


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


def records_json(found: Sequence[Sequence[Any]], tags: Mapping[int, Sequence[str]]) -> str:
    """``tasks_json``'s bytes from task records and their tags (``list -f json``)."""
    if not found:
        return "[]\n"
    no_tags: tuple[str, ...] = ()
    return (
        "[\n" + "},\n".join(record_json(row, tags.get(row[0], no_tags)) for row in found) + "}\n]\n"
    )


def annotation_objects(annotations: Iterable[Annotation]) -> list[dict[str, Any]]:
    """``annotations`` (added in 0.3.0): oldest first, each ``{"entry": ISO UTC, "text"}``."""
    return [{"entry": iso(each.entry), "text": each.text} for each in annotations]


def detail_object(detail: TaskDetail) -> dict[str, Any]:
    return {
        **task_object(detail.task),
        "ancestors": [task_object(view) for view in detail.ancestors],
        "subtasks": [task_object(view) for view in detail.subtasks],
        "annotations": annotation_objects(detail.annotations),
        # 0.3.0: started and not stopped; seconds in all its intervals (running: up to now).
        "active": detail.running_since is not None,
        "time_spent": detail.time_spent,
        # 0.4.0: a blocker is still pending; the ids of the tasks blocked by this one.
        "blocked": any(link.pending for link in detail.blocked_by),
        "blocking": [link.id for link in detail.blocking],
    }


def annotated_object(result: AnnotatedTask) -> dict[str, Any]:
    """``annotate``/``denotate -f json``: the task object with its annotations now."""
    return {**task_object(result.task), "annotations": annotation_objects(result.annotations)}


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
    task: tuple[Sequence[Any], Iterable[str]],
    external_id: str | None,
    *,
    first: bool,
    annotations: Sequence[Annotation] = (),
) -> str:
    """One exported task: its record (see ``record_json``) and tags, its external id and
    its annotations (0.3.0)."""
    row, tags = task
    lead = "" if first else ",\n"
    # Most tasks have none: no encoder call for them (export streams every task).
    notes = json.dumps(annotation_objects(annotations), ensure_ascii=True) if annotations else "[]"
    return (
        f'{lead}{record_json(row, tags)}, "external_id": {_json_or_null(external_id)}, '
        f'"annotations": {notes}}}'
    )


def export_footer(count: int, source: str | None = None) -> str:
    """The end of the export; ``source`` (the database's identity) is its last key."""
    tail = f', "source": {_json_text(source)}' if source is not None else ""
    return ("\n" if count else "") + f"]{tail}}}\n"


def tasks_csv(views: Iterable[TaskView]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(JSON_KEYS)
    for view in views:
        record = task_object(view)
        record["tags"] = ",".join(record["tags"])
        record["blocked_by"] = ",".join(map(str, record["blocked_by"]))
        record["recur"] = _recur_csv(record["recur"])
        writer.writerow("" if record[key] is None else record[key] for key in JSON_KEYS)
    return buffer.getvalue()


def _recur_csv(recur: dict[str, Any] | None) -> str | None:
    """A CSV cell: the rule, `` from completion`` when so, `` until <ISO>`` when set."""
    if recur is None:
        return None
    start = " from completion" if recur["from"] == "completion" else ""
    until = f" until {recur['until']}" if recur["until"] else ""
    return f"{recur['rule']}{start}{until}"


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
