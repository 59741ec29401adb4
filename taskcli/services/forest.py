"""A forest shaped for ``tree``: which nodes show, at which level, with what progress.

Kept apart from the reading services because the pruning rules (done tasks,
waiting tasks, the depth limit) change on their own. Two forms share them:
``Forest`` over integer lists (the streamed ``tree -f json`` of every task)
and ``assemble`` over views (the other trees).

Waiting tasks: by default a waiting task is hidden with its whole subtree;
``WaitFilter.WAITING`` shows exactly those subtrees instead (each topmost
waiting task as a root), ``WaitFilter.ANY`` hides none. Progress always
counts every descendant, waiting ones included.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Sequence
from dataclasses import replace
from typing import Any

from taskcli.domain import Progress, Status, TaskView, TreeNode, WaitFilter


class Forest:
    """A forest's shape as integer lists indexed by position in id order.

    Built from rows (id, parent id, status, waiting). One iterative pre-order
    walk (trees may be 64 levels deep) gives every node's level; the rollup
    runs over that order reversed, so children are counted before their
    parents; and because a subtree is a contiguous run of the pre-order,
    pruning a node skips ``total`` entries at once. Tasks on a cycle (written
    by another tool) hang from no root and are never reached, as in ``assemble``.
    """

    def __init__(self, shape: Sequence[Sequence[Any]]) -> None:
        self.task_ids: list[int] = [row[0] for row in shape]
        position = {task_id: index for index, task_id in enumerate(self.task_ids)}
        count = len(self.task_ids)
        parent_of = [-1] * count
        children: list[list[int]] = [[] for _ in range(count)]
        roots: list[int] = []
        for index, row in enumerate(shape):
            parent_id = row[1]
            parent = position.get(parent_id) if parent_id is not None else None
            if parent is None:
                roots.append(index)
            else:
                parent_of[index] = parent
                children[parent].append(index)
        done_value = Status.DONE.value
        self.is_done = [row[2] == done_value for row in shape]
        self.waiting = [bool(row[3]) for row in shape]
        order: list[int] = []
        stack = roots[::-1]
        while stack:
            index = stack.pop()
            order.append(index)
            below = children[index]
            if below:
                stack.extend(reversed(below))
        self.order = order
        self.parent_of = parent_of
        self.done, self.total = self._rollup()

    def _rollup(self) -> tuple[list[int], list[int]]:
        """Done and total descendants of every node."""
        done = [0] * len(self.task_ids)
        total = [0] * len(self.task_ids)
        parent_of, is_done = self.parent_of, self.is_done
        for index in reversed(self.order):
            parent = parent_of[index]
            if parent >= 0:
                done[parent] += done[index] + is_done[index]
                total[parent] += total[index] + 1
        return done, total

    def shown_in_order(
        self, depth: int | None, include_done: bool, waiting: WaitFilter = WaitFilter.VISIBLE
    ) -> tuple[list[int], list[int]]:
        """The shown nodes in output (pre-)order with their levels (roots at 1).

        A done task is shown only with ``include_done`` or when it has pending
        descendants (a hidden task hides its subtree); a waiting one as
        ``waiting`` says (see the module); ``depth`` limits the levels shown.
        """
        order, parent_of, done, total = self.order, self.parent_of, self.done, self.total
        is_done, is_waiting = self.is_done, self.waiting
        only_waiting = waiting is WaitFilter.WAITING
        level_of = [0] * len(self.task_ids)
        inside = [False] * len(self.task_ids)  # --waiting: within a waiting task's subtree
        shown: list[int] = []
        levels: list[int] = []
        limit = depth if depth is not None else len(order) + 1
        at, end = 0, len(order)
        while at < end:
            index = order[at]
            parent = parent_of[index]
            level = 1 if parent < 0 else level_of[parent] + 1
            if (not include_done and is_done[index] and done[index] >= total[index]) or (
                waiting is WaitFilter.VISIBLE and is_waiting[index]
            ):
                at += total[index] + 1
                continue
            if only_waiting and not is_waiting[index] and not (parent >= 0 and inside[parent]):
                at += 1  # not shown itself: its waiting descendants become roots
                continue
            inside[index] = True
            level_of[index] = level
            shown.append(index)
            levels.append(level)
            at += 1 if level < limit else total[index] + 1
        return shown, levels


def assemble(
    views: dict[int, TaskView],
    root_ids: list[int],
    depth: int | None,
    include_done: bool,
    *,
    named_root: bool = False,
    waiting_ids: Collection[int] = (),
    waiting: WaitFilter = WaitFilter.VISIBLE,
) -> list[TreeNode]:
    """The trees under ``root_ids`` as ``Forest`` prunes them (``waiting_ids``: the waiting)."""
    children: dict[int, list[int]] = defaultdict(list)
    for view in sorted(views.values(), key=lambda v: v.id):
        if view.parent_id is not None and view.parent_id in views:
            children[view.parent_id].append(view.id)
    done, total = _rollup(views, children, root_ids)

    def visible(task_id: int) -> bool:
        if waiting is WaitFilter.VISIBLE and task_id in waiting_ids:
            return False
        view = views[task_id]
        return include_done or view.status is Status.PENDING or done[task_id] < total[task_id]

    def build(task_id: int, level: int) -> TreeNode:
        view = views[task_id]
        if total[task_id]:
            view = replace(view, progress=Progress(done=done[task_id], total=total[task_id]))
        node = TreeNode(task=view)
        if depth is None or level < depth:
            node.children = [build(c, level + 1) for c in children[task_id] if visible(c)]
        return node

    if waiting is WaitFilter.WAITING:
        root_ids = _topmost_waiting(root_ids, children, waiting_ids)
    return [build(task_id, 1) for task_id in root_ids if named_root or visible(task_id)]


def _rollup(
    views: dict[int, TaskView], children: dict[int, list[int]], root_ids: list[int]
) -> tuple[dict[int, int], dict[int, int]]:
    """Done and total descendants of every task under ``root_ids``."""
    done: dict[int, int] = {}
    total: dict[int, int] = {}
    # Post-order without recursion: trees may be 64 levels deep and wide.
    order: list[int] = []
    stack = list(root_ids)
    while stack:
        task_id = stack.pop()
        order.append(task_id)
        stack.extend(children[task_id])
    for task_id in reversed(order):
        done[task_id] = sum(done[c] + (views[c].status is Status.DONE) for c in children[task_id])
        total[task_id] = sum(total[c] + 1 for c in children[task_id])
    return done, total


def _topmost_waiting(
    root_ids: list[int], children: dict[int, list[int]], waiting_ids: Collection[int]
) -> list[int]:
    """The waiting tasks at or below ``root_ids`` with no waiting ancestor, in pre-order."""
    found: list[int] = []
    stack = root_ids[::-1]
    while stack:
        task_id = stack.pop()
        if task_id in waiting_ids:
            found.append(task_id)
        else:
            stack.extend(reversed(children[task_id]))
    return found
