"""Wait and scheduled dates: ``--wait``/``--scheduled`` on add and edit, what ``list`` and
``tree`` hide, ``show``, the journal, JSON, export and import, and revision 0007.

Every test runs the real CLI against a real SQLite file and the real
PostgreSQL database. Dates are explicit instants well in the past or the
future of the moment the test runs (or ``now`` itself, the boundary: a wait
date reached hides nothing).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from support import Cli, dump, earlier_columns, error_line, execute
from taskhelpers import TASK_KEY_ORDER, list_ids

from taskcli.config import Settings, parse_database_url
from taskcli.db.migrate import upgrade

PAST = "2001-02-03T04:05:06+00:00"
FUTURE = "2099-06-07T08:09:10+00:00"
LATER = "2099-12-31T12:00:00+00:00"


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="seconds")


def _show(cli: Cli, task_id: str = "1") -> dict[str, Any]:
    document: dict[str, Any] = json.loads(cli.ok("show", task_id, "-f", "json").stdout)
    return document


def _tree_ids(cli: Cli, *args: str) -> list[int]:
    """Ids of ``tree -f json`` in pre-order (the streamed whole forest, or one subtree)."""
    found: list[int] = []
    document = json.loads(cli.ok("tree", *args, "-f", "json").stdout)
    stack = list(reversed(document)) if isinstance(document, list) else [document]
    while stack:
        node = stack.pop()
        found.append(node["id"])
        stack.extend(reversed(node["subtasks"]))
    return found


def _tree_text_ids(cli: Cli, *args: str) -> list[int]:
    """Ids in ``tree``'s text lines (the loaded forest): the number after the status mark."""
    lines = cli.ok("tree", *args).stdout.splitlines()
    return [int(line.split("○ ", 1)[1].split()[0]) for line in lines if "○ " in line]


# --- add, show, JSON -----------------------------------------------------------------


def test_add_stores_both_dates_and_json_puts_them_after_completed_at(cli: Cli) -> None:
    added = json.loads(
        cli.ok("add", "Renew passport", "--wait", FUTURE, "--scheduled", LATER, "-f", "json").stdout
    )
    assert list(added) == list(TASK_KEY_ORDER)
    assert list(added)[-5:-2] == ["completed_at", "wait", "scheduled"]
    assert (added["wait"], added["scheduled"]) == (FUTURE, LATER)
    shown = _show(cli)
    assert list(shown)[: len(TASK_KEY_ORDER)] == list(TASK_KEY_ORDER)
    assert (shown["wait"], shown["scheduled"]) == (FUTURE, LATER)
    listed = json.loads(cli.ok("list", "--all", "-f", "json").stdout)
    assert [list(task) for task in listed] == [list(TASK_KEY_ORDER)]
    plain = json.loads(cli.ok("add", "Plain", "-f", "json").stdout)
    assert (plain["wait"], plain["scheduled"]) == (None, None)


def test_show_prints_wait_and_scheduled_and_says_waiting(cli: Cli) -> None:
    cli.ok("add", "Later", "--wait", FUTURE, "--scheduled", LATER)
    cli.ok("add", "Now", "--wait", PAST)
    cli.ok("add", "Bare")
    later = cli.ok("show", "1").stdout
    assert any(
        line.startswith("Wait") and "2099" in line and "(waiting)" in line
        for line in later.splitlines()
    )
    assert any(line.startswith("Scheduled") and "2099" in line for line in later.splitlines())
    now = cli.ok("show", "2").stdout
    assert any(line.startswith("Wait") and "2001" in line for line in now.splitlines())
    assert "(waiting)" not in now
    bare = cli.ok("show", "3").stdout
    assert "Wait" not in bare
    assert "Scheduled" not in bare


# --- list ----------------------------------------------------------------------------


