"""Undo, redo, log and history: every change journaled, reverted whole (both backends)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from support import REPO_ROOT, Cli, dump, earlier_columns, error_line, execute

from taskcli.config import Settings, parse_database_url
from taskcli.db.migrate import upgrade


def _tree(cli: Cli) -> None:
    """1 > 2 > 3 with tags, plus 4 > 5: a subtree worth deleting by mistake."""
    cli.ok("add", "Project", "-t", "work", "--due", "2026-12-04", "-n", "keep\nthis")
    cli.ok("add", "Phase", "-p", "1", "-t", "work", "-t", "q1")
    cli.ok("add", "Step", "-p", "2", "-P", "high")
    cli.ok("add", "Other")
    cli.ok("add", "Other child", "-p", "4")


def _shown(cli: Cli, *ids: int) -> list[str]:
    return [cli.ok("show", str(task_id), "-f", "json").stdout for task_id in ids]


def test_undo_of_a_recursive_rm_restores_every_byte(cli: Cli, db_url: str) -> None:
    _tree(cli)
    cli.ok("done", "3")
    before_show = _shown(cli, 1, 2, 3)
    before = dump(db_url)
    cli.ok("rm", "1", "-r", "-y")
    cli.fails(1, "show", "2")
    result = cli.ok("undo")
    assert result.stdout.startswith("Undid operation ")
    assert "taskcli rm 1 -r -y" in result.stdout
    assert _shown(cli, 1, 2, 3) == before_show
    after = dump(db_url)
    for table in ("task", "tag", "task_tag"):
        assert after[table] == before[table]


def test_undo_reverts_a_whole_command_in_one_step(cli: Cli) -> None:
    _tree(cli)
    cli.ok("done", "1", "-r")
    assert cli.ok("list", "-f", "ids").stdout == "4\n5\n"
    cli.ok("undo")
    assert cli.ok("list", "-f", "ids").stdout == "1\n2\n3\n4\n5\n"


def test_undo_of_a_large_import(cli: Cli) -> None:
    cli.ok("add", "before the import")
    cli.ok("add", "-", input="".join(f"line {n}\n" for n in range(2_000)))
    assert len(cli.ok("list", "-f", "ids").stdout.split()) == 2_001
    cli.ok("undo")
    assert cli.ok("list", "-f", "ids").stdout == "1\n"


def test_undo_steps_and_redo(cli: Cli) -> None:
    cli.ok("add", "a")
    cli.ok("edit", "1", "--title", "b")
    cli.ok("edit", "1", "--title", "c")
    result = cli.ok("undo", "--steps", "2")
    assert len(result.stdout.splitlines()) == 2
    assert json.loads(cli.ok("show", "1", "-f", "json").stdout)["title"] == "a"
    cli.ok("redo")
    assert json.loads(cli.ok("show", "1", "-f", "json").stdout)["title"] == "b"
    cli.ok("redo")
    assert json.loads(cli.ok("show", "1", "-f", "json").stdout)["title"] == "c"
    _nothing_to(cli, "redo")


def test_a_new_change_ends_redo(cli: Cli) -> None:
    cli.ok("add", "a")
    cli.ok("add", "b")
    cli.ok("undo")
    cli.ok("add", "c")
    _nothing_to(cli, "redo")


def _nothing_to(cli: Cli, verb: str) -> None:
    """Nothing to undo or redo is a success: a message on stderr, stdout empty, no log line."""
    before = cli.ok("log", "-f", "json").stdout
    result = cli.ok(verb)
    assert (result.stdout, result.stderr) == ("", f"Nothing to {verb}.\n")
    assert cli.ok("log", "-f", "json").stdout == before


def test_nothing_to_undo(cli: Cli) -> None:
    _nothing_to(cli, "undo")
    _nothing_to(cli, "redo")


def test_undo_refuses_when_someone_changed_the_rows_since(cli: Cli, db_url: str) -> None:
    """Another user's later edit of the same task is never reverted silently."""
    cli.ok("add", "shared")
    alice = {"USER": "alice", "LOGNAME": "alice"}
    bob = {"USER": "bob", "LOGNAME": "bob"}
    assert cli("done", "1", env=alice).exit_code == 0
    assert cli("edit", "1", "--title", "bob's title", env=bob).exit_code == 0
    before = dump(db_url)
    refused = cli("undo", env=alice)
    assert refused.exit_code == 4
    assert refused.stdout == ""
    message = error_line(refused)
    assert "cannot undo operation" in message
    assert "task 1 was changed since" in message
    assert "--force" in message
    assert dump(db_url) == before
    forced = cli("undo", "--force", env=alice)
    assert forced.exit_code == 0, forced.stderr
    assert json.loads(cli.ok("show", "1", "-f", "json").stdout)["status"] == "pending"


