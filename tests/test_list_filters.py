"""``list`` filters of 0.2.0: tag exclusion and any-of, whole subtrees, several sort
keys, and the ``path`` column of ``--columns``."""

from __future__ import annotations

import re

import pytest
from support import Cli, error_line, execute
from taskhelpers import Row, as_json, insert_tasks, list_ids

from taskcli.dates import parse_date


@pytest.fixture
def forest(cli: Cli, db_url: str) -> Cli:
    """Two small trees and a loose task, tagged so that the tag filters differ."""
    insert_tasks(
        db_url,
        [
            Row(1, "Home", tags=("home",)),
            Row(2, "Garden", parent_id=1),
            Row(3, "Weed beds", parent_id=2, priority=2, tags=("phone", "garden")),
            Row(4, "Mow lawn", parent_id=2, status="done", tags=("garden",)),
            Row(5, "Call plumber", parent_id=1, priority=3, tags=("phone", "urgent")),
            Row(6, "Work", tags=("work",)),
            Row(7, "Report", parent_id=6, priority=1, tags=("urgent",)),
            Row(8, "Email boss", parent_id=6, tags=("phone",)),
            Row(9, "Loose"),
        ],
    )
    return cli


# -- tags ---------------------------------------------------------------------


def test_tag_with_a_plus_is_the_plain_tag(forest: Cli) -> None:
    """``--tag +NAME`` (as ``edit -t +NAME`` spells it) means ``--tag NAME``."""
    assert list_ids(forest, "--tag", "+phone", "--sort", "id") == [3, 5, 8]
    assert list_ids(forest, "--tag", "+PHONE", "--tag", "urgent") == [5]


@pytest.mark.parametrize(
    ("options", "expected"),
    [
        (["--tag", "-phone"], [1, 2, 6, 7, 9]),
        (["--tag=-phone"], [1, 2, 6, 7, 9]),
        (["--tag", "-Phone", "--tag", "-urgent"], [1, 2, 6, 9]),
        (["--tag", "+phone", "--tag", "-urgent"], [3, 8]),
        (["--tag", "-nosuchtag"], [1, 2, 3, 5, 6, 7, 8, 9]),
        (["--tag", "-phone", "--status", "all"], [1, 2, 4, 6, 7, 9]),
    ],
)
def test_tag_with_a_minus_must_not_be_there(
    forest: Cli, options: list[str], expected: list[int]
) -> None:
    """``-NAME`` drops the tasks with that tag; several ``--tag`` all apply."""
    assert list_ids(forest, *options, "--sort", "id") == expected


@pytest.mark.parametrize(
    ("options", "expected"),
    [
        (["--any-tag", "urgent", "--any-tag", "garden"], [3, 5, 7]),
        (["--any-tag", "URGENT"], [5, 7]),
        (["--any-tag", "urgent", "--any-tag", "garden", "--tag", "-phone"], [7]),
        (["--any-tag", "urgent", "--any-tag", "garden", "--tag", "phone"], [3, 5]),
        (["--any-tag", "garden", "--status", "all"], [3, 4]),
        (["--any-tag", "nosuchtag"], []),
        (["--any-tag", "nosuchtag", "--any-tag", "work"], [6]),
    ],
)
def test_any_tag_needs_one_of_them(forest: Cli, options: list[str], expected: list[int]) -> None:
    """``--any-tag`` (repeatable): at least one of the tags, ANDed with the other filters."""
    assert list_ids(forest, *options, "--sort", "id") == expected


@pytest.mark.parametrize(
    "options",
    [
        ["--tag", "-"],
        ["--tag", "- "],
        ["--any-tag", "a b"],
        ["--any-tag", ""],
    ],
)
def test_bad_tag_filters_exit_2(forest: Cli, options: list[str]) -> None:
    assert "tag must be" in error_line(forest.fails(2, "list", *options))


# -- subtrees -----------------------------------------------------------------


