"""How tasks and trees are read: the only package that decides it.

Whole forests load in one flat query and are assembled in memory; a subtree
or an ancestor path is one recursive CTE. Tags and rolled-up progress are one
more query each, keyed by the same selection, so the number of statements
never depends on the number of tasks (no N+1, no per-level queries).
Every recursive CTE is bounded by the depth limit, so even a cycle written by
another tool cannot make a query loop forever.

``tasks`` holds the columns and plain selections, ``filters`` ``list``'s
filter and sort, ``hierarchy`` the recursive CTEs, ``records`` the rows of
streamed output. The services read them all as ``queries.<name>``, so this
package names them in one place.
"""

from __future__ import annotations

from taskcli.queries.filters import select_list, select_matching_ids
from taskcli.queries.hierarchy import (
    ancestors_cte,
    select_ancestors,
    select_ancestry_for,
    select_depth,
    select_height,
    select_progress_for,
    select_subtree,
    subtree_cte,
    with_tags_and_progress,
)
from taskcli.queries.records import iso_text, record_columns, select_in_order
from taskcli.queries.tasks import (
    TASK_COLUMNS,
    select_all_tags,
    select_by_ids,
    select_children,
    select_shape,
    select_tags_for,
    select_tasks,
    tag,
    task,
    task_tag,
    to_view,
    views_from_stored,
)

__all__ = [
    "TASK_COLUMNS",
    "ancestors_cte",
    "iso_text",
    "record_columns",
    "select_all_tags",
    "select_ancestors",
    "select_ancestry_for",
    "select_by_ids",
    "select_children",
    "select_depth",
    "select_height",
    "select_in_order",
    "select_list",
    "select_matching_ids",
    "select_progress_for",
    "select_shape",
    "select_subtree",
    "select_tags_for",
    "select_tasks",
    "subtree_cte",
    "tag",
    "task",
    "task_tag",
    "to_view",
    "views_from_stored",
    "with_tags_and_progress",
]
