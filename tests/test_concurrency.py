"""Many processes at once: nothing lost, nothing locked, no cycles (both backends).

``TASKCLI_STORM_WORKERS`` and ``TASKCLI_STORM_OPERATIONS`` raise the load for a
soak run (defaults: 8 writers x 25 operations, plus 2 readers).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from support import REPO_ROOT, Cli, execute, run_subprocess

from taskcli.db.schema import SCHEMA_HEAD

WORKERS = int(os.environ.get("TASKCLI_STORM_WORKERS", "8"))
OPERATIONS = int(os.environ.get("TASKCLI_STORM_OPERATIONS", "25"))
MOVE_ROUNDS = int(os.environ.get("TASKCLI_STORM_MOVE_ROUNDS", "12"))
WORKER_DIR = Path(__file__).resolve().parent / "workers"
TIMEOUT = 600


def _spawn(script: str, *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, str(WORKER_DIR / script), *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": str(REPO_ROOT)},
    )


def _collect(process: subprocess.Popen[str]) -> dict[str, object]:
    stdout, stderr = process.communicate(timeout=TIMEOUT)
    assert process.returncode == 0, stderr
    return json.loads(stdout)


def assert_consistent(url: str) -> None:
    """Integrity, foreign keys, no orphans, no cycles deeper than the limit allows."""
    if url.startswith("sqlite"):
        [[integrity], problems] = execute(url, "PRAGMA integrity_check", "PRAGMA foreign_key_check")
        assert integrity == ("ok",)
        assert problems == []
    [orphans, cycles] = execute(
        url,
        "SELECT count(*) FROM task c LEFT JOIN task p ON c.parent_id = p.id "
        "WHERE c.parent_id IS NOT NULL AND p.id IS NULL",
        "WITH RECURSIVE walk(start, id, depth) AS ("
        " SELECT id, parent_id, 1 FROM task WHERE parent_id IS NOT NULL"
        " UNION ALL SELECT walk.start, task.parent_id, walk.depth + 1 FROM walk"
        " JOIN task ON task.id = walk.id WHERE task.parent_id IS NOT NULL AND walk.depth < 70)"
        " SELECT count(*) FROM walk WHERE id = start",
    )
    assert orphans == [(0,)]
    assert cycles == [(0,)]


def test_write_storm_loses_nothing_and_readers_never_fail(
    cli: Cli, db_url: str, tmp_path: Path
) -> None:
    cli.ok("list")  # first use happens before the storm (the first-use race has its own test)
    stop = tmp_path / "stop"
    readers = [_spawn("reader.py", db_url, str(stop)) for _ in range(2)]
    writers = [
        _spawn("storm.py", db_url, str(w), str(1000 + w), str(OPERATIONS)) for w in range(WORKERS)
    ]
    reports = [_collect(process) for process in writers]
    stop.touch()
    reads = [_collect(process) for process in readers]

    outcomes = [outcome for report in reports for outcome in report["outcomes"]]  # type: ignore[attr-defined]
    assert len(outcomes) == WORKERS * OPERATIONS
    failed = [o for o in outcomes if o["exit"] != 0 or "locked" in o["stderr"]]
    assert failed == []
    for read in reads:
        assert read["failures"] == []
        assert read["reads"] >= 2

    expected = {int(k): v for report in reports for k, v in report["model"].items()}  # type: ignore[attr-defined]
    listed = json.loads(cli.ok("list", "--status", "all", "-f", "json").stdout)
    ids = [task["id"] for task in listed]
    assert len(ids) == len(set(ids))
    actual = {
        task["id"]: {
            "title": task["title"],
            "status": task["status"],
            "parent_id": task["parent_id"],
        }
        for task in listed
    }
    assert actual == expected
    assert_consistent(db_url)


def test_reciprocal_moves_never_make_a_cycle(cli: Cli, db_url: str) -> None:
    """Two processes move A under B and B under A at once: one wins, one is refused."""
    a = cli.ok("add", "A", "-q").stdout.strip()
    b = cli.ok("add", "B", "-q").stdout.strip()
    env = {"TASKCLI_DATABASE_URL": db_url, "PYTHONPATH": str(REPO_ROOT)}
    for _ in range(MOVE_ROUNDS):
        cli.ok("move", a, "--root")
        cli.ok("move", b, "--root")
        moves = [
            subprocess.Popen(
                [sys.executable, "-m", "taskcli", "move", child, "--parent", parent],
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
                env={**os.environ, **env},
            )
            for child, parent in ((a, b), (b, a))
        ]
        results = [
            (p.returncode, err)
            for p, (_, err) in ((p, p.communicate(timeout=TIMEOUT)) for p in moves)
        ]
        assert sorted(code for code, _ in results) == [0, 4], results
        refused = next(stderr for code, stderr in results if code == 4)
        assert refused.startswith("Error: cannot move")
        assert "subtree" in refused
        [parents] = execute(
            db_url, f"SELECT id, parent_id FROM task WHERE id IN ({a}, {b}) ORDER BY id"
        )
        assert sum(parent is not None for _, parent in parents) == 1
    assert_consistent(db_url)


def test_many_first_uses_of_one_missing_file(tmp_path: Path) -> None:
    """Processes racing to create the default SQLite file all succeed; the schema is made once."""
    url = f"sqlite:///{tmp_path / 'race' / 'tasks.db'}"
    (tmp_path / "race").mkdir()
    env = {**os.environ, "TASKCLI_DATABASE_URL": url, "PYTHONPATH": str(REPO_ROOT)}
    processes = [
        subprocess.Popen(
            [sys.executable, "-m", "taskcli", "add", f"first {n}", "-q"],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
        )
        for n in range(8)
    ]
    results = [
        (p.returncode, out, err)
        for p, (out, err) in ((p, p.communicate(timeout=TIMEOUT)) for p in processes)
    ]
    assert [code for code, _, _ in results] == [0] * 8, results
    assert all(stderr == "" for _, _, stderr in results), results
    assert len({stdout for _, stdout, _ in results}) == 8
    [[count], versions] = execute(
        url, "SELECT count(*) FROM task", "SELECT version_num FROM alembic_version"
    )
    assert count == (8,)
    assert versions == [(SCHEMA_HEAD,)]
    assert run_subprocess(["list", "-f", "ids"], env={"TASKCLI_DATABASE_URL": url}).returncode == 0
