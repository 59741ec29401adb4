"""``list``: every filter and sort key of the SPEC, and the data formats
(json, csv, ids) scripts rely on."""

from __future__ import annotations

import csv
import io
import json
from datetime import datetime

import pytest
from support import Cli
from taskhelpers import (
    TASK_KEY_ORDER,
    TASK_KEYS,
    Row,
    add,
    as_json,
    assert_task_object,
    insert_tasks,
    list_ids,
)

from taskcli.dates import parse_date

CSV_HEADER = TASK_KEY_ORDER

# -- filters ------------------------------------------------------------------


def _due(text: str) -> datetime:
    """A due date as ``--due TEXT`` would store it."""
    return parse_date(text)


@pytest.fixture
def filtered(cli: Cli, db_url: str) -> Cli:
    """Tasks that each filter should tell apart, written directly for speed."""
    insert_tasks(
        db_url,
        [
            Row(1, "Write report", priority=3, due=_due("tomorrow"), tags=("work", "urgent")),
            Row(2, "Buy milk", priority=1, due=_due("yesterday"), tags=("home",)),
            Row(3, "50%_off coupon", tags=("home", "work")),
            # Would match 50%_off read as a LIKE pattern:
            Row(4, "50xxoff deal", priority=2),
            Row(5, "Plain", note="the NEEDLE is in the note"),
            Row(6, "needle in title", due=_due("2020-01-01")),
            Row(7, "quote ' OR 1=1 -- here", tags=("urgent",)),
            Row(
                8, "Finished work", status="done", priority=3, due=_due("yesterday"), tags=("work",)
            ),
            Row(9, "Parent", parent_id=1),
            Row(10, "Child of 9", parent_id=9),
            Row(11, "Done child", parent_id=1, status="done"),
        ],
    )
    return cli


def test_default_is_pending_only(filtered: Cli) -> None:
    """Without filters: pending tasks only, default sort (due, then id)."""
    assert sorted(list_ids(filtered)) == [1, 2, 3, 4, 5, 6, 7, 9, 10]


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        ("pending", [1, 2, 3, 4, 5, 6, 7, 9, 10]),
        ("done", [8, 11]),
        ("all", list(range(1, 12))),
        ("ALL", list(range(1, 12))),
    ],
)
def test_status_filter(filtered: Cli, status: str, expected: list[int]) -> None:
    """``--status pending|done|all`` (case-insensitive choice)."""
    assert sorted(list_ids(filtered, "--status", status, "--sort", "id")) == expected


@pytest.mark.parametrize(
    ("tags", "expected"),
    [
        (["work"], [1, 3]),
        (["WORK"], [1, 3]),
        (["work", "urgent"], [1]),
        (["home", "work"], [3]),
        (["home", "urgent"], []),
        (["nosuchtag"], []),
    ],
)
def test_tags_combine_with_and(filtered: Cli, tags: list[str], expected: list[int]) -> None:
    """``--tag`` is repeatable and every tag must be present (folded to lower case)."""
    options = [part for name in tags for part in ("--tag", name)]
    assert list_ids(filtered, *options, "--sort", "id") == expected


@pytest.mark.parametrize(
    ("priority", "expected"),
    [("high", [1]), ("medium", [1, 4]), ("low", [1, 2, 4]), ("none", [1, 2, 3, 4, 5, 6, 7, 9, 10])],
)
def test_priority_is_at_least(filtered: Cli, priority: str, expected: list[int]) -> None:
    """``--priority P`` keeps tasks of priority P or higher."""
    assert list_ids(filtered, "--priority", priority, "--sort", "id") == expected


def test_due_before_includes_the_whole_day(cli: Cli) -> None:
    """``--due-before DATE`` is "on or before": a date alone means the end of that day."""
    add(cli, "first", "--due", "2026-12-01")
    add(cli, "same day later", "--due", "2026-12-01T18:00")
    add(cli, "next day", "--due", "2026-12-02T00:00")
    add(cli, "no due")
    add(cli, "long ago", "--due", "2020-05-05")
    assert list_ids(cli, "--due-before", "2026-12-01") == [5, 2, 1]
    assert list_ids(cli, "--due-before", "2026-12-01T17:59") == [5]
    assert list_ids(cli, "--due-before", "2026-12-02T00:00") == [5, 2, 1, 3]
    assert list_ids(cli, "--due-before", "yesterday") == [5]


