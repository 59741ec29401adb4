"""PostgreSQL connection options a team sets: libpq URL parameters, service files,
a password file's permissions, and a server short of connections."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from pgroles import as_role, login_roles
from support import REPO_ROOT, Cli, error_line, execute, run_subprocess
from test_pgbouncer import _row_locked

pytestmark = pytest.mark.parametrize("backend", ["postgresql"], indirect=True)


def _database_name(url: str) -> str:
    return url.rpartition("/")[2]


def test_service_file_is_honoured(db_url: str, tmp_path: Path, cli: Cli) -> None:
    """``PGSERVICE`` or ``?service=`` picks a pg_service.conf section; the URL may be bare."""
    cli.ok("add", "from the service")
    services = tmp_path / "pg_service.conf"
    services.write_text(
        f"[team]\nhost=127.0.0.1\nport=5432\nuser=postgres\ndbname={_database_name(db_url)}\n"
    )
    env = {"PGSERVICEFILE": str(services), "PGSYSCONFDIR": str(tmp_path / "none")}
    by_environment = Cli(url="postgresql://", env={**env, "PGSERVICE": "team"})
    assert json.loads(by_environment.ok("list", "-f", "json").stdout)[0]["title"] == (
        "from the service"
    )
    by_url = Cli(url="postgresql:///?service=team", env=env)
    assert by_url.ok("list", "-f", "ids").stdout == "1\n"


def test_unknown_service_is_refused(db_url: str, tmp_path: Path) -> None:
    """A service that is not defined is an error (exit 2), never the default server."""
    services = tmp_path / "pg_service.conf"
    services.write_text("[other]\nhost=127.0.0.1\n")
    env = {"PGSERVICEFILE": str(services), "PGSYSCONFDIR": str(tmp_path), "PGSERVICE": "team"}
    result = Cli(url="postgresql://", env=env)("list")
    assert result.exit_code == 2, (result.stdout, result.stderr)
    assert "connection service 'team' is not defined" in error_line(result)


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("sslmode=sometimes", "sslmode must be one of"),
        ("connect_timeout=soon", "connect_timeout must be a whole number"),
        ("sslcompression=1", "unsupported database URL parameter 'sslcompression'"),
    ],
)
def test_bad_connection_parameters_are_usage_errors(db_url: str, query: str, message: str) -> None:
    result = Cli(url=f"{db_url}?{query}", env={})("list")
    assert result.exit_code == 2, (result.stdout, result.stderr)
    assert message in error_line(result)


def test_tls_parameters_reach_the_driver(db_url: str, tmp_path: Path) -> None:
    """All libpq modes are accepted; certificates are passed on (a missing one fails cleanly)."""
    for mode in ("disable", "allow", "prefer"):
        Cli(url=f"{db_url}?sslmode={mode}&sslrootcert={tmp_path}/root.crt", env={}).ok("list")
    for mode in ("require", "verify-ca", "verify-full"):
        query = f"sslmode={mode}&sslrootcert={tmp_path}/root.crt&sslcert=c.crt&sslkey=c.key"
        result = Cli(url=f"{db_url}?{query}", env={})("list")
        assert result.exit_code == 3, (mode, result.stdout, result.stderr)
        assert error_line(result).startswith("Error: cannot connect to postgresql://")


def test_options_and_application_name_reach_the_server(db_url: str, pg_migrated_url: str) -> None:
    """``options`` sets server settings; ``application_name`` names the session; the
    lock timeout still holds (set per transaction, not at connect)."""
    read_only = Cli(url=f"{db_url}?options=-c%20default_transaction_read_only%3Don", env={})
    assert "read-only" in error_line(read_only.fails(3, "add", "x"))
    cli = Cli(url=db_url, env={})
    cli.ok("add", "locked")
    seen: list[str] = []
    with _row_locked(pg_migrated_url, "SELECT id FROM task WHERE id = 1 FOR UPDATE"):
        waiter = threading.Thread(target=lambda: seen.extend(_waiting_applications(db_url)))
        waiter.start()
        started = time.monotonic()
        result = Cli(url=f"{db_url}?application_name=team-cli", env={"TASKCLI_LOCK_TIMEOUT": "3"})(
            "done", "1"
        )
        elapsed = time.monotonic() - started
        waiter.join(30)
    assert result.exit_code == 3
    assert "database is busy" in error_line(result)
    assert elapsed < 20
    assert "team-cli" in seen


def _waiting_applications(url: str) -> list[str]:
    """Names of sessions waiting on a lock, polled for a few seconds."""
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        [rows] = execute(
            url,
            "SELECT application_name FROM pg_stat_activity "
            "WHERE wait_event_type = 'Lock' AND datname = current_database()",
        )
        if rows:
            return [name for (name,) in rows]
        time.sleep(0.1)
    return []


def test_loose_password_file_is_one_warning_line(db_url: str, tmp_path: Path) -> None:
    """asyncpg's multi-line Python warning becomes one clean line; the command still works."""
    passfile = tmp_path / "pgpass"
    passfile.write_text("*:*:*:*:secret\n")
    passfile.chmod(0o644)
    result = run_subprocess(
        ["list", "-f", "ids"],  # an empty table would add "No tasks." on stderr
        env={"TASKCLI_DATABASE_URL": db_url, "PGPASSFILE": str(passfile), "PYTHONWARNINGS": ""},
    )
    assert result.returncode == 0, result.stderr
    assert result.stderr == (
        f"Warning: password file {passfile} ignored: it has group or world access (chmod 600 it)\n"
    )


@pytest.fixture
def make_role(pg_migrated_url: str, db_url: str) -> Iterator[Callable[..., str]]:
    with login_roles(pg_migrated_url) as make:
        yield make


def test_too_many_connections_is_retried_within_the_lock_timeout(
    db_url: str, make_role: Callable[..., str]
) -> None:
    """A role at its connection limit: a command waits for a free slot, up to the lock timeout."""
    url = as_role(db_url, make_role("limited", connection_limit=1))
    with _row_locked(url, "SELECT 1"):
        refused = Cli(url=url, env={"TASKCLI_LOCK_TIMEOUT": "1"})("list")
    assert refused.exit_code == 3, (refused.stdout, refused.stderr)
    assert "too many connections" in error_line(refused)

    with _row_locked(url, "SELECT 1"):
        waiting = subprocess.Popen(
            [sys.executable, "-m", "taskcli", "list", "-f", "ids"],
            env={
                **os.environ,
                "PYTHONPATH": str(REPO_ROOT),
                "TASKCLI_DATABASE_URL": url,
                "TASKCLI_LOCK_TIMEOUT": "60",
            },
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        time.sleep(2.0)  # the slot frees up only after this
        assert waiting.poll() is None, waiting.communicate()
    _, stderr = waiting.communicate(timeout=120)
    assert waiting.returncode == 0, stderr
    assert stderr == ""
