"""The server: import the stack once, then fork a process per command.

``python -m taskcli.server.daemon`` (started detached by the client or by
``taskcli server start``). Before forking it never opens a database, starts a
thread or an event loop: each child starts from a clean, single-threaded
copy. Per connection a short-lived worker checks nothing is half-received,
applies the caller's environment, cwd, umask and fds, forks the command's
process, tells the client its pid (only then does the command begin, so a
command is never run twice), waits for it and reports its exit status. If
the client goes away (killed), the command is killed too, as it would be
in-process.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import select
import signal
import socket
import sys
import time
from pathlib import Path
from typing import Any

from taskcli.server import protocol
from taskcli.server.paths import (
    installation_key,
    lock_path,
    log_path,
    socket_directory,
    socket_path,
)

ENV_IDLE = "TASKCLI_SERVER_IDLE"
DEFAULT_IDLE = 600.0
CHECK_INTERVAL = 2.0  # seconds between checks for idleness, a removed socket, an upgrade
REQUEST_TIMEOUT = 10.0  # a connected client must send its request within this


def idle_timeout(environ: Any = os.environ) -> float:
    try:
        value = float(environ.get(ENV_IDLE, ""))
    except ValueError:
        return DEFAULT_IDLE
    return value if value > 0 else DEFAULT_IDLE


def log(message: str) -> None:
    """One line in the server's log (the server has no terminal)."""
    try:
        path = log_path()
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        stamp = time.strftime("%Y-%m-%dT%H:%M:%S")
        with open(path, "a", encoding="utf-8", opener=_private) as file:
            file.write(f"{stamp} [{os.getpid()}] {message}\n")
    except OSError:
        pass


def _private(path: str, flags: int) -> int:
    return os.open(path, flags, 0o600)


def main() -> None:
    """Become the server for this installation, unless another already is."""
    directory = socket_directory()
    key = installation_key()
    lock = os.open(lock_path(directory, key), os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
    try:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        return  # another server of this installation is running or starting
    preload()
    path = socket_path(directory, key)
    server = Server(path, key, lock, idle_timeout())
    log(f"started, socket {path}")
    try:
        server.serve()
    finally:
        server.close()
        log(f"stopped ({server.reason})")


def preload() -> None:
    """Import the whole stack and build the command tree, once, for every child to share."""
    import asyncio  # noqa: F401

    import aiosqlite  # noqa: F401
    import asyncpg  # type: ignore[import-untyped]  # noqa: F401
    import rich.console
    import rich.progress  # noqa: F401
    import sqlalchemy.dialects.postgresql.asyncpg
    import sqlalchemy.dialects.sqlite.aiosqlite
    import sqlalchemy.ext.asyncio  # noqa: F401
    import typer.main

    import taskcli.cli._output
    import taskcli.db.engine
    import taskcli.db.errors
    import taskcli.db.migrate
    import taskcli.db.schema
    import taskcli.layout
    import taskcli.render
    import taskcli.render_journal
    import taskcli.render_rich
    import taskcli.services.bulk
    import taskcli.services.detail
    import taskcli.services.history
    import taskcli.services.journal
    import taskcli.services.reading
    import taskcli.services.transfer
    import taskcli.services.writing  # noqa: F401
    from taskcli.cli import app, load_all_commands

    load_all_commands()  # the lazy group would import a command's module in every child
    built = typer.main.get_command(app)
    build = typer.main.get_command

    def get_command(typer_instance: typer.Typer) -> Any:
        # Typer rebuilds the Click tree (and its pydantic adapters) on every call.
        return built if typer_instance is app else build(typer_instance)

    typer.main.get_command = get_command


class Server:
    """The accept loop: one forked worker per connection, checks between them."""

    def __init__(self, path: Path, key: str, lock: int, idle: float) -> None:
        self.path, self.key, self.lock, self.idle = path, key, lock, idle
        self.workers: set[int] = set()
        self.served = 0  # connections accepted: ``server status`` reports it
        self.reason = "signal"
        self.listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.path.unlink(missing_ok=True)  # a dead server's leftover: we hold the lock
        previous = os.umask(0o177)
        try:
            self.listener.bind(str(self.path))
        finally:
            os.umask(previous)
        self.inode = os.stat(self.path).st_ino
        self.listener.listen(64)
        self.listener.settimeout(CHECK_INTERVAL)
        self.last_request = time.monotonic()
        signal.signal(signal.SIGTERM, _stop)
        signal.signal(signal.SIGHUP, _stop)
        signal.signal(signal.SIGINT, _stop)

    def serve(self) -> None:
        while (reason := self.stop_reason()) is None:
            try:
                connection, _ = self.listener.accept()
            except TimeoutError:
                continue
            self.last_request = time.monotonic()
            self.served += 1
            with connection:
                if peer_uid(connection) != os.getuid():
                    log("refused a connection from another user")
                    continue
                self.fork_worker(connection)
        self.reason = reason

    def stop_reason(self) -> str | None:
        self.reap()
        try:
            if os.stat(self.path).st_ino != self.inode:
                return "socket replaced"
        except OSError:
            return "socket removed"
        if not self.workers and time.monotonic() - self.last_request > self.idle:
            return "idle"
        if installation_key() != self.key:
            return "installation changed"
        return None

    def reap(self) -> None:
        for pid in list(self.workers):
            try:
                done, _ = os.waitpid(pid, os.WNOHANG)
            except ChildProcessError:
                done = pid
            if done:
                self.workers.discard(pid)

    def fork_worker(self, connection: socket.socket) -> None:
        pid = os.fork()
        if pid:
            self.workers.add(pid)
            return
        try:
            _reset_signals()
            self.listener.close()
            os.close(self.lock)
            Worker(connection, self.served - 1).handle()
        except BaseException as error:  # the worker must never return into the loop
            log(f"worker failed: {type(error).__name__}: {error}")
        os._exit(0)

    def close(self) -> None:
        self.listener.close()
        try:
            if os.stat(self.path).st_ino == self.inode:
                self.path.unlink()
        except OSError:
            pass


def _stop(_signum: int, _frame: object) -> None:
    raise SystemExit(0)


def _reset_signals() -> None:
    signal.signal(signal.SIGINT, signal.default_int_handler)
    for signum in (signal.SIGTERM, signal.SIGHUP, signal.SIGWINCH, signal.SIGCHLD):
        signal.signal(signum, signal.SIG_DFL)


def peer_uid(connection: socket.socket) -> int:
    """The connecting process's uid, from the kernel (SO_PEERCRED: pid, uid, gid)."""
    import struct

    raw = connection.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, struct.calcsize("3i"))
    _pid, uid, _gid = struct.unpack("3i", raw)
    return int(uid)


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


if __name__ == "__main__":
    main()
