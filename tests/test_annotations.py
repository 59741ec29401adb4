"""Annotations: ``annotate``, ``denotate``, ``show``, the journal, export and import.

Every test runs the real CLI against a real SQLite file and the real
PostgreSQL database; the migration test goes up and down through revision
0005 with data in the database.
"""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from support import Cli, dump, error_line, execute
from taskhelpers import TASK_KEY_ORDER

from taskcli.config import Settings, parse_database_url
from taskcli.db.migrate import upgrade


def _annotations(cli: Cli, task_id: str = "1") -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = json.loads(cli.ok("show", task_id, "-f", "json").stdout)[
        "annotations"
    ]
    return found


def _texts(cli: Cli, task_id: str = "1") -> list[str]:
    return [each["text"] for each in _annotations(cli, task_id)]


# --- annotate, denotate, show ------------------------------------------------------


def test_annotate_prints_a_line_and_show_lists_annotations(cli: Cli) -> None:
    cli.ok("add", "Call mom")
    result = cli.ok("annotate", "1", "she", "asked", "about", "Sunday")
    assert result.stdout == "Annotated task 1: Call mom\n"
    cli.ok("annotate", "1", "[red]not markup[/red]")
    shown = cli.ok("show", "1").stdout
    assert "Annotations" in shown
    lines = [line.split() for line in shown.splitlines() if "Sunday" in line or "markup" in line]
    assert [line[0] for line in lines] == ["1", "2"]  # numbered as denotate takes them
    datetime.strptime(" ".join(lines[0][1:3]), "%Y-%m-%d %H:%M:%S")  # local date and time
    assert "[red]not markup[/red]" in shown


def test_show_json_adds_annotations_after_the_existing_keys(cli: Cli) -> None:
    cli.ok("add", "Task")
    cli.ok("annotate", "1", "first")
    document = json.loads(cli.ok("show", "1", "-f", "json").stdout)
    keys = list(document)
    size = len(TASK_KEY_ORDER)
    assert keys[:size] == list(TASK_KEY_ORDER)
    assert keys[size : size + 3] == ["ancestors", "subtasks", "annotations"]
    [annotation] = document["annotations"]
    assert list(annotation) == ["entry", "text"]
    assert annotation["text"] == "first"
    assert datetime.fromisoformat(annotation["entry"]).utcoffset().total_seconds() == 0
    # A task without annotations has an empty list; list -f json has no such key.
    cli.ok("add", "Bare")
    assert json.loads(cli.ok("show", "2", "-f", "json").stdout)["annotations"] == []
    assert all("annotations" not in t for t in json.loads(cli.ok("list", "-f", "json").stdout))


def test_annotate_json_is_the_task_with_its_annotations(cli: Cli) -> None:
    cli.ok("add", "Task")
    before = json.loads(cli.ok("show", "1", "-f", "json").stdout)["updated_at"]
    document = json.loads(cli.ok("annotate", "1", "a", "note", "-f", "json").stdout)
    assert document["id"] == 1
    assert [a["text"] for a in document["annotations"]] == ["a note"]
    # Annotating changes the task, as it changes Taskwarrior's ``modified``.
    assert datetime.fromisoformat(document["updated_at"]) > datetime.fromisoformat(before)
    removed = json.loads(cli.ok("denotate", "1", "1", "-f", "json").stdout)
    assert removed["annotations"] == []


def test_denotate_by_number_exact_text_and_prefix(cli: Cli) -> None:
    cli.ok("add", "Task")
    for text in ("call back", "call back later", "bring cake", "zebra"):
        cli.ok("annotate", "1", text)
    assert cli.ok("denotate", "1", "3").stdout == "Denotated task 1: Task\n"
    assert _texts(cli) == ["call back", "call back later", "zebra"]
    cli.ok("denotate", "1", "--text", "call back")  # exact beats the longer one it starts
    assert _texts(cli) == ["call back later", "zebra"]
    cli.ok("denotate", "1", "--text", "zeb")
    assert _texts(cli) == ["call back later"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["denotate", "1", "--text", "call"], "2 annotations of task 1 match 'call' (numbers 1, 2"),
        (["denotate", "1", "--text", "nothing"], "no annotation of task 1 starts with 'nothing'"),
        (["denotate", "1", "3"], "task 1 has 2 annotations; give a number from 1 to 2"),
        (["denotate", "1", "0"], "annotation number must be from 1"),
        (["denotate", "1"], "give exactly one of N"),
        (["denotate", "1", "1", "--text", "call"], "give exactly one of N"),
        (["denotate", "2", "1"], "task 2 has no annotations"),
        (["annotate", "1", "  "], "annotation must not be empty"),
        (["annotate", "1", "two\nlines"], "annotation must be one line"),
        (["annotate", "1", "x" * 1001], "annotation is longer than 1000 characters"),
        (["annotate", "1", "bell\x07"], "annotation contains control characters"),
    ],
)
def test_bad_input_is_one_line_exit_2_and_changes_nothing(
    cli: Cli, args: list[str], message: str
) -> None:
    cli.ok("add", "Task")
    cli.ok("add", "Other")
    cli.ok("annotate", "1", "call back")
    cli.ok("annotate", "1", "call later")
    before = dump(cli.url)
    assert message in error_line(cli.fails(2, *args))
    assert dump(cli.url) == before