def test_list_hides_waiting_tasks_until_their_date(cli: Cli) -> None:
    soon = _iso(datetime.now(UTC) + timedelta(hours=1))
    just_past = _iso(datetime.now(UTC) - timedelta(minutes=2))
    cli.ok("add", "no wait")  # 1
    cli.ok("add", "waited long ago", "--wait", PAST)  # 2
    cli.ok("add", "waits an hour", "--wait", soon)  # 3
    cli.ok("add", "waited two minutes", "--wait", just_past)  # 4
    cli.ok("add", "waits till now", "--wait", "now")  # 5: reached as soon as it is stored
    cli.ok("add", "scheduled only", "--scheduled", FUTURE)  # 6: scheduled hides nothing
    cli.ok("add", "waits for years", "--wait", FUTURE)  # 7
    assert list_ids(cli) == [1, 2, 4, 5, 6]
    assert list_ids(cli, "--all") == [1, 2, 3, 4, 5, 6, 7]
    assert list_ids(cli, "--waiting") == [3, 7]
    assert list_ids(cli, "--waiting", "--all") == [3, 7]  # --waiting wins
    assert list_ids(cli, "--waiting", "--search", "years") == [7]  # with the other filters
    table = cli.ok("list").stdout
    assert "waits an hour" not in table
    assert "waited two minutes" in table


def test_list_columns_wait_and_scheduled_only_when_named(cli: Cli) -> None:
    cli.ok("add", "Later", "--wait", FUTURE, "--scheduled", LATER)
    assert "Wait" not in cli.ok("list", "--all").stdout
    table = cli.ok("list", "--all", "--columns", "id,title,wait,scheduled").stdout.splitlines()
    assert table[0].split() == ["ID", "Title", "Wait", "Scheduled"]
    assert table[1].split()[:2] == ["1", "Later"]
    assert table[1].count("2099-") == 2  # local dates, in whatever zone the test runs


def test_a_done_task_is_never_waiting(cli: Cli) -> None:
    cli.ok("add", "finished", "--wait", FUTURE)
    cli.ok("done", "1")
    assert list_ids(cli, "--status", "done") == [1]
    assert list_ids(cli, "--status", "all", "--waiting") == []
    cli.ok("undone", "1")
    assert list_ids(cli, "--status", "all") == []


def test_list_shows_the_subtasks_of_a_waiting_task(cli: Cli) -> None:
    """Documented: in ``list`` a waiting task hides only itself (``tree`` hides its subtree)."""
    cli.ok("add", "project", "--wait", FUTURE)
    cli.ok("add", "step", "-p", "1")
    assert list_ids(cli) == [2]
    assert list_ids(cli, "--waiting") == [1]


# --- tree ----------------------------------------------------------------------------


def test_tree_hides_a_waiting_task_with_its_subtree(cli: Cli) -> None:
    cli.ok("add", "home")  # 1
    cli.ok("add", "garden", "-p", "1", "--wait", FUTURE)  # 2
    cli.ok("add", "dig", "-p", "2")  # 3
    cli.ok("add", "kitchen", "-p", "1", "--wait", PAST)  # 4
    cli.ok("add", "trip", "--wait", FUTURE)  # 5
    cli.ok("add", "pack", "-p", "5")  # 6
    cli.ok("add", "book", "-p", "5", "--wait", LATER)  # 7: waiting under a waiting task
    for ids in (_tree_ids, _tree_text_ids):
        assert ids(cli) == [1, 4]
        assert ids(cli, "--all") == [1, 2, 3, 4, 5, 6, 7]
        assert ids(cli, "--waiting") == [2, 3, 5, 6, 7]
    assert _tree_ids(cli, "1") == [1, 4]
    assert _tree_ids(cli, "5") == [5, 6]  # a waiting task named is shown; 7 waits below it
    assert _tree_ids(cli, "1", "--waiting") == [2, 3]
    home = json.loads(cli.ok("tree", "1", "-f", "json").stdout)
    assert home["progress"] == {"done": 0, "total": 3}  # progress counts waiting ones too


# --- edit, undo, redo, history ------------------------------------------------------


