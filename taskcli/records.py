"""Tasks as they arrive from a file, before they have ids here (stdlib only).

Every import format (taskcli's own export, Taskwarrior, outlines) is turned
into ``ImportRecord``s; one service then inserts them, parents first.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from taskcli.domain import Annotation, Priority, Recurrence, Status
from taskcli.errors import UsageError
from taskcli.instants import check_range
from taskcli.validation import (
    validate_annotation,
    validate_external_id,
    validate_note,
    validate_tag,
    validate_task_id,
    validate_title,
)

EXPORT_FORMAT = "taskcli"
EXPORT_VERSION = 1


@dataclass(frozen=True)
class ImportRecord:
    key: str  # unique within the file: an id, a uuid, a line number
    parent_key: str | None
    title: str
    note: str | None = None
    status: Status = Status.PENDING
    priority: Priority = Priority.NONE
    due: datetime | None = None
    tags: frozenset[str] = frozenset()
    created_at: datetime | None = None
    updated_at: datetime | None = None
    completed_at: datetime | None = None
    wait: datetime | None = None  # 0.4.0
    scheduled: datetime | None = None  # 0.4.0
    external_id: str | None = None
    original_id: int | None = None  # kept when importing into an empty database
    # False: made up by the importer (a Taskwarrior project), so a task here that
    # matches it is left as it is rather than updated from the file.
    describes_task: bool = True
    # None: the file says nothing about annotations (theirs here are kept as they are).
    annotations: tuple[Annotation, ...] | None = None
    # Keys of the records this one is blocked by (0.4.0); None: the file says nothing.
    blocked_by: tuple[str, ...] | None = None
    # Started and not stopped since (Taskwarrior's ``start``): a running interval from then.
    started_at: datetime | None = None
    # A recurring series' rule (0.4.0) and, for a fixed schedule, its anchor (first due).
    recur: Recurrence | None = None
    recur_anchor: datetime | None = None


@dataclass
class ImportReport:
    """What an import did, for the summary line and ``-f json``."""

    created: dict[str, int] = field(default_factory=dict)  # file key -> new id
    already_present: int = 0  # records matched to a task here: updated + unchanged
    updated: dict[str, int] = field(default_factory=dict)  # file key -> id of the task changed
    unchanged: int = 0
    skipped: dict[str, int] = field(default_factory=dict)  # reason -> count
    notes: list[str] = field(default_factory=list)
    reopened: list[int] = field(default_factory=list)  # done tasks reopened above pending work


def parse_instant(value: Any, what: str) -> datetime | None:
    """An ISO 8601 time with offset, or null."""
    if value is None:
        return None
    if not isinstance(value, str):
        raise UsageError(f"{what} must be an ISO 8601 time or null")
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise UsageError(f"{what} is not an ISO 8601 time: {value!r}") from None
    if parsed.tzinfo is None:
        raise UsageError(f"{what} has no UTC offset: {value!r}")
    return check_range(parsed, what)


def load_json(text: str, what: str) -> Any:
    try:
        return json.loads(text)
    except ValueError as error:
        raise UsageError(f"{what} is not valid JSON ({error})") from None
    except RecursionError:
        raise UsageError(f"{what} is nested too deeply to be a task list") from None


def parse_export(document: Any) -> list[ImportRecord]:
    """Records of a ``taskcli export`` document; the first bad record is named (exit 2)."""
    if not isinstance(document, Mapping) or document.get("format") != EXPORT_FORMAT:
        raise UsageError('not a taskcli export (expected {"format": "taskcli", ...})')
    version = document.get("version")
    if type(version) is not int or version != EXPORT_VERSION:  # not True, not 1.0
        raise UsageError(
            f"unsupported export version {document.get('version')!r} (this taskcli reads 1)"
        )
    tasks = document.get("tasks")
    if not isinstance(tasks, list):
        raise UsageError('the export has no "tasks" list')
    return list(_native_records(tasks))


def export_source(document: Mapping[str, Any]) -> str | None:
    """The identity of the database an export came from (``source``, added in 0.2.0), or None."""
    source = document.get("source")
    if source is None:
        return None
    if not isinstance(source, str):
        raise UsageError("the export's source must be a database identity (a uuid)")
    try:
        return str(uuid.UUID(source))
    except ValueError:
        raise UsageError(f"the export's source is not a uuid: {source[:40]!r}") from None


def _native_records(tasks: list[Any]) -> Iterator[ImportRecord]:
    seen: set[int] = set()
    external_ids: set[str] = set()
    for number, item in enumerate(tasks, start=1):
        try:
            record = _native_record(item)
        except UsageError as error:
            task_id = item.get("id") if isinstance(item, Mapping) else None
            label = f"record {number}" + (f" (id {task_id})" if isinstance(task_id, int) else "")
            raise UsageError(f"{label}: {error}") from None
        assert record.original_id is not None
        if record.original_id in seen:
            raise UsageError(f"record {number}: id {record.original_id} appears twice")
        seen.add(record.original_id)
        if record.external_id is not None:
            if record.external_id in external_ids:
                raise UsageError(
                    f"record {number}: external_id {record.external_id!r} appears twice"
                )
            external_ids.add(record.external_id)
        yield record


def _native_record(item: Any) -> ImportRecord:
    if not isinstance(item, Mapping):
        raise UsageError("must be an object")
    task_id = validate_task_id(_integer(item.get("id"), "id"))
    parent_id = item.get("parent_id")
    if parent_id is not None:
        _integer(parent_id, "parent_id", " or null")
    title = item.get("title")
    if not isinstance(title, str):
        raise UsageError("title must be a string")
    note = item.get("note")
    if note is not None and not isinstance(note, str):
        raise UsageError("note must be a string or null")
    tags = item.get("tags", [])
    if not isinstance(tags, list) or not all(isinstance(tag, str) for tag in tags):
        raise UsageError("tags must be a list of strings")
    external_id = _external_id(item.get("external_id"))
    return ImportRecord(
        key=str(task_id),
        parent_key=str(parent_id) if parent_id is not None else None,
        title=validate_title(title, allow_invisible=True),
        note=validate_note(note) if note is not None else None,
        status=_choice(Status, item.get("status", "pending"), "status"),
        priority=Priority.parse(_text(item.get("priority", "none"), "priority")),
        due=parse_instant(item.get("due"), "due"),
        tags=frozenset(validate_tag(tag) for tag in tags),
        created_at=parse_instant(item.get("created_at"), "created_at"),
        updated_at=parse_instant(item.get("updated_at"), "updated_at"),
        completed_at=parse_instant(item.get("completed_at"), "completed_at"),
        wait=parse_instant(item.get("wait"), "wait"),
        scheduled=parse_instant(item.get("scheduled"), "scheduled"),
        external_id=external_id,
        original_id=task_id,
        annotations=_annotations(item.get("annotations")),
        blocked_by=_blocked_by(item.get("blocked_by"), task_id),
        **_recurrence(item.get("recur"), parse_instant(item.get("due"), "due")),
    )


def _integer(value: Any, what: str, or_else: str = "") -> int:
    if not isinstance(value, int) or isinstance(value, bool):
        raise UsageError(f"{what} must be an integer{or_else}")
    return value


def _external_id(value: Any) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise UsageError("external_id must be a string or null")
    validate_external_id(value)
    return value


def _blocked_by(value: Any, task_id: int) -> tuple[str, ...] | None:
    """``blocked_by`` (0.4.0): the exported ids of its blockers; absent: None."""
    if value is None:
        return None
    if not isinstance(value, list) or not all(
        isinstance(n, int) and not isinstance(n, bool) for n in value
    ):
        raise UsageError("blocked_by must be a list of task ids")
    if task_id in value:
        raise UsageError("a task cannot be blocked by itself")
    return tuple(str(validate_task_id(n)) for n in dict.fromkeys(value))


def _recurrence(value: Any, due: datetime | None) -> dict[str, Any]:
    """``recur`` (0.4.0): null or ``{"rule", "from", "until"}``; a fixed schedule's anchor is
    the due (an export does not carry the first due of the series)."""
    if value is None:
        return {}
    from taskcli.recurrence import FROM_COMPLETION, FROM_DUE, parse_rule

    fields = value if isinstance(value, Mapping) else {}
    text, start = fields.get("rule"), fields.get("from", FROM_DUE)
    rule = parse_rule(text) if isinstance(text, str) else None
    if rule is None or start not in (FROM_DUE, FROM_COMPLETION):
        raise UsageError('recur must be null or an object with "rule", "from" and "until"')
    if start == FROM_DUE and due is None:
        raise UsageError("recur from the due date needs a due date")
    until = parse_instant(value.get("until"), "recur until")
    anchor = due if start == FROM_DUE else None
    return {"recur": Recurrence(rule.text(), start, until), "recur_anchor": anchor}


def _annotations(value: Any) -> tuple[Annotation, ...] | None:
    """``annotations`` (0.3.0): a list of ``{"entry": ISO 8601, "text": ...}``; absent: None."""
    if value is None:
        return None
    if not isinstance(value, list):
        raise UsageError("annotations must be a list")
    found: list[Annotation] = []
    for item in value:
        if not isinstance(item, Mapping) or not isinstance(item.get("text"), str):
            raise UsageError('each annotation must be an object with "entry" and "text"')
        entry = parse_instant(item.get("entry"), "annotation entry")
        if entry is None:
            raise UsageError("annotation entry must be an ISO 8601 time")
        found.append(
            Annotation(entry=entry, text=validate_annotation(item["text"], allow_invisible=True))
        )
    return tuple(found)


def _text(value: Any, what: str) -> str:
    if not isinstance(value, str):
        raise UsageError(f"{what} must be a string")
    return value


def _choice(kind: type[Status], value: Any, what: str) -> Status:
    try:
        return kind(_text(value, what))
    except ValueError:
        raise UsageError(f"{what} must be one of {', '.join(kind)}") from None
