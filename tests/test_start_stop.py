"""Time spent: ``start``, ``stop``, ``done``, ``list --active``, ``show``, ``report time``.

Every test runs the real CLI against a real SQLite file and the real
PostgreSQL database. Expected times are computed from the intervals stored
(written here with fixed instants), never from guesses about the wall clock;
a running interval is checked between bounds taken before and after the command.
"""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from support import Cli, dump, error_line, execute

from taskcli.config import Settings, parse_database_url
from taskcli.dates import parse_date
from taskcli.db.migrate import upgrade

HOUR = 3600


def _show(cli: Cli, task_id: str = "1") -> dict[str, Any]:
    document: dict[str, Any] = json.loads(cli.ok("show", task_id, "-f", "json").stdout)
    return document


def _literal(backend: str, moment: datetime) -> str:
    """A UTC instant as each backend's column stores it."""
    if backend == "postgresql":
        return f"'{moment.isoformat()}'"
    naive = moment.astimezone(UTC).replace(tzinfo=None)
    return f"'{naive.isoformat(sep=' ', timespec='microseconds')}'"


def _store(cli: Cli, backend: str, task_id: int, start: datetime, stop: datetime | None) -> None:
    """An interval written directly (as an older taskcli or another tool could have)."""
    end = _literal(backend, stop) if stop is not None else "NULL"
    execute(
        cli.url,
        "INSERT INTO time_interval (task_id, started_at, stopped_at) "
        f"VALUES ({task_id}, {_literal(backend, start)}, {end})",
    )


def _running(cli: Cli) -> list[int]:
    rows = execute(cli.url, "SELECT task_id FROM time_interval WHERE stopped_at IS NULL ORDER BY 1")
    return [task_id for (task_id,) in rows[0]]


def _at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


# --- start and stop ----------------------------------------------------------------


def test_start_and_stop_print_the_tasks_and_say_what_was_already_so(cli: Cli) -> None:
    cli.ok("add", "Write")
    cli.ok("add", "Read")
    result = cli.ok("start", "1-2")
    assert result.stdout == "Started task 1: Write\nStarted task 2: Read\n"
    assert _running(cli) == [1, 2]
    again = cli.ok("start", "1")
    assert (again.stdout, again.stderr) == ("", "Task 1 is already started.\n")
    assert cli.ok("stop", "2").stdout == "Stopped task 2: Read\n"
    assert _running(cli) == [1]
    idle = cli.ok("stop", "2")
    assert (idle.stdout, idle.stderr) == ("", "Task 2 is not started.\n")
    assert execute(cli.url, "SELECT count(*) FROM time_interval")[0] == [(2,)]
    assert [t["id"] for t in json.loads(cli.ok("start", "1", "2", "-f", "json").stdout)] == [1, 2]


def test_one_command_is_one_journal_operation_and_undo_redo_it(cli: Cli) -> None:
    cli.ok("add", "Write")
    cli.ok("add", "Read")
    cli.ok("start", "1", "2")
    log = json.loads(cli.ok("log", "-f", "json").stdout)
    assert log[0]["command"] == "taskcli start 1 2"
    assert log[0]["tasks"] == 2
    cli.ok("undo")
    assert execute(cli.url, "SELECT count(*) FROM time_interval")[0] == [(0,)]
    cli.ok("redo")
    assert _running(cli) == [1, 2]
    cli.ok("stop", "1", "2")
    assert _running(cli) == []
    cli.ok("undo")
    assert _running(cli) == [1, 2]
    cli.ok("redo")
    assert _running(cli) == []


