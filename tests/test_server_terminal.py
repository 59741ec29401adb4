"""A person at a terminal sees the same through the server: colours, width, prompts, Ctrl-C."""

from __future__ import annotations

import fcntl
import os
import pty
import re
import select
import struct
import subprocess
import sys
import termios
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from serverhelpers import ServerHome, server_home
from support import REPO_ROOT, dump
from taskhelpers import run_in_terminal, run_interactive

pytestmark = pytest.mark.skipif(sys.platform != "linux", reason="the server needs Linux")
OFF = {"TASKCLI_SERVER": "0"}


@pytest.fixture
def home(tmp_path: Path, db_url: str) -> Iterator[ServerHome]:
    with server_home(tmp_path) as created:
        created.env["TASKCLI_DATABASE_URL"] = db_url
        created.start()
        yield created


@pytest.mark.parametrize("columns", [60, 160])
def test_colours_and_width_match_in_process(home: ServerHome, columns: int) -> None:
    for title in ("a fairly long title that has to wrap on a narrow terminal", "short"):
        assert home.run("add", title, "-P", "high", "-t", "work").returncode == 0
    before = home.served()
    served = run_in_terminal(["list"], env=home.env, columns=columns)
    assert home.served() == before + 2
    alone = run_in_terminal(["list"], env={**home.env, **OFF}, columns=columns)
    assert served == alone
    assert "\x1b[" in served.stdout  # coloured: stdout is a terminal
    plain = re.sub(r"\x1b\[[0-9;]*m", "", served.stdout)
    assert max(len(line) for line in plain.split("\r\n")) <= columns  # fitted to the terminal


@pytest.mark.parametrize("answer", ["y", "n"])
def test_rm_prompt_is_answered_at_the_terminal(home: ServerHome, db_url: str, answer: str) -> None:
    home.run("add", "doomed")
    before = home.served()
    output = run_interactive(("rm", "1"), env=home.env, answer=answer)
    assert home.served() == before + 2
    remaining = home.run("list", "-f", "ids", env=OFF).stdout
    assert remaining == ("" if answer == "y" else "1\n"), output


def _interrupted_on_a_terminal(env: dict[str, str]) -> tuple[int, bytes]:
    """Start ``add`` on a pseudo-terminal it controls, press Ctrl-C once it is mid-transaction."""
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 100, 0, 0))

    def take_terminal() -> None:
        fcntl.ioctl(0, termios.TIOCSCTTY, 0)

    process = subprocess.Popen(
        [sys.executable, "-m", "taskcli", "add", "never"],
        stdin=slave,
        stdout=slave,
        stderr=slave,
        start_new_session=True,
        preexec_fn=take_terminal,
        env={
            **os.environ,
            "PYTHONPATH": str(REPO_ROOT),
            "TERM": "xterm-256color",
            **env,
            "TASKCLI_TESTING": "1",
            "TASKCLI_TEST_PAUSE_BEFORE_COMMIT": "60",
        },
    )
    os.close(slave)
    shown = b""
    deadline = time.monotonic() + 60
    pressed = False
    try:
        while time.monotonic() < deadline:
            if not pressed and b"paused before commit" in shown:
                os.write(master, b"\x03")
                pressed = True
            ready, _, _ = select.select([master], [], [], 0.5)
            if not ready:
                if process.poll() is not None:
                    break
                continue
            try:
                data = os.read(master, 65536)
            except OSError:
                break
            if not data:
                break
            shown += data
        return process.wait(timeout=60), shown
    finally:
        os.close(master)
        if process.poll() is None:
            process.kill()
            process.wait()


def test_ctrl_c_is_130_and_writes_nothing(home: ServerHome, db_url: str) -> None:
    assert home.run("add", "kept").returncode == 0  # the database exists before either run
    before = dump(db_url)
    served = home.served()
    code, shown = _interrupted_on_a_terminal(home.env)
    assert home.served() == served + 2
    assert dump(db_url) == before
    alone_code, alone_shown = _interrupted_on_a_terminal({**home.env, **OFF})
    assert (code, shown) == (alone_code, alone_shown)
    assert code == 130
    assert dump(db_url) == before
