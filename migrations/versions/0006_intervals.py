"""Intervals (table ``time_interval``): the time a task was started for, journaled.

``start`` opens one, ``stop`` (or ``done``) closes it. (Not named ``interval``:
on PostgreSQL that is a built-in type, which the journal's row casts would meet.)

A downgrade keeps them: each task's intervals are appended to its note as
lines ``worked <ISO 8601 UTC>/<ISO 8601 UTC>`` (a running one ends in ``/..``,
ISO 8601's open end), after a blank line. An upgrade turns such lines at the
end of a note back into intervals, so a downgrade and an upgrade lose nothing;
no other note text is touched. The journal's triggers are recreated so the
new table is journaled; a downgrade drops the journal's records of interval
rows along with the table.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-28
"""

import re
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from alembic import op

from taskcli.db.journal_triggers import recreate_journal_triggers
from taskcli.db.note_lines import append_note_lines
from taskcli.tables import UTCDateTime

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OPEN_END = ".."
_LINE = re.compile(r"worked (\S+)/(\S+)")
_task = sa.table("task", sa.column("id", sa.Integer), sa.column("note", sa.Text))
_interval = sa.table(
    "time_interval",
    sa.column("id", sa.Integer),
    sa.column("task_id", sa.Integer),
    sa.column("started_at", UTCDateTime()),
    sa.column("stopped_at", UTCDateTime()),
)
_RUNNING = sa.text("stopped_at IS NULL")


def upgrade() -> None:
    op.create_table(
        "time_interval",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("task_id", sa.Integer(), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("stopped_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "stopped_at IS NULL OR stopped_at >= started_at",
            name=op.f("ck_time_interval_stop_after_start"),
        ),
        sa.ForeignKeyConstraint(
            ["task_id"], ["task.id"], name=op.f("fk_time_interval_task_id_task"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_time_interval")),
        sqlite_autoincrement=True,
    )
    op.create_index(op.f("ix_time_interval_task_id"), "time_interval", ["task_id"], unique=False)
    op.create_index(
        "ux_time_interval_running",
        "time_interval",
        ["task_id"],
        unique=True,
        sqlite_where=_RUNNING,
        postgresql_where=_RUNNING,
    )
    _unfold_notes()
    recreate_journal_triggers()


def downgrade() -> None:
    _fold_into_notes()
    op.execute("DELETE FROM change WHERE table_name = 'time_interval'")
    op.drop_index("ux_time_interval_running", table_name="time_interval")
    op.drop_index(op.f("ix_time_interval_task_id"), table_name="time_interval")
    op.drop_table("time_interval")  # its triggers go with it
    recreate_journal_triggers()


def _fold_into_notes() -> None:
    """Append each task's intervals to its note, oldest first, so none is lost."""
    bind = op.get_bind()
    found = bind.execute(
        sa.select(_interval.c.task_id, _interval.c.started_at, _interval.c.stopped_at).order_by(
            _interval.c.task_id, _interval.c.started_at, _interval.c.id
        )
    )
    lines: dict[int, list[str]] = {}
    for task_id, started, stopped in found:
        end = stopped.isoformat() if stopped is not None else OPEN_END
        lines.setdefault(task_id, []).append(f"worked {started.isoformat()}/{end}")
    append_note_lines(bind, lines)


def _unfold_notes() -> None:
    """Turn the lines a downgrade appended to notes back into intervals."""
    bind = op.get_bind()
    candidates = bind.execute(
        sa.select(_task.c.id, _task.c.note).where(_task.c.note.like("%worked %/%"))
    )
    notes: list[dict[str, Any]] = []
    intervals: list[dict[str, Any]] = []
    for task_id, note in candidates:
        kept, found = _split(note)
        if found:
            notes.append({"b_id": task_id, "b_note": kept})
            intervals += [{"task_id": task_id, "started_at": s, "stopped_at": e} for s, e in found]
    if notes:
        bind.execute(
            _task.update()
            .where(_task.c.id == sa.bindparam("b_id"))
            .values(note=sa.bindparam("b_note")),
            notes,
        )
        bind.execute(_interval.insert(), intervals)


def _split(note: str) -> tuple[str | None, list[tuple[datetime, datetime | None]]]:
    """The note without its trailing interval lines, and those lines' (start, stop).

    Only the last interval may be running (the index allows one): a running
    one anywhere else ends the lines taken.
    """
    lines = note.split("\n")
    found: list[tuple[datetime, datetime | None]] = []
    while lines and (parsed := _parse(lines[-1])) is not None:
        if parsed[1] is None and found:
            break
        found.insert(0, parsed)
        lines.pop()
    kept = "\n".join(lines).strip()
    return kept or None, found


def _parse(line: str) -> tuple[datetime, datetime | None] | None:
    match = _LINE.fullmatch(line)
    if match is None:
        return None
    started = _instant(match.group(1))
    stopped = None if match.group(2) == OPEN_END else _instant(match.group(2))
    if started is None or (match.group(2) != OPEN_END and (stopped is None or stopped < started)):
        return None
    return started, stopped


def _instant(text: str) -> datetime | None:
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        return None
    return value.astimezone(UTC) if value.tzinfo is not None else None
