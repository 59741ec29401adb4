"""A private command server for one test: its own runtime and state directories."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import tempfile
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path

from support import run_subprocess

from taskcli.server.control import _ask
from taskcli.server.paths import installation_key, socket_directory, socket_path

WAIT = 60.0  # seconds; sized for a machine at load 20


@dataclass
class ServerHome:
    """The environment that points ``taskcli`` at this test's server directory."""

    runtime_dir: Path
    state_dir: Path
    env: dict[str, str] = field(default_factory=dict)

    def socket(self, env: Mapping[str, str] | None = None) -> Path:
        merged = {**os.environ, **self.env, **(env or {})}
        return socket_path(socket_directory(merged), installation_key(merged))

    def status(self, env: Mapping[str, str] | None = None) -> tuple[int | None, int]:
        """(pid, requests served) of the server answering, or (None, 0)."""
        return _ask(self.socket(env), "status")

    def run(
        self, *args: str, input: str | None = None, env: Mapping[str, str] | None = None
    ) -> subprocess.CompletedProcess[str]:
        return run_subprocess(list(args), env={**self.env, **(env or {})}, input=input)

    def start(self, env: Mapping[str, str] | None = None) -> int:
        started = self.run("server", "start", env=env)
        assert started.returncode == 0, started.stderr
        pid, _ = self.status(env)
        assert pid is not None
        return pid

    def wait_for(self, predicate: object, what: str) -> None:
        deadline = time.monotonic() + WAIT
        while time.monotonic() < deadline:
            if predicate():  # type: ignore[operator]
                return
            time.sleep(0.05)
        raise AssertionError(f"timed out waiting for {what}")

    def served(self) -> int:
        return self.status()[1]


def process_exists(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    with suppress(ChildProcessError):
        done, _ = os.waitpid(pid, os.WNOHANG)
        if done:
            return False
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().split(") ")[-1][:1] != "Z"
    except OSError:
        return False


@contextmanager
def server_home(tmp_path: Path) -> Iterator[ServerHome]:
    """A runtime directory (short, for the 108-byte socket path limit) and a state directory."""
    runtime_dir = Path(tempfile.mkdtemp(prefix="tc-"))
    state_dir = tmp_path / "state"
    home = ServerHome(
        runtime_dir,
        state_dir,
        {
            "XDG_RUNTIME_DIR": str(runtime_dir),
            "XDG_STATE_HOME": str(state_dir),
            "TASKCLI_SERVER": "1",
        },
    )
    try:
        yield home
    finally:
        for lock in runtime_dir.glob("taskcli/*.lock"):
            _kill_holder(lock)
        shutil.rmtree(runtime_dir, ignore_errors=True)


def _kill_holder(lock: Path) -> None:
    """Stop whatever server still holds this lock (a test may have started several)."""
    import fcntl

    fd = os.open(lock, os.O_RDWR)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        return
    except OSError:
        pass
    finally:
        os.close(fd)
    socket = lock.with_suffix(".sock")
    pid, _ = _ask(socket, "stop")
    if pid is not None:
        deadline = time.monotonic() + WAIT
        while process_exists(pid) and time.monotonic() < deadline:
            time.sleep(0.05)
        with suppress(OSError):
            os.kill(pid, signal.SIGKILL)
