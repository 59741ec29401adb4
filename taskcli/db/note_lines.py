"""What a downgrade cannot keep as columns it keeps as lines at the end of the task's
note, and the matching upgrade reads them back: the revisions since 0005 share the
writing half here (each parses its own lines)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import sqlalchemy as sa

_TASK = sa.table("task", sa.column("id", sa.Integer), sa.column("note", sa.Text))


def with_lines(note: str | None, lines: Sequence[str]) -> str:
    """``note``, a blank line, then ``lines`` (just the lines when there is no note)."""
    return "\n\n".join(filter(None, (note, "\n".join(lines))))


def append_note_lines(bind: Any, lines: Mapping[int, Sequence[str]]) -> None:
    """Append these lines to each task's note: its note read first, then one batch update."""
    if not lines:
        return
    chosen = sa.select(_TASK.c.id, _TASK.c.note).where(_TASK.c.id.in_(lines))
    notes = dict(bind.execute(chosen).all())  # .all(): a result has keys(), dict() would index it
    write_notes(
        bind, {task_id: with_lines(notes.get(task_id), added) for task_id, added in lines.items()}
    )


def write_notes(bind: Any, notes: Mapping[int, str | None]) -> None:
    """Set each task's note, in one executemany."""
    if notes:
        bind.execute(
            _TASK.update()
            .where(_TASK.c.id == sa.bindparam("b_id"))
            .values(note=sa.bindparam("b_note")),
            [{"b_id": task_id, "b_note": note} for task_id, note in notes.items()],
        )
