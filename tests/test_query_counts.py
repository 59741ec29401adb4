"""Query counts do not grow with the number of tasks (SPEC: no N+1).

Every statement any engine sends is counted around one in-process command.
The counts are pinned exactly, so a change in how trees and lists load is
noticed here, and they must be the same for 10 tasks and for 1,000.
"""

from __future__ import annotations

import pytest
from support import Cli, execute
from taskhelpers import chain_forest, count_statements, insert_tasks

COMMANDS: dict[str, tuple[str, ...]] = {
    "list": ("list",),
    "list-json": ("list", "-f", "json", "--status", "all"),
    "list-tag": ("list", "--tag", "bulk", "--sort", "priority"),
    "list-under": ("list", "--under", "1", "--tag", "-bulk", "--sort", "due,-priority"),
    "list-path": ("list", "--columns", "id,title,path"),
    "list-active": ("list", "--active"),  # an EXISTS inside the same selection
    "tree-json": ("tree", "-f", "json"),
    "tree-all": ("tree", "--all"),
    "subtree-json": ("tree", "1", "-f", "json"),
    "show": ("show", "2"),
    "show-json": ("show", "2", "-f", "json"),
    "export": ("export",),
}

# Per command: the schema check, then each selection with one query for its
# tags (and one for rolled-up progress where shown). SQLite adds the explicit
# BEGIN that taskcli issues itself. On PostgreSQL the timeouts and the schema
# check travel with BEGIN as one simple query the driver sends directly
# (``db.pg_turns``), outside the counted statements, and a selection of views
# brings its tags and progress in its own statement (``queries.with_tags_and_progress``).
EXPECTED: dict[str, dict[str, int]] = {
    "sqlite": {
        "list": 5,  # BEGIN, schema, tasks, tags, progress
        "list-json": 4,  # BEGIN, schema, task records, tags: JSON prints no progress
        "list-tag": 5,
        "list-under": 5,  # the subtree is a recursive CTE inside the same three selections
        "list-path": 6,  # ... and every ancestor's title, for all paths at once
        "list-active": 5,
        "tree-json": 5,  # BEGIN, schema, shape, all tags, shown rows in output order
        "tree-all": 4,
        "subtree-json": 6,  # BEGIN, schema, root + its tags, subtree + its tags
        # BEGIN, schema, task and subtasks + tags + progress, ancestors (2),
        # annotations, intervals (time spent), blocked-by links both ways (0.4.0)
        "show": 10,
        "show-json": 10,
        # BEGIN, schema, identity (source), all tags, all annotations, all task records (streamed)
        "export": 6,
    },
    "postgresql": {
        "list": 1,  # tasks with their tags and progress in one statement
        "list-json": 1,
        "list-tag": 1,
        "list-under": 1,
        "list-path": 2,
        "list-active": 1,
        "tree-json": 3,
        "tree-all": 2,
        "subtree-json": 3,
        # the family with the task's annotations, intervals and blocked-by links, the ancestors
        "show": 2,
        "show-json": 2,
        "export": 4,
    },
}


# Every task not yet started gets a running interval (``list --active`` lists them all).
_START_ALL = (
    "INSERT INTO time_interval (task_id, started_at) SELECT id, created_at FROM task "
    "WHERE id NOT IN (SELECT task_id FROM time_interval)"
)


def _counts(cli: Cli) -> dict[str, int]:
    counts = {}
    for name, args in COMMANDS.items():
        with count_statements() as statements:
            result = cli.ok(*args)
        assert result.stdout, name
        counts[name] = len(statements)
    return counts


@pytest.mark.parametrize("depth", [3, 10])
def test_statement_counts_do_not_depend_on_task_count(
    cli: Cli, db_url: str, backend: str, depth: int
) -> None:
    """10 tasks and 1,000 tasks, forests ``depth`` levels deep: the same, pinned counts."""
    forest = chain_forest(1000, depth)
    insert_tasks(db_url, forest[:10])
    execute(db_url, _START_ALL)
    small = _counts(cli)
    insert_tasks(db_url, forest[10:])
    execute(db_url, _START_ALL)
    assert len(cli.ok("list", "--status", "all", "-f", "ids").stdout.split()) == 1000
    large = _counts(cli)
    assert small == large
    assert small == EXPECTED[backend]


def test_counter_sees_every_statement(cli: Cli, db_url: str) -> None:
    """The counter itself works: a write command is counted too, and counts grow with work."""
    insert_tasks(db_url, chain_forest(10, 3))
    with count_statements() as statements:
        cli.ok("done", "-r", "1")
    assert any("UPDATE task" in statement for statement in statements)
    with count_statements() as outside:
        pass
    assert outside == []
