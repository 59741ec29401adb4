"""Recurrence: columns on ``task`` (journaled with the task row), so no read joins.

``recur_rule`` (``weekly``, ``every 2 months`` ...; null: not recurring),
``recur_from`` (``due``: a fixed schedule from ``recur_anchor``, the series'
first due; ``completion``: org-mode's ``.+``), ``recur_until`` (no instance
after it) and ``series_id`` (the id of the series' first task; null on that
first task itself, so ``add`` needs no second statement).

A downgrade keeps them: a recurring task's note gets the line
``recurs <rule> from <due|completion> until <ISO|..> anchor <ISO|..> series <id|..>``
after a blank line; an upgrade turns that last line back into the columns.

Revision ID: 0009
Revises: 0006
Create Date: 2026-11-28
"""

import re
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from alembic import op

from taskcli.db.journal_triggers import recreate_journal_triggers
from taskcli.db.note_lines import with_lines, write_notes
from taskcli.tables import UTCDateTime

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

NONE = ".."
_LINE = re.compile(
    r"recurs ([a-z0-9 ]{1,40}) from (due|completion) until (\S+) anchor (\S+) series (\S+)"
)
_task = sa.table(
    "task",
    sa.column("id", sa.Integer),
    sa.column("note", sa.Text),
    sa.column("series_id", sa.Integer),
    sa.column("recur_rule", sa.String),
    sa.column("recur_from", sa.String),
    sa.column("recur_until", UTCDateTime()),
    sa.column("recur_anchor", UTCDateTime()),
)
_FIELDS = ("recur_rule", "recur_from", "recur_until", "recur_anchor", "series_id")


def upgrade() -> None:
    with op.batch_alter_table("task") as batch_op:
        batch_op.add_column(sa.Column("series_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("recur_rule", sa.String(length=40), nullable=True))
        batch_op.add_column(sa.Column("recur_from", sa.String(length=10), nullable=True))
        batch_op.add_column(sa.Column("recur_until", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("recur_anchor", sa.DateTime(timezone=True), nullable=True))
        batch_op.create_index(batch_op.f("ix_task_series_id"), ["series_id"], unique=False)
    _unfold_notes()
    recreate_journal_triggers()


def downgrade() -> None:
    _fold_into_notes()
    with op.batch_alter_table("task") as batch_op:
        batch_op.drop_index(batch_op.f("ix_task_series_id"))
        for column in _FIELDS:
            batch_op.drop_column(column)
    recreate_journal_triggers()


def _fold_into_notes() -> None:
    """Append each recurring task's rule to its note, so a downgrade loses nothing."""
    bind = op.get_bind()
    found = bind.execute(
        sa.select(_task.c.id, _task.c.note, *(_task.c[name] for name in _FIELDS)).where(
            _task.c.recur_rule.is_not(None)
        )
    )
    notes: dict[int, str | None] = {}
    for task_id, note, rule, start, until, anchor, series in found:
        line = (
            f"recurs {rule} from {start} until {_text(until)} anchor {_text(anchor)}"
            f" series {NONE if series is None else series}"
        )
        notes[task_id] = with_lines(note, [line])
    write_notes(bind, notes)


def _unfold_notes() -> None:
    """Turn the line a downgrade appended to a note back into the task's columns."""
    bind = op.get_bind()
    candidates = bind.execute(
        sa.select(_task.c.id, _task.c.note).where(_task.c.note.like("%recurs % from %"))
    )
    updates: list[dict[str, Any]] = []
    for task_id, note in candidates:
        kept, _, last = note.rpartition("\n")
        values = _parse(last)
        if values is not None:
            updates.append({"b_id": task_id, "b_note": kept.strip() or None, **values})
    if updates:
        bind.execute(
            _task.update()
            .where(_task.c.id == sa.bindparam("b_id"))
            .values(
                note=sa.bindparam("b_note"), **{name: sa.bindparam(f"b_{name}") for name in _FIELDS}
            ),
            updates,
        )


def _parse(line: str) -> dict[str, Any] | None:
    match = _LINE.fullmatch(line)
    if match is None:
        return None
    rule, start, until, anchor, series = match.groups()
    times = {name: _instant(text) for name, text in (("until", until), ("anchor", anchor))}
    bad_time = any(
        times[name] is None and text != NONE
        for name, text in zip(times, (until, anchor), strict=True)
    )
    if bad_time or not (series == NONE or series.isdigit()):
        return None
    return {
        "b_recur_rule": rule,
        "b_recur_from": start,
        "b_recur_until": times["until"],
        "b_recur_anchor": times["anchor"],
        "b_series_id": None if series == NONE else int(series),
    }


def _text(value: datetime | None) -> str:
    return NONE if value is None else value.isoformat()


def _instant(text: str) -> datetime | None:
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        return None
    return value.astimezone(UTC) if value.tzinfo is not None else None
