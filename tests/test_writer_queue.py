"""SQLite writers take turns through ``tasks.db.lock``; readers never wait on it.

Also: a SQLite file that cannot be written is named with the reason.
"""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from support import Cli, error_line, run_subprocess

pytestmark = pytest.mark.parametrize("backend", ["sqlite"])

HOLD_QUEUE = """
import fcntl, os, sys, time
descriptor = os.open(sys.argv[1], os.O_RDWR | os.O_CREAT, 0o600)
fcntl.flock(descriptor, fcntl.LOCK_EX)
print("held", flush=True)
time.sleep(float(sys.argv[2]))
"""


def _database(db_url: str) -> Path:
    return Path(db_url.removeprefix("sqlite:///"))


@contextmanager
def _queue_held(database: Path, seconds: float) -> Iterator[None]:
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD_QUEUE, f"{database}.lock", str(seconds)],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert holder.stdout is not None
    assert holder.stdout.readline() == "held\n"
    try:
        yield
    finally:
        holder.kill()
        holder.communicate(timeout=60)


def test_the_lock_file_is_private(cli: Cli, db_url: str) -> None:
    cli.ok("add", "x")
    lock = Path(f"{_database(db_url)}.lock")
    assert stat.S_ISREG(lock.lstat().st_mode)
    assert stat.S_IMODE(lock.stat().st_mode) == 0o600


def test_a_writer_waits_its_turn_within_the_lock_timeout(cli: Cli, db_url: str) -> None:
    cli.ok("add", "existing")
    with _queue_held(_database(db_url), 30):
        started = time.monotonic()
        result = run_subprocess(
            ["add", "queued"], env={"TASKCLI_DATABASE_URL": db_url, "TASKCLI_LOCK_TIMEOUT": "1"}
        )
        elapsed = time.monotonic() - started
    assert result.returncode == 3, result.stderr
    assert result.stderr == "Error: database is busy (locked by another process for more than 1s)\n"
    assert elapsed >= 0.9
    assert cli.ok("list", "-f", "ids").stdout == "1\n"


def test_a_writer_gets_its_turn_when_the_holder_is_done(cli: Cli, db_url: str) -> None:
    cli.ok("list")
    with _queue_held(_database(db_url), 1.5):
        started = time.monotonic()
        result = run_subprocess(
            ["add", "patient", "-q"],
            env={"TASKCLI_DATABASE_URL": db_url, "TASKCLI_LOCK_TIMEOUT": "60"},
        )
        elapsed = time.monotonic() - started
    assert result.returncode == 0, result.stderr
    assert result.stdout == "1\n"
    assert elapsed >= 1.0


def test_readers_do_not_queue(cli: Cli, db_url: str) -> None:
    cli.ok("add", "visible")
    with _queue_held(_database(db_url), 30):
        result = run_subprocess(
            ["list", "-f", "ids"], env={"TASKCLI_DATABASE_URL": db_url, "TASKCLI_LOCK_TIMEOUT": "1"}
        )
    assert result.returncode == 0, result.stderr
    assert result.stdout == "1\n"


@pytest.mark.parametrize("kind", ["directory", "symlink"])
def test_an_unusable_lock_file_falls_back_to_the_busy_timeout(
    cli: Cli, db_url: str, tmp_path: Path, kind: str
) -> None:
    cli.ok("list")
    lock = Path(f"{_database(db_url)}.lock")
    lock.unlink(missing_ok=True)
    if kind == "directory":
        lock.mkdir()
    else:
        lock.symlink_to(tmp_path / "elsewhere")
    cli.ok("add", "still works")
    assert not (tmp_path / "elsewhere").exists()
    assert cli.ok("list", "-f", "ids").stdout == "1\n"


def test_a_read_only_file_is_named_with_the_reason(cli: Cli, db_url: str) -> None:
    cli.ok("add", "kept")
    database = _database(db_url)
    if os.geteuid() == 0:
        chattr = shutil.which("chattr")
        if chattr is None or subprocess.run([chattr, "+i", str(database)]).returncode != 0:
            pytest.skip("root ignores file modes and chattr +i is not available here")
        undo = [chattr, "-i", str(database)]
    else:
        database.chmod(0o400)
        undo = ["chmod", "600", str(database)]
    try:
        result = cli.fails(3, "add", "refused")
    finally:
        subprocess.run(undo, check=True)
    assert error_line(result) == (
        f"Error: cannot write database {database}: read-only (permission denied on the file)"
    )
    assert cli.ok("list", "-f", "ids").stdout == "1\n"
