"""Export and import: round trips across backends, Taskwarrior, outlines, bad files."""

from __future__ import annotations

import json
import os
import shutil
import stat
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from support import Cli, dump, error_line, run_subprocess

from taskcli.config import Settings, parse_database_url
from taskcli.db.migrate import upgrade

DATA = Path(__file__).resolve().parent / "data"
TW_SAMPLE = DATA / "taskwarrior-sample.json"


def _doc(tasks: str) -> str:
    return '{"format": "taskcli", "version": 1, "tasks": [' + tasks + "]}"


def _three_level_tree(cli: Cli) -> None:
    cli.ok(
        "add", "Write report", "--due", "2026-12-04", "-t", "work", "-P", "high", "-n", "two\nlines"
    )
    cli.ok("add", "Section 1", "-p", "1", "-t", "a", "-t", "b")
    cli.ok("add", "Para a", "-p", "2")
    cli.ok("add", "Doomed")
    cli.ok("done", "3")
    cli.ok("rm", "4", "-y")  # a gap in the ids must survive the round trip


def test_export_document_shape(cli: Cli) -> None:
    _three_level_tree(cli)
    document = json.loads(cli.ok("export").stdout)
    assert document["format"] == "taskcli"
    assert document["version"] == 1
    assert [task["id"] for task in document["tasks"]] == [1, 2, 3]
    assert document["tasks"][2]["status"] == "done"
    assert document["tasks"][2]["completed_at"] is not None
    assert document["tasks"][1]["parent_id"] == 1
    assert document["tasks"][0]["note"] == "two\nlines"


def test_sqlite_to_postgresql_to_sqlite_is_identical(
    tmp_path: Path, pg_database_factory: Callable[[], str]
) -> None:
    """The move of the README: export | import into an empty database of the other backend."""
    sqlite_url = f"sqlite:///{tmp_path / 'first.db'}"
    pg_url = pg_database_factory()
    upgrade(Settings(database=parse_database_url(pg_url)))
    back_url = f"sqlite:///{tmp_path / 'back.db'}"
    first, pg, back = Cli(sqlite_url, {}), Cli(pg_url, {}), Cli(back_url, {})
    _three_level_tree(first)
    exported = first.ok("export").stdout
    document = json.loads(exported)
    # Each copy remembers where its tasks came from: the first database's identity.
    expected = [
        {**task, "external_id": f"taskcli:{document['source']}:{task['id']}"}
        for task in document["tasks"]
    ]
    pg.ok("import", "-", input=exported)
    assert json.loads(pg.ok("export").stdout)["tasks"] == expected
    back.ok("import", "-", input=pg.ok("export").stdout)
    assert json.loads(back.ok("export").stdout)["tasks"] == expected
    assert pg.ok("add", "next", "-q").stdout == "4\n"  # the sequence moved past the kept ids
    assert back.ok("add", "next", "-q").stdout == "4\n"


