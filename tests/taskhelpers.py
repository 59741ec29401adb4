"""Helpers for the task-command tests: JSON shortcuts, fast direct-SQL forests,
a statement counter and real shell pipelines. (``support.py`` is shared by
other test files and stays untouched.)"""

from __future__ import annotations

import asyncio
import os
import re
import shlex
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import event, select, text
from sqlalchemy.engine import Engine
from sqlalchemy.ext.asyncio import create_async_engine
from support import REPO_ROOT, SUBPROCESS_TIMEOUT, Cli

from taskcli.config import parse_database_url
from taskcli.db.engine import sqlalchemy_url

# The SPEC's task-object keys, in the SPEC's order (also the CSV header).
TASK_KEY_ORDER = (
    "id",
    "title",
    "note",
    "status",
    "priority",
    "due",
    "tags",
    "parent_id",
    "created_at",
    "updated_at",
    "completed_at",
    "wait",  # 0.4.0
    "scheduled",  # 0.4.0
    "blocked_by",
    "recur",  # 0.4.0
)
TASK_KEYS = frozenset(TASK_KEY_ORDER)
T = TypeVar("T")

#: ``taskcli`` as a shell word, for ``bash -c`` pipelines.
TASKCLI = f"{shlex.quote(sys.executable)} -m taskcli"
TIME_KEYS = ("created_at", "updated_at", "completed_at", "due", "wait", "scheduled")
_ISO_WITH_OFFSET = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?[+-]\d{2}:\d{2}")


def add(cli: Cli, title: str, *options: str) -> int:
    """Add a task through the CLI and return its id (``-q`` prints only the id)."""
    result = cli.ok("add", "-q", *options, "--", title)
    return int(result.stdout)


def as_json(cli: Cli, *args: str) -> Any:
    """Run a command with ``-f json`` and parse stdout."""
    import json

    return json.loads(cli.ok(*args, "-f", "json").stdout)


def list_ids(cli: Cli, *args: str) -> list[int]:
    """The ids ``list`` prints with ``-f ids``, in order."""
    return [int(line) for line in cli.ok("list", *args, "-f", "ids").stdout.splitlines()]


def assert_task_object(obj: Mapping[str, Any], extra: frozenset[str] = frozenset()) -> None:
    """A task object has exactly the SPEC's keys; every time is ISO 8601 with an offset."""
    assert set(obj) == TASK_KEYS | extra, sorted(set(obj) ^ (TASK_KEYS | extra))
    for key in TIME_KEYS:
        value = obj[key]
        if value is None:
            assert key in ("completed_at", "due", "wait", "scheduled"), key
            continue
        assert _ISO_WITH_OFFSET.fullmatch(value), (key, value)
        assert datetime.fromisoformat(value).utcoffset() is not None
    assert obj["tags"] == sorted(obj["tags"])


def ready(url: str) -> None:
    """Put the database at head before direct inserts.

    PostgreSQL already is. For SQLite, first use would create the file; copying
    a file made once by that same first use is much faster than redoing it.
    """
    path = parse_database_url(url).path
    if path is None or path.exists():
        return
    global _template
    if _template is None:
        _template = Path(tempfile.mkdtemp(prefix="taskcli-template-")) / "tasks.db"
        Cli(url=f"sqlite:///{_template}", env={}).ok("list", "-f", "ids")
    shutil.copyfile(_template, path)
    path.chmod(0o600)


_template: Path | None = None


@dataclass(frozen=True)
class Row:
    """One task for a direct insert; times are aware datetimes (default: now)."""

    id: int
    title: str
    parent_id: int | None = None
    status: str = "pending"
    priority: int = 0
    due: datetime | None = None
    note: str | None = None
    tags: tuple[str, ...] = ()
    created_at: datetime | None = None


def insert_tasks(url: str, rows: Sequence[Row]) -> None:
    """Insert tasks and their tags directly, as another writer of the database would.

    Uses the real tables (so times are stored as taskcli stores them) but not
    taskcli's validation. On PostgreSQL the id sequence is moved past the
    explicit ids so that later ``add``s still work.
    """
    ready(url)
    asyncio.run(_insert_tasks(url, rows))


async def _insert_tasks(url: str, rows: Sequence[Row]) -> None:
    from taskcli.queries import tag, task, task_tag

    now = datetime.now(UTC)
    engine = create_async_engine(sqlalchemy_url(parse_database_url(url)))
    try:
        async with engine.begin() as connection:
            if rows:
                await connection.execute(
                    task.insert(),
                    [
                        {
                            "id": row.id,
                            "title": row.title,
                            "note": row.note,
                            "status": row.status,
                            "priority": row.priority,
                            "due": row.due,
                            "parent_id": row.parent_id,
                            "created_at": row.created_at or now,
                            "updated_at": row.created_at or now,
                            "completed_at": now if row.status == "done" else None,
                        }
                        for row in rows
                    ],
                )
            names = sorted({name for row in rows for name in row.tags})
            if names:
                known = dict((await connection.execute(select(tag.c.name, tag.c.id))).all())
                missing = [{"name": name} for name in names if name not in known]
                if missing:
                    await connection.execute(tag.insert(), missing)
                ids = dict((await connection.execute(select(tag.c.name, tag.c.id))).all())
                await connection.execute(
                    task_tag.insert(),
                    [{"task_id": row.id, "tag_id": ids[name]} for row in rows for name in row.tags],
                )
            if connection.dialect.name == "postgresql":
                await connection.execute(
                    text(
                        "SELECT setval(pg_get_serial_sequence('task', 'id'), "
                        "(SELECT max(id) FROM task))"
                    )
                )
    finally:
        await engine.dispose()