def test_under_is_the_whole_subtree(forest: Cli) -> None:
    """``--under ID``: every descendant (not ID itself), where ``--parent`` gives children only."""
    assert list_ids(forest, "--parent", "1", "--sort", "id") == [2, 5]
    assert list_ids(forest, "--under", "1", "--sort", "id") == [2, 3, 5]
    assert list_ids(forest, "--under", "1", "--status", "all", "--sort", "id") == [2, 3, 4, 5]
    assert list_ids(forest, "--under", "2", "--status", "all", "--sort", "id") == [3, 4]
    assert list_ids(forest, "--under", "1", "--tag", "phone", "--sort", "id") == [3, 5]
    assert [t["id"] for t in as_json(forest, "list", "--under", "6", "--sort", "id")] == [7, 8]


def test_under_a_leaf_or_an_empty_selection_is_a_success(forest: Cli) -> None:
    assert list_ids(forest, "--under", "9") == []
    assert list_ids(forest, "--under", "1", "--tag", "work") == []
    assert list_ids(forest, "--under", "1", "--limit", "0") == []
    assert forest.ok("list", "--under", "3", "-f", "json").stdout.strip() == "[]"


@pytest.mark.parametrize("format", ["table", "json", "ids"])
def test_under_an_unknown_task_is_no_such_task(forest: Cli, format: str) -> None:
    """Exit 1 with the message every unknown id gets (the same as ``--parent``)."""
    under = error_line(forest.fails(1, "list", "--under", "99", "-f", format))
    assert under == error_line(forest.fails(1, "list", "--parent", "99", "-f", format))
    assert "99" in under


def test_under_reaches_the_deepest_level(cli: Cli, db_url: str) -> None:
    """A chain at the depth limit (64 levels): every level below the root is listed."""
    insert_tasks(
        db_url, [Row(n, f"level {n}", parent_id=n - 1 if n > 1 else None) for n in range(1, 65)]
    )
    assert list_ids(cli, "--under", "1", "--sort", "id") == list(range(2, 65))
    assert list_ids(cli, "--under", "63") == [64]


@pytest.mark.parametrize("value", ["0", "-3"])
def test_under_needs_a_task_id(forest: Cli, value: str) -> None:
    assert "not a task id" in error_line(forest.fails(2, "list", "--under", value))


# -- sorting ------------------------------------------------------------------

D1 = "2026-12-01"
D2 = "2026-12-02"


@pytest.fixture
def ties(cli: Cli, db_url: str) -> Cli:
    """Tasks that tie on the first key, so the second key (then the id) decides."""
    insert_tasks(
        db_url,
        [
            Row(1, "b", priority=2, due=parse_date(D1)),
            Row(2, "a", priority=3, due=parse_date(D1)),
            Row(3, "c", priority=2, due=parse_date(D2)),
            Row(4, "d", priority=3),
            Row(5, "B", priority=2, due=parse_date(D1)),
        ],
    )
    return cli


@pytest.mark.parametrize(
    ("sort", "expected"),
    [
        ("due,priority", [2, 1, 5, 3, 4]),
        ("due,-priority", [1, 5, 2, 3, 4]),
        ("priority,due", [2, 4, 1, 5, 3]),
        ("priority,-due", [4, 2, 3, 1, 5]),
        ("-due", [4, 3, 1, 2, 5]),
        ("title,-id", [2, 5, 1, 3, 4]),
        (" Due , PRIORITY ", [2, 1, 5, 3, 4]),
        ("id,due", [1, 2, 3, 4, 5]),
        ("-id", [5, 4, 3, 2, 1]),
    ],
)
def test_several_sort_keys(ties: Cli, sort: str, expected: list[int]) -> None:
    """Keys in order of importance, ``-KEY`` reverses one, ties by id; ``--reverse`` flips all."""
    assert list_ids(ties, "--sort", sort) == expected
    assert list_ids(ties, "--sort", sort, "--reverse") == expected[::-1]
    assert [t["id"] for t in as_json(ties, "list", "--sort", sort)] == expected


@pytest.mark.parametrize("sort", ["due,bogus", "", "due,", "-", "+due", "due priority"])
def test_unknown_sort_key_exits_2_naming_the_keys(ties: Cli, sort: str) -> None:
    message = error_line(ties.fails(2, "list", "--sort", sort))
    for key in ("due", "priority", "created", "id", "title"):
        assert key in message


