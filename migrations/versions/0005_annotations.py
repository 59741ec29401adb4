"""Annotations: dated lines of text on a task (``annotate``, ``denotate``), journaled.

A downgrade keeps them: each task's annotations are appended to its note as
lines ``annotated <ISO 8601 UTC>: <text>``, after a blank line. An upgrade
turns such lines at the end of a note back into annotations (so a downgrade
and an upgrade lose nothing); no other note text is touched. The journal's
triggers are recreated so the new table is journaled; a downgrade drops the
journal's records of annotation rows along with the table.

Revision ID: 0005
Revises: 0004
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

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

MAX_TEXT = 1000
_LINE = re.compile(r"annotated (\S+): (.+)")
_task = sa.table("task", sa.column("id", sa.Integer), sa.column("note", sa.Text))
_annotation = sa.table(
    "annotation",
    sa.column("id", sa.Integer),
    sa.column("task_id", sa.Integer),
    sa.column("entry", UTCDateTime()),
    sa.column("text", sa.String),
)


def upgrade() -> None:
    op.create_table(
        "annotation",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("task_id", sa.Integer(), nullable=False),
        sa.Column("entry", sa.DateTime(timezone=True), nullable=False),
        sa.Column("text", sa.String(length=MAX_TEXT), nullable=False),
        sa.CheckConstraint(
            f"length(text) BETWEEN 1 AND {MAX_TEXT}", name=op.f("ck_annotation_text_length")
        ),
        sa.ForeignKeyConstraint(
            ["task_id"], ["task.id"], name=op.f("fk_annotation_task_id_task"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_annotation")),
        sqlite_autoincrement=True,
    )
    op.create_index(op.f("ix_annotation_task_id"), "annotation", ["task_id"], unique=False)
    _unfold_notes()
    recreate_journal_triggers()


def downgrade() -> None:
    _fold_into_notes()
    op.execute("DELETE FROM change WHERE table_name = 'annotation'")
    op.drop_index(op.f("ix_annotation_task_id"), table_name="annotation")
    op.drop_table("annotation")  # its triggers go with it
    recreate_journal_triggers()


def _fold_into_notes() -> None:
    """Append each task's annotations to its note, oldest first, so none is lost."""
    bind = op.get_bind()
    found = bind.execute(
        sa.select(_annotation.c.task_id, _annotation.c.entry, _annotation.c.text).order_by(
            _annotation.c.task_id, _annotation.c.entry, _annotation.c.id
        )
    )
    lines: dict[int, list[str]] = {}
    for task_id, entry, text in found:
        lines.setdefault(task_id, []).append(f"annotated {entry.isoformat()}: {text}")
    append_note_lines(bind, lines)


def _unfold_notes() -> None:
    """Turn the lines a downgrade appended to notes back into annotations."""
    bind = op.get_bind()
    candidates = bind.execute(
        sa.select(_task.c.id, _task.c.note).where(_task.c.note.like("%annotated %: %"))
    )
    notes: list[dict[str, Any]] = []
    annotations: list[dict[str, Any]] = []
    for task_id, note in candidates:
        kept, found = _split(note)
        if found:
            notes.append({"b_id": task_id, "b_note": kept})
            annotations += [{"task_id": task_id, "entry": e, "text": t} for e, t in found]
    if notes:
        bind.execute(
            _task.update()
            .where(_task.c.id == sa.bindparam("b_id"))
            .values(note=sa.bindparam("b_note")),
            notes,
        )
        bind.execute(_annotation.insert(), annotations)


def _split(note: str) -> tuple[str | None, list[tuple[datetime, str]]]:
    """The note without its trailing annotation lines, and those lines' (entry, text)."""
    lines = note.split("\n")
    found: list[tuple[datetime, str]] = []
    while lines and (parsed := _parse(lines[-1])) is not None:
        found.insert(0, parsed)
        lines.pop()
    kept = "\n".join(lines).strip()
    return kept or None, found


def _parse(line: str) -> tuple[datetime, str] | None:
    match = _LINE.fullmatch(line)
    if match is None or len(match.group(2).strip()) != len(match.group(2)):
        return None
    try:
        entry = datetime.fromisoformat(match.group(1))
    except ValueError:
        return None
    if entry.tzinfo is None or len(match.group(2)) > MAX_TEXT:
        return None
    return entry.astimezone(UTC), match.group(2)
