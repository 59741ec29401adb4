"""Several tasks per write command: ids, ranges (``3-7``), ``-`` (ids from stdin).

Each command changes all its tasks in one transaction and files one journal
operation, so one ``undo`` puts every table back as it was (full dumps).
"""

from __future__ import annotations

import json

import pytest
from support import Cli, dump, error_line, execute
from taskhelpers import Row, insert_tasks

from taskcli.cli.selection import MAX_RANGE


@pytest.fixture
def forest(cli: Cli, db_url: str) -> Cli:
    """1 Home > (2 Garden > 5 Weed, 6 Mow), 3 Paint, 4 Fix tap; 7 Work; 8 Read; 9 Errands."""
    insert_tasks(
        db_url,
        [
            Row(1, "Home"),
            Row(2, "Garden", parent_id=1),
            Row(3, "Paint", parent_id=1),
            Row(4, "Fix tap", parent_id=1, tags=("later",)),
            Row(5, "Weed", parent_id=2),
            Row(6, "Mow", parent_id=2),
            Row(7, "Work"),
            Row(8, "Read"),
            Row(9, "Errands"),
        ],
    )
    return cli


def _operations(url: str) -> int:
    [[(count,)]] = execute(url, "SELECT count(*) FROM operation")
    return int(count)


def _undo_restores(cli: Cli, url: str, before: dict[str, list[tuple[object, ...]]]) -> None:
    """One undo step puts every task table back (the journal itself records the undo)."""
    cli.ok("undo")
    after = dump(url)
    for table in ("task", "tag", "task_tag"):
        assert after[table] == before[table], table


def test_edit_several_ids_in_one_operation_and_one_undo(forest: Cli, db_url: str) -> None:
    """``edit 3 4 -t +weekend -t -later``: both change, one journal operation, one undo."""
    before, operations = dump(db_url), _operations(db_url)
    result = forest.ok("edit", "3", "4", "-t", "+weekend", "-t", "-later", "-P", "high")
    assert result.stdout == "Updated task 3: Paint\nUpdated task 4: Fix tap\n"
    assert _operations(db_url) == operations + 1
    shown = json.loads(forest.ok("list", "--tag", "weekend", "-f", "json").stdout)
    assert [(task["id"], task["tags"], task["priority"]) for task in shown] == [
        (3, ["weekend"], "high"),
        (4, ["weekend"], "high"),
    ]
    _undo_restores(forest, db_url, before)


def test_edit_json_is_one_object_for_one_task_and_an_array_for_several(forest: Cli) -> None:
    single = json.loads(forest.ok("edit", "3", "-t", "x", "-f", "json").stdout)
    assert single["id"] == 3
    several = json.loads(forest.ok("edit", "3-4", "-t", "y", "-f", "json").stdout)
    assert [task["id"] for task in several] == [3, 4]


def test_move_several_ids_in_one_undo_step(forest: Cli, db_url: str) -> None:
    """``move 3 4 --parent 9``: both move (with their subtrees); one undo moves both back."""
    before = dump(db_url)
    result = forest.ok("move", "3", "4", "--parent", "9")
    assert result.stdout == "Moved task 3: Paint\nMoved task 4: Fix tap\n"
    [rows] = execute(db_url, "SELECT id, parent_id FROM task WHERE id IN (3, 4) ORDER BY id")
    assert rows == [(3, 9), (4, 9)]
    _undo_restores(forest, db_url, before)


def test_move_several_refuses_a_cycle_and_changes_nothing(forest: Cli, db_url: str) -> None:
    before = dump(db_url)
    assert "5 is inside 2's subtree" in error_line(forest.fails(4, "move", "7", "2", "-p", "5"))
    assert "under itself" in error_line(forest.fails(4, "move", "7", "8", "-p", "8"))
    assert dump(db_url) == before


def test_ranges_are_inclusive_and_one_undo_step(forest: Cli, db_url: str) -> None:
    before = dump(db_url)
    result = forest.ok("done", "7-9")
    assert (
        result.stdout
        == "Completed task 7: Work\nCompleted task 8: Read\nCompleted task 9: Errands\n"
    )
    _undo_restores(forest, db_url, before)
    forest.ok("rm", "-y", "8-9", "7")
    [[(left,)]] = execute(db_url, "SELECT count(*) FROM task WHERE id >= 7")
    assert left == 0


@pytest.mark.parametrize(
    ("token", "message"),
    [
        ("9-7", "reversed range '9-7'"),
        (f"1-{MAX_RANGE + 1}", f"at most {MAX_RANGE}"),
        ("1-99999999999999999999", "out of range"),
        ("0-3", "'0-3': 0 is not a task id"),
        ("x", "'x' is not a task id"),
        ("3-", "'3-' is not a task id"),
        ("3..7", "'3..7' is not a task id"),
    ],
)
def test_bad_ranges_exit_2_and_change_nothing(
    forest: Cli, db_url: str, token: str, message: str
) -> None:
    before = dump(db_url)
    for command in (("done", "7", token), ("edit", token, "-t", "x"), ("rm", "-y", token)):
        assert message in error_line(forest.fails(2, *command))
    assert dump(db_url) == before


