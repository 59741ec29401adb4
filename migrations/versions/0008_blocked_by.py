"""Blocked-by links (table ``task_blocker``): a task waits for others outside its tree, journaled.

A downgrade keeps them: each blocked task's links are appended to its note as
lines ``blocked by task <id>``, after a blank line. An upgrade turns such lines
at the end of a note back into links (only to tasks that exist, never to the
task itself), so a downgrade and an upgrade lose nothing; no other note text
is touched. The journal's triggers are recreated so the new table is
journaled; a downgrade drops the journal's records of link rows with the table.

Revision ID: 0008
Revises: 0006
Create Date: 2026-11-28
"""

import re
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

from taskcli.db.journal_triggers import recreate_journal_triggers
from taskcli.db.note_lines import append_note_lines

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_LINE = re.compile(r"blocked by task ([1-9][0-9]{0,18})")
_task = sa.table("task", sa.column("id", sa.Integer), sa.column("note", sa.Text))
_link = sa.table(
    "task_blocker", sa.column("task_id", sa.Integer), sa.column("blocked_by_id", sa.Integer)
)


def upgrade() -> None:
    op.create_table(
        "task_blocker",
        sa.Column("task_id", sa.Integer(), nullable=False),
        sa.Column("blocked_by_id", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "task_id <> blocked_by_id", name=op.f("ck_task_blocker_not_own_blocker")
        ),
        sa.ForeignKeyConstraint(
            ["task_id"], ["task.id"], name=op.f("fk_task_blocker_task_id_task"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["blocked_by_id"],
            ["task.id"],
            name=op.f("fk_task_blocker_blocked_by_id_task"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("task_id", "blocked_by_id", name=op.f("pk_task_blocker")),
    )
    op.create_index(
        op.f("ix_task_blocker_blocked_by_id"), "task_blocker", ["blocked_by_id"], unique=False
    )
    _unfold_notes()
    recreate_journal_triggers()


def downgrade() -> None:
    _fold_into_notes()
    op.execute("DELETE FROM change WHERE table_name = 'task_blocker'")
    op.drop_index(op.f("ix_task_blocker_blocked_by_id"), table_name="task_blocker")
    op.drop_table("task_blocker")  # its triggers go with it
    recreate_journal_triggers()


def _fold_into_notes() -> None:
    """Append each blocked task's links to its note, by blocker id, so none is lost."""
    bind = op.get_bind()
    found = bind.execute(
        sa.select(_link.c.task_id, _link.c.blocked_by_id).order_by(
            _link.c.task_id, _link.c.blocked_by_id
        )
    )
    lines: dict[int, list[str]] = {}
    for task_id, blocker in found:
        lines.setdefault(task_id, []).append(f"blocked by task {blocker}")
    append_note_lines(bind, lines)


def _unfold_notes() -> None:
    """Turn the lines a downgrade appended to notes back into links."""
    bind = op.get_bind()
    candidates = list(
        bind.execute(
            sa.select(_task.c.id, _task.c.note).where(_task.c.note.like("%blocked by task %"))
        )
    )
    if not candidates:
        return
    existing = {task_id for (task_id,) in bind.execute(sa.select(_task.c.id))}
    notes: list[dict[str, Any]] = []
    links: list[dict[str, Any]] = []
    for task_id, note in candidates:
        kept, found = _split(note)
        found = [b for b in found if b in existing and b != task_id]
        if found:
            notes.append({"b_id": task_id, "b_note": kept})
            links += [{"task_id": task_id, "blocked_by_id": b} for b in dict.fromkeys(found)]
    if notes:
        bind.execute(
            _task.update()
            .where(_task.c.id == sa.bindparam("b_id"))
            .values(note=sa.bindparam("b_note")),
            notes,
        )
        bind.execute(_link.insert(), links)


def _split(note: str) -> tuple[str | None, list[int]]:
    """The note without its trailing link lines, and the blocker ids those lines name."""
    lines = note.split("\n")
    found: list[int] = []
    while lines and (match := _LINE.fullmatch(lines[-1])) is not None:
        found.insert(0, int(match.group(1)))
        lines.pop()
    kept = "\n".join(lines).strip()
    return kept or None, found