def test_history_shows_started_and_stopped(cli: Cli) -> None:
    cli.ok("add", "Write")
    cli.ok("start", "1")
    cli.ok("stop", "1")
    text = cli.ok("history", "1").stdout
    assert "#2 changed: taskcli start 1\n    started " in text
    assert "#3 changed: taskcli stop 1\n    stopped " in text
    entries = json.loads(cli.ok("history", "1", "-f", "json").stdout)
    [started] = entries[1]["fields"]
    [stopped] = entries[2]["fields"]
    [[(start, stop)]] = execute(cli.url, "SELECT started_at, stopped_at FROM time_interval")
    assert (started["name"], started["old"]) == ("started", None)
    assert _at(started["new"][:26]) == _at(str(start)[:26]).replace(tzinfo=UTC)
    assert (stopped["name"], stopped["old"]) == ("stopped", None)
    assert stopped["new"] is not None
    assert stop is not None


def test_done_stops_a_started_task_and_undo_starts_it_again(cli: Cli) -> None:
    cli.ok("add", "Parent")
    cli.ok("add", "Child", "-p", "1")
    cli.ok("start", "1", "2")
    cli.ok("done", "-r", "1")
    assert _running(cli) == []
    [[(done_at,)]] = execute(cli.url, "SELECT completed_at FROM task WHERE id = 1")
    stops = execute(cli.url, "SELECT DISTINCT stopped_at FROM time_interval")[0]
    assert stops == [(done_at,)]  # stopped at the moment of completion
    assert "    stopped " in cli.ok("history", "2").stdout
    cli.ok("undo")
    assert _running(cli) == [1, 2]


def test_a_done_task_cannot_be_started(cli: Cli) -> None:
    cli.ok("add", "Finished")
    cli.ok("add", "Open")
    cli.ok("done", "1")
    before = dump(cli.url)
    assert error_line(cli.fails(4, "start", "2", "1")) == (
        "Error: task 1 is done; reopen it with 'taskcli undone 1'"
    )
    assert dump(cli.url) == before  # task 2 was not started either


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (["start", "9"], 1, "Error: no task 9"),
        (["stop", "1", "9"], 1, "Error: no task 9"),
        (["start", "x"], 2, "Error: "),
        (["stop", "0"], 2, "Error: "),
        (["report", "time", "--since", "someday"], 2, "Error: invalid date 'someday'"),
        (["report", "money"], 2, "Error: "),
        (["report", "time", "--by", "colour"], 2, "Error: "),
    ],
)
def test_bad_input_is_one_line_and_changes_nothing(
    cli: Cli, args: list[str], code: int, message: str
) -> None:
    cli.ok("add", "Task")
    cli.ok("start", "1")
    before = dump(cli.url)
    assert error_line(cli.fails(code, *args)).startswith(message)
    assert dump(cli.url) == before


def test_rm_takes_the_intervals_and_undo_brings_them_back(cli: Cli) -> None:
    cli.ok("add", "Task")
    cli.ok("start", "1")
    cli.ok("stop", "1")
    cli.ok("start", "1")
    stored = execute(cli.url, "SELECT * FROM time_interval ORDER BY id")
    cli.ok("rm", "1", "-y")
    assert execute(cli.url, "SELECT count(*) FROM time_interval")[0] == [(0,)]
    cli.ok("undo")
    assert execute(cli.url, "SELECT * FROM time_interval ORDER BY id") == stored


# --- list --active and show ------------------------------------------------------------


def test_list_active_shows_only_started_tasks(cli: Cli) -> None:
    for title in ("One", "Two", "Three"):
        cli.ok("add", title)
    cli.ok("start", "1", "3")
    cli.ok("stop", "3")
    cli.ok("start", "2")
    ids = cli.ok("list", "--active", "-f", "ids").stdout.split()
    assert ids == ["1", "2"]
    assert cli.ok("list", "--active", "--search", "two", "-f", "ids").stdout.split() == ["2"]
    cli.ok("done", "--where-active", "--where-search", "one")
    assert cli.ok("list", "--active", "-f", "ids").stdout.split() == ["2"]


