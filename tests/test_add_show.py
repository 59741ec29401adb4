"""``add`` and ``show``, and the SPEC's "done means" walk through a three-level
tree: add, tree progress, list filters, ``done -r`` and scripting output."""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta
from typing import Any

from support import Cli, dump, error_line
from taskhelpers import TASKCLI, add, as_json, assert_task_object, list_ids, run_shell


def _progress(nodes: list[dict[str, Any]]) -> dict[int, tuple[int, int]]:
    """(done, total) of every node of a ``tree -f json`` document, by id."""
    found: dict[int, tuple[int, int]] = {}
    stack = list(nodes)
    while stack:
        node = stack.pop()
        found[node["id"]] = (node["progress"]["done"], node["progress"]["total"])
        stack.extend(node["subtasks"])
    return found


def test_done_means_three_level_tree(cli: Cli, db_url: str) -> None:
    """The whole user story: progress rolls up over all descendants, -r finishes a subtree."""
    root = add(cli, "Launch")
    design = add(cli, "Design", "-p", str(root))
    build = add(cli, "Build", "-p", str(root))
    sketch = add(cli, "Sketch", "-p", str(design))
    review = add(cli, "Review", "-p", str(design))
    other = add(cli, "Unrelated")
    assert [root, design, build, sketch, review, other] == [1, 2, 3, 4, 5, 6]

    assert _progress(as_json(cli, "tree"))[root] == (0, 4)

    cli.ok("done", str(sketch))
    progress = _progress(as_json(cli, "tree"))
    assert progress[root] == (1, 4), "a done grandchild counts for the root"
    assert progress[design] == (1, 2)
    assert progress[other] == (0, 0)
    text = cli.ok("tree").stdout
    assert "[1/4]" in text
    assert "[1/2]" in text

    assert list_ids(cli) == [root, design, build, review, other]
    assert list_ids(cli, "--status", "done") == [sketch]
    assert list_ids(cli, "--parent", str(design)) == [review]
    assert list_ids(cli, "--parent", str(design), "--status", "all") == [sketch, review]

    before = dump(db_url)
    refused = cli.fails(4, "done", str(root))
    assert "3 pending subtasks" in error_line(refused)
    assert "-r" in error_line(refused)
    assert dump(db_url) == before

    completed = cli.ok("done", "-r", str(root))
    assert completed.stdout == (
        "Completed task 1: Launch\nCompleted task 2: Design\n"
        "Completed task 3: Build\nCompleted task 5: Review\n"
    ), "every task the command completed, as log counts them"
    assert list_ids(cli) == [other]
    assert list_ids(cli, "--status", "done") == [root, design, build, sketch, review]
    assert [node["id"] for node in as_json(cli, "tree")] == [other]
    everything = as_json(cli, "tree", "--all")
    assert _progress(everything)[root] == (4, 4)
    for task in as_json(cli, "list", "--status", "done"):
        assert task["completed_at"] is not None
        assert task["status"] == "done"


def test_add_prints_created_line(cli: Cli) -> None:
    """The human confirmation goes to stdout in the SPEC's words; stderr stays empty."""
    result = cli.ok("add", "Write report")
    assert result.stdout == "Created task 1: Write report\n"
    assert result.stderr == ""


def test_add_quiet_prints_only_the_id(cli: Cli) -> None:
    """``-q`` is for scripts: exactly the id and a newline, for every new task."""
    assert cli.ok("add", "-q", "first").stdout == "1\n"
    assert cli.ok("add", "-q", "second", "-p", "1").stdout == "2\n"