def test_overdue_is_pending_and_past_due(filtered: Cli) -> None:
    """``--overdue``: due before now and still pending (a done task never is)."""
    assert list_ids(filtered, "--overdue") == [6, 2]
    assert list_ids(filtered, "--overdue", "--status", "all") == [6, 2]
    assert list_ids(filtered, "--overdue", "--status", "done") == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("NeEdLe", [5, 6]),
        ("needle is", [5]),
        ("50%_off", [3]),
        ("%", [3]),
        ("_", [3]),
        ("' OR 1=1 --", [7]),
        ("'", [7]),
        ("no such text", []),
    ],
)
def test_search_is_case_insensitive_and_literal(
    filtered: Cli, text: str, expected: list[int]
) -> None:
    """``--search`` looks in title and note, ignores case, and treats % _ ' literally."""
    assert list_ids(filtered, "--search", text, "--status", "all", "--sort", "id") == expected


def test_parent_lists_direct_subtasks_only(filtered: Cli) -> None:
    """``--parent ID``: children of ID, not grandchildren; the status filter still applies."""
    assert list_ids(filtered, "--parent", "1", "--sort", "id") == [9]
    assert list_ids(filtered, "--parent", "1", "--status", "all", "--sort", "id") == [9, 11]
    assert list_ids(filtered, "--parent", "10") == []


def test_roots_lists_top_level_only(filtered: Cli) -> None:
    """``--roots``: tasks without a parent."""
    assert list_ids(filtered, "--roots", "--sort", "id") == [1, 2, 3, 4, 5, 6, 7]


def test_filters_combine_with_and(filtered: Cli) -> None:
    """All filters apply together."""
    assert list_ids(filtered, "--tag", "work", "--priority", "high", "--status", "all") == [
        8,
        1,
    ]
    assert list_ids(filtered, "--roots", "--search", "o", "--priority", "medium") == [1, 4]


def test_list_shows_progress_of_tasks_with_subtasks(filtered: Cli) -> None:
    """The table gains a Progress column: done/total over all descendants."""
    lines = filtered.ok("list", "--sort", "id").stdout.splitlines()
    assert lines[0].split() == ["ID", "Pri", "Title", "Due", "Tags", "Progress"]
    assert lines[1].split()[0] == "1"
    assert lines[1].endswith("1/3")
    assert lines[8].split()[0] == "9"
    assert lines[8].endswith("0/1")
    assert lines[9].split()[0] == "10"
    assert not lines[9].endswith("/1")


# -- sorting ------------------------------------------------------------------


@pytest.fixture
def sortable(cli: Cli, db_url: str) -> Cli:
    """Five tasks whose due, priority, creation time and title orders all differ.

    Creation times are out of id order (another tool, or a clock step).
    """
    insert_tasks(
        db_url,
        [
            Row(1, "banana", priority=1, due=_due("2026-12-03"), created_at=_due("2020-01-03")),
            Row(2, "Apple", priority=3, created_at=_due("2020-01-02")),
            Row(3, "cherry", priority=3, due=_due("2026-12-01"), created_at=_due("2020-01-04")),
            Row(4, "apple", due=_due("2026-12-01"), created_at=_due("2020-01-01")),
            Row(
                5,
                "date",
                priority=2,
                due=_due("2026-12-02T09:30"),
                created_at=_due("2020-01-04"),
            ),
        ],
    )
    return cli


@pytest.mark.parametrize(
    ("key", "expected"),
    [
        ("due", [3, 4, 5, 1, 2]),
        ("priority", [2, 3, 5, 1, 4]),
        ("created", [4, 2, 1, 3, 5]),
        ("id", [1, 2, 3, 4, 5]),
        ("title", [2, 4, 1, 3, 5]),
        ("TITLE", [2, 4, 1, 3, 5]),
    ],
)
def test_sort_keys_break_ties_by_id(sortable: Cli, key: str, expected: list[int]) -> None:
    """due (no due date last), priority (highest first), created, id, title (any case)."""
    assert list_ids(sortable, "--sort", key) == expected
    assert list_ids(sortable, "--sort", key, "--reverse") == expected[::-1]


