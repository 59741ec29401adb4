"""Dates at the edges: the valid range (1900-01-01 to 9998-12-31 as typed) is
enforced alike by add, edit, list and import; every stored instant renders in
every zone; times in a spring-forward gap move forward, as zoneinfo documents.

The CLI reads the zone from ``TZ`` on each call (``taskcli.instants.local_zone``),
so the in-process runner can switch zones; one test runs real processes too.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from support import Cli, dump, error_line, run_subprocess
from taskhelpers import Row, as_json, insert_tasks

ZONES = ("Asia/Tokyo", "America/New_York", "Pacific/Kiritimati", "Europe/Berlin", "UTC")
FAR_FUTURE = datetime(9999, 12, 31, 23, 59, tzinfo=UTC)  # written by an older version
FAR_PAST = datetime(1, 1, 1, tzinfo=UTC)


def _in(zone: str, cli: Cli, *args: str, input: str | None = None) -> tuple[int, str, str]:
    result = cli(*args, input=input, env={"TZ": zone})
    return result.exit_code, result.stdout, result.stderr


@pytest.mark.parametrize("zone", ZONES)
def test_range_is_enforced_in_every_zone(cli: Cli, db_url: str, zone: str) -> None:
    """The first and last valid days are accepted; the days beside them are refused (exit 2)."""
    for date in ("1900-01-01", "9998-12-31", "1900-01-01T00:00", "9998-12-31T23:59"):
        code, _, stderr = _in(zone, cli, "add", f"on {date}", "-d", date)
        assert code == 0, (date, stderr)
    before = dump(db_url)
    for args in (
        ("add", "x", "-d", "9999-01-01"),
        ("add", "x", "-d", "1899-12-31"),
        ("add", "x", "-d", "1899-12-31T23:59"),
        ("add", "x", "-d", "9999-12-31"),
        ("add", "x", "-d", "0001-01-01T00:00"),
        ("add", "x", "-d", "+8000y"),
        ("edit", "1", "-d", "9999-01-01"),
        ("list", "--due-before", "9999-01-01"),
    ):
        result = cli(*args, env={"TZ": zone})
        assert result.exit_code == 2, (args, result.exit_code, result.stderr)
        assert "between 1900-01-01 and 9998-12-31" in error_line(result)
    assert dump(db_url) == before


def test_every_valid_date_renders_and_round_trips_in_every_zone(cli: Cli, tmp_path: Path) -> None:
    """Dates stored at both ends of the range by users in every zone render in every
    other zone (list, tree, show, log, history) and the export imports again."""
    for zone in ZONES:
        for date in ("1900-01-01T00:00", "9998-12-31"):
            assert _in(zone, cli, "add", f"{zone} {date}", "-d", date)[0] == 0
    ids = [str(task["id"]) for task in as_json(cli, "list")]
    for zone in ZONES:
        for args in (("list",), ("tree",), ("list", "-f", "csv"), ("log",), ("history", "1")):
            code, stdout, stderr = _in(zone, cli, *args)
            assert code == 0, (zone, args, stderr)
            assert stdout
        for task_id in ids:
            assert _in(zone, cli, "show", task_id)[0] == 0
        code, exported, stderr = _in(zone, cli, "export")
        assert code == 0, stderr
        target = Cli(url=f"sqlite:///{tmp_path / (zone.replace('/', '-') + '.db')}", env={})
        code, _, stderr = _in(zone, target, "import", "-", input=exported)
        assert code == 0, (zone, stderr)
        copied = json.loads(_in(zone, target, "export")[1])["tasks"]  # each remembers its origin
        assert [{**task, "external_id": None} for task in copied] == json.loads(exported)["tasks"]


@pytest.mark.parametrize("zone", ZONES)
def test_stored_instant_outside_the_range_still_renders(cli: Cli, db_url: str, zone: str) -> None:
    """9999-12-31T23:59Z (another writer) and year 1: every view exits 0 in every zone."""
    insert_tasks(
        db_url,
        [
            Row(1, "far future", due=FAR_FUTURE),
            Row(2, "far past", due=FAR_PAST, created_at=FAR_PAST, parent_id=1),
        ],
    )
    # On PostgreSQL year 1 is stored as -infinity: the streamed formats read it too.
    for args in (
        ("list",),
        ("tree",),
        ("show", "1"),
        ("show", "2"),
        ("list", "-f", "json"),
        ("tree", "-f", "json"),
        ("export",),
    ):
        code, stdout, stderr = _in(zone, cli, *args)
        assert code == 0, (args, stderr)
        assert "far future" in stdout
    listed = _in(zone, cli, "list")[1]
    assert "9999-12-31" in listed
    assert as_json(cli, "show", "1")["due"] == "9999-12-31T23:59:00+00:00"


def test_stored_far_future_in_real_processes_east_of_utc(db_url: str) -> None:
    """The reported failure: a real ``list`` and ``tree`` in Tokyo and Kiritimati."""
    insert_tasks(db_url, [Row(1, "far future", due=FAR_FUTURE)])
    for zone in ("Asia/Tokyo", "Pacific/Kiritimati"):
        for args in (("list",), ("tree",), ("show", "1")):
            result = run_subprocess(args, env={"TASKCLI_DATABASE_URL": db_url, "TZ": zone})
            assert result.returncode == 0, (zone, args, result.stderr)
            assert "far future" in result.stdout
            assert "9999-12-31" in result.stdout


# (zone, typed date, stored UTC instant, shown in the same zone)
TRANSITIONS = [
    # spring forward: 02:00-03:00 does not exist; 02:30 moves forward to 03:30
    ("Europe/Berlin", "2026-03-29T02:30", "2026-03-29T01:30:00+00:00", "2026-03-29 03:30"),
    ("America/New_York", "2026-03-08T02:30", "2026-03-08T07:30:00+00:00", "2026-03-08 03:30"),
    # fall back: 02:30 happens twice; the first (summer time) is taken
    ("Europe/Berlin", "2026-10-25T02:30", "2026-10-25T00:30:00+00:00", "2026-10-25 02:30"),
    ("America/New_York", "2026-11-01T01:30", "2026-11-01T05:30:00+00:00", "2026-11-01 01:30"),
    # the end of a transition day uses that evening's offset
    ("Europe/Berlin", "2026-03-29", "2026-03-29T21:59:59+00:00", "2026-03-29"),
    ("America/New_York", "2026-11-01", "2026-11-02T04:59:59+00:00", "2026-11-01"),
    # no DST in Tokyo: the Berlin gap time is an ordinary time there
    ("Asia/Tokyo", "2026-03-29T02:30", "2026-03-28T17:30:00+00:00", "2026-03-29 02:30"),
    # Kiritimati skipped 1994-12-31 entirely (UTC-10 to UTC+14): forward by the gap
    ("Pacific/Kiritimati", "1994-12-31T12:00", "1994-12-31T22:00:00+00:00", "1995-01-01 12:00"),
    ("Pacific/Kiritimati", "2026-01-01", "2026-01-01T09:59:59+00:00", "2026-01-01"),
]


@pytest.mark.parametrize(("zone", "typed", "stored", "shown"), TRANSITIONS)
def test_transition_days(cli: Cli, zone: str, typed: str, stored: str, shown: str) -> None:
    code, stdout, stderr = _in(zone, cli, "add", "t", "-d", typed, "-f", "json")
    assert code == 0, stderr
    task = json.loads(stdout)
    assert datetime.fromisoformat(task["due"]) == datetime.fromisoformat(stored)
    listed = _in(zone, cli, "list")[1]
    assert f" {shown}" in listed, listed
    code, stdout, _ = _in(zone, cli, "list", "--due-before", typed, "-f", "ids")
    assert stdout.split() == [str(task["id"])], "--due-before reads the date the same way"
