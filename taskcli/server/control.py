"""``taskcli server start|stop|status``: find, start and stop this installation's server."""

from __future__ import annotations

import os
import socket
import time
from dataclasses import dataclass
from pathlib import Path

from taskcli.errors import DatabaseUnreachable, UsageError
from taskcli.server import protocol
from taskcli.server.client import enabled, spawn_daemon, supported
from taskcli.server.paths import installation_key, log_path, socket_directory, socket_path

START_TIMEOUT = 60.0  # importing the stack on a loaded machine
STOP_TIMEOUT = 30.0


@dataclass(frozen=True)
class ServerState:
    """What ``server status`` reports."""

    pid: int | None
    served: int  # commands (and status requests) served so far
    socket: Path
    log: Path


def current_socket() -> Path:
    if not supported():
        raise UsageError("the command server needs Linux (fork and UNIX socket credentials)")
    try:
        return socket_path(socket_directory(), installation_key())
    except OSError as error:
        raise DatabaseUnreachable(f"cannot use the server's socket directory: {error}") from None


def status() -> ServerState:
    path = current_socket()
    pid, served = _ask(path, "status")
    return ServerState(pid=pid, served=served, socket=path, log=log_path())


def start() -> tuple[ServerState, bool]:
    """Start a server unless one answers; (state, whether this call started it)."""
    if not enabled():
        raise UsageError(
            "the command server is turned off "
            "(TASKCLI_SERVER=0, or server = false in the config file)"
        )
    state = status()
    if state.pid is not None:
        return state, False
    spawn_daemon()
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        time.sleep(0.05)
        pid, served = _ask(state.socket, "status")
        if pid is not None:
            return ServerState(pid, served, state.socket, state.log), True
    raise DatabaseUnreachable(f"the taskcli server did not start; see {state.log}")


def stop() -> int | None:
    """Stop the server if one runs; its pid, or None if none was running."""
    path = current_socket()
    pid, _ = _ask(path, "stop")
    if pid is None:
        return None
    deadline = time.monotonic() + STOP_TIMEOUT
    while (path.exists() or _alive(pid)) and time.monotonic() < deadline:
        time.sleep(0.05)
    return pid


def _alive(pid: int) -> bool:
    """True while the process runs: "stopped" is said only once it has exited.

    A zombie (exited, not yet reaped by whoever adopted it) counts as gone.
    """
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:
        with open(f"/proc/{pid}/stat", "rb") as stat:
            return stat.read().rsplit(b") ", 1)[-1][:1] != b"Z"
    except OSError:
        return True


def _ask(path: Path, op: str) -> tuple[int | None, int]:
    """The server's pid and count of requests served, or (None, 0) if nothing answers."""
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
        sock.settimeout(10)
        try:
            sock.connect(str(path))
            protocol.send(sock, {"op": op})
            reply, _ = protocol.receive(sock)
        except OSError:
            return None, 0
    pid, served = reply.get("pid"), reply.get("served")
    if not isinstance(pid, int) or not isinstance(served, int):
        return None, 0
    return pid, served
