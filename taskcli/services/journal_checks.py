"""What undo and redo check before and after putting rows back.

Undo and redo keep every rule the forward commands keep: a task's parent
exists, the tree has no cycle, no task is deeper than ``MAX_DEPTH``, and no
done task has a pending descendant. The tree may have changed since the
operation ran (another user moved, deleted or added tasks), so each rule is
checked against the tree as it is now. None of these can be overridden:
``--force`` only skips the "changed since" check.

Each check is one statement over the operation's net changes (see
``journal_net``) that returns the first violation, if any: nothing grows in
memory with the operation's size.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import text
from sqlmodel.ext.asyncio.session import AsyncSession

from taskcli.domain import MAX_DEPTH
from taskcli.errors import Conflict
from taskcli.services._common import rows
from taskcli.services.journal_net import Net

_RESTORED_PARENTS = """
restored AS (
    SELECT net.key_id AS task_id, {parent} AS parent_id
    FROM net LEFT JOIN task AS live ON live.id = net.key_id
    WHERE net.target IS NOT NULL AND {parent} IS NOT NULL
      AND (live.id IS NULL OR live.parent_id IS DISTINCT FROM {parent})
)
"""
_MISSING_PARENT = """
SELECT restored.task_id, restored.parent_id FROM restored
WHERE CASE WHEN {touched} THEN {target} IS NULL
      ELSE NOT EXISTS (SELECT 1 FROM task WHERE task.id = restored.parent_id) END
LIMIT 1
"""
_NEW_CHILD = """
SELECT child.id, child.parent_id FROM task AS child
WHERE child.parent_id IN (SELECT key_id FROM net WHERE target IS NULL)
  AND NOT ({touched} AND {target} IS NULL)
LIMIT 1
"""
# Restored tasks whose parent is not restored too: the UP and DOWN walks from
# these cover every place the restore can change (a cycle through restored
# rows must leave them somewhere; a restored task's depth is its top's plus
# the distance). Run after the restore, so ``task`` is the tree as it will be.
# No statement joins two sets whose size the planner cannot know.
_WALKS = """
tops AS (
    SELECT own.id, own.parent_id FROM net JOIN task AS own ON own.id = net.key_id
    WHERE net.target IS NOT NULL AND NOT ({touched} AND {target} IS NOT NULL)
),
up(start, id, distance) AS (
    SELECT id, parent_id, 1 FROM tops WHERE parent_id IS NOT NULL
    UNION ALL
    SELECT up.start, task.parent_id, up.distance + 1 FROM up JOIN task ON task.id = up.id
    WHERE task.parent_id IS NOT NULL AND up.id <> up.start AND up.distance <= {max_depth}
)
"""
_CYCLE = """
SELECT start, (SELECT parent_id FROM task WHERE task.id = up.start) FROM up
GROUP BY start HAVING max(CASE WHEN id = start THEN 1 ELSE 0 END) = 1 LIMIT 1
"""
# DOWN starts each top at its depth (1 + its ancestors), so a level is a depth.
_TOO_DEEP = """
, down(start, id, level) AS (
    SELECT start, start, max(distance) + 1 FROM up GROUP BY start
    UNION ALL
    SELECT id, id, 1 FROM tops WHERE parent_id IS NULL
    UNION ALL
    SELECT down.start, task.id, down.level + 1 FROM down JOIN task ON task.parent_id = down.id
    WHERE task.id <> down.start AND down.level <= {max_depth}
)
SELECT start, max(level) FROM down GROUP BY start HAVING max(level) > {max_depth} LIMIT 1
"""


# A done task above a pending one, at an edge between a row whose status or
# parent the restore sets (or a row it puts back) and a task the operation
# did not touch: the rule held before, and rows the operation touched go back
# together, as they were (older data that broke the rule comes back as it was).
# Run after the restore; index lookups per row.
_DONE_ABOVE_PENDING = """
WITH {net}, moved AS (
    SELECT net.key_id FROM net
    WHERE net.target IS NOT NULL AND (net.expected IS NULL
        OR {expected_status} IS DISTINCT FROM {target_status}
        OR {expected_parent} IS DISTINCT FROM {target_parent})
)
SELECT own.id, child.id FROM moved JOIN task AS own ON own.id = moved.key_id
JOIN task AS child ON child.parent_id = own.id
WHERE own.status = 'done' AND child.status = 'pending' AND NOT {child_touched}
UNION ALL
SELECT above.id, own.id FROM moved JOIN task AS own ON own.id = moved.key_id
JOIN task AS above ON above.id = own.parent_id
WHERE above.status = 'done' AND own.status = 'pending' AND NOT {above_touched}
LIMIT 1
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
    session: AsyncSession, net: Net, params: dict[str, Any], refusal: Refusal
) -> None:
    """Before restoring: every parent to restore exists; no task to delete gained subtasks."""
    parent = _target_parent(net)
    with_restored = f"WITH {net.cte()}, {_RESTORED_PARENTS.format(parent=parent)}"
    missing = _MISSING_PARENT.format(
        touched=net.touched("restored.parent_id"), target=net.target_of("restored.parent_id")
    )
    for task_id, parent_id in await _first(session, with_restored + missing, params):
        raise refusal(
            f"task {parent_id}, the parent task {task_id} had, was deleted since; "
            "--force cannot help (a task cannot go back under a deleted parent)"
        )
    new_child = _NEW_CHILD.format(touched=net.touched("child.id"), target=net.target_of("child.id"))
    for child_id, parent_id in await _first(session, f"WITH {net.cte()}" + new_child, params):
        raise refusal(
            f"task {child_id} was added under task {parent_id} since; "
            f"--force cannot help (move or delete task {child_id} first)"
        )


