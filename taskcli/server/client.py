"""The client: hand this command to a running server, or let it run here.

Standard library only, imported by every ``taskcli`` process. If a server
for this user and installation answers, it receives argv, cwd, the
environment, the umask and fds 0-2; signals the terminal sends us are
forwarded to the command's process (Ctrl-Z stops it with us), and we exit
with its status. If none
answers, the command runs in-process as before and a server is started in
the background for the next one. Once the server has said the command
started, it is never run a second time, whatever happens.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import sys
from pathlib import Path
from typing import Any

from taskcli.server import protocol
from taskcli.server.paths import installation_key, lock_path, socket_directory, socket_path

ENV_SERVER = "TASKCLI_SERVER"
EXIT_DATABASE = 3
FORWARDED = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP, signal.SIGWINCH)
STOPPED_DURING_COMMAND = (
    "Error: the taskcli server stopped during the command; it was not run again "
    "(its changes were saved entirely or not at all: see taskcli log)"
)
# True in a command's process forked by the server: the command runs right here.
SERVED = False


def enabled(environ: Any = os.environ) -> bool:
    """``TASKCLI_SERVER=0`` (or off/false/no) turns the server off entirely.

    Without the variable, ``server = false`` in the config file does the same.
    """
    value = str(environ.get(ENV_SERVER, "")).strip().lower()
    if value:
        return value not in ("0", "off", "false", "no")
    from taskcli.config_file import server_enabled

    return server_enabled(environ) is not False


def supported() -> bool:
    """fork, UNIX sockets passing fds and peer credentials: Linux, not Windows or macOS."""
    return hasattr(os, "fork") and hasattr(socket, "SO_PEERCRED") and hasattr(socket, "send_fds")


def hand_over(args: list[str]) -> None:
    """Run ``taskcli ARGS`` on the server and exit with its status; return to run it here."""
    if SERVED or not enabled() or not supported() or args[:1] == ["server"]:
        return
    try:
        directory = socket_directory()
        key = installation_key()
    except OSError:
        return
    forwarder = _Forwarder()
    code = forwarder.run(socket_path(directory, key), args)
    if code is None:
        if interrupted := forwarder.fatal_signal():
            os._exit(128 + interrupted)  # interrupted before anything ran
        forwarder.restore()
        start_in_background(directory, key)
        return
    os._exit(code)


class _Forwarder:
    """Talks to the server for one command, forwarding our signals to its process."""

    def __init__(self) -> None:
        self.child = 0
        self.pending: list[int] = []
        self.previous = {signum: signal.signal(signum, self._forward) for signum in FORWARDED}
        self.previous[signal.SIGTSTP] = signal.signal(signal.SIGTSTP, self._suspend)

    def _forward(self, signum: int, _frame: object) -> None:
        if self.child:
            with contextlib.suppress(OSError):
                os.kill(self.child, signum)
        else:
            self.pending.append(signum)

    def _suspend(self, signum: int, _frame: object) -> None:
        """Ctrl-Z: stop the command's process, then ourselves; ``fg``/``bg`` resume both.

        The command's process group (the server's, in its own session) is
        orphaned, so the kernel would discard a SIGTSTP sent to it: it gets SIGSTOP.
        """
        if not self.child:
            self.pending.append(signum)  # acted on as soon as the command has started
            return
        with contextlib.suppress(OSError):
            os.kill(self.child, signal.SIGSTOP)
        signal.signal(signal.SIGTSTP, signal.SIG_DFL)
        os.kill(os.getpid(), signal.SIGTSTP)  # stops here until SIGCONT
        signal.signal(signal.SIGTSTP, self._suspend)
        with contextlib.suppress(OSError):
            os.kill(self.child, signal.SIGCONT)

    def fatal_signal(self) -> int:
        harmless = (signal.SIGWINCH, signal.SIGTSTP)
        return next((s for s in self.pending if s not in harmless), 0)

    def restore(self) -> None:
        for signum, handler in self.previous.items():
            signal.signal(signum, handler)

    def run(self, path: Path, args: list[str]) -> int | None:
        """The command's exit status, or None if the server never started it."""
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
            try:
                sock.connect(str(path))
                protocol.send(sock, request(args), [0, 1, 2])
                reply, _ = protocol.receive(sock)
            except (OSError, ValueError, AttributeError):
                return None
            if not isinstance(reply.get("started"), int):
                return None
            self.child = reply["started"]
            for signum in self.pending:
                if signum == signal.SIGTSTP:
                    self._suspend(signum, None)
                else:
                    self._forward(signum, None)
            try:
                reply, _ = protocol.receive(sock)
                return int(reply["exit"])
            except (OSError, KeyError, ValueError, TypeError):
                self._stop_orphan()
                sys.stderr.write(STOPPED_DURING_COMMAND + "\n")
                sys.stderr.flush()
                return EXIT_DATABASE

    def _stop_orphan(self) -> None:
        """The command's process may outlive its server: stop it, so it cannot commit later."""
        with contextlib.suppress(OSError):
            os.kill(self.child, signal.SIGKILL)


def request(args: list[str]) -> dict[str, Any]:
    """Everything the command's process needs to behave as if it were this one."""
    mask = os.umask(0o077)
    os.umask(mask)
    streams = []
    for stream in (sys.stdin, sys.stdout, sys.stderr):
        streams.append([stream.encoding, stream.errors, stream.line_buffering])
    return {
        "op": "run",
        "argv": [sys.argv[0], *args],
        "cwd": os.getcwd(),
        "env": dict(os.environ),
        "umask": mask,
        "streams": streams,
    }


def start_in_background(directory: Path, key: str) -> None:
    """Start a detached server for the next command, unless one is already starting."""
    import fcntl

    try:
        fd = os.open(lock_path(directory, key), os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
    except OSError:
        return
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        return  # a server holds it: running, or still importing
    finally:
        os.close(fd)
    spawn_daemon()


def spawn_daemon() -> int:
    """``python -m taskcli.server.daemon`` in its own session, stdio on /dev/null."""
    import subprocess

    process = subprocess.Popen(
        [sys.executable, "-m", "taskcli.server.daemon"],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
        cwd="/",
    )
    return process.pid