def test_show_gives_total_time_from_the_stored_intervals(cli: Cli, backend: str) -> None:
    cli.ok("add", "Task")
    _store(cli, backend, 1, _at("2025-03-01T10:00:00"), _at("2025-03-01T11:00:00"))
    _store(cli, backend, 1, _at("2025-03-02T09:00:00"), _at("2025-03-02T11:05:30"))
    document = _show(cli)
    keys = list(document)
    assert keys[keys.index("annotations") + 1 :][:2] == ["active", "time_spent"]
    assert (document["active"], document["time_spent"]) == (False, HOUR + 2 * HOUR + 5 * 60 + 30)
    assert "total 3h 5m" in cli.ok("show", "1").stdout

    start = datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=72)
    _store(cli, backend, 1, start, None)
    before = datetime.now(UTC)
    document = _show(cli)
    after = datetime.now(UTC)
    closed = 3 * HOUR + 5 * 60 + 30
    assert document["active"] is True
    low, high = (int((moment - start).total_seconds()) for moment in (before, after))
    assert closed + low <= document["time_spent"] <= closed + high + 1
    text = cli.ok("show", "1").stdout
    assert "Started " in text
    assert " so far); total " in text


def test_a_second_running_interval_is_refused_by_the_database(cli: Cli, backend: str) -> None:
    cli.ok("add", "Task")
    cli.ok("start", "1")
    with pytest.raises(Exception, match=r"(?i)unique"):
        _store(cli, backend, 1, _at("2025-03-01T10:00:00"), None)


# --- report time -----------------------------------------------------------------------


@pytest.fixture
def worked(cli: Cli, backend: str) -> Cli:
    """Two root trees, tags, intervals in 2025 (closed) and one running since 2026."""
    cli.ok("add", "Alpha", "-t", "work")
    cli.ok("add", "Alpha child", "-p", "1", "-t", "work", "-t", "deep")
    cli.ok("add", "Beta")
    _store(cli, backend, 1, _at("2025-01-10T10:00:00"), _at("2025-01-10T12:00:00"))  # 2h
    _store(cli, backend, 2, _at("2025-02-10T10:00:00"), _at("2025-02-10T10:30:00"))  # 30m
    _store(cli, backend, 3, _at("2025-02-28T23:00:00"), _at("2025-03-01T01:00:00"))  # 2h
    return cli


def _report(cli: Cli, *args: str) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = json.loads(cli.ok("report", "time", *args, "-f", "json").stdout)
    return found


def test_report_time_by_tag_and_by_root(worked: Cli) -> None:
    assert _report(worked) == [
        {"tag": "work", "seconds": 2 * HOUR + 30 * 60},
        {"tag": "(no tag)", "seconds": 2 * HOUR},
        {"tag": "deep", "seconds": 30 * 60},
    ]
    assert _report(worked, "--by", "root") == [
        {"id": 1, "title": "Alpha", "seconds": 2 * HOUR + 30 * 60},
        {"id": 3, "title": "Beta", "seconds": 2 * HOUR},
    ]
    text = worked.ok("report", "time", "--by", "root").stdout.splitlines()
    assert text[0].split() == ["Root", "task", "Time"]
    assert text[1].split() == ["1", "Alpha", "2h", "30m"]
    assert text[-1].split() == ["Total", "4h", "30m"]


def test_report_time_since_clips_intervals_to_the_window(worked: Cli) -> None:
    since = parse_date("2025-02-10T10:20")  # local time, as the command reads it
    clipped = {
        "work": max(0, int((_at("2025-02-10T10:30:00") - since).total_seconds())),
        "(no tag)": int(
            (_at("2025-03-01T01:00:00") - max(since, _at("2025-02-28T23:00:00"))).total_seconds()
        ),
    }
    found = {row["tag"]: row["seconds"] for row in _report(worked, "--since", "2025-02-10T10:20")}
    assert found.get("work", 0) == clipped["work"]
    assert found["(no tag)"] == clipped["(no tag)"]
    later = _report(worked, "--since", "2025-03-02")
    assert later == []
    assert worked.ok("report", "time", "--since", "2025-03-02").stdout == "No time recorded.\n"


