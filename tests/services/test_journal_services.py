"""The journal services' contract: undo reverts a command whole, redo brings it back."""

from __future__ import annotations

from datetime import UTC, datetime

from service_db import USER, Database

from taskcli.domain import NewTask, StatusFilter, TaskFilter
from taskcli.services.journal import redo, undo
from taskcli.services.reading import list_tasks
from taskcli.services.writing import add_task, remove_tasks

EVERYTHING = TaskFilter(status=StatusFilter.ALL)
NOW = datetime(2026, 1, 1, tzinfo=UTC)


async def _titles(database: Database) -> list[str]:
    views = await database.read(list_tasks, task_filter=EVERYTHING, now=NOW)
    return sorted(view.title for view in views)


async def _travel(database: Database, service: object, **kwargs: object) -> list[object]:
    async with database.transaction() as session:
        return list(await service(session, user=USER, **kwargs))  # type: ignore[operator]


async def test_undo_restores_a_removed_subtree_and_redo_removes_it_again(
    database: Database,
) -> None:
    root = await database.call(add_task, new=NewTask(title="Root", tags=frozenset({"t"})))
    await database.call(add_task, new=NewTask(title="Child", parent_id=root.id))
    before = await database.read(list_tasks, task_filter=EVERYTHING, now=NOW)
    await database.call(remove_tasks, ids=[root.id], recursive=True)
    assert await _titles(database) == []
    [reverted] = await _travel(database, undo, steps=1, force=False)
    assert await database.read(list_tasks, task_filter=EVERYTHING, now=NOW) == before
    assert reverted.rows >= 2  # type: ignore[attr-defined]
    await _travel(database, redo, steps=1, force=False)
    assert await _titles(database) == []


async def test_undo_with_nothing_to_undo_reverts_nothing(database: Database) -> None:
    assert await _travel(database, undo, steps=1, force=False) == []