def test_edit_sets_and_clears_and_undo_redo_restore(cli: Cli) -> None:
    cli.ok("add", "Task")
    cli.ok("edit", "1", "--wait", FUTURE, "--scheduled", LATER)
    assert (_show(cli)["wait"], _show(cli)["scheduled"]) == (FUTURE, LATER)
    assert list_ids(cli) == []
    cli.ok("edit", "1", "--wait", "none")
    assert (_show(cli)["wait"], _show(cli)["scheduled"]) == (None, LATER)
    assert list_ids(cli) == [1]
    cli.ok("edit", "1", "--scheduled", "NONE")
    assert _show(cli)["scheduled"] is None
    cli.ok("undo")
    cli.ok("undo")
    assert (_show(cli)["wait"], _show(cli)["scheduled"]) == (FUTURE, LATER)
    assert list_ids(cli) == []
    cli.ok("redo")
    assert (_show(cli)["wait"], _show(cli)["scheduled"]) == (None, LATER)
    assert list_ids(cli) == [1]


def test_history_shows_wait_and_scheduled_as_field_changes(cli: Cli) -> None:
    cli.ok("add", "Task", "--wait", FUTURE)
    cli.ok("edit", "1", "--wait", "none", "--scheduled", LATER)
    entries = json.loads(cli.ok("history", "1", "-f", "json").stdout)
    created = {field["name"]: field["new"] for field in entries[0]["fields"]}
    assert created["wait"] == FUTURE
    assert entries[1]["fields"] == [
        {"name": "wait", "old": FUTURE, "new": None},
        {"name": "scheduled", "old": None, "new": LATER},
    ]
    text = cli.ok("history", "1").stdout
    assert "    wait: " in text
    assert "    scheduled: " in text


@pytest.mark.parametrize(
    "args",
    [
        ("add", "Task", "--wait", "someday"),
        ("add", "Task", "--scheduled", "2026-13-01"),
        ("edit", "1", "--wait", "soon"),
        ("edit", "1", "--scheduled", "99999-01-01"),
    ],
)
def test_bad_dates_exit_2_and_change_nothing(cli: Cli, args: tuple[str, ...]) -> None:
    cli.ok("add", "Kept", "--wait", PAST)
    before = dump(cli.url)
    result = cli.fails(2, *args)
    assert error_line(result).startswith("Error: ")
    assert "Traceback" not in result.stderr
    assert dump(cli.url) == before


# --- export and import -----------------------------------------------------------------


def test_export_import_round_trip_keeps_both_dates(cli: Cli, other: Cli, tmp_path: Path) -> None:
    cli.ok("add", "Waiting", "--wait", FUTURE, "--scheduled", LATER)
    cli.ok("add", "Scheduled", "--scheduled", PAST)
    cli.ok("add", "Neither")
    exported = json.loads(cli.ok("export").stdout)
    keys = list(exported["tasks"][0])
    assert keys[keys.index("completed_at") + 1 : keys.index("completed_at") + 3] == [
        "wait",
        "scheduled",
    ]
    path = tmp_path / "tasks.json"
    path.write_text(json.dumps(exported))
    other.ok("import", str(path))
    moved = json.loads(other.ok("list", "--all", "-f", "json").stdout)
    assert [(t["title"], t["wait"], t["scheduled"]) for t in moved] == [
        ("Waiting", FUTURE, LATER),
        ("Scheduled", None, PAST),
        ("Neither", None, None),
    ]
    assert list_ids(other) == [2, 3]
    before = dump(other.url)
    other.ok("import", str(path))  # nothing changed in the file: nothing changes here
    assert dump(other.url) == before
    exported["tasks"][0]["wait"] = None  # a changed date is an update
    path.write_text(json.dumps(exported))
    other.ok("import", str(path))
    assert _show(other)["wait"] is None
    assert _show(other)["scheduled"] == LATER


