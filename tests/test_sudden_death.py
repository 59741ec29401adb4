"""SIGKILL at any moment leaves a consistent database and all-or-nothing changes.

Each scenario runs ``TASKCLI_KILL_ROUNDS`` rounds (default 30) on both
backends. Even rounds kill the process while it waits, inside its
transaction, just before COMMIT (a test hook); odd rounds kill it at a random
moment. After every kill a new process must open the database, find it
consistent, and see either all of the operation or none of it.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from collections.abc import Callable

import pytest
from support import REPO_ROOT, Cli, dump, execute, start_subprocess
from support import TABLES as SCHEMA_TABLES
from test_concurrency import assert_consistent

from taskcli.db.schema import SCHEMA_HEAD

ROUNDS = int(os.environ.get("TASKCLI_KILL_ROUNDS", "30"))
BULK_LINES = 2_000
SUBTREE_SIZE = 100
PAUSE_MARKER = "taskcli-test: paused before commit"
PAUSE_HOOK = "TASKCLI_TEST_PAUSE_BEFORE_COMMIT"


def _pause(pause: bool) -> str | None:
    return PAUSE_HOOK if pause else None


def _kill_during(process: subprocess.Popen[str], *, pause: bool, rng: random.Random) -> bool:
    """Kill the process; True when it was certainly inside its transaction."""
    if pause:
        assert process.stderr is not None
        line = process.stderr.readline()
        assert line.strip() == PAUSE_MARKER, line
    else:
        time.sleep(rng.uniform(0.0, 0.9))
    process.send_signal(signal.SIGKILL)
    process.communicate(timeout=60)
    return pause


def _build_subtree(db_url: str) -> int:
    """A root with a four-level subtree of SUBTREE_SIZE tasks in all, in one transaction.

    Node i's parent is node (i - 1) // 4, found by its unique title.
    """
    columns = "INSERT INTO task (title, status, priority, parent_id, created_at, updated_at)"
    now = "'2026-01-01 00:00:00'"
    statements = [f"{columns} VALUES ('node 0', 'pending', 0, NULL, {now}, {now})"]
    statements += [
        f"{columns} SELECT 'node {n}', 'pending', 0, id, {now}, {now} "
        f"FROM task WHERE title = 'node {(n - 1) // 4}'"
        for n in range(1, SUBTREE_SIZE)
    ]
    results = execute(db_url, *statements, "SELECT id FROM task WHERE title = 'node 0'")
    return int(results[-1][0][0])


def _subtree_statuses(db_url: str, root: int) -> list[str]:
    [statuses] = execute(
        db_url,
        "WITH RECURSIVE sub(id) AS (SELECT id FROM task WHERE id = "
        + str(root)
        + " UNION ALL SELECT task.id FROM task JOIN sub ON task.parent_id = sub.id)"
        " SELECT status FROM task WHERE id IN (SELECT id FROM sub)",
    )
    return [status for (status,) in statuses]


def _run_rounds(scenario: Callable[[bool, random.Random], bool], cli: Cli, db_url: str) -> None:
    rng = random.Random(4242)
    inside = 0
    for round_number in range(ROUNDS):
        inside += scenario(round_number % 2 == 0, rng)
        assert_consistent(db_url)
        cli.ok("list", "-f", "ids")  # the next command opens and recovers the database
    print(f"{ROUNDS} kills, {inside} certainly inside the transaction")  # noqa: T201
    assert inside >= ROUNDS * 0.3


@pytest.fixture(autouse=True)
def _created(request: pytest.FixtureRequest) -> None:
    """Make sure a SQLite test database exists (first use) before direct SQL reaches it."""
    if "cli" in request.fixturenames:
        request.getfixturevalue("cli").ok("list")


def test_kill_during_bulk_add(cli: Cli, db_url: str) -> None:
    lines = "".join(f"bulk line {n}\n" for n in range(BULK_LINES))

    def scenario(pause: bool, rng: random.Random) -> bool:
        before = _count(db_url, "bulk line %")
        inside = _kill_during(
            start_subprocess(db_url, ["add", "-", "-t", "bulk"], hook=_pause(pause), stdin=lines),
            pause=pause,
            rng=rng,
        )
        added = _count(db_url, "bulk line %") - before
        assert added in (0, BULK_LINES)
        return inside

    _run_rounds(scenario, cli, db_url)


def test_kill_during_recursive_done(cli: Cli, db_url: str) -> None:
    root = _build_subtree(db_url)

    def scenario(pause: bool, rng: random.Random) -> bool:
        execute(db_url, "UPDATE task SET status = 'pending', completed_at = NULL")
        inside = _kill_during(
            start_subprocess(db_url, ["done", str(root), "-r"], hook=_pause(pause)),
            pause=pause,
            rng=rng,
        )
        statuses = set(_subtree_statuses(db_url, root))
        assert statuses in ({"pending"}, {"done"})
        return inside

    _run_rounds(scenario, cli, db_url)


def test_kill_during_recursive_rm(cli: Cli, db_url: str) -> None:
    def scenario(pause: bool, rng: random.Random) -> bool:
        execute(db_url, "DELETE FROM task")
        root = _build_subtree(db_url)
        inside = _kill_during(
            start_subprocess(db_url, ["rm", str(root), "-r", "-y"], hook=_pause(pause)),
            pause=pause,
            rng=rng,
        )
        remaining = len(_subtree_statuses(db_url, root))
        assert remaining in (0, SUBTREE_SIZE)
        [[(count,)]] = execute(db_url, "SELECT count(*) FROM task")
        assert count == remaining
        return inside

    _run_rounds(scenario, cli, db_url)


def test_kill_during_db_upgrade(
    blank_db_url: str, backend: str, tmp_path, request: pytest.FixtureRequest
) -> None:
    """The schema is either absent or complete at head, never half made."""
    rng = random.Random(99)
    inside = 0
    for round_number in range(ROUNDS):
        if backend == "sqlite":
            url = f"sqlite:///{tmp_path / f'upgrade-{round_number}.db'}"
        else:
            url = request.getfixturevalue("pg_database_factory")()
        pause = round_number % 2 == 0
        inside += _kill_during(
            start_subprocess(url, ["db", "upgrade"], hook=_pause(pause)), pause=pause, rng=rng
        )
        tables = _tables(url)
        assert tables in (set(), {"alembic_version", "database_identity", *SCHEMA_TABLES}), tables
        if tables:
            assert dump(url)["alembic_version"] == [(SCHEMA_HEAD,)]
        upgrade = subprocess.run(
            [sys.executable, "-m", "taskcli", "db", "upgrade"],
            env={**os.environ, "TASKCLI_DATABASE_URL": url, "PYTHONPATH": str(REPO_ROOT)},
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        assert upgrade.returncode == 0, upgrade.stderr
    print(f"{ROUNDS} kills, {inside} certainly inside the migration transaction")  # noqa: T201
    assert inside >= ROUNDS * 0.3


def test_ctrl_c_exits_130_and_changes_nothing(cli: Cli, db_url: str) -> None:
    cli.ok("add", "keep")
    before = dump(db_url)
    process = start_subprocess(db_url, ["add", "-"], hook=PAUSE_HOOK, stdin="one\ntwo\n")
    assert process.stderr is not None
    assert process.stderr.readline().strip() == PAUSE_MARKER
    process.send_signal(signal.SIGINT)
    stdout, stderr = process.communicate(timeout=60)
    assert process.returncode == 130
    assert stdout == ""
    assert stderr.strip().splitlines() == ["Error: interrupted; no changes were made"]
    assert dump(db_url) == before


def test_the_oracle_catches_a_half_committed_batch(cli: Cli, db_url: str) -> None:
    """Control: a writer that commits half-way is flagged by the same all-or-nothing check."""
    cli.ok("list")
    half = "".join(f"bulk line {n}\n" for n in range(BULK_LINES // 2))
    cli.ok("add", "-", input=half)  # as if a non-atomic import committed its first half, then died
    assert _count(db_url, "bulk line %") not in (0, BULK_LINES)


def _count(db_url: str, pattern: str) -> int:
    [[(count,)]] = execute(db_url, f"SELECT count(*) FROM task WHERE title LIKE '{pattern}'")
    return int(count)


def _tables(url: str) -> set[str]:
    if url.startswith("sqlite"):
        [names] = execute(
            url, "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
        )
    else:
        [names] = execute(url, "SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
    return {name for (name,) in names}
