"""Which imported records are tasks this database already holds, and what changed.

A record is the same task as one here when its ``external_id`` is one a task
here carries (a Taskwarrior uuid, or an earlier import's identity), or, for
a taskcli export, when its (source database, exported id) is: a task
imported from that export carries ``taskcli:<source>:<id>`` as its external
id, and an export of this very database names its own tasks by their ids.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import column, select, table
from sqlmodel.ext.asyncio.session import AsyncSession

from taskcli import queries
from taskcli.domain import Status
from taskcli.errors import DatabaseCorrupt, UsageError
from taskcli.queries import TASK_COLUMNS, task
from taskcli.records import ImportRecord
from taskcli.services._common import rows, tags_by_task
from taskcli.services.transfer_annotations import annotation_set, annotations_by_task

_identity = table("database_identity", column("id"), column("uuid"))

# Fields an import compares and, when they differ, sets from the file:
# the task's columns but its own bookkeeping (updated_at), its links and its recurrence.
_FIELDS = tuple(
    column
    for column in TASK_COLUMNS
    if column.name not in ("updated_at", "blocked_by") and not column.name.startswith("recur_")
)


async def database_identity(session: AsyncSession) -> str:
    """This database's uuid (made by migration 0004; one row)."""
    found = await rows(session, select(_identity.c.uuid).where(_identity.c.id == 1))
    if not found:  # removed by hand: refuse rather than guess which database this is
        raise DatabaseCorrupt("the database has lost its identity (table database_identity)")
    return str(found[0][0])


def source_key(source: str, original_id: int) -> str:
    """The external id a task imported from database ``source`` keeps."""
    return f"taskcli:{source}:{original_id}"


@dataclass
class Matching:
    """The outcome of matching a file against this database."""

    existing: dict[str, int] = field(default_factory=dict)  # record key -> task id here
    current: dict[int, dict[str, Any]] = field(default_factory=dict)  # those tasks now
    identities: dict[str, str | None] = field(default_factory=dict)  # key -> new external id


async def match_records(
    session: AsyncSession, records: Sequence[ImportRecord], source: str | None
) -> Matching:
    """Find each record's task here (if any) and the identity a new task would keep."""
    here = await _tasks_here(session, records, source)
    matching = Matching()
    claimed: dict[int, str] = {}
    kept = set(here.by_external)
    for record in records:
        candidates = list(_candidates(record, source))
        found = next((t for t in map(here.find, candidates) if t is not None), None)
        if found is None:
            identity = next((c for c in candidates if c not in kept), None)
            if identity is not None:
                kept.add(identity)
            matching.identities[record.key] = identity
        elif found in claimed:
            raise UsageError(f"record {record.key!r} is the same task as record {claimed[found]!r}")
        else:
            claimed[found] = record.key
            matching.existing[record.key] = found
    if matching.existing:
        matching.current = await _current(session, set(matching.existing.values()))
    return matching


@dataclass(frozen=True)
class _TasksHere:
    """The tasks a record's candidate identities can name here."""

    by_external: dict[str, int]  # external id -> task id
    own_prefix: str  # ``taskcli:<this database>:``, an export of this database
    ids: set[int]  # this database's task ids (loaded only when the file may name them)

    def find(self, candidate: str) -> int | None:
        """The task ``candidate`` names: one carrying it, or one of this database's own."""
        found = self.by_external.get(candidate)
        if found is None and candidate.startswith(self.own_prefix):
            number = candidate.removeprefix(self.own_prefix)
            found = int(number) if number.isdigit() and int(number) in self.ids else None
        return found


async def _tasks_here(
    session: AsyncSession, records: Sequence[ImportRecord], source: str | None
) -> _TasksHere:
    """Two statements, three when the file may be an export of this very database."""
    own = await database_identity(session)
    own_prefix = f"taskcli:{own}:"
    statement = select(task.c.external_id, task.c.id).where(task.c.external_id.is_not(None))
    by_external = {external_id: task_id for external_id, task_id in await rows(session, statement)}
    ids: set[int] = set()
    if source == own or any((r.external_id or "").startswith(own_prefix) for r in records):
        ids = {task_id for (task_id,) in await rows(session, select(task.c.id))}
    return _TasksHere(by_external, own_prefix, ids)


def _candidates(record: ImportRecord, source: str | None) -> Iterator[str]:
    if record.external_id is not None:
        yield record.external_id
    if source is not None and record.original_id is not None:
        yield source_key(source, record.original_id)


async def _current(session: AsyncSession, ids: set[int]) -> dict[int, dict[str, Any]]:
    """The compared fields (tags and annotations too) of these tasks: three statements
    whatever their number."""
    tags = await tags_by_task(session, queries.select_all_tags())
    annotations = await annotations_by_task(session)
    current: dict[int, dict[str, Any]] = {}
    for row in await rows(session, select(*_FIELDS)):
        if row.id in ids:
            current[row.id] = {
                **row._asdict(),
                "tags": frozenset(tags.get(row.id, ())),
                "annotations": annotation_set(annotations.get(row.id, ())),
            }
    return current


def wanted_fields(
    record: ImportRecord, parent_id: int | None, now_row: dict[str, Any]
) -> dict[str, Any]:
    """The fields of ``now_row`` that the file gives other values (empty: unchanged)."""
    if not record.describes_task:
        return {}
    done = record.status is Status.DONE
    wanted: dict[str, Any] = {
        "title": record.title,
        "note": record.note,
        "status": record.status.value,
        "priority": int(record.priority),
        "due": record.due,
        "parent_id": parent_id,
        "completed_at": record.completed_at if done else None,
        "wait": record.wait,
        "scheduled": record.scheduled,
        "tags": record.tags,
    }
    if record.created_at is not None:
        wanted["created_at"] = record.created_at
    if record.annotations is not None:  # None: the file says nothing about them
        wanted["annotations"] = annotation_set(record.annotations)
    return {name: value for name, value in wanted.items() if now_row[name] != value}