def test_shell_pipe_between_backends(
    tmp_path: Path, pg_database_factory: Callable[[], str]
) -> None:
    """Exactly the README's two commands, through a real shell pipe."""
    sqlite_url = f"sqlite:///{tmp_path / 'mine.db'}"
    pg_url = pg_database_factory()
    Cli(sqlite_url, {}).ok("add", "Shared", "-t", "team")
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1])}
    taskcli = f"{sys.executable} -m taskcli"
    script = (
        f"{taskcli} --db '{pg_url}' db upgrade && "
        f"{taskcli} --db '{sqlite_url}' export | {taskcli} --db '{pg_url}' import -"
    )
    result = subprocess.run(
        ["bash", "-o", "pipefail", "-c", script],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(Cli(pg_url, {}).ok("list", "-f", "json").stdout)[0]["tags"] == ["team"]


def test_import_into_a_non_empty_database_remaps_ids(cli: Cli, tmp_path: Path) -> None:
    source = Cli(f"sqlite:///{tmp_path / 'source.db'}", {})
    _three_level_tree(source)
    cli.ok("add", "Already here")
    result = cli.ok("import", "-", "-f", "json", input=source.ok("export").stdout)
    report = json.loads(result.stdout)
    assert report["imported"] == 3
    mapping = report["ids"]
    assert set(mapping) == {"1", "2", "3"}
    tasks = {t["id"]: t for t in json.loads(cli.ok("list", "--status", "all", "-f", "json").stdout)}
    assert tasks[mapping["2"]]["parent_id"] == mapping["1"]
    assert tasks[mapping["3"]]["parent_id"] == mapping["2"]
    assert tasks[mapping["1"]]["tags"] == ["work"]
    assert 1 not in mapping.values()  # "Already here" kept its id


@pytest.mark.parametrize(
    ("document", "message"),
    [
        ("not json", "is not valid JSON"),
        ('{"format": "other"}', "not a taskcli export"),
        ('{"format": "taskcli", "version": 9, "tasks": []}', "unsupported export version 9"),
        ('{"format": "taskcli", "version": 1}', 'no "tasks" list'),
        (
            _doc('{"id": 1, "title": "ok"}, {"id": 2, "title": ""}'),
            "record 2 (id 2): title must not be empty",
        ),
        (
            _doc('{"id": 1, "title": "a", "parent_id": 7}'),
            "parent '7' is not in the file",
        ),
        (
            _doc('{"id": 1, "title": "a"}, {"id": 1, "title": "b"}'),
            "id 1 appears twice",
        ),
        (
            _doc('{"id": 1, "title": "a", "parent_id": 2},{"id": 2, "title": "b", "parent_id": 1}'),
            "cycle",
        ),
        (
            _doc('{"id": 1, "title": "a", "due": "tomorrow"}'),
            "record 1 (id 1): due is not an ISO 8601 time",
        ),
        (
            _doc('{"id": 1, "title": "a", "priority": "urgent"}'),
            "priority must be one of",
        ),
    ],
)
def test_malformed_import_names_the_problem_and_changes_nothing(
    cli: Cli, db_url: str, document: str, message: str
) -> None:
    cli.ok("add", "keep me")
    before = dump(db_url)
    result = cli.fails(2, "import", "-", input=document)
    assert message in error_line(result)
    assert dump(db_url) == before


def test_taskwarrior_sample_maps_every_field(cli: Cli) -> None:
    result = cli.ok("import", "--from", "taskwarrior", str(TW_SAMPLE))
    assert result.stdout == "Imported 7 tasks, skipped 1 deleted\n"
    tasks = {
        t["title"]: t
        for t in json.loads(cli.ok("list", "--status", "all", "--all", "-f", "json").stdout)
    }
    assert set(tasks) == {
        "Home",
        "Garden",
        "Dig beds",
        "Buy seeds",
        "Call mom",
        "Mow the lawn",
        "Renew passport",
    }
    home, garden = tasks["Home"], tasks["Garden"]
    assert home["parent_id"] is None
    assert garden["parent_id"] == home["id"]
    dig = tasks["Dig beds"]
    assert dig["parent_id"] == garden["id"]
    assert dig["priority"] == "high"
    assert dig["due"] == "2026-12-01T17:00:00+00:00"
    assert dig["tags"] == ["c", "outside"]
    assert dig["created_at"] == "2026-11-20T09:00:00+00:00"
    assert dig["updated_at"] == "2026-11-21T10:00:00+00:00"
    assert tasks["Buy seeds"]["priority"] == "low"
    # 0.4.0: a dependency on a task in the file is a blocked-by link, not a note line.
    assert tasks["Buy seeds"]["blocked_by"] == [dig["id"]]
    assert "Depends on" not in (tasks["Buy seeds"]["note"] or "")
    call = json.loads(cli.ok("show", str(tasks["Call mom"]["id"]), "-f", "json").stdout)
    assert call["note"] is None  # its annotation is an annotation (0.3.0), not a note line
    assert call["annotations"] == [
        {"entry": "2026-11-22T08:00:00+00:00", "text": "she asked about Sunday"}
    ]
    mow = tasks["Mow the lawn"]
    assert (mow["status"], mow["completed_at"], mow["parent_id"]) == (
        "done",
        "2026-11-23T15:00:00+00:00",
        home["id"],
    )
    passport = tasks["Renew passport"]
    assert passport["status"] == "pending"
    assert (passport["wait"], passport["scheduled"]) == ("2026-12-20T00:00:00+00:00", None)
    assert "Old thing" not in tasks


def test_taskwarrior_reimport_adds_nothing(cli: Cli) -> None:
    cli.ok("import", "--from", "taskwarrior", str(TW_SAMPLE))
    before = cli.ok("export").stdout
    again = cli.ok("import", "--from", "taskwarrior", str(TW_SAMPLE))
    assert again.stdout.startswith("Imported 7 tasks: 0 added, 0 updated, 7 unchanged")
    assert cli.ok("export").stdout == before


@pytest.mark.skipif(
    shutil.which("task") is None, reason="Taskwarrior (Debian package taskwarrior) is not installed"
)
def test_real_taskwarrior_export(cli: Cli, tmp_path: Path) -> None:
    """An export made by the real ``task`` binary, with a project hierarchy and a dependency."""
    rc = tmp_path / "taskrc"
    rc.write_text(
        f"data.location={tmp_path / 'tw'}\nconfirmation=off\nverbose=nothing\nhooks=off\n"
    )
    (tmp_path / "tw").mkdir()
    env = {**os.environ, "TASKRC": str(rc), "TASKDATA": str(tmp_path / "tw")}

    def task(*args: str) -> str:
        done = subprocess.run(
            ["task", *args], env=env, capture_output=True, text=True, timeout=60, check=True
        )
        return done.stdout

    task("add", "Plan trip", "project:Travel.Japan", "priority:H", "+fun")
    task("add", "Book flights", "project:Travel.Japan", "depends:1")
    task("add", "Throw away", "project:Travel")
    task("3", "delete")
    export = tmp_path / "tw.json"
    export.write_text(task("export"))
    assert cli.ok("import", "--from", "taskwarrior", str(export)).stdout.startswith(
        "Imported 4 tasks, skipped 1 deleted"
    )
    tree = json.loads(cli.ok("tree", "-f", "json").stdout)
    assert tree[0]["title"] == "Travel"
    assert [t["title"] for t in tree[0]["subtasks"][0]["subtasks"]] == ["Plan trip", "Book flights"]


def test_outline_round_trip(cli: Cli, tmp_path: Path) -> None:
    _three_level_tree(cli)
    outline = cli.ok("tree", "--all", "-f", "outline").stdout
    assert outline == "- [ ] Write report\n  - [ ] Section 1\n    - [x] Para a\n"
    other = Cli(f"sqlite:///{tmp_path / 'outline.db'}", {})
    assert other.ok("import", "--outline", "-", input=outline).stdout == "Imported 3 tasks\n"
    assert other.ok("tree", "--all", "-f", "outline").stdout == outline


def test_outline_accepts_tabs_four_spaces_and_plain_bullets(cli: Cli) -> None:
    text = "Groceries\n\tMilk\n\t- [X] Bread\n\t\t* Wholegrain\n\nChores\n    + Sweep\n"
    result = cli.ok("import", "--outline", "-", input=text)
    # Bread is read as done, and reopened: Wholegrain under it is pending.
    assert result.stderr == "Reopened 1 task so no done task holds pending work\n"
    tree = json.loads(cli.ok("tree", "--all", "-f", "json").stdout)
    assert [root["title"] for root in tree] == ["Groceries", "Chores"]
    groceries = tree[0]
    assert [(c["title"], c["status"]) for c in groceries["subtasks"]] == [
        ("Milk", "pending"),
        ("Bread", "pending"),
    ]
    assert groceries["subtasks"][1]["subtasks"][0]["title"] == "Wholegrain"
    assert tree[1]["subtasks"][0]["title"] == "Sweep"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("a\n    b\n  c\n", "line 3: indentation is not a multiple of 4 spaces"),
        ("a\n    b\n            c\n", "line 3: indented more than one level"),
        ("- [ ] \n", "line 1: title must not be empty"),
    ],
)
def test_bad_outline_changes_nothing(cli: Cli, db_url: str, text: str, message: str) -> None:
    cli.ok("list")
    before = dump(db_url)
    result = cli.fails(2, "import", "--outline", "-", input=text)
    assert message in error_line(result)
    assert dump(db_url) == before


