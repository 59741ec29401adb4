"""What undo and redo check before and after putting rows back.

Undo and redo keep every rule the forward commands keep: a task's parent
exists, the tree has no cycle, and no task is deeper than ``MAX_DEPTH``. The
tree may have changed since the operation ran (another user moved, deleted or
added tasks), so each rule is checked against the tree as it is now. None of
these can be overridden: ``--force`` only skips the "changed since" check.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from sqlalchemy import bindparam, text
from sqlmodel.ext.asyncio.session import AsyncSession

from taskcli.domain import MAX_DEPTH
from taskcli.errors import Conflict
from taskcli.services._common import rows

_CHUNK = 2_000
Rows = dict[tuple[str, str], Any]

_UP = f"""
WITH RECURSIVE up(start, id, distance) AS (
    SELECT id, parent_id, 1 FROM task WHERE id IN :ids AND parent_id IS NOT NULL
    UNION ALL
    SELECT up.start, task.parent_id, up.distance + 1 FROM up JOIN task ON task.id = up.id
    WHERE task.parent_id IS NOT NULL AND up.id <> up.start AND up.distance <= {MAX_DEPTH}
)
SELECT start, max(distance) + 1, max(CASE WHEN id = start THEN 1 ELSE 0 END)
FROM up GROUP BY start
"""
_DOWN = f"""
WITH RECURSIVE down(start, id, level) AS (
    SELECT id, id, 1 FROM task WHERE id IN :ids
    UNION ALL
    SELECT down.start, task.id, down.level + 1 FROM down JOIN task ON task.parent_id = down.id
    WHERE task.id <> down.start AND down.level <= {MAX_DEPTH}
)
SELECT start, max(level) FROM down GROUP BY start
"""


@dataclass(frozen=True)
class Refusal:
    """Builds the one-line reason an undo or redo of one operation is refused (exit 4)."""

    operation_id: int
    command: str
    verb: str

    def __call__(self, reason: str) -> Conflict:
        return Conflict(
            f"cannot {self.verb} operation {self.operation_id} ({self.command}): {reason}"
        )


async def check_restorable(
    session: AsyncSession, target: Rows, present: Rows, refusal: Refusal
) -> None:
    """Before restoring: every parent to restore exists; no task to delete gained subtasks."""
    parents = _restored_parents(target, present)
    wanted = {p for p in parents.values() if ("task", str(p)) not in target}
    existing = {row[0] for chunk in _chunks(wanted) for row in await _select(session, chunk)}
    for task_id, parent_id in parents.items():
        if parent_id in existing or _restored(target, parent_id):
            continue
        raise refusal(
            f"task {parent_id}, the parent task {task_id} had, was deleted since; "
            "--force cannot help (a task cannot go back under a deleted parent)"
        )
    deleted = [int(key) for (table, key), doc in target.items() if table == "task" and doc is None]
    for chunk in _chunks(deleted):
        statement = text("SELECT id, parent_id FROM task WHERE parent_id IN :ids ORDER BY id")
        for child_id, parent_id in await rows(session, statement.bindparams(_ids(chunk))):
            if target.get(("task", str(child_id)), "") is not None:
                raise refusal(
                    f"task {child_id} was added under task {parent_id} since; "
                    f"--force cannot help (move or delete task {child_id} first)"
                )


async def check_tree(session: AsyncSession, target: Rows, present: Rows, refusal: Refusal) -> None:
    """After restoring, inside the savepoint: no cycle and nothing past the depth limit."""
    tops = _moved_tops(target, present)
    if not tops:
        return
    depth: dict[int, int] = {}
    for chunk in _chunks(tops):
        for start, level, cycle in await rows(session, text(_UP).bindparams(_ids(chunk))):
            if cycle:
                parent_id = _document(target, start)["parent_id"]
                raise refusal(
                    f"putting task {start} back under task {parent_id} would make a cycle "
                    f"(task {parent_id} was moved into the subtree of task {start} since); "
                    "--force cannot help"
                )
            depth[int(start)] = int(level)
    for chunk in _chunks(tops):
        for start, height in await rows(session, text(_DOWN).bindparams(_ids(chunk))):
            deepest = depth.get(int(start), 1) + int(height) - 1
            if deepest > MAX_DEPTH:
                raise refusal(
                    f"restoring task {start} would put a task at depth {deepest}, past the "
                    f"depth limit of {MAX_DEPTH} (the tree above it changed since); "
                    "--force cannot help"
                )


def _restored_parents(target: Rows, present: Rows) -> dict[int, int]:
    """Task id -> the parent it gets back, for rows whose parent the restore sets."""
    parents: dict[int, int] = {}
    for (table, key), document in target.items():
        if table != "task" or document is None:
            continue
        parent_id = json.loads(document).get("parent_id")
        now = present.get((table, key))
        if parent_id is not None and (now is None or json.loads(now)["parent_id"] != parent_id):
            parents[int(key)] = int(parent_id)
    return parents


def _moved_tops(target: Rows, present: Rows) -> list[int]:
    """Restored tasks whose place in the tree changes, without those inside another one."""
    parents = _restored_parents(target, present)
    inserted = {
        int(key)
        for (table, key), document in target.items()
        if table == "task" and document is not None and (table, key) not in present
    }
    return sorted(t for t in {*parents, *inserted} if parents.get(t) not in inserted)


def _restored(target: Rows, task_id: int) -> bool:
    return target.get(("task", str(task_id))) is not None


def _document(target: Rows, task_id: int) -> dict[str, Any]:
    return dict(json.loads(target[("task", str(task_id))]))


async def _select(session: AsyncSession, ids: list[int]) -> list[Any]:
    return await rows(session, text("SELECT id FROM task WHERE id IN :ids").bindparams(_ids(ids)))


def _ids(values: list[int]) -> Any:
    return bindparam("ids", value=values, expanding=True)


def _chunks(values: Iterable[int]) -> Iterator[list[int]]:
    ordered = sorted(values)
    for start in range(0, len(ordered), _CHUNK):
        yield ordered[start : start + _CHUNK]
