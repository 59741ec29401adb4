"""First use of the embedded SQLite database: created privately, at head, exactly once.

The SPEC: ``taskcli add x`` on a fresh machine just works; the directories are
created, the file (and its -wal and -shm files) get mode 0600; many processes
starting at once on a missing file all succeed and the schema is created once;
an explicit path must be in an existing directory (else exit 3).
"""

from __future__ import annotations

import os
import sqlite3
import stat
import subprocess
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from support import Cli, error_line, run_subprocess

from taskcli.db.schema import SCHEMA_HEAD

CONCURRENT_PROCESSES = 6


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def sqlite_rows(path: Path, sql: str) -> list[tuple[object, ...]]:
    """Read a SQLite file directly (read-only), as another program would."""
    connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        return connection.execute(sql).fetchall()
    finally:
        connection.close()


def run_at_once(
    commands: list[list[str]], env: dict[str, str]
) -> list[subprocess.CompletedProcess[str]]:
    """Start every command in its own process at the same time; wait for all."""
    with ThreadPoolExecutor(max_workers=len(commands)) as pool:
        return list(pool.map(lambda args: run_subprocess(args, env=env), commands))


@pytest.fixture(params=[0o022, 0o000], ids=["umask022", "umask000"])
def umask(request: pytest.FixtureRequest) -> Iterator[int]:
    """Modes must come from taskcli, not from a lucky umask."""
    previous = os.umask(request.param)
    try:
        yield request.param
    finally:
        os.umask(previous)


def test_fresh_machine_add_creates_private_database_at_head(
    isolated_environment: Path, umask: int
) -> None:
    """``taskcli add x`` with an empty XDG_DATA_HOME: directory 0700, file 0600, schema at head."""
    assert not isolated_environment.exists()
    result = run_subprocess(["add", "x"], env={})
    assert result.returncode == 0, result.stderr
    assert result.stdout == "Created task 1: x\n"
    assert result.stderr == ""
    directory = isolated_environment / "taskcli"
    database = directory / "tasks.db"
    assert mode(directory) == 0o700
    assert mode(database) == 0o600
    assert sqlite_rows(database, "SELECT version_num FROM alembic_version") == [(SCHEMA_HEAD,)]
    assert sqlite_rows(database, "SELECT id, title FROM task") == [(1, "x")]
    assert sqlite_rows(database, "PRAGMA journal_mode") == [("wal",)]
    leftovers = sorted(p.name for p in directory.iterdir() if p.name != "tasks.db")
    for name in leftovers:
        assert mode(directory / name) == 0o600, name


def test_wal_and_shm_files_are_private(isolated_environment: Path) -> None:
    """While another connection holds the database open, -wal and -shm are 0600 too."""
    previous = os.umask(0o022)
    try:
        cli = Cli(url="", env={})
        cli.ok("add", "first")
        database = isolated_environment / "taskcli" / "tasks.db"
        reader = sqlite3.connect(database)
        try:
            reader.execute("SELECT count(*) FROM task").fetchall()
            cli.ok("add", "second")
            for suffix in ("-wal", "-shm"):
                side_file = database.with_name(database.name + suffix)
                assert side_file.exists(), suffix
                assert mode(side_file) == 0o600, suffix
        finally:
            reader.close()
    finally:
        os.umask(previous)


def test_explicit_new_file_in_existing_directory_is_created_at_head(tmp_path: Path) -> None:
    """A SQLite URL naming a file that does not exist yet: created 0600 at head, no set-up step."""
    database = tmp_path / "mine.db"
    result = Cli(url=f"sqlite:///{database}", env={}).ok("add", "x", "-q")
    assert result.stdout == "1\n"
    assert mode(database) == 0o600
    assert sqlite_rows(database, "SELECT version_num FROM alembic_version") == [(SCHEMA_HEAD,)]


