"""The server: import the stack once, then fork a process per command.

``python -m taskcli.server.daemon`` (started detached by the client or by
``taskcli server start``). Before forking it never opens a database, starts a
thread or an event loop: each child starts from a clean, single-threaded
copy. This module owns the server's life (one per installation, the accept
loop, when to stop); each connection is a short-lived forked worker
(``worker``) that runs one command.
"""

from __future__ import annotations

import fcntl
import os
import signal
import socket
import time
from pathlib import Path
from typing import Any

from taskcli.server.paths import (
    installation_key,
    lock_path,
    log_path,
    socket_directory,
    socket_path,
)
from taskcli.server.worker import Worker

ENV_IDLE = "TASKCLI_SERVER_IDLE"
DEFAULT_IDLE = 600.0
CHECK_INTERVAL = 2.0  # seconds between checks for idleness, a removed socket, an upgrade


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


#: Imported by the server before any fork; a module missing here is imported
#: again in every child (a test lists any that commands use and this misses).
PRELOADED = (
    "asyncio",
    "aiosqlite",
    "asyncpg",
    "rich.console",
    "rich.progress",
    "sqlalchemy.dialects.postgresql.asyncpg",
    "sqlalchemy.dialects.sqlite.aiosqlite",
    "sqlalchemy.ext.asyncio",
    "taskcli.cli._human",
    "taskcli.cli._output",
    "taskcli.cli._usage",
    "taskcli.cli.bulk",
    "taskcli.db.engine",
    "taskcli.db.errors",
    "taskcli.db.migrate",
    "taskcli.db.schema",
    "taskcli.import_file",
    "taskcli.layout",
    "taskcli.layout_table",
    "taskcli.layout_tree",
    "taskcli.recurrence",
    "taskcli.render",
    "taskcli.render_journal",
    "taskcli.render_next",
    "taskcli.render_records",
    "taskcli.render_rich",
    "taskcli.render_time",
    "taskcli.services.annotations",
    "taskcli.services.blockers",
    "taskcli.services.bulk",
    "taskcli.services.completion",
    "taskcli.services.detail",
    "taskcli.services.forest",
    "taskcli.services.history",
    "taskcli.services.journal",
    "taskcli.services.journal_record",
    "taskcli.services.listing",
    "taskcli.services.ranking",
    "taskcli.services.reading",
    "taskcli.services.recurring",
    "taskcli.services.timing",
    "taskcli.services.transfer",
    "taskcli.services.transfer_links",
    "taskcli.services.writing",
)


def preload() -> None:
    """Import the whole stack and build the command tree, once, for every child to share."""
    import importlib

    for name in PRELOADED:
        importlib.import_module(name)
    _build_command_tree_once()
    from sqlalchemy.orm import configure_mappers

    configure_mappers()  # else each child configures them on its first ORM use
    import gc

    gc.freeze()  # children's collections then never touch (and copy) the shared objects


def _build_command_tree_once() -> None:
    """Load every command and build the Click tree now; Typer then returns that one tree."""
    import typer.main

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


if __name__ == "__main__":
    main()