# -- the path column ----------------------------------------------------------


def _table(cli: Cli, *args: str) -> list[list[str]]:
    """A piped table's rows split on the two-space column gaps."""
    lines = cli.ok("list", *args).stdout.splitlines()
    return [re.split(r" {2,}", line.strip()) for line in lines]


def test_path_column_shows_the_ancestor_titles(forest: Cli) -> None:
    rows = _table(forest, "--columns", "id,title,path", "--sort", "id")
    assert rows[0] == ["ID", "Title", "Path"]
    paths = {row[0]: row[2] if len(row) > 2 else "" for row in rows[1:]}
    assert paths == {
        "1": "",
        "2": "Home",
        "3": "Home \u203a Garden",
        "5": "Home",
        "6": "",
        "7": "Work",
        "8": "Work",
        "9": "",
    }


def test_path_includes_ancestors_outside_the_selection(forest: Cli) -> None:
    rows = _table(forest, "--under", "2", "--status", "all", "--columns", "path,id", "--sort", "id")
    assert rows == [["Path", "ID"], ["Home \u203a Garden", "3"], ["Home \u203a Garden", "4"]]


def test_columns_choose_and_order_the_table(forest: Cli) -> None:
    rows = _table(forest, "--columns", "Due,ID,priority,id", "--tag", "urgent", "--sort", "id")
    assert rows == [["Due", "ID", "Pri"], ["5", "H"], ["7", "L"]]
    header = _table(forest, "--columns", "id,status,title,tags,progress", "--status", "all")[0]
    assert header == ["ID", "St", "Title", "Tags", "Progress"]


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (["--columns", "id,bogus"], "unknown column"),
        (["--columns", ""], "unknown column"),
        (["--columns", "id", "-f", "json"], "table format only"),
        (["--columns", "id", "-f", "csv"], "table format only"),
    ],
)
def test_bad_columns_exit_2(forest: Cli, options: list[str], message: str) -> None:
    assert message in error_line(forest.fails(2, "list", *options))


def test_a_deep_path_and_unsafe_ancestor_titles(cli: Cli, db_url: str) -> None:
    """Every level appears, root first; an ancestor's control characters are escaped."""
    insert_tasks(
        db_url,
        [Row(1, "evil\x1b[31m")] + [Row(n, f"L{n}", parent_id=n - 1) for n in range(2, 65)],
    )
    rows = _table(cli, "--columns", "id,path", "--under", "62", "--sort", "id")
    expected = " \u203a ".join(["evil\\x1b[31m", *(f"L{n}" for n in range(2, 64))])
    assert rows[1:] == [["63", expected.rsplit(" \u203a ", 1)[0]], ["64", expected]]
    assert "\x1b" not in cli.ok("list", "--columns", "path").stdout


def test_paths_end_on_a_cycle_written_by_another_tool(cli: Cli, db_url: str) -> None:
    """Two tasks that are each other's parent: listing their paths still finishes."""
    insert_tasks(db_url, [Row(1, "one"), Row(2, "two", parent_id=1), Row(3, "three", parent_id=2)])
    execute(db_url, "UPDATE task SET parent_id = 2 WHERE id = 1")
    rows = _table(cli, "--columns", "id,path", "--sort", "id")
    assert [row[0] for row in rows[1:]] == ["1", "2", "3"]
    assert rows[3][1].endswith("one \u203a two")


def test_path_column_on_a_terminal_fits_and_is_plain_text(forest: Cli) -> None:
    terminal = {"FORCE_COLOR": "1", "COLUMNS": "60", "TERM": "xterm-256color"}
    shown = forest("list", "--columns", "id,title,path", "--sort", "id", env=terminal)
    assert shown.exit_code == 0, shown.stderr
    text = re.sub(r"\x1b\[[0-9;]*m", "", shown.stdout)
    assert "Home \u203a Garden" in text
    assert all(len(line) <= 60 for line in text.splitlines())
