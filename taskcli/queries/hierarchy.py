"""The tree as SQL: subtrees, ancestors, depth and rolled-up progress, each one recursive CTE.

Every recursive CTE is bounded by the depth limit (``MAX_DEPTH``), so even a
cycle written by another tool cannot make a query loop forever, and the
number of statements never depends on the depth of the tree.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import CTE, Select, Text, case, cast, func, literal, select

from taskcli.domain import MAX_DEPTH, Status
from taskcli.queries.tasks import select_tasks, tag, task, task_tag


def select_ancestry_for(selection: Select[Any]) -> Select[Any]:
    """(id, parent id, title) of every ancestor of the selection's tasks, each once.

    One statement whatever the depth: the paths of a whole list are then put
    together in memory. ``UNION`` (not ``UNION ALL``) keeps each ancestor
    once, which also ends the recursion on a cycle written by another tool.
    """
    parents = selection.with_only_columns(task.c.parent_id).subquery()
    ancestor = (
        select(task.c.id, task.c.parent_id, task.c.title)
        .where(task.c.id.in_(select(parents.c.parent_id)))
        .cte("path_ancestor", recursive=True)
    )
    parent = task.alias("path_parent")
    ancestor = ancestor.union(
        select(parent.c.id, parent.c.parent_id, parent.c.title).join(
            ancestor, parent.c.id == ancestor.c.parent_id
        )
    )
    return select(ancestor.c.id, ancestor.c.parent_id, ancestor.c.title)


def select_progress_for(selection: Select[Any]) -> Select[Any]:
    """(task id, done, total) over all descendants, for the selection's tasks that have any."""
    anchor_ids = selection.with_only_columns(task.c.id).subquery()
    # Status travels with each row, so the rollup needs no join back to task.
    descendant = (
        select(
            task.c.parent_id.label("root_id"), task.c.id, task.c.status, literal(1).label("depth")
        )
        .where(task.c.parent_id.in_(select(anchor_ids.c.id)))
        .cte("descendant", recursive=True)
    )
    child = task.alias("child")
    descendant = descendant.union_all(
        select(descendant.c.root_id, child.c.id, child.c.status, descendant.c.depth + 1)
        .join(descendant, child.c.parent_id == descendant.c.id)
        .where(descendant.c.depth < MAX_DEPTH)
    )
    done = func.sum(case((descendant.c.status == Status.DONE.value, 1), else_=0))
    return select(descendant.c.root_id, done, func.count()).group_by(descendant.c.root_id)


def subtree_cte(root_ids: Sequence[int], name: str = "subtree") -> CTE:
    """Ids (and depth, roots at 0) of the given tasks and all their descendants."""
    subtree = (
        select(task.c.id, literal(0).label("depth"))
        .where(task.c.id.in_(list(root_ids)))
        .cte(name, recursive=True)
    )
    child = task.alias(f"{name}_child")
    return subtree.union_all(
        select(child.c.id, subtree.c.depth + 1)
        .join(subtree, child.c.parent_id == subtree.c.id)
        .where(subtree.c.depth < MAX_DEPTH)
    )


def select_subtree(root_id: int) -> Select[Any]:
    subtree = subtree_cte([root_id])
    return select_tasks().where(task.c.id.in_(select(subtree.c.id)))


def ancestors_cte(task_id: int, name: str = "ancestor") -> CTE:
    """Ids of the ancestors of a task with their distance (parent = 1)."""
    ancestor = (
        select(task.c.parent_id.label("id"), literal(1).label("distance"))
        .where(task.c.id == task_id, task.c.parent_id.is_not(None))
        .cte(name, recursive=True)
    )
    parent = task.alias(f"{name}_parent")
    return ancestor.union_all(
        select(parent.c.parent_id, ancestor.c.distance + 1)
        .join(ancestor, parent.c.id == ancestor.c.id)
        .where(parent.c.parent_id.is_not(None), ancestor.c.distance < MAX_DEPTH)
    )


def select_ancestors(task_id: int) -> Select[Any]:
    """The ancestors of a task, root first."""
    ancestor = ancestors_cte(task_id)
    return (
        select_tasks()
        .join(ancestor, ancestor.c.id == task.c.id)
        .order_by(ancestor.c.distance.desc())
    )


def select_depth(task_id: int) -> Select[Any]:
    """The level of a task: 1 for a root, its parent's level + 1 below."""
    ancestor = ancestors_cte(task_id, "depth_ancestor")
    return select(func.count() + 1).select_from(ancestor)


def select_height(task_id: int) -> Select[Any]:
    """Levels in a task's subtree: 1 for a leaf."""
    subtree = subtree_cte([task_id], "height_subtree")
    return select(func.max(subtree.c.depth) + 1)


def with_tags_and_progress(selection: Select[Any], *, progress: bool) -> Select[Any]:
    """PostgreSQL: the selection plus ``tag_names`` (an array or NULL) and, with
    ``progress``, ``progress_done`` and ``progress_total`` (NULL without subtasks).

    One statement instead of the selection, ``select_tags_for`` and
    ``select_progress_for``: each statement is two round trips to the server.
    Both are aggregated per task for the selection's ids only and joined back
    at most one row per task, so the selection's order and limit stand.
    """
    combined = _with_tag_names(selection)
    if not progress:
        return combined
    rollup = select_progress_for(selection).subquery("task_progress")
    root_id, done, total = rollup.c
    return combined.outerjoin_from(task, rollup, root_id == task.c.id).add_columns(
        done.label("progress_done"), total.label("progress_total")
    )


def _with_tag_names(selection: Select[Any]) -> Select[Any]:
    ids = selection.with_only_columns(task.c.id).subquery()
    names = (
        # text[], not varchar[]: the driver decodes it without asking the server about the type.
        select(task_tag.c.task_id, func.array_agg(cast(tag.c.name, Text)).label("names"))
        .join(tag, tag.c.id == task_tag.c.tag_id)
        .where(task_tag.c.task_id.in_(select(ids.c.id)))
        .group_by(task_tag.c.task_id)
        .subquery("task_tag_names")
    )
    return selection.outerjoin_from(task, names, names.c.task_id == task.c.id).add_columns(
        names.c.names.label("tag_names")
    )