def test_default_sort_is_due(sortable: Cli) -> None:
    """Without ``--sort`` the order is by due date, undated tasks last."""
    assert list_ids(sortable) == [3, 4, 5, 1, 2]


@pytest.mark.parametrize(("limit", "expected"), [("0", []), ("2", [3, 4]), ("99", [3, 4, 5, 1, 2])])
def test_limit(sortable: Cli, limit: str, expected: list[int]) -> None:
    """``--limit N`` keeps the first N after sorting; 0 is an empty (successful) result."""
    assert list_ids(sortable, "--limit", limit) == expected
    assert [t["id"] for t in as_json(sortable, "list", "--limit", limit)] == expected


def test_limit_applies_after_reverse(sortable: Cli) -> None:
    """``--reverse --limit 2`` gives the last two of the forward order."""
    assert list_ids(sortable, "--reverse", "--limit", "2") == [2, 1]


# -- formats ------------------------------------------------------------------


def test_empty_results_are_successes(cli: Cli) -> None:
    """No tasks: ``[]`` in JSON, a header-only CSV, nothing for ids."""
    assert cli.ok("list", "-f", "json").stdout.strip() == "[]"
    assert cli.ok("list", "-f", "ids").stdout == ""
    assert cli.ok("list", "-f", "csv").stdout == ",".join(CSV_HEADER) + "\n"


def test_json_task_objects(cli: Cli) -> None:
    """``list -f json`` is an array of task objects with exactly the SPEC's keys."""
    add(cli, "root", "-t", "b", "-t", "a", "--due", "2026-12-01T17:00", "-n", "note")
    add(cli, "child", "-p", "1")
    cli.ok("done", "2")
    tasks = as_json(cli, "list", "--status", "all", "--sort", "id")
    assert [t["id"] for t in tasks] == [1, 2]
    for task in tasks:
        assert_task_object(task)
    root, child = tasks
    assert root["tags"] == ["a", "b"]
    assert root["note"] == "note"
    assert datetime.fromisoformat(root["due"]) == datetime(2026, 12, 1, 17, 0).astimezone()
    assert child["parent_id"] == 1
    assert child["status"] == "done"
    assert child["completed_at"] is not None


def test_ids_format_is_digits_and_newlines(cli: Cli) -> None:
    """``-f ids``: one id per line, nothing else."""
    for title in ("one", "two", "three"):
        add(cli, title)
    assert cli.ok("list", "-f", "ids", "--sort", "id").stdout == "1\n2\n3\n"


def test_csv_round_trips_through_csv_reader(cli: Cli, db_url: str) -> None:
    """CSV: the SPEC's header, tags joined by ',', awkward titles quoted correctly."""
    titles = ['Say "hi", then leave', "plain", "a,b,c", "'single' and \"double\""]
    for title in titles:
        add(cli, title, "-t", "x", "-t", "a")
    insert_tasks(db_url, [Row(id=10, title="line one\nline two, with comma")])
    text = cli.ok("list", "-f", "csv", "--sort", "id").stdout
    rows = list(csv.reader(io.StringIO(text)))
    header, *records = rows
    assert tuple(header) == CSV_HEADER
    assert set(header) == TASK_KEYS
    assert [r[1] for r in records] == [*titles, "line one\nline two, with comma"]
    assert [r[0] for r in records] == ["1", "2", "3", "4", "10"]
    assert records[0][header.index("tags")] == "a,x"
    assert records[0][header.index("status")] == "pending"
    assert records[0][header.index("note")] == ""
    by_json = {t["id"]: t for t in json.loads(cli.ok("list", "-f", "json").stdout)}
    for record in records:
        assert record[header.index("created_at")] == by_json[int(record[0])]["created_at"]
