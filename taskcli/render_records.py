"""Task *records* (``queries.record_columns``: rows with timestamps as stored text) to
JSON text directly: ``list -f json``, ``tree -f json`` and ``export``, the formats
that print every task, skip building a view and a dict per task.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from taskcli.domain import Annotation, Priority
from taskcli.render import annotation_objects

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


def records_json(found: Sequence[Sequence[Any]], tags: Mapping[int, Sequence[str]]) -> str:
    """``tasks_json``'s bytes from task records and their tags (``list -f json``)."""
    if not found:
        return "[]\n"
    no_tags: tuple[str, ...] = ()
    return (
        "[\n" + "},\n".join(record_json(row, tags.get(row[0], no_tags)) for row in found) + "}\n]\n"
    )


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


def export_header() -> str:
    """The start of ``taskcli export``: records follow one per line, then ``export_footer``."""
    return '{"format": "taskcli", "version": 1, "tasks": [\n'


def export_footer(count: int, source: str | None = None) -> str:
    """The end of the export; ``source`` (the database's identity) is its last key."""
    tail = f', "source": {_json_text(source)}' if source is not None else ""
    return ("\n" if count else "") + f"]{tail}}}\n"
