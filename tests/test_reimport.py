"""Import is safe to repeat: a task already here is updated or left alone, never added twice.

Every database has an identity (revision 0004) that ``export`` writes as
``source``; ``import`` recognises the tasks of that export by it. Both
backends; "changes nothing" is checked row for row with ``dump``.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from support import REPO_ROOT, SUBPROCESS_TIMEOUT, Cli, dump, error_line, execute

from taskcli.config import Settings, parse_database_url
from taskcli.db.migrate import upgrade

TASK_TABLES = ("task", "tag", "task_tag")


def _tree(cli: Cli) -> None:
    cli.ok("add", "Garden", "-t", "home", "-P", "high", "-n", "spring")
    cli.ok("add", "Mow", "-p", "1", "--due", "2026-12-04")
    cli.ok("add", "Weed", "-p", "1", "-t", "outside")
    cli.ok("add", "Taxes")
    cli.ok("done", "2")


def _export(cli: Cli, path: Path) -> Path:
    cli.ok("export", "-o", str(path))
    return path


def _titles(cli: Cli) -> list[tuple[str, str, str | None]]:
    """(title, status, parent title) of every task: what a second database should agree on."""
    tasks = json.loads(cli.ok("export").stdout)["tasks"]
    by_id = {task["id"]: task for task in tasks}
    return sorted(
        (t["title"], t["status"], by_id[t["parent_id"]]["title"] if t["parent_id"] else None)
        for t in tasks
    )


def test_export_names_its_database_last(cli: Cli) -> None:
    """``source`` is a new key after the existing ones, the same uuid every time."""
    _tree(cli)
    first = json.loads(cli.ok("export").stdout)
    assert list(first) == ["format", "version", "tasks", "source"]
    assert str(uuid.UUID(first["source"])) == first["source"]
    cli.ok("add", "later")
    assert json.loads(cli.ok("export").stdout)["source"] == first["source"]
    assert json.loads(cli.ok("export").stdout.replace("\n", ""))["source"] == first["source"]


def test_importing_a_database_into_itself_changes_nothing(cli: Cli, tmp_path: Path) -> None:
    _tree(cli)
    path = _export(cli, tmp_path / "self.json")
    before = dump(cli.url)
    result = cli.ok("import", str(path))
    assert result.stdout == "Imported 4 tasks: 0 added, 0 updated, 4 unchanged\n"
    assert dump(cli.url) == before  # not even an empty journal operation


def test_importing_the_same_file_twice_changes_nothing_the_second_time(
    cli: Cli, other: Cli, tmp_path: Path
) -> None:
    _tree(cli)
    path = _export(cli, tmp_path / "a.json")
    assert other.ok("import", str(path)).stdout == "Imported 4 tasks\n"
    once = dump(other.url)
    again = other.ok("import", str(path))
    assert again.stdout == "Imported 4 tasks: 0 added, 0 updated, 4 unchanged\n"
    assert dump(other.url) == once
    report = json.loads(other.ok("import", str(path), "-f", "json").stdout)
    assert (report["imported"], report["already_present"]) == (0, 4)
    assert (report["updated"], report["unchanged"]) == ({}, 4)
    assert _titles(other) == _titles(cli)


def test_a_later_export_updates_changed_tasks_in_one_undo_step(
    cli: Cli, other: Cli, tmp_path: Path
) -> None:
    _tree(cli)
    other.ok("import", str(_export(cli, tmp_path / "first.json")))
    other.ok("add", "mine only")  # a task of the importing database stays as it is
    imported = dump(other.url)
    cli.ok("edit", "3", "--title", "Weed the beds", "-t", "-outside", "-t", "+soon")
    cli.ok("done", "4")
    cli.ok("move", "2", "--root")
    cli.ok("add", "Compost", "-p", "1")
    result = other.ok("import", str(_export(cli, tmp_path / "second.json")))
    assert result.stdout == "Imported 5 tasks: 1 added, 3 updated, 1 unchanged\n"
    assert [t for t in _titles(other) if t[0] != "mine only"] == _titles(cli)
    weed = json.loads(other.ok("list", "--search", "beds", "-f", "json").stdout)
    assert weed[0]["tags"] == ["soon"]
    assert len(json.loads(other.ok("log", "-f", "json").stdout)) == 3  # add, import, import
    other.ok("undo")
    undone = dump(other.url)
    assert [undone[t] for t in TASK_TABLES] == [imported[t] for t in TASK_TABLES]
    assert "mine only" in other.ok("list").stdout


def test_an_export_of_the_importing_database_round_trips_back(
    cli: Cli, other: Cli, tmp_path: Path
) -> None:
    """A → B → A: B's tasks remember they came from A, so A recognises its own tasks."""
    _tree(cli)
    other.ok("import", str(_export(cli, tmp_path / "a.json")))
    before = dump(cli.url)
    back = cli.ok("import", str(_export(other, tmp_path / "b.json")))
    assert back.stdout == "Imported 4 tasks: 0 added, 0 updated, 4 unchanged\n"
    assert dump(cli.url) == before


