"""Signals: what the user is told matches what the database kept.

Ctrl-C or SIGTERM after COMMIT never says "no changes were made": the
command finishes and prints what it did. Only an interrupt before the commit
rolls back and says so. A signal during ``export -o`` leaves no temporary
file; Ctrl-C while starting up is no traceback. Test hooks (``TASKCLI_TESTING=1``)
pause the process at the moment under test and announce it on stderr.
"""

from __future__ import annotations

import os
import signal
import subprocess
import time
from pathlib import Path

import pytest
from support import SUBPROCESS_TIMEOUT, Cli, dump, start_subprocess

LINES = 3_000


def _signal_at(process: subprocess.Popen[str], marker: str, number: int) -> tuple[str, str]:
    assert process.stderr is not None
    line = process.stderr.readline()
    assert line.strip() == f"taskcli-test: {marker}", line
    process.send_signal(number)
    return process.communicate(timeout=SUBPROCESS_TIMEOUT)


def _titles() -> str:
    return "".join(f"task {n}\n" for n in range(LINES))


@pytest.mark.parametrize("number", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_signal_after_commit_reports_success(db_url: str, number: int) -> None:
    """The rows are committed, so the ids are printed and the exit is 0."""
    process = start_subprocess(
        db_url, ["add", "-", "-q"], hook="TASKCLI_TEST_PAUSE_AFTER_COMMIT", stdin=_titles()
    )
    stdout, stderr = _signal_at(process, "paused after commit", number)
    assert process.returncode == 0, stderr
    assert "no changes were made" not in stderr
    assert stderr == ""
    assert len(stdout.split()) == LINES
    assert len(dump(db_url)["task"]) == LINES


def test_ctrl_c_before_commit_rolls_back_and_says_so(db_url: str) -> None:
    Cli(url=db_url, env={}).ok("list")  # the schema exists before the interrupted command
    process = start_subprocess(
        db_url, ["add", "-", "-q"], hook="TASKCLI_TEST_PAUSE_BEFORE_COMMIT", stdin=_titles()
    )
    stdout, stderr = _signal_at(process, "paused before commit", signal.SIGINT)
    assert process.returncode == 130, stderr
    assert stderr == "Error: interrupted; no changes were made\n"
    assert stdout == ""
    assert dump(db_url)["task"] == []


@pytest.mark.parametrize("number", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_signal_during_export_leaves_no_temporary_file(
    db_url: str, tmp_path: Path, number: int
) -> None:
    Cli(url=db_url, env={}).ok("add", "-", input=_titles())
    folder = tmp_path / "exports"
    folder.mkdir()
    target = folder / "tasks.json"
    target.write_text("previous", encoding="utf-8")
    process = start_subprocess(
        db_url, ["export", "-o", str(target)], hook="TASKCLI_TEST_PAUSE_IN_READ"
    )
    _, stderr = _signal_at(process, "paused in read", number)
    # Through the command server the client exits 128+N for a command killed by N.
    assert process.returncode in (-number, 128 + number, 130), stderr
    assert "Traceback" not in stderr
    assert sorted(os.listdir(folder)) == ["tasks.json"]
    assert target.read_text(encoding="utf-8") == "previous"


def test_ctrl_c_while_starting_up_prints_no_traceback(tmp_path: Path) -> None:
    """Interrupts at several moments of start-up: exit 130 (or death by SIGINT), no traceback."""
    url = f"sqlite:///{tmp_path / 'tasks.db'}"
    for delay in (0.05, 0.1, 0.15, 0.2, 0.3, 0.4):
        process = start_subprocess(url, ["list"])
        time.sleep(delay)
        process.send_signal(signal.SIGINT)
        _, stderr = process.communicate(timeout=SUBPROCESS_TIMEOUT)
        if stderr.startswith(("Fatal Python error", "Could not import runpy module")):
            continue  # the interpreter itself was not up yet: nothing of taskcli ran
        assert "Traceback" not in stderr, (delay, stderr)
        assert process.returncode in (0, 130, -signal.SIGINT), (delay, stderr)
        assert len(stderr.splitlines()) <= 1, stderr