def test_report_time_counts_a_running_interval_up_to_now(worked: Cli, backend: str) -> None:
    start = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=1)
    _store(worked, backend, 3, start, None)
    before = datetime.now(UTC)
    [beta] = [row for row in _report(worked, "--by", "root") if row["id"] == 3]
    after = datetime.now(UTC)
    low, high = (int((moment - start).total_seconds()) for moment in (before, after))
    assert 2 * HOUR + low <= beta["seconds"] <= 2 * HOUR + high + 1


def test_report_time_csv(worked: Cli) -> None:
    rows = list(csv.reader(io.StringIO(worked.ok("report", "time", "-f", "csv").stdout)))
    assert rows == [
        ["tag", "seconds"],
        ["work", str(2 * HOUR + 30 * 60)],
        ["(no tag)", str(2 * HOUR)],
        ["deep", str(30 * 60)],
    ]
    by_root = worked.ok("report", "time", "--by", "root", "-f", "csv").stdout
    assert by_root.splitlines()[0] == "id,title,seconds"


# --- the migration -------------------------------------------------------------------


def test_revision_0006_up_and_down_with_data(backend: str, blank_db_url: str) -> None:
    """0005 → 0006 keeps every row; a downgrade keeps intervals as note lines (after the
    note) and the journal working; upgrading again turns those lines back into intervals."""
    url = blank_db_url
    upgrade(Settings(database=parse_database_url(url)), "0005")
    cli = Cli(url=url, env={})
    now = "2026-01-02 03:04:05+00" if backend == "postgresql" else "2026-01-02 03:04:05.000000"
    execute(
        url,
        "INSERT INTO task (id, title, note, status, priority, created_at, updated_at) VALUES"
        f" (1, 'root', 'a note', 'pending', 2, '{now}', '{now}'),"
        f" (2, 'plain', NULL, 'pending', 0, '{now}', '{now}')",
    )
    before = dump(url)
    cli.ok("db", "upgrade", "0006")  # later revisions add task columns
    after = dump(url)
    # Later revisions add task columns after the existing ones (0007: wait, scheduled).
    after["task"] = [row[: len(before["task"][0])] for row in after["task"]]
    assert {t: after[t] for t in before if t != "alembic_version"} == {
        t: before[t] for t in before if t != "alembic_version"
    }
    cli.ok("db", "upgrade")
    _store(cli, backend, 1, _at("2025-01-10T10:00:00"), _at("2025-01-10T12:00:00"))
    cli.ok("start", "1", "2")
    cli.ok("annotate", "1", "kept as well")
    intervals = execute(
        url, "SELECT id, task_id, started_at, stopped_at FROM time_interval ORDER BY id"
    )
    shown = (_show(cli, "1"), _show(cli, "2"))

    cli.ok("db", "downgrade", "0005", "--yes")
    [[(note,)]] = execute(url, "SELECT note FROM task WHERE id = 1")
    lines = note.split("\n")
    assert lines[:2] == ["a note", ""]
    assert lines[2] == "worked 2025-01-10T10:00:00+00:00/2025-01-10T12:00:00+00:00"
    assert lines[3].startswith("worked ")
    assert lines[3].endswith("/..")
    assert execute(url, "SELECT count(*) FROM change WHERE table_name = 'time_interval'") == [
        [(0,)]
    ]
    cli.ok("db", "downgrade", "0004", "--yes")  # annotations fold after the interval lines
    cli.ok("db", "upgrade")
    restored = execute(url, "SELECT task_id, started_at, stopped_at FROM time_interval")
    assert sorted(restored[0]) == sorted(row[1:] for row in intervals[0])
    for task_id, document in zip(("1", "2"), shown, strict=True):
        again = _show(cli, task_id)
        assert (again["note"], again["active"]) == (document["note"], True)
        assert again["time_spent"] >= document["time_spent"]
    assert [a["text"] for a in _show(cli)["annotations"]] == ["kept as well"]
    cli.ok("stop", "1")  # the journal works on the new table again
    cli.ok("undo")
    assert _running(cli) == [1, 2]