def test_a_deleted_task_comes_back_once(cli: Cli, tmp_path: Path) -> None:
    _tree(cli)
    path = _export(cli, tmp_path / "backup.json")
    cli.ok("rm", "4", "-y")
    first = cli.ok("import", str(path))
    assert first.stdout == "Imported 4 tasks: 1 added, 0 updated, 3 unchanged\n"
    restored = dump(cli.url)
    assert cli.ok("import", str(path)).stdout.endswith("0 added, 0 updated, 4 unchanged\n")
    assert dump(cli.url) == restored
    assert [t[0] for t in _titles(cli)].count("Taxes") == 1


def test_as_new_always_adds(cli: Cli, tmp_path: Path) -> None:
    _tree(cli)
    path = _export(cli, tmp_path / "copy.json")
    assert cli.ok("import", "--as-new", str(path)).stdout == "Imported 4 tasks\n"
    assert cli.ok("import", "--as-new", str(path)).stdout == "Imported 4 tasks\n"
    assert [t[0] for t in _titles(cli)].count("Garden") == 3


def test_an_export_without_source_still_imports(cli: Cli, tmp_path: Path) -> None:
    """Exports made before 0.2.0 carry no source: their tasks are added, as before."""
    _tree(cli)
    document = json.loads(cli.ok("export").stdout)
    del document["source"]
    path = tmp_path / "old.json"
    path.write_text(json.dumps(document))
    assert cli.ok("import", str(path)).stdout == "Imported 4 tasks\n"
    assert len(_titles(cli)) == 8


@pytest.mark.parametrize("source", ['"not-a-uuid"', "42", '["x"]'])
def test_a_bad_source_is_refused(cli: Cli, tmp_path: Path, source: str) -> None:
    cli.ok("add", "kept")
    path = tmp_path / "bad.json"
    path.write_text('{"format": "taskcli", "version": 1, "tasks": [], "source": ' + source + "}")
    before = dump(cli.url)
    assert "source" in error_line(cli.fails(2, "import", str(path)))
    assert dump(cli.url) == before


def test_identity_revision_upgrades_and_downgrades_a_populated_database(
    backend: str, blank_db_url: str
) -> None:
    """0003 → 0004 keeps every row and adds one identity; 0004 → 0003 removes only it."""
    url = blank_db_url
    upgrade(Settings(database=parse_database_url(url)), "0003")
    cli = Cli(url=url, env={})
    now = "2026-01-02 03:04:05+00" if backend == "postgresql" else "2026-01-02 03:04:05.000000"
    execute(
        url,
        "INSERT INTO task (id, title, status, priority, parent_id, created_at, updated_at) VALUES"
        f" (1, 'root', 'pending', 2, NULL, '{now}', '{now}'),"
        f" (2, 'child', 'done', 0, 1, '{now}', '{now}')",
        "INSERT INTO tag (id, name) VALUES (1, 'work')",
        "INSERT INTO task_tag (task_id, tag_id) VALUES (2, 1)",
    )
    before = dump(url)
    cli.ok("db", "upgrade", "0004")  # later revisions add task columns
    after = dump(url)
    # Later revisions add task columns after the existing ones (0007: wait, scheduled).
    after["task"] = [row[: len(before["task"][0])] for row in after["task"]]
    assert {t: after[t] for t in before if t != "alembic_version"} == {
        t: before[t] for t in before if t != "alembic_version"
    }
    cli.ok("db", "upgrade")
    (identity,) = execute(url, "SELECT id, uuid FROM database_identity")
    assert len(identity) == 1
    assert identity[0][0] == 1
    assert json.loads(cli.ok("export").stdout)["source"] == identity[0][1]
    cli.ok("db", "downgrade", "0003", "--yes")
    assert dump(url) == before
    with pytest.raises(Exception, match="database_identity"):
        execute(url, "SELECT uuid FROM database_identity")


