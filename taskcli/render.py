"""Data formats: task views in, JSON, CSV, ids and outlines out. No database, no Rich.

Data formats keep the stored text exactly; JSON escapes every non-ASCII
character. The layouts for people are in ``layout``, the journal's views in
``render_journal``.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from taskcli.domain import (
    AnnotatedTask,
    Annotation,
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


def tasks_csv(views: Iterable[TaskView]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(JSON_KEYS)
    for view in views:
        writer.writerow(csv_cells(task_object(view), JSON_KEYS))
    return buffer.getvalue()


def csv_cells(record: dict[str, Any], keys: Sequence[str]) -> list[Any]:
    """A task object's ``keys`` as CSV cells: lists joined by ``,``, ``recur`` as text, null
    as empty (``list -f csv`` and ``next -f csv`` alike)."""
    cells = {
        **record,
        "tags": ",".join(record["tags"]),
        "blocked_by": ",".join(map(str, record["blocked_by"])),
        "recur": _recur_csv(record["recur"]),
    }
    return ["" if cells[key] is None else cells[key] for key in keys]


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
