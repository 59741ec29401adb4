"""``db downgrade`` on PostgreSQL keeps no backup, so it asks first.

On a terminal it names the revisions it will revert and waits for yes;
without a terminal it refuses (exit 2) unless ``--yes``. SQLite, which backs
the file up first, accepts ``--yes`` too and needs no question.
"""

from __future__ import annotations

import os
import pty
import subprocess
import sys
import time

import pytest
from support import REPO_ROOT, SUBPROCESS_TIMEOUT, Cli, error_line

pytestmark = pytest.mark.parametrize("backend", ["postgresql"])


def test_downgrade_without_a_terminal_needs_yes(blank_db_url: str) -> None:
    cli = Cli(url=blank_db_url, env={})
    cli.ok("db", "upgrade")
    line = error_line(cli.fails(2, "db", "downgrade", "base"))
    assert "pass --yes" in line
    assert "0003" in line
    assert "0001" in line
    assert cli.ok("db", "current").stdout.strip().endswith("(head)")
    cli.ok("db", "downgrade", "base", "--yes")
    assert cli.ok("db", "current").stdout.strip() == ""


def test_downgrade_on_a_terminal_asks_and_no_changes_nothing(blank_db_url: str) -> None:
    cli = Cli(url=blank_db_url, env={})
    cli.ok("db", "upgrade")
    primary, secondary = pty.openpty()
    process = subprocess.Popen(
        [sys.executable, "-m", "taskcli", "db", "downgrade", "0002"],
        env={**os.environ, "PYTHONPATH": str(REPO_ROOT), "TASKCLI_DATABASE_URL": blank_db_url},
        stdin=secondary,
        stdout=subprocess.PIPE,
        stderr=secondary,
        text=True,
    )
    os.close(secondary)
    question = b""
    deadline = time.monotonic() + SUBPROCESS_TIMEOUT
    while b"[y/N]" not in question and time.monotonic() < deadline:
        question += os.read(primary, 4096)
    assert b"0003" in question, question
    os.write(primary, b"n\n")
    process.communicate(timeout=SUBPROCESS_TIMEOUT)
    os.close(primary)
    assert process.returncode == 0
    assert cli.ok("db", "current").stdout.strip().endswith("(head)")
