"""Taskwarrior's ``task export`` JSON as import records (stdlib only).

description → title; pending and waiting → pending; completed → done at its
``end``; ``wait`` and ``scheduled`` → the same dates (0.4.0; a waiting task
stays hidden until its wait date); deleted tasks are skipped and counted; a
recurring template and its instances become one series (``taskwarrior_recur``); H/M/L →
high/medium/low; annotations → annotations (one that cannot be one, having no
valid date or being longer than an annotation may be, stays a note line with
its date, as before 0.3.0); a dotted project
(``Home.Garden``) → parent tasks named by each segment; dependencies are kept
as note lines and reported. Each task keeps its uuid as ``taskwarrior:<uuid>``
so that importing the same file again adds nothing twice.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Mapping
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

from taskcli.domain import Annotation, Priority, Status
from taskcli.errors import UsageError
from taskcli.instants import check_range, to_local
from taskcli.records import ImportRecord, load_json
from taskcli.taskwarrior_recur import SeriesPlan, plan_series
from taskcli.validation import (
    MAX_ANNOTATION_LENGTH,
    MAX_EXTERNAL_ID_LENGTH,
    MAX_TAG_LENGTH,
    MAX_TITLE_LENGTH,
    bounded_identifier,
    validate_note,
    validate_tag,
)

_PRIORITIES = {"H": Priority.HIGH, "M": Priority.MEDIUM, "L": Priority.LOW}
_SKIPPED = {"deleted": "deleted", "recurring": "recurring templates"}  # see taskwarrior_recur


def parse_taskwarrior(text: str) -> tuple[list[ImportRecord], Counter[str], int]:
    """Records (projects first), skipped counts by reason, and how many dependencies were
    kept as note lines (those on a task the file does not import); the others are
    blocked-by links (0.4.0)."""
    items = _items(text)
    titles, imported = _titles_and_imported(items)
    records: dict[str, ImportRecord] = {}
    skipped: Counter[str] = Counter()
    dependencies = 0
    try:
        plan = plan_series(items, _instant)
    except UsageError as error:
        raise UsageError(f"Taskwarrior recurring task: {error}") from None
    for number, item in enumerate(items, start=1):
        try:
            if not isinstance(item, Mapping):
                raise UsageError("must be an object")
            status = item.get("status", "pending")
            if status == "recurring" and item.get("uuid") in plan.templates:
                if item["uuid"] not in plan.carriers:
                    continue  # its series is carried by an instance
                status = "pending"  # the template stands in for its series' next instance
            if status in _SKIPPED:
                skipped[_SKIPPED[status]] += 1
                continue
            depends = _depends(item.get("depends"))
            dependencies += sum(1 for d in depends if d not in imported)
            parent_key = _add_projects(records, item.get("project"))
            record = _with_series(
                plan, item, _record(item, status, parent_key, depends, titles, imported)
            )
        except UsageError as error:
            raise UsageError(f"Taskwarrior task {number}: {error}") from None
        records[record.key] = record
    return list(records.values()), skipped, dependencies


def _titles_and_imported(items: list[Any]) -> tuple[dict[Any, Any], set[Any]]:
    """Every uuid's title, and the uuids the import keeps (not deleted): what a dependency
    can name and whether it becomes a link."""
    tasks = [item for item in items if isinstance(item, Mapping)]
    titles = {item.get("uuid"): item.get("description", "") for item in tasks}
    imported = {item.get("uuid") for item in tasks if item.get("status", "pending") not in _SKIPPED}
    return titles, imported


def _with_series(plan: SeriesPlan, item: Mapping[str, Any], record: ImportRecord) -> ImportRecord:
    """The record carrying its series' rule (see ``taskwarrior_recur``), if it does."""
    carried = plan.carriers.get(str(item.get("uuid")))
    if carried is None:
        return record
    recur, anchor = carried
    due = plan.due_of.get(str(item.get("uuid")), record.due)
    return replace(record, recur=recur, recur_anchor=anchor, due=due)


def _items(text: str) -> list[Any]:
    stripped = text.strip()
    if not stripped:
        return []
    if stripped.startswith("["):
        document = load_json(stripped, "the Taskwarrior export")
        if not isinstance(document, list):
            raise UsageError("a Taskwarrior export is a JSON array of tasks")
        return document
    # Older versions print one JSON object per line.
    return [
        load_json(line, f"line {n} of the Taskwarrior export")
        for n, line in enumerate(stripped.splitlines(), 1)
        if line.strip()
    ]


def _add_projects(records: dict[str, ImportRecord], project: Any) -> str | None:
    """Make (or reuse) one task per project segment; return the innermost one's key."""
    if project is None or project == "":
        return None
    if not isinstance(project, str):
        raise UsageError("project must be a string")
    parent_key: str | None = None
    path = ""
    for segment in (part.strip() for part in project.split(".")):
        if not segment:
            continue
        path = f"{path}.{segment}" if path else segment
        key = f"taskwarrior-project:{path}"
        if key not in records:
            records[key] = ImportRecord(
                key=key,
                parent_key=parent_key,
                title=_title(segment),
                external_id=bounded_identifier(key, MAX_EXTERNAL_ID_LENGTH),
                describes_task=False,
            )
        parent_key = key
    return parent_key


