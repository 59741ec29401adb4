"""A done task never has pending descendants (both backends, under concurrency too).

Pending work that lands under a done task (``add --parent``, ``move``,
``undone`` of a child) reopens the done ancestors in the same transaction and
journal operation, and says so on stderr: stdout keeps exactly what the
command printed before (one JSON document, or just the id with ``-q``).
``import`` reopens the same way; undo and redo that would leave a done task
above pending work (changed since) are refused, exit 4, nothing changed.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from support import REPO_ROOT, Cli, dump, execute
from taskhelpers import Row, insert_tasks, ready

WORKERS = 8
OPERATIONS = int(os.environ.get("TASKCLI_STORM_OPERATIONS", "25"))
WORKER = Path(__file__).resolve().parent / "workers" / "tree_writer.py"
TIMEOUT = 600

# A done task with a pending child; by induction that covers every descendant.
BROKEN_EDGES = (
    "SELECT p.id, c.id FROM task c JOIN task p ON c.parent_id = p.id "
    "WHERE p.status = 'done' AND c.status = 'pending' ORDER BY p.id, c.id"
)


@pytest.fixture
def finished(cli: Cli, db_url: str) -> Cli:
    """1 Home [done] > 2 Garden [done] > 3 Weed [done]; 4 Work (pending) > 5 Mail; 6 Read [done]."""
    insert_tasks(
        db_url,
        [
            Row(1, "Home", status="done"),
            Row(2, "Garden", parent_id=1, status="done"),
            Row(3, "Weed", parent_id=2, status="done"),
            Row(4, "Work"),
            Row(5, "Mail", parent_id=4),
            Row(6, "Read", status="done"),
        ],
    )
    return cli


def _statuses(url: str) -> dict[int, str]:
    [rows] = execute(url, "SELECT id, status FROM task ORDER BY id")
    return dict(rows)


def _assert_invariant(url: str) -> None:
    [broken] = execute(url, BROKEN_EDGES)
    assert broken == []


def _undo_restores(cli: Cli, url: str, before: dict[str, list[tuple[object, ...]]]) -> None:
    cli.ok("undo")
    assert dump(url)["task"] == before["task"]


def test_add_under_a_done_task_reopens_it_and_its_done_ancestors(
    finished: Cli, db_url: str
) -> None:
    before = dump(db_url)
    result = finished.ok("add", "Prune", "--parent", "2")
    assert result.stdout == "Created task 7: Prune\n"
    assert result.stderr == "Reopened task 1: Home\nReopened task 2: Garden\n"
    assert _statuses(db_url) == {1: "pending", 2: "pending", 3: "done", 4: "pending"} | {
        5: "pending",
        6: "done",
        7: "pending",
    }
    _assert_invariant(db_url)
    [[completed]] = execute(db_url, "SELECT count(*) FROM task WHERE completed_at IS NOT NULL")
    assert completed == (2,), "reopened tasks lose their completion time"
    _undo_restores(finished, db_url, before)


def test_add_json_and_quiet_stay_one_document(finished: Cli, db_url: str) -> None:
    created = json.loads(finished.ok("add", "Prune", "-p", "3", "-f", "json").stdout)
    assert created["id"] == 7
    assert created["status"] == "pending"
    finished.ok("done", "1", "-r")
    quiet = finished.ok("add", "-q", "Rake", "-p", "3")
    assert quiet.stdout == "8\n"
    assert "Reopened task 3: Weed" in quiet.stderr
    _assert_invariant(db_url)


def test_bulk_add_under_a_done_task_reopens_it(finished: Cli, db_url: str) -> None:
    result = finished.ok("add", "-", "-p", "6", input="One\nTwo\n")
    assert result.stdout == "Created 2 tasks: 7, 8\n"
    assert result.stderr == "Reopened task 6: Read\n"
    _assert_invariant(db_url)


def test_move_pending_work_under_a_done_task_reopens_the_chain(finished: Cli, db_url: str) -> None:
    before = dump(db_url)
    result = finished.ok("move", "4", "--parent", "3")
    assert result.stdout == "Moved task 4: Work\n"
    assert result.stderr == (
        "Reopened task 1: Home\nReopened task 2: Garden\nReopened task 3: Weed\n"
    )
    _assert_invariant(db_url)
    _undo_restores(finished, db_url, before)


def test_move_of_done_work_under_a_done_task_reopens_nothing(finished: Cli, db_url: str) -> None:
    result = finished.ok("move", "6", "--parent", "3")
    assert result.stderr == ""
    assert _statuses(db_url)[1] == "done"


def test_undone_of_a_child_reopens_its_done_ancestors(finished: Cli, db_url: str) -> None:
    before = dump(db_url)
    result = finished.ok("undone", "3")
    assert result.stdout == (
        "Reopened task 3: Weed\nReopened task 1: Home\nReopened task 2: Garden\n"
    ), "the named task first, then the ancestors the command reopened"
    _assert_invariant(db_url)
    _undo_restores(finished, db_url, before)
    reopened = json.loads(finished.ok("undone", "3", "-f", "json").stdout)
    assert [(task["id"], task["status"]) for task in reopened] == [
        (3, "pending"),
        (1, "pending"),
        (2, "pending"),
    ]


def test_done_leaves_no_pending_descendant(finished: Cli, db_url: str) -> None:
    finished.fails(4, "done", "4")
    finished.ok("done", "4", "5")
    _assert_invariant(db_url)


def _spawn(seed: int, url: str, tasks: int) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, str(WORKER), url, str(seed), str(OPERATIONS), str(tasks)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": str(REPO_ROOT)},
    )


def test_invariant_holds_under_concurrent_writers(cli: Cli, db_url: str) -> None:
    """8 processes mix done, done -r, add --parent, undone and move on shared tasks.

    Refusals (exit 4: open subtasks, a cycle) are expected; anything else fails.
    """
    rows = [Row(1, "Root")] + [
        Row(i, f"Task {i}", parent_id=(i - 2) // 3 + 1) for i in range(2, 14)
    ]
    insert_tasks(db_url, rows)
    cli.ok("list")  # first use happens before the storm
    workers = [_spawn(seed, db_url, len(rows)) for seed in range(WORKERS)]
    outcomes = []
    for process in workers:
        stdout, stderr = process.communicate(timeout=TIMEOUT)
        assert process.returncode == 0, stderr
        outcomes += json.loads(stdout)
    unexpected = [o for o in outcomes if o["exit"] not in (0, 4) or "Traceback" in o["stderr"]]
    assert unexpected == []
    kinds = {o["args"][0] for o in outcomes if o["exit"] == 0}
    assert kinds >= {"done", "add", "undone"}, "the storm exercised the interesting commands"
    _assert_invariant(db_url)


REOPENED_ONE = "Reopened 1 task so no done task holds pending work\n"
ALICE = {"USER": "alice", "LOGNAME": "alice"}
BOB = {"USER": "bob", "LOGNAME": "bob"}


def test_outline_import_of_a_done_parent_over_pending_work_reopens_it(
    cli: Cli, db_url: str
) -> None:
    ready(db_url)
    before = dump(db_url)
    result = cli.ok("import", "--outline", "-", input="- [x] Parent\n  - [ ] child\n")
    assert result.stdout == "Imported 2 tasks\n"
    assert result.stderr == REOPENED_ONE
    assert _statuses(db_url) == {1: "pending", 2: "pending"}
    [[completed]] = execute(db_url, "SELECT count(*) FROM task WHERE completed_at IS NOT NULL")
    assert completed == (0,)
    _undo_restores(cli, db_url, before)


def test_export_file_with_a_done_parent_over_pending_work_reopens_the_chain(
    cli: Cli, db_url: str, tmp_path: Path
) -> None:
    def record(task_id: int, title: str, parent_id: int | None, status: str) -> dict[str, object]:
        done = status == "done"
        return {
            "id": task_id,
            "title": title,
            "status": status,
            "parent_id": parent_id,
            "completed_at": "2026-01-02T03:04:05+00:00" if done else None,
        }

    document = {
        "format": "taskcli",
        "version": 1,
        "source": "00000000-0000-4000-8000-000000000001",
        "tasks": [
            record(1, "Home", None, "done"),
            record(2, "Garden", 1, "done"),
            record(3, "Weed", 2, "pending"),
            record(4, "Read", None, "done"),
        ],
    }
    export = tmp_path / "export.json"
    export.write_text(json.dumps(document))
    ready(db_url)
    before = dump(db_url)
    result = cli.ok("import", str(export))
    assert result.stderr == "Reopened 2 tasks so no done task holds pending work\n"
    assert _statuses(db_url) == {1: "pending", 2: "pending", 3: "pending", 4: "done"}
    _assert_invariant(db_url)
    _undo_restores(cli, db_url, before)


def test_repeat_import_that_completes_a_parent_of_local_pending_work_reopens_it(
    cli: Cli, db_url: str, tmp_path: Path
) -> None:
    cli.ok("add", "Home")
    cli.ok("add", "Garden", "--parent", "1")
    export = tmp_path / "export.json"
    export.write_text(cli.ok("export").stdout)
    cli.ok("add", "Weed", "--parent", "2")  # local pending work, not in the file
    document = json.loads(export.read_text())
    for record in document["tasks"]:
        record["status"] = "done"
        record["completed_at"] = "2026-01-02T03:04:05+00:00"
    export.write_text(json.dumps(document))
    before = dump(db_url)
    result = cli.ok("import", str(export))
    assert result.stdout == "Imported 2 tasks: 0 added, 2 updated, 0 unchanged\n"
    assert result.stderr == "Reopened 2 tasks so no done task holds pending work\n"
    assert _statuses(db_url) == {1: "pending", 2: "pending", 3: "pending"}
    _assert_invariant(db_url)
    _undo_restores(cli, db_url, before)


def _refused(cli: Cli, user: dict[str, str], *args: str) -> str:
    result = cli(*args, env=user)
    assert result.exit_code == 4, (result.exit_code, result.stdout, result.stderr)
    assert result.stdout == ""
    [line] = result.stderr.splitlines()
    return line


def _as(cli: Cli, user: dict[str, str], *args: str) -> None:
    result = cli(*args, env=user)
    assert result.exit_code == 0, (result.exit_code, result.stdout, result.stderr)


def test_undo_that_would_complete_a_task_above_new_pending_work_is_refused(
    cli: Cli, db_url: str
) -> None:
    _as(cli, ALICE, "add", "Home")
    _as(cli, ALICE, "add", "Garden", "--parent", "1")
    _as(cli, ALICE, "done", "1", "-r")
    _as(cli, ALICE, "undone", "2")  # reopens 1 and 2
    _as(cli, BOB, "add", "Weed", "--parent", "1")
    before = dump(db_url)
    line = _refused(cli, ALICE, "undo")
    assert line.startswith("Error: cannot undo operation 4 (")
    assert "done task 1 above pending task 3" in line
    assert "--force cannot help" in line
    assert _refused(cli, ALICE, "undo", "--force") == line
    assert dump(db_url) == before
    _assert_invariant(db_url)


def test_undo_that_would_restore_pending_work_under_a_done_task_is_refused(
    cli: Cli, db_url: str
) -> None:
    _as(cli, ALICE, "add", "Home")
    _as(cli, ALICE, "add", "Garden", "--parent", "1")
    _as(cli, ALICE, "rm", "2", "-y")
    _as(cli, BOB, "done", "1")
    before = dump(db_url)
    line = _refused(cli, ALICE, "undo")
    assert "done task 1 above pending task 2" in line
    assert dump(db_url) == before
    _assert_invariant(db_url)


def test_redo_that_would_complete_a_task_above_new_pending_work_is_refused(
    cli: Cli, db_url: str
) -> None:
    _as(cli, ALICE, "add", "Home")
    _as(cli, ALICE, "add", "Garden", "--parent", "1")
    _as(cli, ALICE, "done", "1", "-r")
    _as(cli, ALICE, "undo")
    _as(cli, BOB, "add", "Weed", "--parent", "2")
    before = dump(db_url)
    line = _refused(cli, ALICE, "redo")
    assert line.startswith("Error: cannot redo operation 3 (")
    assert "done task 2 above pending task 3" in line
    assert dump(db_url) == before
    _assert_invariant(db_url)


def test_undo_that_leaves_status_and_parent_alone_is_not_refused_over_old_data(
    cli: Cli, db_url: str
) -> None:
    """A tree broken before the rule (another writer) does not block undoing a retitle."""
    insert_tasks(db_url, [Row(1, "Home", status="done"), Row(2, "Garden", parent_id=1)])
    cli.ok("edit", "2", "--title", "Yard")
    cli.ok("undo")
    [[title]] = execute(db_url, "SELECT title FROM task WHERE id = 2")
    assert title == ("Garden",)
