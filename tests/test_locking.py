"""A writer blocked by another process waits up to the lock timeout, then exits 3."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest
from support import Cli, error_line, run_subprocess

HOLD_SQLITE_LOCK = """
import sqlite3, sys, time
connection = sqlite3.connect(sys.argv[1], isolation_level=None)
connection.execute("BEGIN IMMEDIATE")
print("locked", flush=True)
sys.stdin.readline() if sys.argv[2] == "until-released" else time.sleep(float(sys.argv[2]))
connection.execute("COMMIT")
"""

HOLD_PG_LOCK = """
import asyncio, sys
import asyncpg
from taskcli.config import parse_database_url

async def main():
    url = parse_database_url(sys.argv[1])
    connection = await asyncpg.connect(
        user=url.username, host=url.host, port=url.port, database=url.database
    )
    transaction = connection.transaction()
    await transaction.start()
    await connection.execute("LOCK TABLE task IN ACCESS EXCLUSIVE MODE")
    print("locked", flush=True)
    if sys.argv[2] == "until-released":
        sys.stdin.readline()  # blocking the loop is fine: the lock stays held meanwhile
    else:
        await asyncio.sleep(float(sys.argv[2]))
    await transaction.rollback()
    await connection.close()

asyncio.run(main())
"""


def _hold_lock(db_url: str, seconds: float | None) -> subprocess.Popen[str]:
    """Hold the write lock for ``seconds``, or (None) until ``_finish`` releases it."""
    if db_url.startswith("sqlite"):
        script, target = HOLD_SQLITE_LOCK, db_url.removeprefix("sqlite:///")
    else:
        script, target = HOLD_PG_LOCK, db_url
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            script,
            target,
            "until-released" if seconds is None else str(seconds),
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={"PYTHONPATH": str(Path(__file__).resolve().parents[1]), "PATH": "/usr/bin:/bin"},
    )
    assert holder.stdout is not None
    assert holder.stdout.readline().strip() == "locked", (
        holder.stderr.read() if holder.stderr else ""
    )
    return holder


def _finish(holder: subprocess.Popen[str]) -> None:
    holder.communicate("release\n", timeout=60)


def test_writer_times_out_with_exit_3(cli: Cli, db_url: str) -> None:
    cli.ok("add", "existing")
    holder = _hold_lock(db_url, None)  # held until the blocked writer has given up
    try:
        started = time.monotonic()
        result = run_subprocess(
            ["add", "blocked"], env={"TASKCLI_DATABASE_URL": db_url, "TASKCLI_LOCK_TIMEOUT": "1"}
        )
        elapsed = time.monotonic() - started
    finally:
        _finish(holder)
    assert result.returncode == 3, result.stderr
    assert result.stdout == ""
    assert "database is busy" in result.stderr
    assert "Traceback" not in result.stderr
    assert elapsed >= 0.9  # it waited: an instant failure is the lock-upgrade deadlock
    assert [t for t in cli.ok("list", "-f", "ids").stdout.split()] == ["1"]


def test_writer_waits_for_a_short_lock(cli: Cli, db_url: str) -> None:
    cli.ok("list")
    holder = _hold_lock(db_url, 1.5)
    try:
        started = time.monotonic()
        result = run_subprocess(
            ["add", "patient", "-q"],
            env={"TASKCLI_DATABASE_URL": db_url, "TASKCLI_LOCK_TIMEOUT": "20"},
        )
        elapsed = time.monotonic() - started
    finally:
        _finish(holder)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "1"
    assert elapsed >= 1.0


@pytest.mark.parametrize("backend", ["sqlite"])
def test_readers_are_not_blocked_by_a_writer(cli: Cli, db_url: str) -> None:
    """WAL: a held write lock does not stop ``list``."""
    cli.ok("add", "visible")
    holder = _hold_lock(db_url, 4)
    try:
        result = run_subprocess(
            ["list", "-f", "ids"], env={"TASKCLI_DATABASE_URL": db_url, "TASKCLI_LOCK_TIMEOUT": "1"}
        )
    finally:
        _finish(holder)
    assert result.returncode == 0, result.stderr
    assert result.stdout == "1\n"


@pytest.mark.parametrize("value", ["0", "-2", "abc", "nan"])
def test_bad_lock_timeout_is_a_usage_error(cli: Cli, value: str) -> None:
    result = cli("list", env={"TASKCLI_LOCK_TIMEOUT": value})
    assert result.exit_code == 2
    assert "TASKCLI_LOCK_TIMEOUT" in error_line(result)
