"""``edit``, ``done`` and ``rm`` select tasks with ``list``'s filters, spelled ``--where-*``.

A selection is the ids given AND the filters (no ids: every task that matches,
pending ones unless ``--where-status`` says otherwise); it runs in the writing
transaction, files one journal operation and comes back with one ``undo``.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta

import pytest
from support import Cli, dump, error_line, execute
from taskhelpers import Row, insert_tasks, run_interactive

YESTERDAY = datetime.now(UTC) - timedelta(days=1)
IN_TEN_DAYS = datetime.now(UTC) + timedelta(days=10)
# Every pending task below each task of the fixture: what ``done -r`` completes too.
BELOW = {1: {2, 3, 4}, 2: {3, 4}}
TASK_TABLES = ("task", "tag", "task_tag")


@pytest.fixture
def forest(cli: Cli, db_url: str) -> Cli:
    """1 Home > 2 Garden > (3 Weed, 4 Mow); 5 Work; 6 Read (done); 7 Call mum."""
    insert_tasks(
        db_url,
        [
            Row(1, "Home", tags=("home",)),
            Row(2, "Garden", parent_id=1, priority=3, tags=("home", "garden")),
            Row(3, "Weed", parent_id=2, due=YESTERDAY, tags=("garden",)),
            Row(4, "Mow", parent_id=2, priority=2, note="the lawn"),
            Row(5, "Work", priority=1, due=IN_TEN_DAYS, tags=("work",)),
            Row(6, "Read", status="done", tags=("home",)),
            Row(7, "Call mum", due=YESTERDAY, tags=("phone",)),
        ],
    )
    return cli


# Each filter, and the pending tasks it selects.
FILTERS = [
    (("--where-tag", "home"), {1, 2}),
    (("--where-tag", "+garden"), {2, 3}),
    (("--where-tag", "home", "--where-tag", "-garden"), {1}),
    (("--where-any-tag", "work", "--where-any-tag", "phone"), {5, 7}),
    (("--where-priority", "M"), {2, 4}),
    (("--where-priority", "high"), {2}),
    (("--where-due-before", "today"), {3, 7}),
    (("--where-overdue",), {3, 7}),
    (("--where-search", "LAWN"), {4}),
    (("--where-parent", "2"), {3, 4}),
    (("--where-under", "1"), {2, 3, 4}),
]
# ``--where-status`` (edit and rm; ``done`` selects pending tasks only).
STATUS_FILTERS = [
    (("--where-status", "done"), {6}),
    (("--where-status", "all", "--where-tag", "home"), {1, 2, 6}),
]
# Four pending tasks (1, 2, 5, 7): one more than goes ahead without asking.
ANY_OF_FOUR = ("--where-any-tag", "home", "--where-any-tag", "phone", "--where-any-tag", "work")


def _operations(url: str) -> int:
    [[(count,)]] = execute(url, "SELECT count(*) FROM operation")
    return int(count)


def _json_ids(stdout: str) -> list[int]:
    """Ids of the changed tasks (one task is one object, several an array)."""
    shown = json.loads(stdout)
    return [task["id"] for task in (shown if isinstance(shown, list) else [shown])]


def _deleted(stdout: str) -> set[int]:
    return {int(found) for found in re.findall(r"^Deleted task (\d+):", stdout, re.MULTILINE)}


def _edited(cli: Cli, *args: str) -> set[int]:
    result = cli.ok("edit", *args, "-t", "+picked", "-f", "json")
    changed = set(_json_ids(result.stdout))
    tagged = cli.ok("list", "--status", "all", "--tag", "picked", "-f", "ids").stdout.split()
    assert changed == {int(task_id) for task_id in tagged}
    return changed


@pytest.mark.parametrize(("options", "expected"), FILTERS + STATUS_FILTERS)
def test_edit_changes_the_tasks_a_filter_selects(
    forest: Cli, options: tuple[str, ...], expected: set[int]
) -> None:
    """``edit --where-... -t +picked``: exactly the tasks ``list`` shows with those filters."""
    assert _edited(forest, *options) == expected


@pytest.mark.parametrize(("options", "expected"), FILTERS)
def test_done_completes_the_tasks_a_filter_selects(
    forest: Cli, options: tuple[str, ...], expected: set[int]
) -> None:
    """``done -r --where-...``: the selected tasks and (with -r) their pending subtrees."""
    result = forest.ok("done", "-r", *options, "-f", "json")
    subtrees = set().union(*(BELOW.get(task_id, set()) for task_id in expected))
    assert set(_json_ids(result.stdout)) == expected | subtrees
    done = forest.ok("list", "--status", "done", "-f", "ids").stdout.split()
    assert {int(task_id) for task_id in done} == expected | subtrees | {6}


@pytest.mark.parametrize(("options", "expected"), FILTERS + STATUS_FILTERS)
def test_rm_deletes_the_tasks_a_filter_selects(
    forest: Cli, options: tuple[str, ...], expected: set[int]
) -> None:
    """``rm -r -y --where-...`` names exactly the selected tasks."""
    result = forest.ok("rm", "-r", "-y", *options)
    assert _deleted(result.stdout) == expected
    left = forest.ok("list", "--status", "all", "-f", "ids").stdout.split()
    subtrees = set().union(*(BELOW.get(task_id, set()) for task_id in expected))
    assert {int(task_id) for task_id in left} == set(range(1, 8)) - expected - subtrees


def test_done_has_no_status_filter(forest: Cli, db_url: str) -> None:
    """``done`` selects pending tasks: ``--where-status`` is a usage error there."""
    before = dump(db_url)
    result = forest("done", "--where-status", "all")
    assert result.exit_code == 2
    assert dump(db_url) == before
    shown = forest.ok("done", "--help").stdout
    assert "--where-tag" in shown
    assert "--where-status" not in shown


def test_ids_and_filters_select_the_ids_that_match(forest: Cli) -> None:
    """Ids (ranges too) AND filters: ``edit 1-5 --where-tag home`` changes 1 and 2."""
    assert _edited(forest, "1-5", "--where-tag", "home") == {1, 2}
    result = forest.ok("done", "3", "4", "7", "--where-overdue", "-f", "json")
    assert _json_ids(result.stdout) == [3, 7]
    result = forest.ok("rm", "-y", "-r", "2-7", "--where-status", "all", "--where-tag", "home")
    assert _deleted(result.stdout) == {2, 6}


def test_ids_from_stdin_combine_with_filters(forest: Cli) -> None:
    """``-`` reads ids from stdin; the filter narrows them."""
    result = forest.ok("edit", "-", "--where-any-tag", "garden", "-P", "low", input="1 3 4\n")
    assert result.stdout == "Updated task 3: Weed\n"


@pytest.mark.parametrize(
    "command",
    [
        ("edit", "99", "--where-tag", "home", "-P", "high"),
        ("done", "1", "99", "--where-tag", "home"),
        ("rm", "-y", "99", "--where-tag", "home"),
        ("edit", "--where-parent", "99", "-P", "high"),
        ("done", "--where-under", "99"),
        ("rm", "-y", "--where-under", "99"),
    ],
)
def test_a_missing_id_is_no_such_task_even_with_filters(
    forest: Cli, db_url: str, command: tuple[str, ...]
) -> None:
    """A filter never hides a typo: an id that does not exist exits 1, nothing changed."""
    before = dump(db_url)
    result = forest.fails(1, *command)
    assert error_line(result) == "Error: no task 99"
    assert dump(db_url) == before


@pytest.mark.parametrize(
    "command",
    [
        ("edit", "--where-tag", "nosuch", "-P", "high"),
        ("edit", "1", "--where-tag", "garden", "-P", "high"),
        ("done", "--where-search", "nothing like this"),
        ("rm", "-y", "--where-status", "done", "--where-tag", "work"),
    ],
)
def test_nothing_selected_is_an_empty_success(
    forest: Cli, db_url: str, command: tuple[str, ...]
) -> None:
    """An empty selection is an empty result (SPEC: exit 0), said on stderr; no undo step."""
    before, operations = dump(db_url), _operations(db_url)
    result = forest.ok(*command)
    assert result.stdout == ""
    assert result.stderr == "No tasks match the filters; nothing was changed.\n"
    assert dump(db_url) == before
    assert _operations(db_url) == operations


def test_nothing_selected_in_json_is_an_empty_array(forest: Cli) -> None:
    """Scripts get ``[]`` on stdout, the message on stderr."""
    result = forest.ok("done", "--where-tag", "nosuch", "-f", "json")
    assert json.loads(result.stdout) == []


def test_no_ids_and_no_filter_is_a_usage_error(forest: Cli, db_url: str) -> None:
    """Without ids a command needs a filter: it never means "every task"."""
    before = dump(db_url)
    for command in (("edit", "-P", "high"), ("done",), ("rm", "-y")):
        result = forest(*command)
        assert result.exit_code == 2, command
        assert "no task ids given: give ids, ranges (3-7), - or --where-* filters" in result.stderr
    assert dump(db_url) == before


def test_an_empty_search_is_a_usage_error(forest: Cli, db_url: str) -> None:
    """``--where-search ""`` would select every task: a script's empty variable must not."""
    before = dump(db_url)
    for command in (("edit", "-P", "high"), ("done",), ("rm", "-y")):
        for blank in ("", "  "):
            line = error_line(forest.fails(2, *command, "--where-search", blank))
            assert "--where-search needs text" in line, command
    assert dump(db_url) == before