def test_a_missing_id_in_a_range_changes_nothing(forest: Cli, db_url: str) -> None:
    before = dump(db_url)
    assert "no task 10" in error_line(forest.fails(1, "edit", "8-10", "-t", "x"))
    assert "no task 10" in error_line(forest.fails(1, "move", "8-10", "--root"))
    assert "no task 10" in error_line(forest.fails(1, "undone", "8-10"))
    assert dump(db_url) == before


def test_ids_from_stdin_lines_or_whitespace(forest: Cli, db_url: str) -> None:
    """``list -f ids | taskcli done -``: one process, one undo step."""
    before = dump(db_url)
    result = forest.ok("done", "-", input="7\n8 9\n\n")
    assert result.stdout.count("Completed") == 3
    _undo_restores(forest, db_url, before)
    piped = forest.ok("list", "--parent", "1", "-f", "ids").stdout
    forest.ok("edit", "-", "-t", "+weekend", input=piped)
    [rows] = execute(
        db_url,
        "SELECT task_id FROM task_tag JOIN tag ON tag.id = tag_id "
        "WHERE tag.name = 'weekend' ORDER BY task_id",
    )
    assert rows == [(2,), (3,), (4,)]


def test_stdin_with_a_bad_token_names_it_and_changes_nothing(forest: Cli, db_url: str) -> None:
    before = dump(db_url)
    assert "'eight' is not a task id" in error_line(
        forest.fails(2, "done", "-", input="7\neight\n9\n")
    )
    assert "stdin was empty" in error_line(forest.fails(2, "undone", "-", input="\n \n"))
    assert "only once" in error_line(forest.fails(2, "rm", "-y", "-", "-", input="7\n"))
    assert dump(db_url) == before


def test_done_a_parent_with_all_its_pending_descendants(forest: Cli, db_url: str) -> None:
    """``done 5 6 2``: 2's open children are in the same command, so it may complete too."""
    before = dump(db_url)
    refused = error_line(forest.fails(4, "done", "2", "5"))
    assert "task 2 has 1 pending subtask" in refused
    assert dump(db_url) == before
    completed = json.loads(forest.ok("done", "6", "2", "5", "-f", "json").stdout)
    assert [(task["id"], task["status"]) for task in completed] == [
        (2, "done"),
        (5, "done"),
        (6, "done"),
    ]
    [rows] = execute(db_url, "SELECT id FROM task WHERE status = 'done' ORDER BY id")
    assert rows == [(2,), (5,), (6,)]
    _undo_restores(forest, db_url, before)


def test_done_recursive_output_lists_what_log_counts(forest: Cli) -> None:
    """Text and JSON list every task ``done -r`` completed; ``log`` counts the same tasks."""
    text = forest.ok("done", "1", "-r").stdout
    assert text.splitlines() == [
        f"Completed task {task_id}: {title}"
        for task_id, title in [
            (1, "Home"),
            (2, "Garden"),
            (3, "Paint"),
            (4, "Fix tap"),
            (5, "Weed"),
            (6, "Mow"),
        ]
    ]
    [entry] = json.loads(forest.ok("log", "-n", "1", "-f", "json").stdout)
    forest.ok("undo")
    completed = json.loads(forest.ok("done", "1", "-r", "-f", "json").stdout)
    assert [task["id"] for task in completed] == [1, 2, 3, 4, 5, 6]
    assert len(text.splitlines()) == len(completed) == entry["tasks"] == 6


def test_done_and_undone_print_only_what_they_changed(forest: Cli) -> None:
    """A named task already in that state is said on stderr, never claimed as a change."""
    forest.ok("done", "7")
    result = forest.ok("done", "7-9")
    assert result.stdout.splitlines() == ["Completed task 8: Read", "Completed task 9: Errands"]
    assert result.stderr == "Task 7 was already done.\n"
    [entry] = json.loads(forest.ok("log", "-n", "1", "-f", "json").stdout)
    assert entry["tasks"] == 2
    assert [t["id"] for t in json.loads(forest.ok("done", "7", "8", "-f", "json").stdout)] == [7, 8]
    reopened = forest.ok("undone", "1", "8")  # 1 was never done
    assert reopened.stdout == "Reopened task 8: Read\n"
    assert reopened.stderr == "Task 1 was already pending.\n"


def test_add_joins_title_words(cli: Cli) -> None:
    """``add Buy milk`` is the title "Buy milk"; ``--`` still ends the options."""
    assert cli.ok("add", "Buy", "milk", "-t", "shop").stdout == "Created task 1: Buy milk\n"
    assert cli.ok("add", "-q", "--", "-5", "degrees", "outside").stdout == "2\n"
    titles = [task["title"] for task in json.loads(cli.ok("list", "-f", "json").stdout)]
    assert titles == ["Buy milk", "-5 degrees outside"]
    assert cli.ok("add", "-", input="Eggs\nBread\n").stdout == "Created 2 tasks: 3, 4\n"


def test_help_names_the_id_forms(cli: Cli) -> None:
    for command in ("done", "undone", "edit", "move", "rm"):
        text = cli.ok(command, "--help").stdout
        assert "ID..." in text
        assert "ranges (3-7)" in text
        assert "list[int]" not in text