def test_add_quiet_in_a_real_shell(db_url: str) -> None:
    """``id=$(taskcli add -q Deploy)`` captures the id and nothing else."""
    result = run_shell(
        f'id=$({TASKCLI} add -q Deploy) && printf "[%s]" "$id" && {TASKCLI} show "$id" -f json',
        env={"TASKCLI_DATABASE_URL": db_url},
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("[1]{")
    assert '"title": "Deploy"' in result.stdout
    assert "Traceback" not in result.stderr


def test_add_json_is_the_full_task_object(cli: Cli) -> None:
    """``add -f json`` prints one task object with every field as stored."""
    created = as_json(
        cli,
        "add",
        "Pay rent",
        "-P",
        "high",
        "-d",
        "2026-12-01",
        "-t",
        "Zeta",
        "-t",
        "alpha",
        "-t",
        "mid",
        "-n",
        "first line\nsecond line",
    )
    assert_task_object(created)
    assert created["id"] == 1
    assert created["title"] == "Pay rent"
    assert created["note"] == "first line\nsecond line"
    assert created["status"] == "pending"
    assert created["priority"] == "high"
    assert created["tags"] == ["alpha", "mid", "zeta"]
    assert created["parent_id"] is None
    assert created["completed_at"] is None
    assert created["created_at"] == created["updated_at"]
    expected_due = datetime.combine(date(2026, 12, 1), time(23, 59, 59)).astimezone()
    assert datetime.fromisoformat(created["due"]) == expected_due
    assert as_json(cli, "list") == [created]
    shown = as_json(cli, "show", "1")
    assert {key: shown[key] for key in created} == created


def test_add_relative_due_and_parent(cli: Cli) -> None:
    """``--due tomorrow`` is the end of tomorrow, local time; ``-p`` sets parent_id."""
    add(cli, "parent")
    child = as_json(cli, "add", "child", "--due", "tomorrow", "--parent", "1")
    tomorrow = datetime.now().astimezone().date() + timedelta(days=1)
    assert (
        datetime.fromisoformat(child["due"])
        == datetime.combine(tomorrow, time(23, 59, 59)).astimezone()
    )
    assert child["parent_id"] == 1


def test_add_trims_the_title(cli: Cli) -> None:
    """Titles are trimmed before they are checked and stored."""
    assert as_json(cli, "add", "  padded title \t")["title"] == "padded title"


def test_add_accepts_unicode_tags_folded_to_lower_case(cli: Cli) -> None:
    """Tags are words in any script, folded to lower case (T4 row 14 pinned as accepted)."""
    assert as_json(cli, "add", "x", "-t", "Ünïcödé", "-t", "dev-ops_2")["tags"] == [
        "dev-ops_2",
        "ünïcödé",
    ]


def _show_tree(cli: Cli) -> None:
    add(cli, "Home")
    add(cli, "Kitchen", "-p", "1")
    add(cli, "Paint walls", "-p", "2", "-t", "diy", "-n", "white\nsecond coat")
    add(cli, "Buy brushes", "-p", "3")
    add(cli, "Fix tap", "-p", "2")
    cli.ok("done", "5")


def test_show_json_has_ancestors_root_first_and_direct_subtasks(cli: Cli) -> None:
    """``show -f json``: the task object plus its path from the root and its children only."""
    _show_tree(cli)
    shown = as_json(cli, "show", "2")
    assert_task_object(  # annotations, active, time_spent: 0.3.0; blocked, blocking: 0.4.0
        shown,
        frozenset(
            {"ancestors", "subtasks", "annotations", "active", "time_spent", "blocked", "blocking"}
        ),
    )
    assert shown["title"] == "Kitchen"
    assert shown["annotations"] == []
    assert (shown["active"], shown["time_spent"]) == (False, 0)
    assert [a["id"] for a in shown["ancestors"]] == [1]
    assert [s["id"] for s in shown["subtasks"]] == [3, 5], "children only, done ones too"
    for obj in shown["ancestors"] + shown["subtasks"]:
        assert_task_object(obj)

    deep = as_json(cli, "show", "4")
    assert [a["title"] for a in deep["ancestors"]] == ["Home", "Kitchen", "Paint walls"]
    assert deep["subtasks"] == []

    top = as_json(cli, "show", "1")
    assert top["ancestors"] == []
    assert [s["id"] for s in top["subtasks"]] == [2]


def test_show_text_lists_fields_path_and_subtasks(cli: Cli) -> None:
    """``show`` text: every field, the ancestor path and the direct subtasks, with progress."""
    _show_tree(cli)
    text = cli.ok("show", "3").stdout
    fields = _fields(text)
    assert fields["ID"] == "3"
    assert fields["Title"] == "Paint walls"
    assert fields["Status"] == "pending"
    assert fields["Priority"] == "none"
    assert fields["Due"] == "-"
    assert fields["Tags"] == "diy"
    assert fields["Path"] == "Home \u203a Kitchen"
    assert fields["Progress"] == "0/1"
    assert fields["Note"] == "white"
    assert "second coat" in text
    assert "Completed" not in fields
    assert re.search(r"^Subtasks$", text, re.MULTILINE)
    assert re.search(r"^○ 4 Buy brushes$", text, re.MULTILINE)

    kitchen = cli.ok("show", "2").stdout
    assert _fields(kitchen)["Progress"] == "1/3", "progress counts grandchildren"
    assert re.search(r"^✓ 5 Fix tap$", kitchen, re.MULTILINE)
    assert "Buy brushes" not in kitchen, "grandchildren are not direct subtasks"

    done = _fields(cli.ok("show", "5").stdout)
    assert done["Status"] == "done"
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}", done["Completed"])
    assert done["Path"] == "Home \u203a Kitchen"
    assert _fields(cli.ok("show", "1").stdout)["Path"] == "(top level)"


def _fields(text: str) -> dict[str, str]:
    """``Name  value`` lines of ``show`` (the field grid) as a dict."""
    fields: dict[str, str] = {}
    for line in text.splitlines():
        match = re.fullmatch(r"([A-Z][a-z]+|ID) {2,}(\S.*?)\s*", line)
        if match and match.group(1) not in fields:
            fields[match.group(1)] = match.group(2)
    return fields
