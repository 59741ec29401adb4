"""taskcli behind a stock PgBouncer, in session and transaction pool mode.

PgBouncer refuses non-standard startup parameters and, in transaction mode,
hands each transaction whichever server connection is free, so a named
prepared statement or a session setting from one command meets the next.
"""

from __future__ import annotations

import asyncio
import json
import re
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from pgbouncer import free_port, running_pgbouncer, through
from support import Cli, error_line, execute
from test_concurrency import OPERATIONS, WORKERS, _collect, _spawn, assert_consistent

POOL_MODES = ("session", "transaction")


@pytest.fixture(scope="module", params=POOL_MODES)
def bouncer_port(request: pytest.FixtureRequest) -> Iterator[int]:
    with running_pgbouncer(pool_mode=str(request.param)) as port:
        yield port


@pytest.fixture
def bounced_url(pg_migrated_url: str, bouncer_port: int) -> str:
    execute(
        pg_migrated_url, "TRUNCATE task_tag, task, tag, change, operation RESTART IDENTITY CASCADE"
    )
    return through(pg_migrated_url, bouncer_port)


def test_commands_work_one_after_another(bounced_url: str) -> None:
    """Later commands reuse server connections: no statement or setting may collide."""
    cli = Cli(url=bounced_url, env={})
    for title in ("one", "two", "three"):
        cli.ok("add", title, "-t", "team")
    cli.ok("done", "1")
    cli.ok("edit", "2", "--title", "second")
    cli.ok("undo")
    listed = json.loads(cli.ok("list", "--status", "all", "-f", "json").stdout)
    assert [(t["title"], t["status"]) for t in listed] == [
        ("one", "done"),
        ("two", "pending"),
        ("three", "pending"),
    ]
    assert cli.ok("tree").stdout
    assert json.loads(cli.ok("log", "-f", "json").stdout)


def test_write_storm_through_pgbouncer(
    bounced_url: str, pg_migrated_url: str, tmp_path: Path
) -> None:
    """8 writers x 25 commands and 2 readers: every command succeeds, nothing lost."""
    cli = Cli(url=bounced_url, env={})
    cli.ok("list")
    stop = str(tmp_path / "stop")
    readers = [_spawn("reader.py", bounced_url, stop) for _ in range(2)]
    writers = [
        _spawn("storm.py", bounced_url, str(w), str(2000 + w), str(OPERATIONS))
        for w in range(WORKERS)
    ]
    reports = [_collect(process) for process in writers]
    Path(stop).touch()
    reads = [_collect(process) for process in readers]

    outcomes = [outcome for report in reports for outcome in report["outcomes"]]  # type: ignore[attr-defined]
    assert len(outcomes) == WORKERS * OPERATIONS
    # Notices, not failures: a done parent reopened by work added under it, a task
    # another writer had already completed or reopened.
    notice = re.compile(r"Reopened task \d+: |Task \d+ was already (done|pending)\.$")
    said = [line for o in outcomes for line in o["stderr"].splitlines()]
    assert [o for o in outcomes if o["exit"] != 0] == []
    assert [line for line in said if not notice.match(line)] == []
    for read in reads:
        assert read["failures"] == []
    expected = {int(k): v for report in reports for k, v in report["model"].items()}  # type: ignore[attr-defined]
    listed = json.loads(cli.ok("list", "--status", "all", "-f", "json").stdout)
    actual = {
        t["id"]: {"title": t["title"], "status": t["status"], "parent_id": t["parent_id"]}
        for t in listed
    }
    assert actual == expected
    assert_consistent(pg_migrated_url)


def test_lock_timeout_holds_through_pgbouncer(bounced_url: str, pg_migrated_url: str) -> None:
    """A writer blocked by a row lock gives up after TASKCLI_LOCK_TIMEOUT (exit 3)."""
    cli = Cli(url=bounced_url, env={})
    cli.ok("add", "locked")
    with _row_locked(pg_migrated_url, "SELECT id FROM task WHERE id = 1 FOR UPDATE"):
        started = time.monotonic()
        result = Cli(url=bounced_url, env={"TASKCLI_LOCK_TIMEOUT": "2"})("done", "1")
        elapsed = time.monotonic() - started
    assert result.exit_code == 3, (result.stdout, result.stderr)
    assert "database is busy" in error_line(result)
    assert elapsed < 15
    cli.ok("done", "1")  # the lock timeout did not stay on the pooled server connection


def test_server_down_fails_within_the_connect_timeout() -> None:
    """PgBouncer up, PostgreSQL down: exit 3 after connect_timeout, not PgBouncer's 120 s."""
    with running_pgbouncer(pool_mode="transaction", server_port=free_port()) as port:
        url = f"postgresql://postgres@127.0.0.1:{port}/postgres?connect_timeout=2"
        started = time.monotonic()
        result = Cli(url=url, env={})("list")
        elapsed = time.monotonic() - started
    assert result.exit_code == 3, (result.stdout, result.stderr)
    assert error_line(result).startswith("Error: cannot connect to postgresql://postgres@")
    assert elapsed < 20


@contextmanager
def _row_locked(url: str, statement: str) -> Iterator[None]:
    """An admin session holds ``statement``'s locks in an open transaction meanwhile."""
    locked, release = threading.Event(), threading.Event()

    async def hold() -> None:
        import asyncpg

        connection = await asyncpg.connect(url)
        try:
            async with connection.transaction():
                await connection.execute(statement)
                locked.set()
                await asyncio.to_thread(release.wait)
        finally:
            await connection.close()

    holder = threading.Thread(target=asyncio.run, args=(hold(),), daemon=True)
    holder.start()
    try:
        assert locked.wait(60), "the lock was not taken"
        yield
    finally:
        release.set()
        holder.join(60)