@pytest.mark.parametrize("args", [["annotate", "9", "text"], ["denotate", "9", "1"]])
def test_no_such_task_is_exit_1_and_changes_nothing(cli: Cli, args: list[str]) -> None:
    cli.ok("add", "Task")
    before = dump(cli.url)
    assert error_line(cli.fails(1, *args)) == "Error: no task 9"
    assert dump(cli.url) == before


# --- the journal -------------------------------------------------------------------


def test_undo_and_redo_of_annotate_and_denotate(cli: Cli) -> None:
    cli.ok("add", "Task")
    cli.ok("annotate", "1", "first")
    cli.ok("annotate", "1", "second")
    entries = _annotations(cli)
    cli.ok("undo")
    assert _texts(cli) == ["first"]
    cli.ok("redo")
    assert _annotations(cli) == entries  # the same entry time comes back
    cli.ok("denotate", "1", "1")
    assert _texts(cli) == ["second"]
    cli.ok("undo")
    assert _annotations(cli) == entries
    log = json.loads(cli.ok("log", "-f", "json").stdout)
    denotate = next(o for o in log if "denotate" in o["command"])
    assert denotate["tasks"] == 1


def test_history_shows_annotations_added_and_removed(cli: Cli) -> None:
    cli.ok("add", "Task")
    cli.ok("annotate", "1", "pick up keys")
    cli.ok("denotate", "1", "--text", "pick")
    text = cli.ok("history", "1").stdout
    assert "    annotation added: pick up keys\n" in text
    assert "    annotation removed: pick up keys\n" in text
    entries = json.loads(cli.ok("history", "1", "-f", "json").stdout)
    assert [e["kind"] for e in entries] == ["created", "changed", "changed"]
    assert entries[1]["fields"] == [{"name": "annotation", "old": None, "new": "pick up keys"}]
    assert entries[2]["fields"] == [{"name": "annotation", "old": "pick up keys", "new": None}]


def test_rm_of_an_annotated_task_and_undo_restore_its_annotations(cli: Cli) -> None:
    cli.ok("add", "Parent")
    cli.ok("add", "Child", "-p", "1")
    cli.ok("annotate", "1", "on the parent")
    cli.ok("annotate", "2", "on the child")
    parent, child = _annotations(cli, "1"), _annotations(cli, "2")
    cli.ok("rm", "1", "-r", "-y")
    assert execute(cli.url, "SELECT count(*) FROM annotation") == [[(0,)]]
    cli.ok("undo")
    assert (_annotations(cli, "1"), _annotations(cli, "2")) == (parent, child)
    cli.ok("redo")
    assert execute(cli.url, "SELECT count(*) FROM annotation") == [[(0,)]]
    history = cli.ok("history", "2").stdout
    assert "deleted" in history
    assert "    annotation removed: on the child\n" in history


def test_undo_of_annotate_refused_when_the_task_changed_since(cli: Cli) -> None:
    cli.ok("add", "Task")
    cli.ok("annotate", "1", "note")
    execute(cli.url, "UPDATE task SET title = 'changed elsewhere' WHERE id = 1")
    before = dump(cli.url)
    assert "was changed since" in error_line(cli.fails(4, "undo"))
    assert dump(cli.url) == before


# --- export and import -------------------------------------------------------------


