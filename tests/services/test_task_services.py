"""The task services' contracts, called directly: add, complete, move, remove, list, tree, show."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from service_db import Database

from taskcli.domain import NewTask, Priority, Status, StatusFilter, TaskFilter
from taskcli.errors import Conflict, TaskNotFound
from taskcli.services.detail import show_task
from taskcli.services.reading import get_tree, list_tasks
from taskcli.services.writing import add_task, complete_tasks, move_task, remove_tasks

NOW = datetime(2026, 1, 1, tzinfo=UTC)


async def _family(database: Database) -> tuple[int, int, int]:
    """A root with a child and a grandchild; returns their ids."""
    root = await database.call(add_task, new=NewTask(title="Root", tags=frozenset({"work"})))
    child = await database.call(add_task, new=NewTask(title="Child", parent_id=root.id))
    leaf = await database.call(add_task, new=NewTask(title="Leaf", parent_id=child.id))
    return root.id, child.id, leaf.id


async def test_add_returns_the_stored_task(database: Database) -> None:
    new = NewTask(title="Write", priority=Priority.HIGH, tags=frozenset({"b", "a"}))
    view = await database.call(add_task, new=new)
    assert (view.title, view.priority, view.tags, view.status) == (
        "Write",
        Priority.HIGH,
        ("a", "b"),
        Status.PENDING,
    )
    [listed] = await database.read(list_tasks, task_filter=TaskFilter(), now=NOW)
    assert listed == view


async def test_add_under_a_missing_parent_is_refused(database: Database) -> None:
    with pytest.raises(TaskNotFound):
        await database.call(add_task, new=NewTask(title="Orphan", parent_id=99))
    assert await database.read(list_tasks, task_filter=TaskFilter(), now=NOW) == []


async def test_complete_needs_recursive_for_pending_subtasks(database: Database) -> None:
    root, child, leaf = await _family(database)
    with pytest.raises(Conflict):
        await database.call(complete_tasks, ids=[root], recursive=False)
    views = (await database.call(complete_tasks, ids=[root], recursive=True)).views
    assert [view.id for view in views] == [root, child, leaf]
    assert all(view.status is Status.DONE for view in views)


async def test_move_refuses_a_cycle_and_reparents(database: Database) -> None:
    root, child, leaf = await _family(database)
    with pytest.raises(Conflict):
        await database.call(move_task, task_id=root, parent_id=leaf)
    moved = await database.call(move_task, task_id=leaf, parent_id=None)
    assert moved.parent_id is None
    roots = await database.read(get_tree, root_id=None, depth=None, include_done=True)
    assert [node.task.id for node in roots] == [root, leaf]
    assert [node.task.id for node in roots[0].children] == [child]


async def test_remove_with_subtasks_needs_recursive(database: Database) -> None:
    root, _child, _leaf = await _family(database)
    with pytest.raises(Conflict):
        await database.call(remove_tasks, ids=[root], recursive=False)
    removal = await database.call(remove_tasks, ids=[root], recursive=True)
    assert ([view.id for view in removal.tasks], removal.descendants) == ([root], 2)
    everything = TaskFilter(status=StatusFilter.ALL)
    assert await database.read(list_tasks, task_filter=everything, now=NOW) == []


async def test_tree_rolls_progress_up_over_all_descendants(database: Database) -> None:
    root, _child, leaf = await _family(database)
    await database.call(complete_tasks, ids=[leaf], recursive=False)
    [node] = await database.read(get_tree, root_id=root, depth=None, include_done=True)
    assert node.task.progress is not None
    assert (node.task.progress.done, node.task.progress.total) == (1, 2)
    [pending_only] = await database.read(get_tree, root_id=None, depth=None, include_done=False)
    assert pending_only.children[0].children == []


async def test_show_has_tags_ancestors_and_direct_subtasks(database: Database) -> None:
    root, child, leaf = await _family(database)
    await database.call(
        add_task, new=NewTask(title="Sibling", parent_id=child, tags=frozenset({"x"}))
    )
    detail = await database.read(show_task, task_id=child)
    assert detail.task.id == child
    assert [view.id for view in detail.ancestors] == [root]
    assert detail.ancestors[0].tags == ("work",)
    assert [(view.id, view.tags) for view in detail.subtasks] == [(leaf, ()), (leaf + 1, ("x",))]
    with pytest.raises(TaskNotFound):
        await database.read(show_task, task_id=leaf + 100)