def test_undo_refuses_after_a_change_by_another_tool(cli: Cli, db_url: str) -> None:
    cli.ok("add", "x")
    cli.ok("edit", "1", "--title", "y")
    execute(db_url, "UPDATE task SET title = 'changed by SQL' WHERE id = 1")
    assert "was changed since" in error_line(cli.fails(4, "undo"))


def test_each_user_undoes_their_own_commands(cli: Cli) -> None:
    alice = {"USER": "alice", "LOGNAME": "alice"}
    bob = {"USER": "bob", "LOGNAME": "bob"}
    cli("add", "alice's", env=alice)
    cli("add", "bob's", env=bob)
    assert cli("undo", env=alice).exit_code == 0
    assert cli.ok("list", "-f", "ids").stdout == "2\n"


def test_log_lists_operations_newest_first(cli: Cli, db_url: str) -> None:
    _tree(cli)
    cli.ok("done", "1", "-r")
    cli.ok("list")  # reading commands write nothing
    cli.ok("tree")
    log = json.loads(cli.ok("log", "-f", "json").stdout)
    assert [entry["command"] for entry in log[:2]] == [
        "taskcli done 1 -r",
        "taskcli add 'Other child' -p 4",
    ]
    assert log[0]["tasks"] == 3
    assert log[0]["state"] == "applied"
    assert set(log[0]) == {"id", "time", "user", "command", "state", "tasks"}
    assert len(log) == 6
    table = cli.ok("log", "-n", "2").stdout.splitlines()
    assert table[0].split() == ["ID", "When", "User", "Tasks", "State", "Command"]
    assert len(table) == 3


@pytest.mark.parametrize("backend", ["postgresql"])
def test_log_masks_the_password_of_db(cli: Cli, db_url: str) -> None:
    """A password only exists in a PostgreSQL URL (trust auth ignores it)."""
    with_password = db_url.replace("postgres@", "postgres:CANARY-secret@", 1)
    result = Cli(url="", env={})("--db", with_password, "add", "x")
    assert result.exit_code == 0, result.stderr
    log = cli.ok("log", "-f", "json").stdout
    assert "CANARY" not in log
    assert "postgres:***@" in log


def test_history_shows_field_changes(cli: Cli) -> None:
    cli.ok("add", "Draft", "-t", "work")
    cli.ok("edit", "1", "--title", "Final", "-P", "high", "--tag", "+urgent", "--tag", "-work")
    cli.ok("done", "1")
    entries = json.loads(cli.ok("history", "1", "-f", "json").stdout)
    assert [entry["kind"] for entry in entries] == ["created", "changed", "changed"]
    edit = {
        field["name"]: (field["old"], field["new"])
        for field in entries[1]["fields"]
        if field["name"] != "tag"
    }
    assert edit["title"] == ("Draft", "Final")
    assert edit["priority"] == ("none", "high")
    tags = {(f["old"], f["new"]) for f in entries[1]["fields"] if f["name"] == "tag"}
    assert tags == {(None, "urgent"), ("work", None)}
    assert ("status", "pending", "done") in [
        (f["name"], f["old"], f["new"]) for f in entries[2]["fields"]
    ]
    text = cli.ok("history", "1").stdout
    assert "title: Draft -> Final" in text
    assert "tag +urgent" in text
    assert "tag -work" in text


def test_failed_commands_and_reads_file_nothing(cli: Cli, db_url: str) -> None:
    cli.ok("add", "parent")
    cli.ok("add", "child", "-p", "1")
    before = dump(db_url)
    cli.fails(4, "done", "1")
    cli.fails(1, "edit", "9", "--title", "x")
    cli.ok("show", "1")
    cli.ok("list")
    cli.ok("log")
    cli.ok("history", "1")
    assert dump(db_url) == before


def test_retention_keeps_the_newest_operations(cli: Cli, db_url: str) -> None:
    for n in range(6):
        result = cli("add", f"t{n}", env={"TASKCLI_JOURNAL_KEEP": "3"})
        assert result.exit_code == 0
    operations = [entry["command"] for entry in json.loads(cli.ok("log", "-f", "json").stdout)]
    assert operations == ["taskcli add t5", "taskcli add t4", "taskcli add t3"]
    [[(orphans,)]] = execute(
        db_url, "SELECT count(*) FROM change WHERE operation_id NOT IN (SELECT id FROM operation)"
    )
    assert orphans == 0


def test_journal_can_be_turned_off(cli: Cli) -> None:
    result = cli("add", "unjournaled", env={"TASKCLI_JOURNAL": "0"})
    assert result.exit_code == 0
    assert json.loads(cli.ok("log", "-f", "json").stdout) == []