def chain_forest(count: int, depth: int, *, first_id: int = 1) -> list[Row]:
    """``count`` tasks as chains ``depth`` levels deep (the last chain may be shorter).

    Every third task is done and every fifth is tagged, so progress, pruning
    and the tag query all have work to do.
    """
    rows = []
    for index in range(count):
        task_id = first_id + index
        level = index % depth
        rows.append(
            Row(
                id=task_id,
                title=f"bulk task {task_id}",
                parent_id=None if level == 0 else task_id - 1,
                status="done" if index % 3 == 2 else "pending",
                priority=index % 4,
                tags=("bulk",) if index % 5 == 0 else (),
            )
        )
    return rows


@contextmanager
def count_statements() -> Iterator[list[str]]:
    """Record every SQL statement any SQLAlchemy engine sends while the block runs."""
    statements: list[str] = []

    def record(
        _conn: Any, _cursor: Any, statement: str, _params: Any, _context: Any, _many: bool
    ) -> None:
        statements.append(statement)

    event.listen(Engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(Engine, "before_cursor_execute", record)


def run_shell(
    command: str, *, env: Mapping[str, str], timeout: float = SUBPROCESS_TIMEOUT
) -> subprocess.CompletedProcess[str]:
    """Run a real ``bash -c`` pipeline; ``taskcli`` inside it is ``python -m taskcli``."""
    return subprocess.run(
        ["bash", "-c", command],
        env={**os.environ, "PYTHONPATH": str(REPO_ROOT), **env},
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


@dataclass(frozen=True)
class Output:
    """What one real ``taskcli`` process wrote, and how it ended."""

    returncode: int
    stdout: str
    stderr: str


def run_in_terminal(args: Sequence[str], *, env: Mapping[str, str], columns: int = 120) -> Output:
    """Run ``python -m taskcli`` with stdout on a real pseudo-terminal (stdin empty).

    This is the path a person at a terminal sees: ``isatty()`` is true, so the
    Rich table and colours are used. Line endings come back as ``\\r\\n``.
    """
    import fcntl
    import pty
    import select
    import struct
    import termios

    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 50, columns, 0, 0))
    process = subprocess.Popen(
        [sys.executable, "-m", "taskcli", *args],
        stdin=subprocess.DEVNULL,
        stdout=slave,
        stderr=subprocess.PIPE,
        env={**os.environ, "PYTHONPATH": str(REPO_ROOT), "TERM": "xterm-256color", **env},
    )
    os.close(slave)
    chunks: list[bytes] = []
    deadline = time.monotonic() + SUBPROCESS_TIMEOUT
    try:
        while time.monotonic() < deadline:
            ready_fds, _, _ = select.select([master], [], [], 1.0)
            if not ready_fds:
                if process.poll() is not None:
                    break
                continue
            try:
                data = os.read(master, 65536)
            except OSError:  # EIO: the child closed the terminal
                break
            if not data:
                break
            chunks.append(data)
        returncode = process.wait(timeout=max(deadline - time.monotonic(), 1))
    finally:
        os.close(master)
        if process.poll() is None:
            process.kill()
            process.wait()
    assert process.stderr is not None
    stderr = process.stderr.read().decode("utf-8", "replace")
    process.stderr.close()
    return Output(returncode, b"".join(chunks).decode("utf-8"), stderr)


def in_parallel(jobs: Mapping[str, Callable[[], T]]) -> dict[str, T]:
    """Run independent subprocess jobs at once (each one mostly waits on its child)."""
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=4) as pool:
        futures = {name: pool.submit(job) for name, job in jobs.items()}
        return {name: future.result() for name, future in futures.items()}


def run_interactive(
    args: Sequence[str],
    *,
    env: Mapping[str, str],
    answer: str,
    prompt: str = "[y/N]: ",
    before_answer: Callable[[], object] | None = None,
) -> Output:
    """Run ``python -m taskcli`` on a pseudo-terminal (stdin, stdout and stderr),
    wait for ``prompt``, call ``before_answer`` (if any), type ``answer`` and Enter,
    and collect everything shown."""
    import pty
    import select

    master, slave = pty.openpty()
    process = subprocess.Popen(
        [sys.executable, "-m", "taskcli", *args],
        stdin=slave,
        stdout=slave,
        stderr=slave,
        start_new_session=True,
        env={**os.environ, "PYTHONPATH": str(REPO_ROOT), "TERM": "xterm-256color", **env},
    )
    os.close(slave)
    shown = b""
    answered = False
    deadline = time.monotonic() + SUBPROCESS_TIMEOUT
    try:
        while time.monotonic() < deadline:
            if not answered and prompt.encode() in shown:
                if before_answer is not None:
                    before_answer()
                os.write(master, answer.encode() + b"\r")
                answered = True
            ready_fds, _, _ = select.select([master], [], [], 0.5)
            if not ready_fds:
                if process.poll() is not None:
                    break
                continue
            try:
                data = os.read(master, 65536)
            except OSError:  # EIO: the child closed the terminal
                break
            if not data:
                break
            shown += data
        returncode = process.wait(timeout=max(deadline - time.monotonic(), 1))
    finally:
        os.close(master)
        if process.poll() is None:
            process.kill()
            process.wait()
    return Output(returncode, shown.decode("utf-8"), "")