@pytest.mark.parametrize(
    "command",
    [
        ("edit", "--where-tag", "home", "-t", "+weekend", "-t", "-garden", "-P", "low"),
        ("done", "-r", "--where-under", "1"),
        ("rm", "-r", "-y", "--where-status", "all", "--where-tag", "home"),
    ],
)
def test_one_operation_and_one_undo_step(
    forest: Cli, db_url: str, command: tuple[str, ...]
) -> None:
    """Everything a filtered command changed comes back with one ``undo``."""
    before, operations = dump(db_url), _operations(db_url)
    forest.ok(*command)
    assert _operations(db_url) == operations + 1
    assert dump(db_url) != before
    forest.ok("undo")
    after = dump(db_url)
    for table in TASK_TABLES:
        assert after[table] == before[table], table


def test_edit_keeps_its_own_tag_option(forest: Cli) -> None:
    """On ``edit``, ``-t`` still changes tags while ``--where-tag`` selects."""
    forest.ok("edit", "--where-tag", "garden", "-t", "-garden", "-t", "+yard")
    shown = json.loads(forest.ok("list", "--tag", "yard", "--sort", "id", "-f", "json").stdout)
    assert [(task["id"], task["tags"]) for task in shown] == [(2, ["home", "yard"]), (3, ["yard"])]


