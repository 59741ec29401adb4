"""A stock PgBouncer in front of the test PostgreSQL, started and stopped by the tests.

Only what a team's pgbouncer.ini would hold: the target server, ``auth_type =
trust`` for the users in its auth file (the server trusts 127.0.0.1), a free local port and the pool
mode. PgBouncer refuses to run as root, so under root it runs as ``postgres``
(or ``nobody``) with ``-u``.
"""

from __future__ import annotations

import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest

ATTEMPTS = 5
WAIT = 60.0  # seconds; sized for a machine at load 20


def pgbouncer_binary() -> str:
    """The pgbouncer executable; under CI=true its absence is a failure, else a skip."""
    binary = shutil.which("pgbouncer") or (
        "/usr/sbin/pgbouncer" if Path("/usr/sbin/pgbouncer").exists() else None
    )
    if binary is None:
        reason = "pgbouncer is not installed (apt-get install -y pgbouncer)"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(reason)
        pytest.skip(reason)
    return binary


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def running_pgbouncer(*, pool_mode: str, server_port: int = 5432) -> Iterator[int]:
    """Run PgBouncer on a free port in ``pool_mode`` until the block ends; yield the port.

    Its files live in a fresh directory under the system temp directory (pytest's
    own is private to the user running the tests).
    """
    binary = pgbouncer_binary()
    directory = Path(tempfile.mkdtemp(prefix="taskcli-pgbouncer-"))
    try:
        process, port = _start(binary, directory, pool_mode=pool_mode, server_port=server_port)
        try:
            yield port
        finally:
            _stop(process)
    finally:
        shutil.rmtree(directory, ignore_errors=True)


def _start(
    binary: str, directory: Path, *, pool_mode: str, server_port: int
) -> tuple[subprocess.Popen[bytes], int]:
    """Start PgBouncer on a port that was free a moment ago; (process, port).

    Between ``free_port`` and PgBouncer's bind, another process (a parallel
    test worker's PgBouncer) may take the port: then the next free port is tried.
    """
    for _ in range(ATTEMPTS):
        port = free_port()
        command = _configure(binary, directory, pool_mode=pool_mode, port=port, server=server_port)
        process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        if _wait_for_port(port, process, directory):
            return process, port
    raise AssertionError(f"pgbouncer found no free port in {ATTEMPTS} attempts")


def _configure(
    binary: str, directory: Path, *, pool_mode: str, port: int, server: int
) -> list[str]:
    """Write pgbouncer.ini (and its auth file) for ``port``; the command that runs it."""
    (directory / "userlist.txt").write_text('"postgres" ""\n')
    log = directory / "pgbouncer.log"
    log.unlink(missing_ok=True)  # a failed attempt's log would be read as this one's
    config = directory / "pgbouncer.ini"
    config.write_text(
        "[databases]\n"
        f"* = host=127.0.0.1 port={server}\n"
        "[pgbouncer]\n"
        "listen_addr = 127.0.0.1\n"
        f"listen_port = {port}\n"
        f"unix_socket_dir = {directory}\n"
        "auth_type = trust\n"
        f"auth_file = {directory / 'userlist.txt'}\n"
        f"pool_mode = {pool_mode}\n"
        f"logfile = {log}\n"
        "max_client_conn = 200\n"
        "default_pool_size = 20\n"
    )
    command = [binary, "-q", str(config)]
    if os.geteuid() == 0:
        user = _unprivileged_user()
        shutil.chown(directory, user=user)
        for path in directory.iterdir():
            shutil.chown(path, user=user)
        command[1:1] = ["-u", user]
    return command


def through(url: str, port: int) -> str:
    """The same database URL, pointed at PgBouncer on ``port``."""
    parts = urlsplit(url)
    userinfo = parts.netloc.rpartition("@")[0]
    netloc = f"{userinfo}@127.0.0.1:{port}" if userinfo else f"127.0.0.1:{port}"
    return urlunsplit(parts._replace(netloc=netloc))


def _unprivileged_user() -> str:
    for name in ("postgres", "nobody"):
        try:
            pwd.getpwnam(name)
        except KeyError:
            continue
        return name
    pytest.skip("no unprivileged user to run pgbouncer as")
    raise AssertionError("unreachable")


def _wait_for_port(port: int, process: subprocess.Popen[bytes], directory: Path) -> bool:
    """True once this PgBouncer listens on ``port``; False (and stopped) if the port was taken.

    PgBouncer does not exit when its TCP port is taken: it logs "cannot listen
    on" and serves its UNIX socket alone. A connection to the port would then
    reach the port's owner (another worker's PgBouncer, in another pool mode),
    so only the log's "listening on" line counts.
    """
    log = directory / "pgbouncer.log"
    details = ""
    deadline = time.monotonic() + WAIT
    while time.monotonic() < deadline:
        details = log.read_text(errors="replace") if log.exists() else ""
        if f"cannot listen on 127.0.0.1:{port}:" in details:
            _stop(process)
            return False
        if process.poll() is not None:
            raise AssertionError(f"pgbouncer exited: {details or '(no log)'}")
        if f"listening on 127.0.0.1:{port}\n" in details:
            socket.create_connection(("127.0.0.1", port), timeout=WAIT).close()
            return True
        time.sleep(0.1)
    _stop(process)
    raise AssertionError(f"pgbouncer did not start listening: {details or '(no log)'}")


def _stop(process: subprocess.Popen[bytes]) -> None:
    process.terminate()
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