async def check_tree(
    session: AsyncSession, net: Net, params: dict[str, Any], refusal: Refusal
) -> None:
    """After restoring, inside the savepoint: no cycle, nothing past the depth limit,
    and no done task above a pending one."""
    tops = _WALKS.format(
        touched=net.touched("own.parent_id"),
        target=net.target_of("own.parent_id"),
        max_depth=MAX_DEPTH,
    )
    walks = f"WITH RECURSIVE {net.cte()}, {tops}"
    for start, parent_id in await _first(session, walks + _CYCLE, params):
        raise refusal(
            f"putting task {start} back under task {parent_id} would make a cycle "
            f"(task {parent_id} was moved into the subtree of task {start} since); "
            "--force cannot help"
        )
    too_deep = walks + _TOO_DEEP.format(max_depth=MAX_DEPTH)
    for start, deepest in await _first(session, too_deep, params):
        raise refusal(
            f"restoring task {start} would put a task at depth {deepest}, past the "
            f"depth limit of {MAX_DEPTH} (the tree above it changed since); "
            "--force cannot help"
        )
    done_above_pending = _DONE_ABOVE_PENDING.format(
        net=net.cte(),
        expected_status=_field(net, "expected", "status"),
        target_status=_field(net, "target", "status"),
        expected_parent=_field(net, "expected", "parent_id"),
        target_parent=_field(net, "target", "parent_id"),
        child_touched=net.touched("child.id"),
        above_touched=net.touched("above.id"),
    )
    for done_id, pending_id in await _first(session, done_above_pending, params):
        raise refusal(
            f"it would leave done task {done_id} above pending task {pending_id} "
            "(the tree changed since; a done task never holds pending work); "
            "--force cannot help"
        )


def _target_parent(net: Net) -> str:
    """The parent id in the row to restore, as an integer."""
    if net.postgres:
        return "CAST(CAST(net.target AS jsonb) ->> 'parent_id' AS INTEGER)"
    return "json_extract(net.target, '$.parent_id')"


def _field(net: Net, row: str, name: str) -> str:
    """One field of the journaled row ``net.<row>`` (``target`` or ``expected``), as text."""
    if net.postgres:
        return f"(CAST(net.{row} AS jsonb) ->> '{name}')"
    return f"CAST(json_extract(net.{row}, '$.{name}') AS TEXT)"


async def _first(session: AsyncSession, sql: str, params: dict[str, Any]) -> list[Any]:
    return await rows(session, text(sql).bindparams(**params))


# Blocked-by links a restore puts back, walked through links and parent-to-subtask
# edges (see ``queries.blockers``): one that reaches its own task again is a cycle.
_LINK_CYCLE = """,
dependency(src, dst) AS (
  SELECT task_id, blocked_by_id FROM task_blocker
  UNION ALL SELECT parent_id, id FROM task WHERE parent_id IS NOT NULL),
reach(origin, waited, id) AS (
  SELECT key_task_id, key_blocked_by_id, key_blocked_by_id FROM net WHERE target IS NOT NULL
  UNION
  SELECT reach.origin, reach.waited, dependency.dst FROM reach
  JOIN dependency ON dependency.src = reach.id)
SELECT origin, waited FROM reach WHERE id = origin LIMIT 1"""


async def check_links(
    session: AsyncSession, net: Net, params: dict[str, Any], refusal: Refusal
) -> None:
    """After restoring, inside the savepoint: no restored blocked-by link closes a cycle
    (a link the other way, or a move, made since)."""
    for waiter, waited in await _first(session, f"WITH RECURSIVE {net.cte()}{_LINK_CYCLE}", params):
        raise refusal(
            f"restoring task {waiter}'s link to {waited} would make a cycle "
            f"(task {waited} waits for task {waiter} since); --force cannot help"
        )
