"""Helpers shared by the tests: run the real CLI, dump a real database."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import tempfile
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from typer.testing import CliRunner, Result

from taskcli.cli import app
from taskcli.config import parse_database_url
from taskcli.db.engine import sqlalchemy_url

# Every table a command may change; the journal included (a failed command files nothing).
TABLES = (
    "task",
    "tag",
    "task_tag",
    "annotation",
    "time_interval",
    "task_blocker",
    "operation",
    "change",
    "journal_cursor",
)
SUBPROCESS_TIMEOUT = 60
REPO_ROOT = Path(__file__).resolve().parents[1]


@dataclass
class Cli:
    """The real CLI, in process (CliRunner), pointed at one database."""

    url: str
    env: dict[str, str]

    def __call__(
        self, *args: str, input: str | None = None, env: Mapping[str, str] | None = None
    ) -> Result:
        merged: dict[str, str | None] = {
            "TASKCLI_DATABASE_URL": self.url,
            **self.env,
            **(env or {}),
        }
        return CliRunner().invoke(app, list(args), input=input, env=merged, catch_exceptions=False)

    def ok(self, *args: str, input: str | None = None) -> Result:
        result = self(*args, input=input)
        assert result.exit_code == 0, (result.exit_code, result.stdout, result.stderr)
        return result

    def fails(self, exit_code: int, *args: str, input: str | None = None) -> Result:
        """Assert the exit code, one ``Error:`` line and nothing on stdout."""
        result = self(*args, input=input)
        assert result.exit_code == exit_code, (result.exit_code, result.stdout, result.stderr)
        assert result.stdout == ""
        return result


def error_line(result: Result) -> str:
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("Error: "), result.stderr
    return lines[0]


def run_subprocess(
    args: Sequence[str],
    *,
    env: Mapping[str, str],
    input: str | None = None,
    timeout: float = SUBPROCESS_TIMEOUT,
    cwd: Path | None = None,
) -> subprocess.CompletedProcess[str]:
    """Run ``python -m taskcli`` as users do: real exit handling, real streams."""
    return subprocess.run(
        [sys.executable, "-m", "taskcli", *args],
        env={**os.environ, "PYTHONPATH": str(REPO_ROOT), **env},
        input=input,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
        cwd=cwd,
    )


def start_subprocess(
    db_url: str, args: Sequence[str], *, hook: str | None = None, stdin: str = ""
) -> subprocess.Popen[str]:
    """Start ``python -m taskcli`` with ``stdin`` as a file; ``hook`` names a test pause.

    The caller reads stderr (a hook prints its marker there) and sends signals.
    """
    env = {**os.environ, "TASKCLI_DATABASE_URL": db_url, "PYTHONPATH": str(REPO_ROOT)}
    if hook is not None:
        env |= {"TASKCLI_TESTING": "1", hook: "30"}
    with tempfile.TemporaryFile("w+") as source:
        source.write(stdin)
        source.seek(0)
        return subprocess.Popen(
            [sys.executable, "-m", "taskcli", *args],
            stdin=source,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
        )


@contextmanager
def via_server_session(state_dir: Path) -> Iterator[str]:
    """Start a command server in a private runtime directory; stop it at the end.

    Yields the directory to put in ``XDG_RUNTIME_DIR``: every ``taskcli`` with
    it (and the same interpreter and checkout) is served by this server.
    """
    import tempfile

    runtime_dir = tempfile.mkdtemp(prefix="tc-run-")  # short: a socket path has 108 bytes
    env = {
        "XDG_RUNTIME_DIR": runtime_dir,
        "XDG_STATE_HOME": str(state_dir),
        "TASKCLI_SERVER": "1",
        "TASKCLI_SERVER_IDLE": "86400",
    }
    started = run_subprocess(["server", "start"], env=env, timeout=120)
    assert started.returncode == 0, started.stderr
    try:
        yield runtime_dir
    finally:
        run_subprocess(["server", "stop"], env=env, timeout=120)
        import shutil

        shutil.rmtree(runtime_dir, ignore_errors=True)


def earlier_columns(rows: list[Any], before: list[Any]) -> list[Any]:
    """``rows`` cut to the columns the rows ``before`` had: a later revision adds task columns
    after the existing ones, and they must be null on rows made before it."""
    width = len(before[0])
    assert all(value is None for row in rows for value in row[width:]), rows
    return [tuple(row[:width]) for row in rows]


def dump(url: str) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table, in a stable order: "changes nothing" means equal dumps."""
    return asyncio.run(_dump(url))


async def _dump(url: str) -> dict[str, list[tuple[Any, ...]]]:
    from sqlalchemy import text
    from sqlalchemy.ext.asyncio import create_async_engine

    engine = create_async_engine(sqlalchemy_url(parse_database_url(url)))
    try:
        async with engine.connect() as connection:
            present = {
                name
                for (name,) in await connection.execute(
                    text(
                        "SELECT tablename FROM pg_tables WHERE schemaname = 'public'"
                        if url.startswith("postgres")
                        else "SELECT name FROM sqlite_master WHERE type = 'table'"
                    )
                )
            }
            return {
                table: sorted(
                    (
                        tuple(row)
                        for row in await connection.execute(text(f"SELECT * FROM {table}"))
                    ),
                    key=repr,
                )
                for table in (*TABLES, "alembic_version")
                if table in present
            }
    finally:
        await engine.dispose()


def execute(url: str, *statements: str) -> list[list[tuple[Any, ...]]]:
    """Run SQL directly, as another writer of a shared database would."""
    return asyncio.run(_execute(url, statements))


async def _execute(url: str, statements: Sequence[str]) -> list[list[tuple[Any, ...]]]:
    from sqlalchemy import text
    from sqlalchemy.ext.asyncio import create_async_engine

    engine = create_async_engine(sqlalchemy_url(parse_database_url(url)))
    results = []
    try:
        async with engine.begin() as connection:
            for statement in statements:
                result = await connection.execute(text(statement))
                results.append([tuple(row) for row in result] if result.returns_rows else [])
    finally:
        await engine.dispose()
    return results
