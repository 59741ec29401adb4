"""Wait and scheduled dates on tasks: two nullable UTC timestamps, journaled with the task.

``wait``: the task is hidden from ``list`` and ``tree`` until then.
``scheduled``: the earliest date work on it can start.

A downgrade keeps them: each date is appended to the task's note as a line
``wait <ISO 8601 UTC>`` or ``scheduled <ISO 8601 UTC>``, after a blank line.
An upgrade turns such lines at the end of a note back into the columns, so a
downgrade and an upgrade lose nothing; no other note text is touched. The
journal's records of task rows lose the two keys on a downgrade (undo there
could not restore a column the table no longer has), and the triggers are
recreated for the table as it then is.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-28
"""

import re
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from alembic import op

from taskcli.db.journal_triggers import (
    create_journal_triggers,
    drop_journal_triggers,
    recreate_journal_triggers,
)
from taskcli.db.note_lines import with_lines, write_notes
from taskcli.tables import UTCDateTime

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

FIELDS = ("wait", "scheduled")
_LINE = re.compile(r"(wait|scheduled) (\S+)")
_task = sa.table(
    "task",
    sa.column("id", sa.Integer),
    sa.column("note", sa.Text),
    sa.column("wait", UTCDateTime()),
    sa.column("scheduled", UTCDateTime()),
)


def upgrade() -> None:
    with op.batch_alter_table("task") as batch_op:
        for name in FIELDS:
            batch_op.add_column(sa.Column(name, sa.DateTime(timezone=True), nullable=True))
    _unfold_notes()
    recreate_journal_triggers()


def downgrade() -> None:
    _fold_into_notes()
    _forget_in_journal()
    drop_journal_triggers()  # a batch copy of the table on SQLite would leave them dangling
    with op.batch_alter_table("task") as batch_op:
        for name in reversed(FIELDS):
            batch_op.drop_column(name)
    create_journal_triggers()


def _fold_into_notes() -> None:
    """Append each task's dates to its note (wait first), so none is lost."""
    bind = op.get_bind()
    found = bind.execute(
        sa.select(_task.c.id, _task.c.note, _task.c.wait, _task.c.scheduled).where(
            sa.or_(_task.c.wait.is_not(None), _task.c.scheduled.is_not(None))
        )
    )
    notes: dict[int, str | None] = {}
    for task_id, note, wait, scheduled in found:
        lines = [
            f"{name} {value.isoformat()}"
            for name, value in zip(FIELDS, (wait, scheduled), strict=True)
            if value is not None
        ]
        notes[task_id] = with_lines(note, lines)
    write_notes(bind, notes)


def _forget_in_journal() -> None:
    """Drop the two keys from the journal's task rows: undo restores what it captured."""
    if op.get_bind().dialect.name == "postgresql":
        strip = "CAST(CAST({c} AS jsonb) - 'wait' - 'scheduled' AS text)"
    else:
        strip = "json_remove({c}, '$.wait', '$.scheduled')"
    op.execute(
        f"UPDATE change SET old_row = {strip.format(c='old_row')}, "
        f"new_row = {strip.format(c='new_row')} WHERE table_name = 'task'"
    )


def _unfold_notes() -> None:
    """Turn the lines a downgrade appended to notes back into the two dates."""
    bind = op.get_bind()
    candidates = bind.execute(
        sa.select(_task.c.id, _task.c.note).where(
            sa.or_(_task.c.note.like("%wait %"), _task.c.note.like("%scheduled %"))
        )
    )
    updates: list[dict[str, Any]] = []
    for task_id, note in candidates:
        kept, found = _split(note)
        if found:
            updates.append(
                {"b_id": task_id, "b_note": kept, **{f"b_{n}": found.get(n) for n in FIELDS}}
            )
    if updates:
        bind.execute(
            _task.update()
            .where(_task.c.id == sa.bindparam("b_id"))
            .values(
                note=sa.bindparam("b_note"),
                wait=sa.bindparam("b_wait", type_=UTCDateTime()),
                scheduled=sa.bindparam("b_scheduled", type_=UTCDateTime()),
            ),
            updates,
        )


def _split(note: str) -> tuple[str | None, dict[str, datetime]]:
    """The note without its trailing date lines (each field at most once), and those dates."""
    lines = note.split("\n")
    found: dict[str, datetime] = {}
    while lines and (parsed := _parse(lines[-1])) is not None and parsed[0] not in found:
        found[parsed[0]] = parsed[1]
        lines.pop()
    kept = "\n".join(lines).strip()
    return kept or None, found


def _parse(line: str) -> tuple[str, datetime] | None:
    match = _LINE.fullmatch(line)
    if match is None:
        return None
    try:
        value = datetime.fromisoformat(match.group(2))
    except ValueError:
        return None
    return (match.group(1), value.astimezone(UTC)) if value.tzinfo is not None else None