def test_new_databases_have_different_identities(cli: Cli, other: Cli) -> None:
    assert (
        json.loads(cli.ok("export").stdout)["source"]
        != json.loads(other.ok("export").stdout)["source"]
    )


def test_pg_ids_after_import_are_fresh(other: Cli, tmp_path: Path, cli: Cli) -> None:
    """Updating matched tasks leaves the id sequence alone: the next task gets a new id."""
    _tree(cli)
    path = _export(cli, tmp_path / "a.json")
    other.ok("import", str(path))
    other.ok("import", str(path))
    assert other.ok("add", "-q", "next").stdout == "5\n"


def test_concurrent_imports_of_one_file_add_each_task_once(
    cli: Cli, other: Cli, tmp_path: Path
) -> None:
    """Matching happens under the tree lock: four imports at once, one copy of each task."""
    _tree(cli)
    path = _export(cli, tmp_path / "shared.json")
    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT), "TASKCLI_DATABASE_URL": other.url}
    processes = [
        subprocess.Popen(
            [sys.executable, "-m", "taskcli", "import", str(path)],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(4)
    ]
    outputs = []
    for process in processes:
        stdout, stderr = process.communicate(timeout=SUBPROCESS_TIMEOUT * 2)
        assert process.returncode == 0, stderr
        outputs.append(stdout)
    assert sorted(outputs) == [
        "Imported 4 tasks\n",
        *["Imported 4 tasks: 0 added, 0 updated, 4 unchanged\n"] * 3,
    ]
    assert _titles(other) == _titles(cli)


def test_a_database_without_its_identity_is_refused(cli: Cli, tmp_path: Path) -> None:
    """Removed by hand: exit 3 with one line, never a guess (or a traceback)."""
    cli.ok("add", "kept")
    path = _export(cli, tmp_path / "kept.json")
    [[(identity,)]] = execute(cli.url, "SELECT uuid FROM database_identity")
    execute(cli.url, "DELETE FROM database_identity")
    try:
        before = dump(cli.url)
        assert "identity" in error_line(cli.fails(3, "export"))
        assert "identity" in error_line(cli.fails(3, "import", str(path)))
        assert dump(cli.url) == before
    finally:  # the PostgreSQL database is shared by the tests of this run
        execute(cli.url, f"INSERT INTO database_identity (id, uuid) VALUES (1, '{identity}')")


def test_many_changed_tasks_update_in_one_import(cli: Cli, tmp_path: Path) -> None:
    """More changed tasks than one statement's parameters hold: all updated, retagged, once."""
    count = 2500
    cli.ok("add", "-", "-t", "old", input="".join(f"task {n}\n" for n in range(count)))
    document = json.loads(cli.ok("export").stdout)
    for task in document["tasks"]:
        task["title"] = task["title"].upper()
        task["tags"] = ["new"]
    path = tmp_path / "changed.json"
    path.write_text(json.dumps(document))
    result = cli.ok("import", str(path))
    assert result.stdout == f"Imported {count} tasks: 0 added, {count} updated, 0 unchanged\n"
    tasks = json.loads(cli.ok("list", "--limit", str(count), "-f", "json").stdout)
    assert len(tasks) == count
    assert all(t["title"].startswith("TASK ") and t["tags"] == ["new"] for t in tasks)
    assert cli.ok("import", str(path)).stdout.endswith(f"0 updated, {count} unchanged\n")