def test_export_to_file_is_private(cli: Cli, tmp_path: Path) -> None:
    cli.ok("add", "secret plans")
    target = tmp_path / "backup.json"
    assert cli.ok("export", "-o", str(target)).stdout == ""
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    assert json.loads(target.read_text())["tasks"][0]["title"] == "secret plans"
    assert not any(p.name.endswith(".partial") for p in tmp_path.iterdir())


def test_import_refuses_outline_with_taskwarrior(cli: Cli) -> None:
    result = cli.fails(2, "import", "--outline", "--from", "taskwarrior", str(TW_SAMPLE))
    assert "either --outline or --from" in error_line(result)


def test_missing_import_file(cli: Cli, tmp_path: Path) -> None:
    result = cli.fails(2, "import", str(tmp_path / "nope.json"))
    assert "cannot read" in error_line(result)


@pytest.mark.parametrize("shell", ["bash", "zsh", "fish"])
def test_completion_offers_ids_with_titles(cli: Cli, db_url: str, shell: str) -> None:
    cli.ok("add", "Alpha")
    cli.ok("add", "Beta")
    cli.ok("add", "Gone")
    cli.ok("done", "3")
    env = {"TASKCLI_DATABASE_URL": db_url, "_TASKCLI_COMPLETE": f"complete_{shell}"}
    if shell == "bash":
        env |= {"COMP_WORDS": "taskcli done ", "COMP_CWORD": "2"}
    else:
        env |= {"_TYPER_COMPLETE_ARGS": "taskcli done "}
        if shell == "fish":
            env["_TYPER_COMPLETE_FISH_ACTION"] = "get-args"
    result = run_subprocess([], env=env)
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    assert "1" in result.stdout
    assert "2" in result.stdout
    assert "3" not in result.stdout.replace("taskcli", "")  # done tasks are not offered
    if shell != "bash":
        assert "Alpha" in result.stdout
        assert "Beta" in result.stdout


def test_completion_never_creates_a_database(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'none.db'}"
    env = {
        "TASKCLI_DATABASE_URL": url,
        "_TASKCLI_COMPLETE": "complete_zsh",
        "_TYPER_COMPLETE_ARGS": "taskcli show ",
    }
    result = run_subprocess([], env=env)
    assert result.returncode == 0
    assert not (tmp_path / "none.db").exists()


def test_import_keeps_fields_exactly_as_exported(cli: Cli) -> None:
    """A done task written by another tool without completed_at stays that way."""
    document = _doc(
        '{"id": 5, "title": "odd", "status": "done", "completed_at": null,'
        ' "created_at": "2026-01-01T00:00:00+00:00", "updated_at": "2026-01-02T00:00:00+00:00"}'
    )
    cli.ok("import", "-", input=document)
    [record] = json.loads(cli.ok("export").stdout)["tasks"]
    assert (record["id"], record["status"], record["completed_at"]) == (5, "done", None)
    assert record["updated_at"] == "2026-01-02T00:00:00+00:00"
