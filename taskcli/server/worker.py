"""One connection to the server, in its own forked worker: the command's lifecycle.

Kept apart from the accept loop (``daemon``) because this is what changes with
the client's protocol: receive the request, become the caller (environment,
cwd, umask, fds), fork the command's process, tell the client its pid (only
then does the command begin, so a command is never run twice), wait for it
and report its exit status. If the client goes away (killed), the command is
killed too, as it would be in-process.
"""

from __future__ import annotations

import contextlib
import os
import select
import signal
import socket
import sys
import time
from typing import Any

from taskcli.server import protocol

REQUEST_TIMEOUT = 10.0  # a connected client must send its request within this
# Signals the client forwards that would interrupt the command's process.
HELD_UNTIL_STARTED = {signal.SIGINT, signal.SIGTERM, signal.SIGHUP}


class Worker:
    """One connection: receive, set up, fork the command, report how it ended."""

    def __init__(self, connection: socket.socket, served: int) -> None:
        self.connection, self.served = connection, served

    def handle(self) -> None:
        self.connection.settimeout(REQUEST_TIMEOUT)
        request, fds = protocol.receive(self.connection)
        self.connection.settimeout(None)
        op = request.get("op")
        server = os.getppid()
        if op == "status":
            protocol.send(self.connection, {"pid": server, "served": self.served})
        elif op == "stop" and server != 1:
            protocol.send(self.connection, {"pid": server, "served": self.served})
            os.kill(server, signal.SIGTERM)
        elif op == "run":
            self.run(request, fds)

    def run(self, request: dict[str, Any], fds: list[int]) -> None:
        try:
            adopt(request, fds)
        except Exception as error:
            protocol.send(self.connection, {"fallback": f"{type(error).__name__}: {error}"})
            return
        go_reader, go_writer = os.pipe()
        # The client forwards Ctrl-C as soon as it hears "started": held until the
        # command's process can report it (not inside CPython's after-fork hooks).
        signal.pthread_sigmask(signal.SIG_BLOCK, HELD_UNTIL_STARTED)
        child = os.fork()
        if child == 0:
            self.connection.close()
            os.close(go_writer)
            run_command(go_reader, request["argv"])
        signal.pthread_sigmask(signal.SIG_UNBLOCK, HELD_UNTIL_STARTED)
        os.close(go_reader)
        _detach_stdio()
        try:
            protocol.send(self.connection, {"started": child})
            os.write(go_writer, b"g")
        except OSError:
            pass  # the client is gone: the child sees the pipe close and never starts
        os.close(go_writer)
        code = self.wait(child)
        with contextlib.suppress(OSError):
            protocol.send(self.connection, {"exit": code})

    def wait(self, child: int) -> int:
        """The child's exit status as a shell reports it; kill it if the client dies."""
        watched = select.poll()
        watched.register(self.connection.fileno(), select.POLLIN | select.POLLHUP)
        pidfd = os.pidfd_open(child) if hasattr(os, "pidfd_open") else -1
        if pidfd >= 0:
            watched.register(pidfd, select.POLLIN)
        while True:
            done, status = os.waitpid(child, os.WNOHANG)
            if done:
                code = os.waitstatus_to_exitcode(status)
                return 128 - code if code < 0 else code
            for fd, _events in watched.poll(None if pidfd >= 0 else 50):
                if fd == self.connection.fileno():
                    # The client never writes after its request: this is its end.
                    os.kill(child, signal.SIGKILL)
                    watched.unregister(fd)


def adopt(request: dict[str, Any], fds: list[int]) -> None:
    """Become the caller: its fds 0-2, environment (with TZ), cwd, umask and std streams."""
    import io

    if len(fds) != 3:
        raise ValueError("expected the caller's fds 0, 1 and 2")
    os.chdir(request["cwd"])
    for target, fd in enumerate(fds):
        os.dup2(fd, target)
        os.close(fd)
    os.environ.clear()
    os.environ.update(request["env"])
    time.tzset()
    os.umask(int(request["umask"]))
    streams = []
    for fd, (encoding, errors, line_buffering) in enumerate(request["streams"]):
        raw = io.FileIO(fd, "rb" if fd == 0 else "wb", closefd=False)
        buffered: Any = io.BufferedReader(raw) if fd == 0 else io.BufferedWriter(raw)
        streams.append(
            io.TextIOWrapper(
                buffered, encoding=encoding, errors=errors, line_buffering=line_buffering
            )
        )
    sys.stdin, sys.stdout, sys.stderr = streams
    # Rich and shutil ask the original streams for the terminal's size.
    sys.__stdin__, sys.__stdout__, sys.__stderr__ = streams  # type: ignore[misc]


def _detach_stdio() -> None:
    """The worker keeps none of the caller's streams open (pipes end with the command)."""
    devnull = os.open(os.devnull, os.O_RDWR)
    for target in (0, 1, 2):
        os.dup2(devnull, target)
    os.close(devnull)


def run_command(go_reader: int, argv: list[str]) -> None:
    """In the command's process: wait for the go-ahead, then today's entry point."""
    if os.read(go_reader, 1) != b"g":
        os._exit(0)  # the worker died before the client knew we exist: never start
    os.close(go_reader)
    try:
        signal.pthread_sigmask(signal.SIG_UNBLOCK, HELD_UNTIL_STARTED)  # a held one lands here
        from taskcli.main import main as entry_point
        from taskcli.server import client
    except KeyboardInterrupt:  # Ctrl-C before anything ran, as in-process start-up says it
        sys.stderr.write("Error: interrupted; no changes were made\n")
        sys.stderr.flush()
        os._exit(130)
    client.SERVED = True
    sys.argv = list(argv)
    entry_point()
    os._exit(0)
