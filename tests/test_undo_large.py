"""Undo and redo of large operations: whole trees of thousands of rows, both backends.

Undo and redo work from the operation's net changes with one statement per
step, so an operation of 5,000 tasks (with a tag link each, under one
parent) goes back and forth exactly, rows that refer to each other included.
"""

from __future__ import annotations

from typing import Any

from support import Cli, dump, execute

ROWS = 5_000


def _tasks_and_tags(url: str) -> dict[str, list[tuple[Any, ...]]]:
    """The task, tag and tag-link rows (the journal's own tables change with every command)."""
    return {
        table: rows for table, rows in dump(url).items() if table in ("task", "tag", "task_tag")
    }


def test_undo_and_redo_of_thousands_of_rows_restore_them_exactly(cli: Cli, db_url: str) -> None:
    cli.ok("add", "Root")
    empty_tree = _tasks_and_tags(db_url)
    lines = "".join(f"bulk task {number}\n" for number in range(ROWS))
    cli.ok("add", "-", "--parent", "1", "--tag", "bulk", input=lines)
    added = _tasks_and_tags(db_url)
    assert len(added["task"]) == ROWS + 1
    assert len(added["task_tag"]) == ROWS
    cli.ok("done", "-r", "1")
    completed = _tasks_and_tags(db_url)
    cli.ok("rm", "-r", "-y", "1")
    assert _tasks_and_tags(db_url)["task"] == []

    # The whole tree back, parent and children, with their tag links.
    assert f"({2 * ROWS + 1} rows)" in cli.ok("undo").stdout
    assert _tasks_and_tags(db_url) == completed
    cli.ok("undo")
    assert _tasks_and_tags(db_url) == added
    cli.ok("undo")
    assert _tasks_and_tags(db_url) == empty_tree
    cli.ok("redo", "--steps", "3")
    assert _tasks_and_tags(db_url)["task"] == []
    cli.ok("undo", "--steps", "2")
    assert _tasks_and_tags(db_url) == added


def test_undo_of_a_large_operation_refuses_when_one_row_changed(cli: Cli, db_url: str) -> None:
    """The "changed since" check covers every row, the last of thousands too; nothing moves."""
    cli.ok("add", "-", input="".join(f"task {number}\n" for number in range(ROWS)))
    execute(db_url, f"UPDATE task SET title = 'changed by another tool' WHERE id = {ROWS}")
    changed = _tasks_and_tags(db_url)
    result = cli.fails(4, "undo")
    assert f"task {ROWS} was changed since" in result.stderr
    assert _tasks_and_tags(db_url) == changed
    cli.ok("undo", "--force")
    assert _tasks_and_tags(db_url)["task"] == []
