"""Blocked-by links: ``add``/``edit --blocked-by``, ``edit --unblock``, ``show``, the JSON
key, refusals (self, missing, subtasks, cycles through links and the tree, concurrent
opposite links), the journal, ``rm`` cascades, export/import, Taskwarrior ``depends``
and revision 0008. Every test runs the real CLI on SQLite and PostgreSQL."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from support import REPO_ROOT, Cli, dump, earlier_columns, error_line, execute, run_subprocess
from taskhelpers import TASK_KEY_ORDER, add

from taskcli.config import Settings, parse_database_url
from taskcli.db.migrate import upgrade


def _show(cli: Cli, task_id: int) -> dict[str, Any]:
    document: dict[str, Any] = json.loads(cli.ok("show", str(task_id), "-f", "json").stdout)
    return document


def _links(cli: Cli) -> list[tuple[int, int]]:
    found = execute(cli.url, "SELECT task_id, blocked_by_id FROM task_blocker ORDER BY 1, 2")
    return [(int(a), int(b)) for a, b in found[0]]


def _three(cli: Cli) -> tuple[int, int, int]:
    return add(cli, "paint"), add(cli, "buy paint"), add(cli, "find ladder")


# --- add, edit, show, JSON ------------------------------------------------------------


def test_add_and_edit_links_and_unblock(cli: Cli) -> None:
    paint, buy, ladder = _three(cli)
    created = json.loads(cli.ok("add", "hang", "--blocked-by", str(paint), "-f", "json").stdout)
    assert created["blocked_by"] == [paint]
    edited = json.loads(
        cli.ok(
            "edit", str(paint), "--blocked-by", str(ladder), "--blocked-by", str(buy), "-f", "json"
        ).stdout
    )
    assert edited["blocked_by"] == [buy, ladder]
    cli.ok("edit", str(paint), "--blocked-by", str(buy))  # already there: no error, no duplicate
    assert _links(cli) == [(paint, buy), (paint, ladder), (created["id"], paint)]
    cli.ok("edit", str(paint), "--unblock", str(buy))
    cli.ok("edit", str(paint), "--unblock", str(buy))  # not there any more: nothing to do
    assert _links(cli) == [(paint, ladder), (created["id"], paint)]


def test_json_key_order_everywhere(cli: Cli) -> None:
    paint, buy, _ = _three(cli)
    cli.ok("edit", str(paint), "--blocked-by", str(buy))
    shown = _show(cli, paint)
    assert list(shown)[: len(TASK_KEY_ORDER)] == list(TASK_KEY_ORDER)
    assert list(TASK_KEY_ORDER)[-3:] == ["scheduled", "blocked_by", "recur"]  # 0.4.0
    assert shown["blocked_by"] == [buy]
    assert (shown["blocked"], shown["blocking"]) == (True, [])
    assert _show(cli, buy)["blocking"] == [paint]
    listed = {t["id"]: t for t in json.loads(cli.ok("list", "-f", "json").stdout)}
    assert listed[paint]["blocked_by"] == [buy]
    assert listed[buy]["blocked_by"] == []
    tree = {t["id"]: t for t in json.loads(cli.ok("tree", "-f", "json").stdout)}
    assert list(tree[paint])[: len(TASK_KEY_ORDER)] == list(TASK_KEY_ORDER)
    assert tree[paint]["blocked_by"] == [buy]


def test_show_text_lists_blockers_and_blocked_state(cli: Cli) -> None:
    paint, buy, ladder = _three(cli)
    cli.ok("edit", str(paint), "--blocked-by", str(buy), "--blocked-by", str(ladder))
    cli.ok("done", str(ladder))
    text = cli.ok("show", str(paint)).stdout
    assert "pending (blocked)" in text
    assert f"{buy} buy paint (pending)" in text
    assert f"{ladder} find ladder (done)" in text
    assert f"{paint} paint (pending)" in cli.ok("show", str(buy)).stdout  # Blocking
    cli.ok("done", str(buy))
    assert "(blocked)" not in cli.ok("show", str(paint)).stdout
    assert _show(cli, paint)["blocked"] is False


def test_list_blocked_and_unblocked(cli: Cli) -> None:
    paint, buy, ladder = _three(cli)
    cli.ok("edit", str(paint), "--blocked-by", str(buy))
    cli.ok("edit", str(ladder), "--blocked-by", str(paint))

    def ids(*options: str) -> list[int]:
        return [int(x) for x in cli.ok("list", *options, "-f", "ids").stdout.split()]

    assert ids("--blocked") == [paint, ladder]
    assert ids("--unblocked") == [buy]
    cli.ok("done", str(buy))
    assert ids("--blocked") == [ladder]


# --- refusals --------------------------------------------------------------------------


def test_refusals_change_nothing(cli: Cli) -> None:
    paint, buy, ladder = _three(cli)
    sub = add(cli, "sand walls", "--parent", str(paint))
    cli.ok("edit", str(buy), "--blocked-by", str(ladder))
    before = dump(cli.url)
    cases = [
        (4, ("edit", str(paint), "--blocked-by", str(paint)), "by itself"),
        (1, ("edit", str(paint), "--blocked-by", "999"), "no task 999"),
        (1, ("edit", str(paint), "--unblock", "999"), "no task 999"),
        (1, ("add", "x", "--blocked-by", "999"), "no task 999"),
        (4, ("edit", str(paint), "--blocked-by", str(sub)), "subtask"),  # its descendant
        (4, ("edit", str(sub), "--blocked-by", str(paint)), "already waits"),  # its ancestor
        (4, ("edit", str(ladder), "--blocked-by", str(buy)), "already waits"),  # 2-cycle
        (2, ("edit", str(paint), "--blocked-by", str(buy), "--unblock", str(buy)), "both"),
        (2, ("edit", str(paint), "--blocked-by", "0"), ""),
    ]
    for code, args, words in cases:
        assert words in error_line(cli.fails(code, *args)), args
    assert dump(cli.url) == before


def test_cycle_through_links_and_tree(cli: Cli) -> None:
    """A waits for B, B for C, and C is a subtask of P (P waits for its subtasks). C may
    not wait for A, nor may A go under C (C would wait for its subtask A); P may wait for
    A: that is no cycle."""
    a, b, c = _three(cli)
    parent = add(cli, "parent")
    cli.ok("move", str(c), "--parent", str(parent))
    cli.ok("edit", str(a), "--blocked-by", str(b))
    cli.ok("edit", str(b), "--blocked-by", str(c))
    before = dump(cli.url)
    assert "already waits" in error_line(cli.fails(4, "edit", str(c), "--blocked-by", str(a)))
    assert "already waits" in error_line(cli.fails(4, "move", str(a), "--parent", str(c)))
    assert "already waits" in error_line(
        cli.fails(4, "add", "x", "--parent", str(c), "--blocked-by", str(a))
    )
    assert dump(cli.url) == before
    cli.ok("edit", str(parent), "--blocked-by", str(a))
    assert _show(cli, parent)["blocked_by"] == [a]


def test_concurrent_opposite_links_cannot_both_succeed(cli: Cli) -> None:
    """The first edit holds its transaction open (paused before commit); the second, with
    the opposite link, waits for the lock and then sees the first link: refused."""
    a, b, _ = _three(cli)
    env = {
        **os.environ,
        "TASKCLI_DATABASE_URL": cli.url,
        "PYTHONPATH": str(REPO_ROOT),
        "TASKCLI_TESTING": "1",
        "TASKCLI_TEST_PAUSE_BEFORE_COMMIT": "3",
    }
    with subprocess.Popen(
        [sys.executable, "-m", "taskcli", "edit", str(a), "--blocked-by", str(b)],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    ) as first:
        assert first.stderr is not None
        assert "paused before commit" in first.stderr.readline()
        second = run_subprocess(
            ["edit", str(b), "--blocked-by", str(a)], env={"TASKCLI_DATABASE_URL": cli.url}
        )
        first.communicate(timeout=60)
    assert first.returncode == 0
    assert second.returncode == 4, second.stderr
    assert "already waits" in second.stderr
    assert _links(cli) == [(a, b)]


# --- journal, rm -----------------------------------------------------------------------


def test_undo_redo_and_history(cli: Cli) -> None:
    paint, buy, _ = _three(cli)
    cli.ok("edit", str(paint), "--blocked-by", str(buy))
    cli.ok("undo")
    assert _links(cli) == []
    cli.ok("redo")
    assert _links(cli) == [(paint, buy)]
    cli.ok("edit", str(paint), "--unblock", str(buy))
    cli.ok("undo")
    assert _links(cli) == [(paint, buy)]
    history = cli.ok("history", str(paint)).stdout
    assert f"blocked by {buy} added" in history
    assert f"blocked by {buy} removed" in history


def test_rm_of_a_blocker_cascades_and_undo_restores(cli: Cli) -> None:
    paint, buy, ladder = _three(cli)
    cli.ok("edit", str(paint), "--blocked-by", str(buy), "--blocked-by", str(ladder))
    cli.ok("rm", str(buy), "-y")
    assert _links(cli) == [(paint, ladder)]
    cli.ok("undo")
    assert _links(cli) == [(paint, buy), (paint, ladder)]
    assert _show(cli, paint)["blocked_by"] == [buy, ladder]


def test_undo_refuses_to_restore_a_cycle(cli: Cli) -> None:
    """Alice's undo of her unblock would bring back a link that closes a cycle with the
    opposite link Bob made since: refused (exit 4), nothing changed."""
    alice = {"USER": "alice", "LOGNAME": "alice"}
    bob = {"USER": "bob", "LOGNAME": "bob"}
    a, b, _ = _three(cli)
    assert cli("edit", str(a), "--blocked-by", str(b), env=alice).exit_code == 0
    assert cli("edit", str(a), "--unblock", str(b), env=alice).exit_code == 0
    assert cli("edit", str(b), "--blocked-by", str(a), env=bob).exit_code == 0
    before = dump(cli.url)
    refused = cli("undo", env=alice)
    assert refused.exit_code == 4, refused.stderr
    assert "cycle" in error_line(refused)
    assert dump(cli.url) == before


# --- the migration ---------------------------------------------------------------------


def test_revision_0008_up_and_down_with_data(backend: str, blank_db_url: str) -> None:
    """0006 -> 0008 keeps every row; a downgrade keeps links as note lines (after the note),
    and upgrading again turns them back into links the journal handles."""
    url = blank_db_url
    upgrade(Settings(database=parse_database_url(url)), "0006")
    cli = Cli(url=url, env={})
    now = "2026-01-02 03:04:05+00" if backend == "postgresql" else "2026-01-02 03:04:05.000000"
    execute(
        url,
        "INSERT INTO task (id, title, note, status, priority, created_at, updated_at) VALUES"
        f" (1, 'paint', 'a note', 'pending', 2, '{now}', '{now}'),"
        f" (2, 'buy', NULL, 'pending', 0, '{now}', '{now}'),"
        f" (3, 'ladder', NULL, 'done', 0, '{now}', '{now}')",
    )
    before = dump(url)
    cli.ok("db", "upgrade")
    after = dump(url)
    assert earlier_columns(after["task"], before["task"]) == before["task"]
    assert {t: after[t] for t in before if t not in ("alembic_version", "task")} == {
        t: before[t] for t in before if t not in ("alembic_version", "task")
    }
    assert after["task_blocker"] == []
    cli.ok("edit", "1", "--blocked-by", "2", "--blocked-by", "3")
    cli.ok("edit", "2", "--blocked-by", "3")
    links = _links(cli)
    cli.ok("db", "downgrade", "0006", "--yes")
    [[(note,)]] = execute(url, "SELECT note FROM task WHERE id = 1")
    assert note == "a note\n\nblocked by task 2\nblocked by task 3"
    [[(note,)]] = execute(url, "SELECT note FROM task WHERE id = 2")
    assert note == "blocked by task 3"
    assert execute(url, "SELECT count(*) FROM change WHERE table_name = 'task_blocker'") == [[(0,)]]
    cli.ok("db", "upgrade")
    assert _links(cli) == links
    assert _show(cli, 1)["note"] == "a note"
    assert _show(cli, 2)["note"] is None
    cli.ok("edit", "1", "--unblock", "2")  # the journal works on the new table again
    cli.ok("undo")
    assert _links(cli) == links


# --- export and import -------------------------------------------------------------------


def test_export_import_round_trip(cli: Cli, tmp_path: Path) -> None:
    paint, buy, ladder = _three(cli)
    cli.ok("edit", str(paint), "--blocked-by", str(buy), "--blocked-by", str(ladder))
    exported = json.loads(cli.ok("export").stdout)
    by_id = {t["id"]: t for t in exported["tasks"]}
    assert by_id[paint]["blocked_by"] == [buy, ladder]
    keys = list(by_id[paint])
    assert keys[: len(TASK_KEY_ORDER)] == list(TASK_KEY_ORDER)
    other = Cli(url=f"sqlite:///{tmp_path / 'other.db'}", env={})
    path = tmp_path / "export.json"
    path.write_text(json.dumps(exported))
    other.ok("import", str(path))
    assert _links(other) == _links(cli)
    again = other.ok("import", str(path))  # nothing new: the links stay as they are
    assert "0 added" in again.stdout
    assert _links(other) == _links(cli)
    # The file's links win on a re-import of the same tasks.
    cli.ok("edit", str(paint), "--unblock", str(ladder))
    cli.ok("import", str(path))
    assert _links(cli) == [(paint, buy), (paint, ladder)]


def test_import_refuses_a_cycle_and_bad_links(cli: Cli, tmp_path: Path) -> None:
    def document(*tasks: dict[str, Any]) -> str:
        return json.dumps({"format": "taskcli", "version": 1, "tasks": list(tasks)})

    def item(task_id: int, blocked_by: Any) -> dict[str, Any]:
        return {"id": task_id, "title": f"t{task_id}", "blocked_by": blocked_by}

    cli.ok("add", "keep me")
    before = dump(cli.url)
    cycle = document(item(1, [2]), item(2, [1]))
    assert "already waits" in error_line(cli.fails(4, "import", "-", input=cycle))
    own = document(item(1, [1]))
    assert "by itself" in error_line(cli.fails(2, "import", "-", input=own))
    bad = document(item(1, ["2"]))
    assert "blocked_by" in error_line(cli.fails(2, "import", "-", input=bad))
    assert dump(cli.url) == before


def test_taskwarrior_depends_become_links(cli: Cli, tmp_path: Path) -> None:
    """Both spellings of ``depends`` (a list, a comma string); a uuid the file does not
    import (unknown, or a deleted task) stays a note line."""
    items = [
        {"uuid": "u-first", "description": "first", "status": "pending"},
        {"uuid": "u-gone", "description": "gone", "status": "deleted"},
        {"uuid": "u-second", "description": "second", "depends": "u-first,u-gone"},
        {"uuid": "u-third", "description": "third", "depends": ["u-first", "u-second"]},
    ]
    path = tmp_path / "tw.json"
    path.write_text(json.dumps(items))
    result = cli.ok("import", "--from", "taskwarrior", str(path))
    assert "1 dependency kept as note lines" in result.stdout
    tasks = {t["title"]: t for t in json.loads(cli.ok("list", "-f", "json").stdout)}
    first, second, third = (tasks[name] for name in ("first", "second", "third"))
    assert second["blocked_by"] == [first["id"]]
    assert second["note"] == "Depends on: gone (u-gone)"
    assert third["blocked_by"] == sorted([first["id"], second["id"]])
    assert third["note"] is None
    again = cli.ok("import", "--from", "taskwarrior", str(path))
    assert "0 added, 0 updated" in again.stdout
    assert len(_links(cli)) == 3