def test_undo_races_with_another_writer(cli: Cli, db_url: str) -> None:
    """Alice undoes while Bob edits the same task: Bob's edit is never lost."""
    env = {**os.environ, "TASKCLI_DATABASE_URL": db_url, "PYTHONPATH": str(REPO_ROOT)}
    for round_number in range(10):
        title = f"bob {round_number}"
        cli.ok("add", f"task {round_number}")
        task_id = str(round_number + 1)
        assert (
            cli("edit", task_id, "-P", "high", env={"USER": "alice", "LOGNAME": "alice"}).exit_code
            == 0
        )
        processes = [
            subprocess.Popen(
                [sys.executable, "-m", "taskcli", *args],
                env={**env, "USER": user, "LOGNAME": user},
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
            for user, args in (("alice", ["undo"]), ("bob", ["edit", task_id, "--title", title]))
        ]
        codes = [
            (p.returncode, err)
            for p, (_, err) in ((p, p.communicate(timeout=120)) for p in processes)
        ]
        assert codes[1][0] == 0, codes
        assert codes[0][0] in (0, 4), codes
        shown = json.loads(cli.ok("show", task_id, "-f", "json").stdout)
        assert shown["title"] == title  # Bob's change survived whatever Alice's undo did


def test_upgrading_a_populated_database_keeps_everything(backend: str, blank_db_url: str) -> None:
    """A database made by the previous release (0002) with data upgrades intact, and back."""
    url = blank_db_url
    upgrade(Settings(database=parse_database_url(url)), "0002")
    now = "2026-01-02 03:04:05+00" if backend == "postgresql" else "2026-01-02 03:04:05.000000"
    columns = "id, title, status, priority, parent_id, created_at, updated_at"
    execute(
        url,
        f"INSERT INTO task ({columns}) VALUES (1, 'root', 'pending', 2, NULL, '{now}', '{now}'),"
        f" (2, 'child', 'done', 0, 1, '{now}', '{now}'),"
        f" (3, 'grandchild', 'pending', 3, 2, '{now}', '{now}')",
        "INSERT INTO tag (id, name) VALUES (1, 'work'), (2, 'home')",
        "INSERT INTO task_tag (task_id, tag_id) VALUES (1, 1), (3, 1), (3, 2)",
    )
    before = dump(url)
    cli = Cli(url=url, env={})
    assert 'run "taskcli db upgrade"' in error_line(cli.fails(3, "list"))
    cli.ok("db", "upgrade")
    if backend == "sqlite":
        assert Path(url.removeprefix("sqlite:///") + ".bak-0002").exists()
    after = dump(url)
    assert _earlier_columns(after, before) == [before[t] for t in ("task", "tag", "task_tag")]
    tree = json.loads(cli.ok("tree", "--all", "-f", "json").stdout)
    assert tree[0]["progress"] == {"done": 1, "total": 2}
    cli.ok("rm", "1", "-r", "-y")
    cli.ok("undo")
    assert _earlier_columns(dump(url), before) == [before[t] for t in ("task", "tag", "task_tag")]
    cli.ok("db", "downgrade", "0002", "--yes")
    downgraded = dump(url)
    assert "operation" not in downgraded
    for table in ("task", "tag", "task_tag"):
        assert downgraded[table] == before[table]


def _earlier_columns(now: dict[str, Any], before: dict[str, Any]) -> list[Any]:
    """The task, tag and task_tag rows, the task rows cut to the columns ``before`` had."""
    return [earlier_columns(now["task"], before["task"]), now["tag"], now["task_tag"]]


def test_history_of_an_id_that_never_existed_is_not_found(cli: Cli) -> None:
    cli.ok("add", "kept")
    cli.ok("add", "deleted")
    cli.ok("rm", "2", "-y")
    assert "no task 999" in error_line(cli.fails(1, "history", "999"))
    assert "no task 999" in error_line(cli.fails(1, "history", "999", "-f", "json"))
    kinds = [entry["kind"] for entry in json.loads(cli.ok("history", "2", "-f", "json").stdout)]
    assert kinds == ["created", "deleted"]


def test_log_and_history_offer_exactly_the_formats_they_support(cli: Cli) -> None:
    cli.ok("add", "x")
    assert "<table|json>" in cli.ok("log", "--help").stdout
    assert "<text|json>" in cli.ok("history", "--help").stdout
    for name in ("table", "json"):
        cli.ok("log", "-f", name)
    for name in ("csv", "ids"):
        assert cli("log", "-f", name).exit_code == 2


def test_done_recursive_reports_every_task_it_completed(cli: Cli) -> None:
    cli.ok("add", "Kitchen")
    for title in ("Sink", "Oven", "Floor"):
        cli.ok("add", title, "-p", "1")
    cli.ok("add", "Grout", "-p", "4")
    cli.ok("done", "3")
    text = cli.ok("done", "1", "-r").stdout
    assert text == (
        "Completed task 1: Kitchen\nCompleted task 2: Sink\n"
        "Completed task 4: Floor\nCompleted task 5: Grout\n"
    )
    cli.ok("undo")
    completed = json.loads(cli.ok("done", "1", "-r", "-f", "json").stdout)
    assert [task["id"] for task in completed] == [1, 2, 4, 5]
    assert {task["status"] for task in completed} == {"done"}