def _record(
    item: Mapping[str, Any],
    status: str,
    parent_key: str | None,
    depends: list[str],
    titles: Mapping[Any, Any],
    imported: set[Any],
) -> ImportRecord:
    uuid = _uuid(item.get("uuid"))
    if status not in ("pending", "waiting", "completed"):
        raise UsageError(f"unknown status {status!r}")
    done = status == "completed"
    annotations, note_lines = _annotations(item.get("annotations") or [])
    note_lines += [
        f"Depends on: {titles.get(d) or 'an unknown task'} ({d})"
        for d in depends
        if d not in imported
    ]
    blocked_by = tuple(dict.fromkeys(f"taskwarrior:{d}" for d in depends if d in imported))
    tags = item.get("tags") or []
    if not isinstance(tags, list):
        raise UsageError("tags must be a list")
    return ImportRecord(
        key=f"taskwarrior:{uuid}",
        parent_key=parent_key,
        title=_title(item.get("description")),
        note=validate_note("\n".join(note_lines)) if note_lines else None,
        status=Status.DONE if done else Status.PENDING,
        priority=_priority(item.get("priority")),
        due=_instant(item.get("due"), "due"),
        tags=frozenset(tag for tag in map(_tag, tags) if tag),
        created_at=_instant(item.get("entry"), "entry"),
        updated_at=_instant(item.get("modified"), "modified"),
        completed_at=_instant(item.get("end"), "end") if done else None,
        wait=_instant(item.get("wait"), "wait"),
        scheduled=_instant(item.get("scheduled"), "scheduled"),
        external_id=bounded_identifier(f"taskwarrior:{uuid}", MAX_EXTERNAL_ID_LENGTH),
        annotations=annotations,
        blocked_by=tuple(key for key in blocked_by if key != f"taskwarrior:{uuid}"),
        started_at=None if done else _instant(item.get("start"), "start"),
    )


def _uuid(value: Any) -> str:
    if not isinstance(value, str) or not value:
        raise UsageError("uuid is missing")
    if not value.isprintable():
        raise UsageError("uuid must be printable text")
    return value


def _priority(value: Any) -> Priority:
    """H, M and L; anything else (none, or a user-defined value) is no priority."""
    return _PRIORITIES.get(value, Priority.NONE) if isinstance(value, str) else Priority.NONE


def _annotations(value: Any) -> tuple[tuple[Annotation, ...], list[str]]:
    """Taskwarrior annotations as ours, and note lines for those that cannot be one."""
    if not isinstance(value, list):
        raise UsageError("annotations must be a list")
    annotations: list[Annotation] = []
    note_lines: list[str] = []
    for item in value:
        if not isinstance(item, Mapping):
            continue
        description = item.get("description", "")
        text = " ".join(str(description).split())  # one line, as annotations are
        text = "".join(char if char.isprintable() else " " for char in text).strip()
        try:
            entry = _instant(item.get("entry"), "annotation entry")
        except UsageError:
            entry = None
        if text and entry is not None and len(text) <= MAX_ANNOTATION_LENGTH:
            annotations.append(Annotation(entry=entry, text=text))
        elif text:
            note_lines.append(f"{_when(item.get('entry'))}: {description}".strip())
    return tuple(annotations), note_lines


def _title(value: Any) -> str:
    """Taskwarrior descriptions may be long or hold newlines: fold them to one line."""
    if not isinstance(value, str) or not value.strip():
        raise UsageError("description is missing")
    title = " ".join(value.split())
    if len(title) > MAX_TITLE_LENGTH:
        title = title[: MAX_TITLE_LENGTH - 1] + "…"
    return "".join(char if char.isprintable() else " " for char in title)


def _tag(value: Any) -> str | None:
    """Taskwarrior tags may hold characters ours do not ('c++', 'a.b'): fold them to '-'."""
    if not isinstance(value, str):
        raise UsageError("tags must be strings")
    folded = re.sub(r"[^\w-]+", "-", value.strip().lower()).strip("-")[:MAX_TAG_LENGTH]
    return validate_tag(folded) if folded else None


def _depends(value: Any) -> list[str]:
    if not value:
        return []
    if isinstance(value, str):  # Taskwarrior 2.x: comma-separated
        return [part for part in value.split(",") if part]
    if isinstance(value, list):
        return [str(part) for part in value]
    raise UsageError("depends must be a list of uuids")


def _instant(value: Any, what: str) -> datetime | None:
    """Taskwarrior's ``20261201T170000Z`` (or ISO 8601)."""
    if value is None:
        return None
    if not isinstance(value, str):
        raise UsageError(f"{what} must be a date string")
    for pattern in ("%Y%m%dT%H%M%SZ", "%Y-%m-%dT%H:%M:%SZ"):
        try:
            parsed = datetime.strptime(value, pattern).replace(tzinfo=UTC)
        except ValueError:
            continue
        return check_range(parsed, what)
    raise UsageError(f"{what} is not a Taskwarrior date: {value!r}")


def _when(value: Any) -> str:
    try:
        instant = _instant(value, "annotation entry")
    except UsageError:
        return "undated"
    return to_local(instant).strftime("%Y-%m-%d %H:%M") if instant else "undated"