def test_empty_existing_file_gets_the_schema(tmp_path: Path) -> None:
    """A zero-byte file (``touch tasks.db``) counts as not created yet."""
    database = tmp_path / "empty.db"
    database.touch(mode=0o600)
    Cli(url=f"sqlite:///{database}", env={}).ok("add", "x")
    assert sqlite_rows(database, "SELECT title FROM task") == [("x",)]


@pytest.mark.parametrize("command", [["add", "x"], ["list"], ["db", "upgrade"]])
def test_explicit_path_in_missing_directory_exits_3(tmp_path: Path, command: list[str]) -> None:
    """An explicit path's directory is never created: exit 3 and nothing on disk."""
    missing = tmp_path / "no" / "such"
    result = Cli(url=f"sqlite:///{missing / 'tasks.db'}", env={}).fails(3, *command)
    line = error_line(result)
    assert "cannot open database" in line
    assert f"directory {missing} does not exist" in line
    assert not (tmp_path / "no").exists()
    assert not (tmp_path / "xdg-data").exists()


@pytest.mark.parametrize("command", [["add", "x"], ["list"], ["db", "upgrade"]])
def test_directory_as_database_path_exits_3(tmp_path: Path, command: list[str]) -> None:
    """A directory is not a database: exit 3, one ``Error:`` line, the directory untouched."""
    directory = tmp_path / "adir"
    directory.mkdir(mode=0o755)
    os.chmod(directory, 0o755)
    result = Cli(url=f"sqlite:///{directory}", env={}).fails(3, *command)
    assert error_line(result) == f"Error: cannot open database {directory}: it is a directory"
    assert list(directory.iterdir()) == []
    assert mode(directory) == 0o755


@pytest.mark.slow
def test_many_processes_first_use_all_succeed(isolated_environment: Path) -> None:
    """Six processes start on the same missing default file: all exit 0, schema created once."""
    database = isolated_environment / "taskcli" / "tasks.db"
    env: dict[str, str] = {}
    titles = [f"task {n}" for n in range(CONCURRENT_PROCESSES)]
    results = run_at_once([["add", title] for title in titles], env)
    for result in results:
        assert result.returncode == 0, (result.returncode, result.stderr)
        assert result.stderr == "", result.stderr
        assert "already exists" not in result.stdout
    assert sqlite_rows(database, "SELECT version_num FROM alembic_version") == [(SCHEMA_HEAD,)]
    stored = sqlite_rows(database, "SELECT title FROM task ORDER BY title")
    assert [title for (title,) in stored] == sorted(titles)
    assert sorted(int(r.stdout.split()[2].rstrip(":")) for r in results) == list(
        range(1, CONCURRENT_PROCESSES + 1)
    )
    assert mode(database) == 0o600
    assert sqlite_rows(database, "PRAGMA integrity_check") == [("ok",)]


@pytest.mark.parametrize("command", [["add", "x"], ["list"]])
def test_world_readable_database_warns_once_and_is_not_chmodded(
    tmp_path: Path, command: list[str]
) -> None:
    """A pre-existing 0644 file: one warning line on stderr, the command works, mode kept."""
    database = tmp_path / "tasks.db"
    cli = Cli(url=f"sqlite:///{database}", env={})
    cli.ok("db", "upgrade")
    os.chmod(database, 0o644)
    result = cli.ok(*command)
    lines = [line for line in result.stderr.splitlines() if line != "No tasks."]  # empty list
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("Warning: ")
    assert str(database) in lines[0]
    assert "0644" in lines[0]
    assert "Warning" not in result.stdout
    assert mode(database) == 0o644


def test_private_database_gives_no_warning(tmp_path: Path) -> None:
    """A 0600 file gives no warning: the warning is not noise on every run."""
    cli = Cli(url=f"sqlite:///{tmp_path / 'tasks.db'}", env={})
    cli.ok("add", "x")
    result = cli.ok("list", "-f", "ids")
    assert result.stderr == ""
    assert result.stdout == "1\n"