def test_export_import_round_trip_and_reimport_adds_nothing(
    cli: Cli, other: Cli, tmp_path: Path
) -> None:
    cli.ok("add", "Root")
    cli.ok("add", "Leaf", "-p", "1")
    cli.ok("annotate", "1", "root note")
    cli.ok("annotate", "2", "leaf one")
    cli.ok("annotate", "2", "leaf two")
    exported = json.loads(cli.ok("export").stdout)
    leaf = exported["tasks"][1]
    assert list(leaf)[-2:] == ["external_id", "annotations"]
    assert [a["text"] for a in leaf["annotations"]] == ["leaf one", "leaf two"]
    path = tmp_path / "backup.json"
    path.write_text(json.dumps(exported))

    other.ok("import", str(path))
    copied = json.loads(other.ok("export").stdout)["tasks"]
    assert [t["annotations"] for t in copied] == [t["annotations"] for t in exported["tasks"]]
    again = other.ok("import", str(path))
    assert again.stdout == "Imported 2 tasks: 0 added, 0 updated, 2 unchanged\n"
    assert _annotations(other, "2") == leaf["annotations"]
    # The file wins: an annotation added to the file arrives once, on the task it names.
    leaf["annotations"].append({"entry": "2026-01-02T03:04:05+00:00", "text": "from the file"})
    path.write_text(json.dumps(exported))
    assert "1 updated" in other.ok("import", str(path)).stdout
    assert _texts(other, "2") == ["from the file", "leaf one", "leaf two"]
    assert "0 updated" in other.ok("import", str(path)).stdout
    other.ok("undo")
    assert _texts(other, "2") == ["leaf one", "leaf two"]


def test_an_export_without_annotations_leaves_them_alone(cli: Cli, tmp_path: Path) -> None:
    """A file from before 0.3.0 says nothing about annotations: those here stay."""
    cli.ok("add", "Task")
    cli.ok("annotate", "1", "kept")
    exported = json.loads(cli.ok("export").stdout)
    del exported["tasks"][0]["annotations"]
    path = tmp_path / "old.json"
    path.write_text(json.dumps(exported))
    assert "1 unchanged" in cli.ok("import", str(path)).stdout
    assert _texts(cli) == ["kept"]


@pytest.mark.parametrize(
    ("annotations", "message"),
    [
        ('"x"', "annotations must be a list"),
        ('[{"text": "x"}]', "annotation entry must be an ISO 8601 time"),
        ('[{"entry": "2026-01-01T00:00:00+00:00", "text": ""}]', "annotation must not be empty"),
        ('[{"entry": "2026-01-01T00:00:00", "text": "x"}]', "has no UTC offset"),
    ],
)
def test_a_bad_annotation_in_an_export_is_refused(cli: Cli, annotations: str, message: str) -> None:
    cli.ok("add", "kept")
    document = (
        '{"format": "taskcli", "version": 1, "tasks": [{"id": 5, "title": "t", '
        f'"annotations": {annotations}}}]}}'
    )
    before = dump(cli.url)
    assert message in error_line(cli.fails(2, "import", "-", input=document))
    assert dump(cli.url) == before


TASKWARRIOR = [
    {
        "description": "Call mom",
        "entry": "20261120T091000Z",
        "status": "pending",
        "uuid": "9b1f2c1e-1111-4a5b-9c3d-000000000003",
        "depends": ["9b1f2c1e-1111-4a5b-9c3d-000000000009"],
        "annotations": [
            {"entry": "20261122T080000Z", "description": "she asked about Sunday"},
            {"entry": "20261121T080000Z", "description": "earlier\nthought"},
            {"description": "no date at all"},
        ],
    }
]


def test_taskwarrior_annotations_become_annotations(cli: Cli, tmp_path: Path) -> None:
    path = tmp_path / "tw.json"
    path.write_text(json.dumps(TASKWARRIOR))
    cli.ok("import", "--from", "taskwarrior", str(path))
    assert _annotations(cli) == [
        {"entry": "2026-11-21T08:00:00+00:00", "text": "earlier thought"},
        {"entry": "2026-11-22T08:00:00+00:00", "text": "she asked about Sunday"},
    ]
    note = json.loads(cli.ok("show", "1", "-f", "json").stdout)["note"]
    assert note == (
        "undated: no date at all\n"
        "Depends on: an unknown task (9b1f2c1e-1111-4a5b-9c3d-000000000009)"
    )
    again = cli.ok("import", "--from", "taskwarrior", str(path))
    assert again.stdout.startswith("Imported 1 task: 0 added, 0 updated, 1 unchanged")
    assert len(_annotations(cli)) == 2


# --- the migration -----------------------------------------------------------------


def _triggers(url: str, backend: str) -> set[str]:
    sql = (
        "SELECT tgname FROM pg_trigger WHERE NOT tgisinternal"
        if backend == "postgresql"
        else "SELECT name FROM sqlite_master WHERE type = 'trigger'"
    )
    return {name for (name,) in execute(url, sql)[0]}


