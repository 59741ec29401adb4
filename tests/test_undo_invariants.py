"""Undo and redo keep the rules the forward commands keep (both backends).

The tree may have changed since the operation ran: undo and redo check it as
it is now, refuse (exit 4) what would build a cycle, pass the depth limit or
leave a task under a deleted parent, and say whether ``--force`` can help (it
never can for these). Shared tag rows are never deleted under another task.
"""

from __future__ import annotations

import json

from support import Cli, dump, error_line

ALICE = {"USER": "alice", "LOGNAME": "alice"}
BOB = {"USER": "bob", "LOGNAME": "bob"}


def as_user(cli: Cli, user: dict[str, str], *args: str, input: str | None = None) -> int:
    result = cli(*args, input=input, env=user)
    return int(result.exit_code)


def refused(cli: Cli, user: dict[str, str], *args: str) -> str:
    result = cli(*args, env=user)
    assert result.exit_code == 4, (result.exit_code, result.stdout, result.stderr)
    assert result.stdout == ""
    return error_line(result)


def parents(cli: Cli) -> dict[int, int | None]:
    tasks = json.loads(cli.ok("list", "-s", "all", "--sort", "id", "-f", "json").stdout)
    return {task["id"]: task["parent_id"] for task in tasks}


def test_undo_refuses_to_build_a_cycle(cli: Cli, db_url: str) -> None:
    """alice moves 1 under 2 and back; bob moves 2 under 1; alice's undo would make 1→2→1."""
    cli.ok("add", "one")
    cli.ok("add", "two")
    assert as_user(cli, ALICE, "move", "1", "--parent", "2") == 0
    assert as_user(cli, ALICE, "move", "1", "--root") == 0
    assert as_user(cli, BOB, "move", "2", "--parent", "1") == 0
    before = dump(db_url)
    message = refused(cli, ALICE, "undo")
    assert "cycle" in message
    assert "--force cannot help" in message
    assert dump(db_url) == before
    assert "cycle" in refused(cli, ALICE, "undo", "--force")
    assert dump(db_url) == before
    assert parents(cli) == {1: None, 2: 1}


def test_redo_refuses_to_build_a_cycle(cli: Cli, db_url: str) -> None:
    cli.ok("add", "one")
    cli.ok("add", "two")
    assert as_user(cli, ALICE, "move", "1", "--parent", "2") == 0
    assert as_user(cli, ALICE, "undo") == 0
    assert as_user(cli, BOB, "move", "2", "--parent", "1") == 0
    before = dump(db_url)
    assert "cycle" in refused(cli, ALICE, "redo")
    assert "cycle" in refused(cli, ALICE, "redo", "--force")
    assert dump(db_url) == before
    assert parents(cli) == {1: None, 2: 1}


def _chain(cli: Cli, length: int) -> None:
    """Tasks 1 > 2 > ... > length, in one command."""
    outline = "".join(f"{'  ' * n}- level {n + 1}\n" for n in range(length))
    cli.ok("import", "--outline", "-", input=outline)
    assert parents(cli)[length] == length - 1


def test_undo_refuses_to_pass_the_depth_limit(cli: Cli, db_url: str) -> None:
    """Bob sinks the old parent to depth 63: alice's undo would put her child at depth 65."""
    _chain(cli, 63)
    assert as_user(cli, BOB, "add", "bob's") == 0  # 64
    assert as_user(cli, ALICE, "add", "mine") == 0  # 65
    assert as_user(cli, ALICE, "add", "my child", "-p", "65") == 0  # 66
    assert as_user(cli, ALICE, "move", "65", "--parent", "64") == 0
    assert as_user(cli, ALICE, "move", "65", "--root") == 0
    assert as_user(cli, BOB, "move", "64", "--parent", "62") == 0  # 64 at depth 63
    before = dump(db_url)
    for args in (("undo",), ("undo", "--force")):
        message = refused(cli, ALICE, *args)
        assert "depth 65" in message
        assert "depth limit of 64" in message
        assert "--force cannot help" in message
    assert dump(db_url) == before


def test_redo_refuses_to_pass_the_depth_limit(cli: Cli, db_url: str) -> None:
    _chain(cli, 63)
    assert as_user(cli, BOB, "add", "bob's") == 0  # 64
    assert as_user(cli, ALICE, "add", "mine") == 0  # 65
    assert as_user(cli, ALICE, "move", "65", "--parent", "64") == 0
    assert as_user(cli, ALICE, "undo") == 0
    assert as_user(cli, BOB, "move", "64", "--parent", "63") == 0  # 64 at depth 64
    before = dump(db_url)
    assert "depth 65" in refused(cli, ALICE, "redo")
    assert dump(db_url) == before


def test_undo_refuses_a_parent_deleted_since(cli: Cli, db_url: str) -> None:
    """The parent the task had is gone: never 'try again', and --force cannot help."""
    cli.ok("add", "parent")
    cli.ok("add", "child", "-p", "1")
    assert as_user(cli, ALICE, "move", "2", "--root") == 0
    assert as_user(cli, BOB, "rm", "1", "-y") == 0
    before = dump(db_url)
    for args in (("undo",), ("undo", "--force")):
        message = refused(cli, ALICE, *args)
        assert "task 1" in message
        assert "deleted since" in message
        assert "--force cannot help" in message
        assert "try again" not in message
    assert dump(db_url) == before


def test_undo_refuses_to_delete_a_task_that_gained_a_subtask(cli: Cli, db_url: str) -> None:
    assert as_user(cli, ALICE, "add", "alice's") == 0
    assert as_user(cli, BOB, "add", "bob's", "-p", "1") == 0
    before = dump(db_url)
    message = refused(cli, ALICE, "undo", "--force")
    assert "task 2 was added under task 1 since" in message
    assert "try again" not in message
    assert dump(db_url) == before


def _tags(cli: Cli) -> dict[int, list[str]]:
    tasks = json.loads(cli.ok("list", "-s", "all", "--sort", "id", "-f", "json").stdout)
    return {task["id"]: task["tags"] for task in tasks}


def test_undo_keeps_a_tag_another_task_carries(cli: Cli) -> None:
    assert as_user(cli, ALICE, "add", "a", "-t", "shared") == 0
    assert as_user(cli, BOB, "add", "b", "-t", "shared") == 0
    assert as_user(cli, ALICE, "undo") == 0
    assert _tags(cli) == {2: ["shared"]}
    assert as_user(cli, ALICE, "redo") == 0
    assert _tags(cli) == {1: ["shared"], 2: ["shared"]}
    assert as_user(cli, BOB, "undo") == 0
    assert _tags(cli) == {1: ["shared"]}
    assert as_user(cli, ALICE, "undo") == 0
    assert _tags(cli) == {}


def test_undo_of_an_import_keeps_other_users_tags(cli: Cli) -> None:
    when = "2026-11-28T00:00:00+00:00"
    task = {"id": 1, "title": "imported", "status": "pending", "priority": "none"}
    times = {"created_at": when, "updated_at": when}
    document = {
        "format": "taskcli",
        "version": 1,
        "tasks": [{**task, **times, "tags": ["home", "work"]}],
    }
    assert as_user(cli, ALICE, "import", "-", input=json.dumps(document)) == 0
    assert as_user(cli, BOB, "add", "bob's", "-t", "work") == 0
    assert as_user(cli, ALICE, "undo") == 0
    assert _tags(cli) == {2: ["work"]}
    assert as_user(cli, BOB, "undo") == 0
    assert _tags(cli) == {}