def test_taskwarrior_wait_and_scheduled_are_imported(cli: Cli, tmp_path: Path) -> None:
    tasks = [
        {
            "uuid": "0a000000-0000-4000-8000-000000000001",
            "description": "Renew passport",
            "status": "waiting",
            "entry": "20261120T092500Z",
            "wait": "20990101T000000Z",
            "scheduled": "20990201T090000Z",
        },
        {
            "uuid": "0a000000-0000-4000-8000-000000000002",
            "description": "Water plants",
            "status": "pending",
            "entry": "20261120T092500Z",
            "scheduled": "2001-01-01T09:00:00Z",
        },
    ]
    path = tmp_path / "tw.json"
    path.write_text(json.dumps(tasks))
    cli.ok("import", "--from", "taskwarrior", str(path))
    found = {t["title"]: t for t in json.loads(cli.ok("list", "--all", "-f", "json").stdout)}
    assert (found["Renew passport"]["wait"], found["Renew passport"]["scheduled"]) == (
        "2099-01-01T00:00:00+00:00",
        "2099-02-01T09:00:00+00:00",
    )
    assert found["Water plants"]["scheduled"] == "2001-01-01T09:00:00+00:00"
    assert [t["title"] for t in json.loads(cli.ok("list", "-f", "json").stdout)] == ["Water plants"]
    tasks[0]["wait"] = "not a date"
    path.write_text(json.dumps(tasks))
    before = dump(cli.url)
    assert "wait" in error_line(cli.fails(2, "import", "--from", "taskwarrior", str(path)))
    assert dump(cli.url) == before


# --- the migration ---------------------------------------------------------------------


def test_revision_0007_up_and_down_with_data(backend: str, blank_db_url: str) -> None:
    """0006 → 0007 keeps every row; a downgrade keeps the dates as note lines and the
    journal working; upgrading again turns those lines back into the dates."""
    url = blank_db_url
    upgrade(Settings(database=parse_database_url(url)), "0006")
    cli = Cli(url=url, env={})
    now = "2026-01-02 03:04:05+00" if backend == "postgresql" else "2026-01-02 03:04:05.000000"
    execute(
        url,
        "INSERT INTO task (id, title, note, status, priority, created_at, updated_at) VALUES"
        f" (1, 'root', 'a note', 'pending', 2, '{now}', '{now}'),"
        f" (2, 'plain', NULL, 'pending', 0, '{now}', '{now}'),"
        f" (3, 'other', 'wait for it', 'pending', 0, '{now}', '{now}')",
    )
    before = dump(url)
    cli.ok("db", "upgrade")
    after = dump(url)
    assert earlier_columns(after["task"], before["task"]) == before["task"]
    assert {t: after[t] for t in before if t not in ("alembic_version", "task")} == {
        t: before[t] for t in before if t not in ("alembic_version", "task")
    }
    assert [(t["wait"], t["scheduled"]) for t in json.loads(cli.ok("export").stdout)["tasks"]] == [
        (None, None)
    ] * 3
    cli.ok("edit", "1", "--wait", FUTURE, "--scheduled", LATER)
    cli.ok("edit", "2", "--scheduled", PAST)
    cli.ok("edit", "3", "--title", "renamed")
    shown = [_show(cli, task_id) for task_id in ("1", "2", "3")]

    cli.ok("db", "downgrade", "0006", "--yes")
    notes = dict(execute(url, "SELECT id, note FROM task ORDER BY id")[0])
    assert notes[1] == f"a note\n\nwait {FUTURE}\nscheduled {LATER}"
    assert notes[2] == f"scheduled {PAST}"
    assert notes[3] == "wait for it"
    [[(journaled,)]] = execute(
        url,
        "SELECT count(*) FROM change WHERE table_name = 'task' AND "
        "(new_row LIKE '%\"wait\"%' OR old_row LIKE '%\"scheduled\"%')",
    )
    assert journaled == 0
    cli.ok("db", "upgrade")
    again = [_show(cli, task_id) for task_id in ("1", "2", "3")]
    for old, new in zip(shown, again, strict=True):
        assert (new["note"], new["wait"], new["scheduled"]) == (
            old["note"],
            old["wait"],
            old["scheduled"],
        )
    assert list_ids(cli) == [2, 3]
    cli.ok("undo")  # the rename, journaled with both columns, which the downgrade dropped
    assert _show(cli, "3")["title"] == "other"
    cli.ok("redo")
    cli.ok("edit", "1", "--wait", "none")  # the journal works on the new columns again
    cli.ok("undo")
    assert _show(cli)["wait"] == FUTURE