def test_revision_0005_up_and_down_with_data(backend: str, blank_db_url: str) -> None:
    """0004 → 0005 keeps every row; a downgrade keeps annotations as note lines and the
    journal working; upgrading again turns those lines back into annotations."""
    url = blank_db_url
    upgrade(Settings(database=parse_database_url(url)), "0003")
    assert not any("annotation" in name for name in _triggers(url, backend))
    cli = Cli(url=url, env={})
    cli.ok("db", "upgrade", "0004")
    now = "2026-01-02 03:04:05+00" if backend == "postgresql" else "2026-01-02 03:04:05.000000"
    execute(
        url,
        "INSERT INTO task (id, title, note, status, priority, created_at, updated_at) VALUES"
        f" (1, 'root', 'a note', 'pending', 2, '{now}', '{now}'),"
        f" (2, 'plain', NULL, 'pending', 0, '{now}', '{now}')",
    )
    before = dump(url)
    cli.ok("db", "upgrade", "0005")  # later revisions add task columns
    after = dump(url)
    # Later revisions add task columns after the existing ones (0007: wait, scheduled).
    after["task"] = [row[: len(before["task"][0])] for row in after["task"]]
    assert {t: after[t] for t in before if t != "alembic_version"} == {
        t: before[t] for t in before if t != "alembic_version"
    }
    assert {f"journal_annotation_{e}" for e in ("insert", "update", "delete")} <= _triggers(
        url, backend
    )
    cli.ok("db", "upgrade")
    cli.ok("annotate", "1", "first")
    cli.ok("annotate", "1", "second")
    cli.ok("annotate", "2", "only")
    entries = (_annotations(cli, "1"), _annotations(cli, "2"))

    cli.ok("db", "downgrade", "0004", "--yes")
    [[(note,)]] = execute(url, "SELECT note FROM task WHERE id = 1")
    first, second = entries[0]
    assert note == (
        f"a note\n\nannotated {first['entry']}: first\nannotated {second['entry']}: second"
    )
    assert not any("annotation" in name for name in _triggers(url, backend))
    assert execute(url, "SELECT count(*) FROM change WHERE table_name = 'annotation'") == [[(0,)]]
    cli.ok("db", "downgrade", "0003", "--yes")
    cli.ok("db", "upgrade")
    assert (_annotations(cli, "1"), _annotations(cli, "2")) == entries
    assert json.loads(cli.ok("show", "1", "-f", "json").stdout)["note"] == "a note"
    assert json.loads(cli.ok("show", "2", "-f", "json").stdout)["note"] is None
    cli.ok("edit", "1", "--title", "renamed")  # the journal works on every table again
    cli.ok("denotate", "1", "1")
    cli.ok("undo", "--steps", "2")
    assert _annotations(cli, "1") == entries[0]
    assert "    title: root -> renamed\n" in cli.ok("history", "1").stdout


def test_reimporting_taskwarrior_turns_old_note_lines_into_annotations(
    cli: Cli, tmp_path: Path
) -> None:
    """A task imported before 0.3.0 kept its annotations as note lines; the same file
    imported again (the file wins) makes them annotations."""
    path = tmp_path / "tw.json"
    path.write_text(json.dumps(TASKWARRIOR))
    cli.ok("import", "--from", "taskwarrior", str(path))
    wanted = (_annotations(cli), json.loads(cli.ok("show", "1", "-f", "json").stdout)["note"])
    execute(
        cli.url,
        "DELETE FROM annotation",
        "UPDATE task SET note = '2026-11-22 09:00: she asked about Sunday' WHERE id = 1",
    )
    assert "1 updated" in cli.ok("import", "--from", "taskwarrior", str(path)).stdout
    assert (_annotations(cli), json.loads(cli.ok("show", "1", "-f", "json").stdout)["note"]) == (
        wanted
    )


def test_stored_control_characters_are_shown_escaped(cli: Cli, backend: str) -> None:
    """Text another writer stored is data: ``show`` escapes it, JSON keeps it exact."""
    cli.ok("add", "Task")
    cli.ok("annotate", "1", "placeholder")
    escape = "chr(27)" if backend == "postgresql" else "char(27)"
    execute(cli.url, f"UPDATE annotation SET text = 'a' || {escape} || '[2Jb'")
    shown = cli.ok("show", "1").stdout
    assert "\x1b" not in shown
    assert "a\\x1b[2Jb" in shown
    assert _texts(cli) == ["a\x1b[2Jb"]