def test_piped_filters_never_ask(forest: Cli) -> None:
    """Without a terminal a large selection goes ahead: scripts are never stopped."""
    result = forest.ok("edit", "--where-status", "all", "-P", "low", "-f", "json")
    assert len(json.loads(result.stdout)) == 7
    assert "?" not in result.stderr


@pytest.mark.parametrize(
    ("command", "question", "verb", "count"),
    [
        (("edit", "--where-status", "all", "-P", "low"), "Change 7 tasks? [y/N]: ", "Updated", 7),
        (("done", "-r", *ANY_OF_FOUR), "Change 4 tasks? [y/N]: ", "Completed", 6),
        (("rm", "-r", "--where-status", "all"), "Delete 7 tasks? [y/N]: ", "Deleted", 7),
    ],
)
@pytest.mark.parametrize(("answer", "changed"), [("n", False), ("y", True)])
def test_a_terminal_asks_before_a_large_filtered_change(
    forest: Cli,
    db_url: str,
    command: tuple[str, ...],
    question: str,
    verb: str,
    count: int,
    answer: str,
    changed: bool,
) -> None:
    """More than 3 tasks selected by filters on a terminal: asked first; "n" changes nothing."""
    before = dump(db_url)
    output = run_interactive(command, env={"TASKCLI_DATABASE_URL": db_url}, answer=answer)
    assert output.returncode == 0, output.stdout
    assert "Traceback" not in output.stdout
    assert question in output.stdout
    if changed:
        assert output.stdout.count(f"{verb} task ") == count
        assert dump(db_url)["task"] != before["task"]
    else:
        assert "Nothing was " in output.stdout
        assert dump(db_url) == before


@pytest.mark.parametrize(
    ("command", "verb"),
    [
        (("edit", "--yes", "--where-status", "all", "-P", "low"), "Updated"),
        (("done", "-y", "-r", *ANY_OF_FOUR), "Completed"),
        (("rm", "-y", "-r", "--where-status", "all"), "Deleted"),
    ],
)
def test_yes_skips_the_question(
    forest: Cli, db_url: str, command: tuple[str, ...], verb: str
) -> None:
    """``--yes``/``-y``: no question even on a terminal."""
    output = run_interactive(
        command, env={"TASKCLI_DATABASE_URL": db_url}, answer="n", prompt="never shown"
    )
    assert output.returncode == 0, output.stdout
    assert "[y/N]" not in output.stdout
    assert verb in output.stdout


def test_few_tasks_are_not_asked_about(forest: Cli, db_url: str) -> None:
    """Three or fewer tasks selected: ``edit`` and ``done`` go ahead on a terminal too."""
    output = run_interactive(
        ("done", "-r", "--where-under", "1"),
        env={"TASKCLI_DATABASE_URL": db_url},
        answer="n",
        prompt="never shown",
    )
    assert output.returncode == 0, output.stdout
    assert "[y/N]" not in output.stdout
    assert "Completed task 2: Garden" in output.stdout


@pytest.mark.parametrize(
    "command",
    [("edit", "--where-status", "all", "-P", "low"), ("rm", "-r", "--where-status", "all")],
)
def test_a_selection_that_changes_while_asked_changes_nothing(
    forest: Cli, db_url: str, command: tuple[str, ...]
) -> None:
    """The user agreed to 7 tasks; an 8th appears before the answer: exit 4, nothing changed."""
    meanwhile = "INSERT INTO task (id, title, status, priority, created_at, updated_at) " + (
        "SELECT 8, 'New', status, 0, created_at, updated_at FROM task WHERE id = 1"
    )
    before = dump(db_url)["task"]
    output = run_interactive(
        command,
        env={"TASKCLI_DATABASE_URL": db_url},
        answer="y",
        before_answer=lambda: execute(db_url, meanwhile),
    )
    assert output.returncode == 4, output.stdout
    assert "Error: the tasks the filters select changed" in output.stdout
    after = dump(db_url)["task"]
    assert [row for row in after if row[0] != 8] == before
    assert len(after) == 8
