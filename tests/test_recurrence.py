"""Recurring tasks through the real CLI, on SQLite and PostgreSQL.

``add``/``edit --recur``, ``done`` making the next instance in the same
transaction (also under concurrent ``done``s), undo/redo, ``--until``,
``--recur-after``, the subtask template, month ends and DST, revision 0009.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from support import REPO_ROOT, Cli, dump, error_line, execute

from taskcli.config import Settings, parse_database_url
from taskcli.db.migrate import upgrade


def _tasks(cli: Cli, *extra: str) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = json.loads(cli.ok("list", *extra, "-f", "json").stdout)
    return found


def _show(cli: Cli, task_id: str) -> dict[str, Any]:
    found: dict[str, Any] = json.loads(cli.ok("show", task_id, "-f", "json").stdout)
    return found


def _local(value: str, zone: str) -> datetime:
    return datetime.fromisoformat(value).astimezone(ZoneInfo(zone))


@pytest.fixture(params=["Europe/Berlin", "America/New_York"])
def zoned(request: pytest.FixtureRequest, db_url: str) -> tuple[Cli, str]:
    return Cli(url=db_url, env={"TZ": request.param}), request.param


def test_add_stores_the_rule_and_json_shows_it_after_completed_at(cli: Cli) -> None:
    cli.ok("add", "Rent", "--due", "2027-01-31", "--recur", "Monthly", "--until", "2027-12-31")
    cli.ok("add", "Plain")
    rent, plain = _tasks(cli, "--sort", "id")
    assert list(rent)[-5:] == ["completed_at", "wait", "scheduled", "blocked_by", "recur"]
    assert rent["recur"]["rule"] == "monthly"
    assert rent["recur"]["from"] == "due"
    assert rent["recur"]["until"].startswith("2027-12-31T")
    assert plain["recur"] is None
    assert "Recur" in cli.ok("show", "1").stdout
    assert _show(cli, "1")["recur"] == rent["recur"]


def test_a_fixed_schedule_needs_a_due_date(cli: Cli) -> None:
    cli.ok("add", "Weekly", "--due", "fri", "--recur", "weekly")
    before = dump(cli.url)
    assert "needs a due date" in error_line(cli.fails(2, "add", "No due", "--recur", "weekly"))
    assert "invalid recurrence" in error_line(cli.fails(2, "add", "x", "--recur", "hourly"))
    assert "--recur-after needs" in error_line(cli.fails(2, "add", "x", "--recur-after"))
    assert "--until needs" in error_line(cli.fails(2, "add", "x", "--until", "fri"))
    assert "invalid recurrence" in error_line(cli.fails(2, "edit", "1", "--recur", "every 0 days"))
    assert dump(cli.url) == before
    assert "needs a due date" in error_line(cli.fails(2, "edit", "1", "--due", "none"))
    assert _tasks(cli)[0]["due"] is not None


def test_done_makes_the_next_instance_with_title_note_tags_priority_parent(cli: Cli) -> None:
    cli.ok("add", "Home")
    cli.ok(
        "add", "Bins", "-p", "1", "-n", "green ones", "-t", "chores", "-P", "high",
        "--due", "2027-03-01T19:00", "--recur", "every 2 weeks",
    )  # fmt: skip
    out = cli.ok("done", "2").stdout
    assert "Next task 3: Bins" in out
    first, second = _show(cli, "2"), _show(cli, "3")
    assert first["status"] == "done"
    assert second["status"] == "pending"
    for key in ("title", "note", "tags", "priority", "parent_id", "recur"):
        assert second[key] == first[key], key
    gap = datetime.fromisoformat(second["due"]) - datetime.fromisoformat(first["due"])
    assert abs(gap - timedelta(days=14)) <= timedelta(hours=1)


def test_wait_and_scheduled_move_with_the_due(cli: Cli) -> None:
    cli.ok(
        "add", "Report", "--due", "2027-03-10T12:00", "--wait", "2027-03-08T12:00",
        "--scheduled", "2027-03-09T12:00", "--recur", "weekly",
    )  # fmt: skip
    cli.ok("done", "1")
    first, second = _show(cli, "1"), _show(cli, "2")
    for key in ("due", "wait", "scheduled"):
        gap = datetime.fromisoformat(second[key]) - datetime.fromisoformat(first[key])
        assert abs(gap - timedelta(days=7)) <= timedelta(hours=1), key
    assert datetime.fromisoformat(second["due"]) - datetime.fromisoformat(second["wait"]) == (
        timedelta(days=2)
    )


def test_undo_of_done_removes_the_instance_and_redo_makes_it_again(cli: Cli) -> None:
    cli.ok("add", "Daily", "--due", "2027-01-10T08:00", "--recur", "daily", "-t", "x")
    cli.ok("done", "1")
    made = _show(cli, "2")
    cli.ok("undo")
    assert [t["id"] for t in _tasks(cli, "--status", "all")] == [1]
    assert _show(cli, "1")["status"] == "pending"
    cli.ok("redo")
    assert _show(cli, "2") == made
    assert _show(cli, "1")["status"] == "done"


def test_undone_then_done_again_makes_no_second_instance(cli: Cli) -> None:
    cli.ok("add", "Daily", "--due", "2027-01-10T08:00", "--recur", "daily")
    cli.ok("done", "1")
    cli.ok("undone", "1")
    out = cli.ok("done", "1").stdout
    assert "Next" not in out
    assert [t["id"] for t in _tasks(cli)] == [2]


def test_eight_concurrent_dones_make_exactly_one_instance(cli: Cli) -> None:
    cli.ok("add", "Standup", "--due", "2027-01-11T09:30", "--recur", "weekdays")
    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT), "TASKCLI_DATABASE_URL": cli.url}
    processes = [
        subprocess.Popen(
            [sys.executable, "-m", "taskcli", "done", "1"],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
        )
        for _ in range(8)
    ]
    outcomes = [process.communicate(timeout=120) for process in processes]
    assert [process.returncode for process in processes] == [0] * 8, outcomes
    assert sum("Next task" in out for out, _ in outcomes) == 1
    [[(count,)]] = execute(cli.url, "SELECT count(*) FROM task")
    assert count == 2
    assert [t["title"] for t in _tasks(cli)] == ["Standup"]


def test_until_ends_the_series(cli: Cli) -> None:
    cli.ok(
        "add", "Sprint", "--due", "2027-01-04T10:00", "--recur", "weekly", "--until", "2027-01-12"
    )
    cli.ok("done", "1")
    assert "Next task" not in cli.ok("done", "2").stdout
    assert _tasks(cli) == []
    cli.ok("add", "Open", "--due", "2027-01-04T10:00", "--recur", "weekly", "--until", "2027-01-05")
    cli.ok("edit", "3", "--until", "none")
    assert "Next task 4" in cli.ok("done", "3").stdout


def test_recur_none_stops_the_series(cli: Cli) -> None:
    cli.ok("add", "Gym", "--due", "2027-01-04T07:00", "--recur", "daily")
    cli.ok("edit", "1", "--recur", "none")
    assert _show(cli, "1")["recur"] is None
    assert "Next" not in cli.ok("done", "1").stdout
    assert _tasks(cli) == []


def test_recur_after_counts_from_completion(cli: Cli) -> None:
    cli.ok(
        "add", "Haircut", "--due", "2020-01-01T10:00", "--recur", "every 3 weeks", "--recur-after"
    )
    assert _show(cli, "1")["recur"]["from"] == "completion"
    cli.ok("done", "1")
    due = datetime.fromisoformat(_show(cli, "2")["due"])
    expected = datetime.now(UTC) + timedelta(weeks=3)
    assert abs(due - expected) <= timedelta(days=1, hours=2)


def test_monthly_from_the_31st_keeps_the_anchor_day(zoned: tuple[Cli, str]) -> None:
    cli, zone = zoned
    cli.ok("add", "Invoice", "--due", "2027-01-31T09:00", "--recur", "monthly")
    for task_id in ("1", "2", "3"):
        cli.ok("done", task_id)
    dues = [_local(_show(cli, str(i))["due"], zone) for i in range(1, 5)]
    assert [(d.month, d.day, d.hour) for d in dues] == [
        (1, 31, 9),
        (2, 28, 9),
        (3, 31, 9),
        (4, 30, 9),
    ]


def test_nine_oclock_stays_nine_oclock_across_dst(zoned: tuple[Cli, str]) -> None:
    cli, zone = zoned
    cli.ok("add", "Call", "--due", "2027-03-05T09:00", "--recur", "weekly")
    for task_id in range(1, 5):
        cli.ok("done", str(task_id))
    dues = [_local(_show(cli, str(i))["due"], zone) for i in range(1, 6)]
    assert {(d.hour, d.minute) for d in dues} == {(9, 0)}
    assert len({d.utcoffset() for d in dues}) == 2


def test_the_subtask_template_comes_again_pending(cli: Cli) -> None:
    cli.ok("add", "Release", "--due", "2027-02-01", "--recur", "monthly")
    cli.ok("add", "Build", "-p", "1", "-t", "ci", "-P", "high")
    cli.ok("add", "Sign", "-p", "2")
    cli.ok("done", "-r", "1")
    tree = json.loads(cli.ok("tree", "-f", "json").stdout)
    [root] = tree
    assert (root["title"], root["status"]) == ("Release", "pending")
    [build] = root["subtasks"]
    assert (build["title"], build["tags"], build["priority"]) == ("Build", ["ci"], "high")
    assert [s["title"] for s in build["subtasks"]] == ["Sign"]
    assert build["status"] == build["subtasks"][0]["status"] == "pending"
    cli.ok("undo")
    [[(count,)]] = execute(cli.url, "SELECT count(*) FROM task")
    assert count == 3


def test_revision_0009_up_and_down_keeps_the_rule_in_the_note(
    backend: str, blank_db_url: str
) -> None:
    url = blank_db_url
    upgrade(Settings(database=parse_database_url(url)), "0006")
    cli = Cli(url=url, env={})
    now = "2026-01-02 03:04:05+00" if backend == "postgresql" else "2026-01-02 03:04:05.000000"
    execute(
        url,
        "INSERT INTO task (title, note, status, priority, due, created_at, updated_at) VALUES"
        f" ('rent', 'a note', 'pending', 2, '{now}', '{now}', '{now}'),"
        f" ('plain', NULL, 'pending', 0, NULL, '{now}', '{now}')",
    )
    before = dump(url)
    cli.ok("db", "upgrade")
    after = dump(url)
    assert {t: after[t] for t in before if t not in ("alembic_version", "task")} == {
        t: before[t] for t in before if t not in ("alembic_version", "task")
    }
    cli.ok("edit", "1", "--recur", "monthly", "--until", "2027-06-30")
    cli.ok("add", "Chore", "--due", "2027-01-01", "--recur", "every 2 days", "--recur-after")
    cli.ok("done", "3")
    shown = [_show(cli, str(i)) for i in (1, 2, 3, 4)]
    cli.ok("db", "downgrade", "0006", "--yes")
    [[(note,)]] = execute(url, "SELECT note FROM task WHERE id = 1")
    assert note.startswith("a note\n\nrecurs monthly from due until 2027-06-30T")
    cli.ok("db", "upgrade")
    assert [_show(cli, str(i)) for i in (1, 2, 3, 4)] == shown
    cli.ok("done", "4")  # the series id came back: one pending instance again
    assert [t["title"] for t in _tasks(cli, "--search", "chore")] == ["Chore"]


def _tw(uuid: str, status: str, due: str, **extra: Any) -> dict[str, Any]:
    return {"uuid": uuid, "status": status, "description": "Water plants", "due": due, **extra}


TASKWARRIOR = [
    _tw("t1", "recurring", "20270104T090000Z", recur="weekly", mask="++-", tags=["home"]),
    _tw("i0", "completed", "20270104T090000Z", parent="t1", imask=0, end="20270104T100000Z"),
    _tw("i1", "pending", "20270111T090000Z", parent="t1", imask=1),
    _tw("i2", "pending", "20270118T090000Z", parent="t1", imask=2, tags=["home"]),
    _tw("t2", "recurring", "20270101T120000Z", recur="2w", until="20271231T000000Z"),
    _tw("j0", "completed", "20270101T120000Z", parent="t2", imask=0, end="20270102T100000Z"),
    _tw("t3", "recurring", "20270101T120000Z", recur="hourly"),
]


def test_taskwarrior_recurring_tasks_import_as_one_series_each(cli: Cli, tmp_path: Any) -> None:
    export = tmp_path / "tw.json"
    export.write_text(json.dumps(TASKWARRIOR))
    out = cli.ok("import", str(export), "--from", "taskwarrior").stdout
    assert "skipped 1 recurring template" in out  # hourly: taskcli has no such rule
    pending = _tasks(cli, "--sort", "id")
    carriers = [t for t in pending if t["recur"] is not None]
    assert [(t["recur"]["rule"], t["due"][:10]) for t in carriers] == [
        ("weekly", "2027-01-18"),
        ("every 2 weeks", "2027-01-15"),  # the template stands in: the next after the done one
    ]
    assert carriers[1]["recur"]["until"].startswith("2027-12-31")
    assert len(pending) == 3  # i1 stays a plain pending task: no second carrier
    weekly = str(carriers[0]["id"])
    assert "Next task" in cli.ok("done", weekly).stdout
    assert _tasks(cli, "--sort", "id")[-1]["due"][:10] == "2027-01-25"
    before = _tasks(cli, "--status", "all")
    cli.ok("import", str(export), "--from", "taskwarrior")  # again: nothing added
    assert len(_tasks(cli, "--status", "all")) == len(before)


def test_export_and_import_keep_the_rule(cli: Cli, db_url: str, tmp_path: Any) -> None:
    cli.ok(
        "add", "Backup", "--due", "2027-01-03T22:00", "--recur", "weekly", "--until", "2027-03-01"
    )
    cli.ok("add", "Review", "--recur", "monthly", "--recur-after")
    exported = tmp_path / "all.json"
    cli.ok("export", "-o", str(exported))
    original = [(t["title"], t["recur"]) for t in _tasks(cli, "--sort", "id")]
    cli.ok("rm", "1", "2", "--yes")
    cli.ok("import", str(exported))
    assert [(t["title"], t["recur"]) for t in _tasks(cli, "--sort", "id")] == original


@pytest.mark.parametrize(("end", "left"), [("y", []), ("n", ["2027-01-11"])])
def test_rm_on_a_terminal_asks_whether_to_end_the_series(
    cli: Cli, end: str, left: list[str]
) -> None:
    from taskhelpers import run_interactive

    cli.ok("add", "Standup", "--due", "2027-01-04T09:00", "--recur", "weekly")
    output = run_interactive(
        ("rm", "1"), env={"TASKCLI_DATABASE_URL": cli.url, "TZ": "UTC"}, answer=f"y\r{end}"
    )
    assert output.returncode == 0, output.stdout
    assert "Task 1 (Standup) recurs: end the series too?" in output.stdout
    assert [t["due"][:10] for t in _tasks(cli)] == left


def test_rm_without_a_terminal_ends_the_series_unless_keep_series(cli: Cli) -> None:
    cli.ok("add", "Standup", "--due", "2027-01-04T09:00", "--recur", "weekly")
    cli.ok("add", "Gym", "--due", "2027-01-04T07:00", "--recur", "daily")
    out = cli.ok("rm", "1").stdout
    assert "Next" not in out
    assert "Next task 3: Gym" in cli.ok("rm", "2", "--keep-series").stdout
    assert [t["title"] for t in _tasks(cli)] == ["Gym"]
    cli.ok("undo")
    assert [t["id"] for t in _tasks(cli)] == [2]
