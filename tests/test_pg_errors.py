"""PostgreSQL failures in the middle of a command are named for what they are.

A task deleted under a concurrent command, a statement the server cancelled
(statement timeout, administrator), a backend an administrator terminated,
a tiny lock timeout, and a slow reader of a streamed export.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Callable

import pytest
from support import REPO_ROOT, Cli, execute, run_subprocess
from taskhelpers import chain_forest, insert_tasks
from test_locking import _finish, _hold_lock

from taskcli.config import parse_database_url

pytestmark = pytest.mark.parametrize("backend", ["postgresql"])

WAIT_SECONDS = 120


def _spawn(url: str, *args: str, **env: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "taskcli", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={
            **os.environ,
            "PYTHONPATH": str(REPO_ROOT),
            "TASKCLI_DATABASE_URL": url,
            "TASKCLI_TESTING": "1",
            **env,
        },
    )


def _wait_until_paused(process: subprocess.Popen[str]) -> None:
    assert process.stderr is not None
    line = process.stderr.readline()
    assert line == "taskcli-test: paused before commit\n", line


def _our_backends(url: str, condition: str = "true") -> str:
    database = parse_database_url(url).database
    return (
        "FROM pg_stat_activity WHERE application_name = 'taskcli' "
        f"AND datname = '{database}' AND pid <> pg_backend_pid() AND {condition}"
    )


def _wait_for_backend(url: str, condition: str) -> None:
    deadline = time.monotonic() + WAIT_SECONDS
    while time.monotonic() < deadline:
        [[(count,)]] = execute(url, f"SELECT count(*) {_our_backends(url, condition)}")
        if count:
            return
        time.sleep(0.2)
    raise AssertionError("the command never reached the server")


def _admin(url: str, function: str, condition: str = "true") -> None:
    [[(count,)]] = execute(url, f"SELECT count({function}(pid)) {_our_backends(url, condition)}")
    assert count == 1


def _finish_command(process: subprocess.Popen[str]) -> tuple[int, str, str]:
    stdout, stderr = process.communicate(timeout=WAIT_SECONDS)
    return process.returncode, stdout, stderr


@pytest.mark.parametrize(
    "command",
    [
        ("add", "child", "--parent", "{p}"),
        ("move", "{other}", "--parent", "{p}"),
        ("edit", "{p}", "--title", "renamed", "--tag", "fresh"),
    ],
)
def test_a_task_deleted_by_a_concurrent_rm_is_exit_1(
    cli: Cli, db_url: str, command: tuple[str, ...]
) -> None:
    """``rm P`` commits while another command waits to link to P: exit 1, nothing changed."""
    parent = cli.ok("add", "parent", "-q").stdout.strip()
    other = cli.ok("add", "other", "-q").stdout.strip()
    remover = _spawn(db_url, "rm", parent, "-y", TASKCLI_TEST_PAUSE_BEFORE_COMMIT="4")
    _wait_until_paused(remover)
    args = [part.format(p=parent, other=other) for part in command]
    racer = _spawn(db_url, *args)
    assert _finish_command(remover)[0] == 0
    code, stdout, stderr = _finish_command(racer)
    assert (code, stdout) in ((1, ""),), stderr
    assert stderr in (
        f"Error: task {parent} no longer exists (another command deleted it)\n",
        f"Error: no task {parent}\n",
    )
    listed = json.loads(cli.ok("list", "--status", "all", "-f", "json").stdout)
    assert [(t["id"], t["title"], t["parent_id"]) for t in listed] == [(int(other), "other", None)]


def test_an_administrator_cancel_is_named(cli: Cli, db_url: str) -> None:
    cli.ok("add", "existing")
    holder = _hold_lock(db_url, 60)
    try:
        waiting = _spawn(db_url, "add", "blocked", TASKCLI_LOCK_TIMEOUT="60")
        _wait_for_backend(db_url, "wait_event_type = 'Lock'")
        _admin(db_url, "pg_cancel_backend")
        code, stdout, stderr = _finish_command(waiting)
    finally:
        holder.kill()
        _finish(holder)
    assert (code, stdout) == (3, "")
    assert stderr == (
        "Error: the server cancelled the statement: "
        "cancelled by an administrator or another session\n"
    )


def test_a_statement_timeout_is_not_a_lock_wait(
    pg_database_factory: Callable[[], str], backend: str
) -> None:
    url = pg_database_factory()
    cli = Cli(url=url, env={})
    cli.ok("db", "upgrade")
    cli.ok("add", "existing")
    database = parse_database_url(url).database
    execute(url, f"ALTER DATABASE \"{database}\" SET statement_timeout = '1s'")
    holder = _hold_lock(url, 60)
    try:
        result = run_subprocess(
            ["add", "blocked"], env={"TASKCLI_DATABASE_URL": url, "TASKCLI_LOCK_TIMEOUT": "30"}
        )
    finally:
        holder.kill()
        _finish(holder)
    assert result.returncode == 3, result.stderr
    assert result.stderr == "Error: the server cancelled the statement: statement timeout\n"


def test_a_terminated_backend_is_a_closed_connection(cli: Cli, db_url: str) -> None:
    waiting = _spawn(db_url, "add", "doomed", TASKCLI_TEST_PAUSE_BEFORE_COMMIT="3")
    _wait_until_paused(waiting)
    _admin(db_url, "pg_terminate_backend")
    code, stdout, stderr = _finish_command(waiting)
    assert (code, stdout) == (3, "")
    assert stderr.startswith("Error: the connection to "), stderr
    assert "was closed" in stderr
    assert "cannot connect" not in stderr
    assert cli.ok("list", "-f", "ids").stdout == ""


def test_a_sub_millisecond_lock_timeout_still_times_out(cli: Cli, db_url: str) -> None:
    """``lock_timeout = 0`` would mean "wait forever": the value is at least 1 ms."""
    cli.ok("add", "existing")
    holder = _hold_lock(db_url, 30)
    try:
        result = run_subprocess(
            ["add", "blocked"],
            env={"TASKCLI_DATABASE_URL": db_url, "TASKCLI_LOCK_TIMEOUT": "0.0005"},
            timeout=25,
        )
    finally:
        holder.kill()
        _finish(holder)
    assert result.returncode == 3, result.stderr
    assert "database is busy" in result.stderr


IDLE_KNOB = {"TASKCLI_TEST_IDLE_IN_TRANSACTION_TIMEOUT_MS": "1000"}


def test_a_slow_reader_of_export_gets_everything(cli: Cli, db_url: str) -> None:
    """The reader pauses longer than the idle-in-transaction timeout; the export survives."""
    insert_tasks(db_url, chain_forest(8000, 3))
    with _spawn(db_url, "export", **IDLE_KNOB) as export:
        assert export.stdout is not None
        assert export.stderr is not None
        first = export.stdout.read(1024)
        time.sleep(4)
        rest = export.stdout.read()
        stderr = export.stderr.read()
    assert export.returncode == 0, stderr
    assert stderr == ""
    assert len(json.loads(first + rest)["tasks"]) == 8000


def test_an_idle_writer_is_still_cut_off(cli: Cli, db_url: str) -> None:
    """The same knob ends a writer that sits idle in its transaction (the timeout is live)."""
    writer = _spawn(db_url, "add", "idle", TASKCLI_TEST_PAUSE_BEFORE_COMMIT="4", **IDLE_KNOB)
    code, stdout, stderr = _finish_command(writer)
    assert (code, stdout) == (3, "")
    assert "was closed" in stderr
    assert cli.ok("list", "-f", "ids").stdout == ""
