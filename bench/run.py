"""taskcli's performance figures in one command: whole processes, floors, Taskwarrior.

    python bench/run.py [--sizes 1000 10000 100000] [--runs 5] [--postgres URL]
                        [--no-postgres] [--out FILE]

Users feel whole processes, not functions, so every figure is one ``taskcli``
process from spawn to exit (1 warm-up, then ``--runs`` runs; median, min-max,
and that child's own peak RSS, read with ``wait4`` by the small ``launch.py``
that spawns it). Each is set against floors timed
in the same rounds, on the same data: the bare import of the stack, and a
raw-driver script running the same SQL and printing the same JSON
(``floor_sqlite.py``, ``floor_pg.py``), plus Taskwarrior when it is installed.
Commands, backends and Taskwarrior run interleaved, round by round, so a
noisy neighbour slows all of them alike. Datasets are generated into temporary
directories and databases (``datasets.py``) and never committed; PostgreSQL
databases are dropped at the end. SQL statements per command are counted
in-process with an engine hook.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import dataclasses
import fcntl
import itertools
import json
import os
import platform
import shutil
import sqlite3
import statistics
import struct
import subprocess
import sys
import tempfile
import termios
import threading
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(BENCH))

from datasets import generate  # noqa: E402
from pg import temporary_database  # noqa: E402

DEFAULT_SIZES = (1_000, 10_000, 100_000)
DEFAULT_POSTGRES = "postgresql://postgres@127.0.0.1:5432/postgres"
TIMEOUT = 300.0  # seconds for one process; a hung command is reported, not waited for
BULK_TIMEOUT = 900.0
BULK_SMALL, BULK_SMALL_AT, BULK_SMALL_RUNS = 10_000, 10_000, 3
BULK_LARGE, BULK_LARGE_RUNS = 100_000, 1
TTY_SIZE = (50, 120)  # rows, columns of the pseudo-terminal
IMPORT_FLOOR = {
    "sqlite": "import sqlmodel, sqlalchemy.ext.asyncio, aiosqlite",
    "postgresql": "import sqlmodel, sqlalchemy.ext.asyncio, asyncpg",
}
X = "\N{MULTIPLICATION SIGN}"  # ratios
DASH = "\N{EN DASH}"  # ranges
IMPORT_LABEL = "floor: import"
STARTUP = "startup"  # the group for commands that never open a database
TASKWARRIOR = "taskwarrior"


# -- one process ----------------------------------------------------------------


@dataclass(frozen=True)
class Sample:
    """One finished child: wall time from spawn to exit, its own peak RSS, how it ended."""

    seconds: float
    max_rss: int  # bytes
    returncode: int
    timed_out: bool
    stderr: str


def run_process(
    argv: Sequence[str],
    *,
    env: dict[str, str],
    cwd: Path,
    stdin: Path | None = None,
    tty: bool = False,
    timeout: float = TIMEOUT,
) -> Sample:
    """Run one child with stdout on a pipe (or a pseudo-terminal) drained by a thread.

    ``launch.py`` spawns it, times it and reads its own peak RSS with ``wait4``
    (not the cumulative RUSAGE_CHILDREN), from a process small enough not to
    inflate that peak.
    """
    if tty:
        reader, writer = os.openpty()
        rows, columns = TTY_SIZE
        fcntl.ioctl(writer, termios.TIOCSWINSZ, struct.pack("HHHH", rows, columns, 0, 0))
    else:
        reader, writer = os.pipe()
    report_reader, report_writer = os.pipe()
    launcher = [sys.executable, "-S", str(BENCH / "launch.py"), str(timeout), str(report_writer)]
    drained = threading.Thread(target=_drain, args=(reader,), daemon=True)
    with (
        tempfile.TemporaryFile() as errors,
        open(stdin, "rb") if stdin else open(os.devnull, "rb") as source,
    ):
        try:
            process = subprocess.Popen(
                [*launcher, *argv],
                stdin=source,
                stdout=writer,
                stderr=errors,
                env=env,
                cwd=cwd,
                pass_fds=(report_writer,),
            )
        except OSError as error:
            for fd in (reader, writer, report_reader, report_writer):
                os.close(fd)
            return Sample(0.0, 0, 127, False, f"cannot start: {error}")
        os.close(writer)
        os.close(report_writer)
        drained.start()
        try:
            process.wait(timeout=timeout + 60)  # the launcher kills at ``timeout`` itself
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        report = os.read(report_reader, 256).decode().split()
        os.close(report_reader)
        drained.join(timeout=30)
        with contextlib.suppress(OSError):
            os.close(reader)
        errors.seek(0)
        stderr = errors.read()[-4000:].decode("utf-8", "replace")
    if len(report) != 4:
        return Sample(0.0, 0, process.returncode or 70, False, f"launcher failed: {stderr}")
    seconds, max_rss_kib, code, timed_out = report
    return Sample(float(seconds), int(max_rss_kib) * 1024, int(code), timed_out == "1", stderr)


def _drain(fd: int) -> None:
    """Read and drop everything; a pseudo-terminal ends with EIO once the child exits."""
    try:
        while os.read(fd, 1 << 16):
            pass
    except OSError:
        pass


# -- what is measured -------------------------------------------------------------


@dataclass
class Spec:
    """One command to time, and what its ratios are taken against."""

    label: str
    argv: Callable[[int], list[str]]  # run number (0 = warm-up) -> argv
    floor: str | None = None  # label of the floor row in the same group
    taskwarrior: str | None = None  # label of the Taskwarrior row of the same size
    tty: bool = False
    stdin: Path | None = None
    sql: list[str] | None = None  # args for the in-process statement count
    sql_input: Path | None = None
    timeout: float = TIMEOUT
    note: str = ""
    warm: bool = False  # run through the command server (the others run with it off)


@dataclass
class Result:
    """The measured runs of one spec on one backend at one size (and where it runs)."""

    spec: Spec
    backend: str
    size: int | None
    env: dict[str, str] = field(repr=False)
    cwd: Path
    samples: list[Sample] = field(default_factory=list)
    error: str | None = None
    statements: int | None = None
    statements_error: str | None = None

    @property
    def ok(self) -> bool:
        return self.error is None and bool(self.samples)

    @property
    def median(self) -> float:
        return statistics.median(s.seconds for s in self.samples)

    @property
    def peak_rss(self) -> int:
        return max(s.max_rss for s in self.samples)


def fixed(argv: list[str]) -> Callable[[int], list[str]]:
    return lambda _run: argv


def taskcli_argv() -> list[str]:
    """The console script beside this Python if installed, else ``python -m taskcli``."""
    script = Path(sys.executable).with_name("taskcli")
    if script.exists() and os.access(script, os.X_OK):
        return [str(script)]
    return [sys.executable, "-m", "taskcli"]


def compile_installed(ctx_notes: list[str], home: Path) -> None:
    """Byte-compile the taskcli that is timed, as ``pip install .`` does.

    An editable install run with ``PYTHONDONTWRITEBYTECODE=1`` (common in
    containers) would otherwise compile every taskcli module on every run,
    about 100 ms that no installed taskcli pays.
    """
    code = (
        "import compileall, os, taskcli; "
        "print(compileall.compile_dir(os.path.dirname(taskcli.__file__), quiet=1))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=home, capture_output=True, text=True, check=False
    )
    if done.returncode != 0 or done.stdout.strip() != "True":
        ctx_notes.append(f"Byte-compiling taskcli failed: {done.stderr.strip()[:200]}")


def python_floor(code: str) -> list[str]:
    return [sys.executable, "-c", code]


def measure(results: Sequence[Result], *, runs: int, title: str) -> None:
    """1 warm-up round, then ``runs`` rounds; every round runs every command once.

    Interleaving commands, backends and Taskwarrior round by round means a noisy
    neighbour slows all of them alike, so the ratios stay fair. A command that
    fails is reported with its error and left out of later rounds.
    """
    for round_number in range(runs + 1):
        progress(f"  {title}: {'warm-up' if round_number == 0 else f'run {round_number}/{runs}'}")
        for result in results:
            spec = result.spec
            if result.error is not None:
                continue
            sample = run_process(
                spec.argv(round_number),
                env=result.env,
                cwd=result.cwd,
                stdin=spec.stdin,
                tty=spec.tty,
                timeout=spec.timeout,
            )
            if sample.timed_out:
                result.error = f"timed out after {spec.timeout:.0f} s"
            elif sample.returncode != 0:
                result.error = f"exit {sample.returncode}: {_first_error(sample.stderr)}"
            elif round_number > 0:
                result.samples.append(sample)
            if result.error:
                progress(f"    {result.backend} {spec.label}: {result.error}")


def _first_error(stderr: str) -> str:
    lines = [line.strip() for line in stderr.splitlines() if line.strip()]
    chosen = next((line for line in lines if line.startswith("Error")), lines[-1] if lines else "")
    return chosen[:120]


def progress(message: str) -> None:
    sys.stderr.write(f"[{time.strftime('%H:%M:%S')}] {message}\n")
    sys.stderr.flush()


# -- statement counts (in-process) -------------------------------------------------


def count_statements(url: str, args: list[str], stdin: Path | None = None) -> int:
    """SQL statements one in-process invocation sends (hook on the ``Engine`` class)."""
    from sqlalchemy import event
    from sqlalchemy.engine import Engine
    from typer.testing import CliRunner

    from taskcli.cli import app

    statements = 0

    def count(*_: Any) -> None:
        nonlocal statements
        statements += 1

    data = stdin.read_bytes() if stdin else None
    event.listen(Engine, "before_cursor_execute", count)
    try:
        result = CliRunner().invoke(app, args, input=data, env={"TASKCLI_DATABASE_URL": url})
    finally:
        event.remove(Engine, "before_cursor_execute", count)
    if result.exit_code != 0:
        raise RuntimeError(f"exit {result.exit_code}: {_first_error(result.output)}")
    return statements


def count_all(results: Sequence[Result], url: str) -> None:
    for result in results:
        spec = result.spec
        if spec.sql is None:
            continue
        try:
            result.statements = count_statements(url, spec.sql, spec.sql_input)
        except Exception as error:  # reported in the table, never a crash
            result.statements_error = str(error)[:120]


# -- datasets -----------------------------------------------------------------------


@dataclass
class Picks:
    """Ids chosen before timing: pending leaves for ``done``, a mid-tree task for ``show``."""

    leaves: list[int]
    show: int
    pending: int


PICK_LEAVES = (
    "SELECT id FROM task AS t WHERE status = 'pending'"
    " AND NOT EXISTS (SELECT 1 FROM task AS c WHERE c.parent_id = t.id) ORDER BY id DESC LIMIT {n}"
)
PICK_SHOW = (
    "SELECT id FROM task AS t WHERE parent_id IS NOT NULL"
    " AND EXISTS (SELECT 1 FROM task AS c WHERE c.parent_id = t.id) ORDER BY id LIMIT 1"
)
COUNT_PENDING = "SELECT count(*) FROM task WHERE status = 'pending'"
PENDING_FOR_TASKWARRIOR = (
    "SELECT t.id, t.title, t.priority, t.due, t.created_at,"
    " (SELECT group_concat(tag.name) FROM task_tag JOIN tag ON tag.id = task_tag.tag_id"
    "  WHERE task_tag.task_id = t.id) FROM task AS t WHERE t.status = 'pending'"
)


def pick(url: str, backend: str, leaves: int) -> Picks:
    queries = (PICK_LEAVES.format(n=leaves), PICK_SHOW, COUNT_PENDING)
    if backend == "sqlite":
        connection = sqlite3.connect(url.partition(":///")[2])
        try:
            found = [connection.execute(query).fetchall() for query in queries]
        finally:
            connection.close()
    else:
        found = asyncio.run(_pg_fetch(url, queries))
    leaf_ids = [row[0] for row in found[0]]
    show_id = found[1][0][0] if found[1] else 1
    return Picks(leaves=leaf_ids, show=show_id, pending=found[2][0][0])


async def _pg_fetch(url: str, queries: Sequence[str]) -> list[list[Any]]:
    import asyncpg

    connection = await asyncpg.connect(url, timeout=10)
    try:
        return [[tuple(row) for row in await connection.fetch(query)] for query in queries]
    finally:
        await connection.close()


def make_dataset(url: str, size: int) -> None:
    """Generate; on PostgreSQL also ``VACUUM ANALYZE``, the state autovacuum reaches soon.

    Right after a bulk load the planner has no statistics and picks sequential
    scans; timing that would depend on when autovacuum happens to run.
    """
    from taskcli.config import parse_database_url

    generate(parse_database_url(url), size)
    if not url.startswith("sqlite"):
        asyncio.run(_pg_execute(url, "VACUUM ANALYZE"))


async def _pg_execute(url: str, statement: str) -> None:
    import asyncpg

    connection = await asyncpg.connect(url, timeout=10)
    try:
        await connection.execute(statement)
    finally:
        await connection.close()


def write_titles(path: Path, count: int) -> Path:
    path.write_text("".join(f"Bulk task {n}\n" for n in range(1, count + 1)))
    return path


# -- Taskwarrior ---------------------------------------------------------------------


def taskwarrior_version() -> str | None:
    binary = shutil.which("task")
    if binary is None:
        return None
    try:
        done = subprocess.run(
            [binary, "--version"], capture_output=True, text=True, timeout=30, check=False
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return done.stdout.strip() or "unknown version"


def taskwarrior_env(directory: Path, base: dict[str, str]) -> dict[str, str]:
    """A private Taskwarrior: its own data dir and rc, no prompts, no renumbering, no hooks."""
    data = directory / "taskdata"
    data.mkdir(parents=True, exist_ok=True)
    rc = directory / "taskrc"
    rc.write_text(
        f"data.location={data}\n"
        "confirmation=off\nverbose=nothing\ngc=0\nhooks=off\n"
        "recurrence=off\ndetection=off\ncolor=off\n"
    )
    return {**base, "TASKRC": str(rc), "TASKDATA": str(data)}


def taskwarrior_import(sqlite_url: str, env: dict[str, str], cwd: Path) -> int:
    """Import the dataset's pending tasks (title, priority, due, tags) with ``task import``."""
    connection = sqlite3.connect(sqlite_url.partition(":///")[2])
    try:
        rows = connection.execute(PENDING_FOR_TASKWARRIOR).fetchall()
    finally:
        connection.close()
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    records = []
    for _id, title, priority, due, _created, tags in rows:
        record: dict[str, Any] = {
            "uuid": str(uuid.uuid4()),
            "description": title,
            "status": "pending",
            "entry": stamp,
        }
        if priority:
            record["priority"] = "LMH"[priority - 1]
        if due:
            when = datetime.fromisoformat(str(due)).replace(tzinfo=UTC)
            record["due"] = when.strftime("%Y%m%dT%H%M%SZ")
        if tags:
            record["tags"] = tags.split(",")
        records.append(record)
    source = cwd / "taskwarrior-import.json"
    source.write_text(json.dumps(records))
    done = subprocess.run(
        ["task", "import", str(source)],
        env=env,
        cwd=cwd,
        capture_output=True,
        timeout=TIMEOUT,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"task import: exit {done.returncode}: {done.stderr[-200:]!r}")
    return len(records)


# -- one group: a backend at one size ------------------------------------------------


@dataclass
class Context:
    """What one run knows: its options, the environment for children, and the results."""

    args: argparse.Namespace
    taskcli: list[str]
    base_env: dict[str, str]
    taskwarrior: str | None
    results: list[Result] = field(default_factory=list)
    pending: dict[tuple[str, int], int] = field(default_factory=dict)
    fingerprints: list[tuple[str, str]] = field(default_factory=list)  # (when, hash)
    commit: tuple[str, str] = field(default_factory=lambda: git_commit())
    notes: list[str] = field(default_factory=list)
    warm_env: dict[str, str] = field(default_factory=dict)  # points taskcli at the server


def clean_env(home: Path) -> dict[str, str]:
    """The parent's environment minus anything that would steer taskcli or Rich."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith("TASKCLI_")
        and key not in ("NO_COLOR", "COLUMNS", "LINES", "FORCE_COLOR", "TASKRC", "TASKDATA")
    }
    env["XDG_DATA_HOME"] = str(home / "xdg-data")
    env.setdefault("TERM", "xterm-256color")
    env["TASKCLI_SERVER"] = "0"  # cold: every process imports the stack itself
    return env


# -- warm: the command server ------------------------------------------------------
WARM = " (warm)"
BASELINE_ADD = "add x (baseline)"  # ``--baseline``: another checkout's taskcli, same data
WARM_LABELS = ("add x", "done ID", "list", "list -f json", "taskcli --help")


def warm_specs(specs: Sequence[Spec], done_argv: Callable[[int], list[str]]) -> list[Spec]:
    """The same commands handed to a running server (no SQL count: the same statements)."""
    warm = []
    for spec in specs:
        if spec.label in WARM_LABELS:
            argv = done_argv if spec.label == "done ID" else spec.argv
            warm.append(
                dataclasses.replace(spec, label=spec.label + WARM, argv=argv, sql=None, warm=True)
            )
    return warm


def start_server(ctx: Context, home: Path) -> int | None:
    """One server for the whole run, in a private runtime directory; its pid."""
    ctx.warm_env = {
        "TASKCLI_SERVER": "1",
        "XDG_RUNTIME_DIR": tempfile.mkdtemp(prefix="tc-bench-"),
        "XDG_STATE_HOME": str(home / "state"),
    }
    started = subprocess.run(
        [*ctx.taskcli, "server", "start"],
        env={**ctx.base_env, **ctx.warm_env},
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        check=False,
    )
    words = started.stderr.replace("(", " ").replace(")", " ").split()
    if started.returncode != 0 or "pid" not in words:
        ctx.notes.append(f"The command server did not start: {started.stderr.strip()[:200]}")
        return None
    pid = int(words[words.index("pid") + 1])
    time.sleep(1)
    ctx.notes.append(f"Command server idle RSS after start: {rss_mib(pid)}.")
    return pid


def stop_server(ctx: Context, pid: int | None) -> None:
    if pid is None:
        return
    ctx.notes.append(f"Command server RSS after the run (idle): {rss_mib(pid)}.")
    subprocess.run(
        [*ctx.taskcli, "server", "stop"],
        env={**ctx.base_env, **ctx.warm_env},
        capture_output=True,
        timeout=TIMEOUT,
        check=False,
    )
    shutil.rmtree(ctx.warm_env["XDG_RUNTIME_DIR"], ignore_errors=True)


def rss_mib(pid: int) -> str:
    try:
        with open(f"/proc/{pid}/status") as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    return f"{int(line.split()[1]) / 1024:.1f} MiB"
    except OSError:
        pass
    return "unknown"


def env_for(ctx: Context, spec: Spec, env: dict[str, str]) -> dict[str, str]:
    return {**env, **ctx.warm_env} if spec.warm else env


def taskcli_specs(
    ctx: Context, backend: str, url: str, picks: Picks, baseline: str | None = None
) -> list[Spec]:
    """The commands and the floors they are divided by, for one group.

    ``baseline`` is the URL of the dataset's copy at the ``--baseline`` taskcli's schema.
    """
    tc = ctx.taskcli
    floor_script = str(BENCH / ("floor_sqlite.py" if backend == "sqlite" else "floor_pg.py"))
    leaves = picks.leaves

    half = max(len(leaves) // 2, 1)  # the first half for cold runs, the rest warm

    def done_argv(run: int) -> list[str]:
        return [*tc, "done", str(leaves[run % half])]

    def warm_done_argv(run: int) -> list[str]:
        return [*tc, "done", str(leaves[half + run % max(len(leaves) - half, 1)])]

    imports = IMPORT_LABEL
    cold = [
        Spec(imports, fixed(python_floor(IMPORT_FLOOR[backend])), note=IMPORT_FLOOR[backend]),
        Spec("floor: raw list", fixed([sys.executable, floor_script, url, "list"])),
        Spec("floor: raw ids", fixed([sys.executable, floor_script, url, "ids"])),
        Spec("floor: raw tree", fixed([sys.executable, floor_script, url, "tree"])),
        Spec(
            "floor: raw show", fixed([sys.executable, floor_script, url, "show", str(picks.show)])
        ),
        Spec("add x", fixed([*tc, "add", "x"]), imports, "task add x", sql=["add", "x"]),
        *(
            [
                Spec(
                    BASELINE_ADD,
                    fixed([ctx.args.baseline, "--db", baseline, "add", "x"]),
                    imports,
                    "task add x",
                )
            ]
            if baseline
            else []
        ),
        Spec("done ID", done_argv, imports, "task done ID", sql=["done", str(leaves[-1])]),
        Spec("list", fixed([*tc, "list"]), "floor: raw list", "task list", sql=["list"]),
        Spec(
            "list -f json",
            fixed([*tc, "list", "-f", "json"]),
            "floor: raw list",
            "task list",
            sql=["list", "-f", "json"],
        ),
        Spec(
            "list -f ids",
            fixed([*tc, "list", "-f", "ids"]),
            "floor: raw ids",
            "task list",
            sql=["list", "-f", "ids"],
        ),
        Spec(
            "list (terminal)",
            fixed([*tc, "list"]),
            "floor: raw list",
            "task list",
            tty=True,
            sql=["list"],
        ),
        Spec(
            "tree -f json",
            fixed([*tc, "tree", "-f", "json"]),
            "floor: raw tree",
            "task export",
            sql=["tree", "-f", "json"],
        ),
        Spec("tree", fixed([*tc, "tree"]), "floor: raw tree", sql=["tree"]),
        # The most urgent actionable tasks: every pending leaf is ranked, ten are shown.
        Spec("next", fixed([*tc, "next"]), None, "task next", sql=["next"]),
        Spec(
            "show ID",
            fixed([*tc, "show", str(picks.show)]),
            "floor: raw show",
            sql=["show", str(picks.show)],
        ),
    ]
    return cold + warm_specs(cold, warm_done_argv)


def taskwarrior_specs(uuids: Sequence[str]) -> list[Spec]:
    specs = [
        Spec("task list", fixed(["task", "list"])),
        Spec("task add x", fixed(["task", "add", "x"])),
        Spec("task export", fixed(["task", "export"])),
        Spec("task next", fixed(["task", "next"])),
    ]
    if uuids:  # a different pending task each run, by uuid (ids move as tasks finish)
        specs.append(Spec("task done ID", lambda run: ["task", uuids[run % len(uuids)], "done"]))
    return specs


def taskwarrior_uuids(env: dict[str, str], cwd: Path, count: int) -> list[str]:
    done = subprocess.run(
        ["task", "_uuids"], env=env, cwd=cwd, capture_output=True, text=True, timeout=TIMEOUT
    )
    return done.stdout.split()[:count] if done.returncode == 0 else []


@dataclass
class Group:
    """One backend's dataset at one size, and its commands still to be timed."""

    backend: str
    url: str
    results: list[Result]


def baseline_copy(
    ctx: Context, backend: str, url: str, scratch: Path, cleanup: contextlib.ExitStack
) -> str:
    """A copy of the dataset at the schema the ``--baseline`` taskcli knows; its URL.

    The baseline refuses a schema newer than its own, so it gets a copy that this
    taskcli has downgraded to the baseline's head revision: same tasks, its schema.
    """
    if backend == "sqlite":
        copy = f"sqlite:///{scratch}/baseline.db"
        shutil.copyfile(url.partition(":///")[2], scratch / "baseline.db")
    else:
        copy = cleanup.enter_context(
            temporary_database(ctx.args.postgres, template=url.rpartition("/")[2])
        )
    env = {**ctx.base_env, "TASKCLI_DATABASE_URL": copy}
    history = subprocess.run(
        [ctx.args.baseline, "db", "history"], env=env, capture_output=True, text=True, check=True
    )
    head = history.stdout.split()[2]  # "0002 -> 0003 (head), ..."
    subprocess.run(
        [*ctx.taskcli, "db", "downgrade", head, "--yes"],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    return copy


def prepare_group(
    ctx: Context,
    backend: str,
    url: str,
    size: int,
    scratch: Path,
    cleanup: contextlib.ExitStack,
) -> Group:
    """Generate the dataset, pick ids, time the bulk adds on fresh copies, list the commands."""
    started = time.perf_counter()
    progress(f"{backend} {size:,}: generating the dataset")
    make_dataset(url, size)
    progress(f"{backend} {size:,}: generated in {time.perf_counter() - started:.0f} s")
    picks = pick(url, backend, leaves=2 * (ctx.args.runs + 2))
    ctx.pending[(backend, size)] = picks.pending
    if backend == "sqlite":
        shutil.copyfile(url.partition(":///")[2], scratch / "pristine.db")
    env = {**ctx.base_env, "TASKCLI_DATABASE_URL": url}
    for lines, runs in bulk_plan(size, ctx.args.sizes):
        run_bulk(ctx, backend, url, size, lines, runs, scratch, env)
    baseline = baseline_copy(ctx, backend, url, scratch, cleanup) if ctx.args.baseline else None
    specs = taskcli_specs(ctx, backend, url, picks, baseline)
    return Group(
        backend,
        url,
        [Result(spec, backend, size, env_for(ctx, spec, env), scratch) for spec in specs],
    )


def taskwarrior_results(ctx: Context, sqlite_url: str, size: int, scratch: Path) -> list[Result]:
    """A private Taskwarrior holding the SQLite dataset's pending tasks, or nothing."""
    if not ctx.taskwarrior:
        return []
    try:
        env = taskwarrior_env(scratch / "tw", ctx.base_env)
        count = taskwarrior_import(sqlite_url, env, scratch)
    except (OSError, RuntimeError, subprocess.SubprocessError) as error:
        ctx.notes.append(f"Taskwarrior at {size:,} tasks: import failed ({error}).")
        return []
    progress(f"taskwarrior {size:,}: imported {count:,} pending tasks")
    uuids = taskwarrior_uuids(env, scratch, ctx.args.runs + 1)
    return [Result(spec, TASKWARRIOR, size, env, scratch) for spec in taskwarrior_specs(uuids)]


def run_size(ctx: Context, size: int, home: Path) -> None:
    """Both backends (and Taskwarrior) at one size, timed in the same interleaved rounds."""
    backends = ["sqlite"] + ([] if ctx.args.no_postgres else ["postgresql"])
    with contextlib.ExitStack() as cleanup:
        groups: list[Group] = []
        for backend in backends:
            scratch = home / f"{backend}-{size}"
            scratch.mkdir()
            cleanup.callback(shutil.rmtree, scratch, ignore_errors=True)
            try:
                if backend == "sqlite":
                    url = f"sqlite:///{scratch}/tasks.db"
                else:
                    url = cleanup.enter_context(temporary_database(ctx.args.postgres))
                groups.append(prepare_group(ctx, backend, url, size, scratch, cleanup))
            except Exception as error:  # one broken backend must not lose the other
                message = f"{backend} at {size:,} tasks failed: {type(error).__name__}: {error}"
                progress(message)
                ctx.notes.append(message.splitlines()[0][:300])
        # Same command on each backend back to back, then Taskwarrior.
        results = [
            result
            for row in itertools.zip_longest(*(group.results for group in groups))
            for result in row
            if result is not None
        ]
        if groups and groups[0].backend == "sqlite":
            results += taskwarrior_results(ctx, groups[0].url, size, home / f"sqlite-{size}")
        measure(results, runs=ctx.args.runs, title=f"{size:,} tasks")
        for group in groups:
            progress(f"{group.backend} {size:,}: counting SQL statements")
            count_all(group.results, group.url)
        ctx.results += results


def bulk_plan(size: int, sizes: Sequence[int]) -> list[tuple[int, int]]:
    """(lines, runs) of ``add -`` at this size: 10,000 lines at 10,000; 100,000 at the largest."""
    plan = []
    if size == BULK_SMALL_AT:
        plan.append((BULK_SMALL, BULK_SMALL_RUNS))
    if size == max(sizes):
        plan.append((BULK_LARGE, BULK_LARGE_RUNS))
    return plan


def run_bulk(
    ctx: Context,
    backend: str,
    url: str,
    size: int,
    lines: int,
    runs: int,
    scratch: Path,
    env: dict[str, str],
) -> None:
    """``add -`` of ``lines`` titles, each run on a fresh copy of the just-generated data."""
    titles = write_titles(scratch / f"titles-{lines}.txt", lines)
    label = f"add - ({lines:,} lines)"
    spec = Spec(
        label,
        fixed([*ctx.taskcli, "add", "-"]),
        IMPORT_LABEL,
        stdin=titles,
        timeout=BULK_TIMEOUT,
        sql=["add", "-"],
        sql_input=titles,
        note=f"{runs} run{'s' if runs != 1 else ''}, fresh copy each, no warm-up",
    )
    result = Result(spec, backend, size, env, scratch)
    for number in range(runs + 1):  # the extra copy is for the statement count
        progress(f"  {backend} {size:,}: {label} {'count' if number == runs else number + 1}")
        with fresh_copy(ctx, backend, url, scratch) as copy_url:
            if number == runs:
                if result.ok:
                    try:
                        result.statements = count_statements(copy_url, spec.sql or [], titles)
                    except Exception as error:  # reported, never a crash
                        result.statements_error = str(error)[:120]
                continue
            sample = run_process(
                spec.argv(number),
                env={**env, "TASKCLI_DATABASE_URL": copy_url},
                cwd=scratch,
                stdin=titles,
                timeout=spec.timeout,
            )
        if sample.timed_out:
            result.error = f"timed out after {spec.timeout:.0f} s"
        elif sample.returncode != 0:
            result.error = f"exit {sample.returncode}: {_first_error(sample.stderr)}"
        else:
            result.samples.append(sample)
        if result.error:
            progress(f"    {label}: {result.error}")
            break
    ctx.results.append(result)


@contextlib.contextmanager
def fresh_copy(ctx: Context, backend: str, url: str, scratch: Path) -> Iterator[str]:
    """A copy of the pristine dataset: a file copy, or ``CREATE DATABASE ... TEMPLATE``."""
    if backend == "sqlite":
        copy = scratch / f"copy-{uuid.uuid4().hex[:8]}.db"
        shutil.copyfile(scratch / "pristine.db", copy)
        try:
            yield f"sqlite:///{copy}"
        finally:
            for suffix in ("", "-wal", "-shm"):
                Path(f"{copy}{suffix}").unlink(missing_ok=True)
        return
    with temporary_database(ctx.args.postgres, template=url.rpartition("/")[2]) as copy_url:
        yield copy_url


def run_startup(ctx: Context, scratch: Path) -> None:
    """``--version`` and ``--help`` never open a database: timed once, against bare Python."""
    progress("startup: --version, --help")
    env = {**ctx.base_env, "TASKCLI_DATABASE_URL": f"sqlite:///{scratch}/unused.db"}
    specs = [
        Spec("floor: python -c pass", fixed(python_floor("pass"))),
        Spec(
            "taskcli --version",
            fixed([*ctx.taskcli, "--version"]),
            "floor: python -c pass",
            sql=["--version"],
        ),
        Spec(
            "taskcli --help",
            fixed([*ctx.taskcli, "--help"]),
            "floor: python -c pass",
            sql=["--help"],
        ),
    ]
    specs += warm_specs(specs, specs[0].argv)
    results = [Result(spec, STARTUP, None, env_for(ctx, spec, env), scratch) for spec in specs]
    measure(results, runs=ctx.args.runs, title="startup")
    count_all(results, env["TASKCLI_DATABASE_URL"])
    ctx.results += results


# -- report ----------------------------------------------------------------------------


def find(results: Sequence[Result], label: str, backend: str, size: int | None) -> Result | None:
    for result in results:
        if (result.spec.label, result.backend, result.size) == (label, backend, size):
            return result
    return None


def ms(seconds: float) -> str:
    value = seconds * 1000
    return f"{value:,.1f}" if value < 10 else f"{value:,.0f}"


def ratio(result: Result, other: Result | None, unit: str) -> str:
    if other is None or not other.ok or not result.ok or other.median <= 0:
        return "—"
    return f"{result.median / other.median:.2f}{X} {unit}"


def table(ctx: Context) -> str:
    """The main table: one row per (command, backend, size), backends and commands in order."""
    results = ctx.results
    header = (
        f"| command | backend | tasks | median ms | min{DASH}max ms | peak RSS MiB | {X} floor "
        f"| {X} Taskwarrior | SQL statements |\n|---|---|---|---:|---:|---:|---|---|---:|\n"
    )
    order = {STARTUP: 0, "sqlite": 1, TASKWARRIOR: 2, "postgresql": 3}
    labels: list[str] = []
    for result in results:
        if result.spec.label not in labels:
            labels.append(result.spec.label)
    rows = sorted(
        results,
        key=lambda r: (order.get(r.backend, 9), labels.index(r.spec.label), r.size or 0),
    )
    lines = []
    for result in rows:
        spec = result.spec
        floor = find(results, spec.floor, result.backend, result.size) if spec.floor else None
        taskwarrior = (
            find(results, spec.taskwarrior, TASKWARRIOR, result.size) if spec.taskwarrior else None
        )
        command = spec.label + (f" ({spec.note})" if spec.note else "")
        if result.ok:
            times = [s.seconds for s in result.samples]
            numbers = [
                ms(result.median),
                f"{ms(min(times))}{DASH}{ms(max(times))}",
                f"{result.peak_rss / 2**20:.0f}",
            ]
        else:
            numbers = [f"FAILED: {result.error or 'no runs'}", "—", "—"]
        statements = (
            str(result.statements)
            if result.statements is not None
            else f"error: {result.statements_error}"
            if result.statements_error
            else "—"
        )
        cells = [
            f"`{command}`",
            result.backend,
            f"{result.size:,}" if result.size else "—",
            *numbers,
            ratio(result, floor, floor_unit(spec.floor)),
            ratio(result, taskwarrior, spec.taskwarrior or ""),
            statements,
        ]
        lines.append("| " + " | ".join(cell.replace("|", "\\|") for cell in cells) + " |")
    return header + "\n".join(lines) + "\n"


def floor_unit(label: str | None) -> str:
    """``raw list``, ``import`` or ``python``: which floor a ratio is over."""
    name = (label or "").removeprefix("floor: ")
    if name.startswith("import"):
        return "import"
    return "python" if name.startswith("python") else name


@dataclass
class Target:
    name: str
    measured: str
    holds: bool | None  # None: not measured in this run


def targets(ctx: Context) -> list[Target]:
    """The issue's targets, each computed from this run's numbers."""
    results = ctx.results
    found: list[Target] = []

    def get(label: str, backend: str, size: int | None) -> Result | None:
        result = find(results, label, backend, size)
        return result if result is not None and result.ok else None

    def missing(name: str, why: str = "not measured in this run") -> None:
        found.append(Target(name, why, None))

    for label, limit in (
        ("taskcli --version", 60),
        ("taskcli --help", 120),
        ("taskcli --help" + WARM, 60),
    ):
        result = get(label, STARTUP, None)
        name = f"`{label}` ≤ {limit} ms"
        if result is None:
            missing(name)
        else:
            found.append(Target(name, f"{ms(result.median)} ms", result.median * 1000 <= limit))

    backends = [b for b in ("sqlite", "postgresql") if any(r.backend == b for r in results)]
    size = 10_000
    for backend in backends:
        floor = get(IMPORT_LABEL, backend, size)
        for label in ("add x", "done ID"):
            name = f"`{label}`, {backend}, 10,000 tasks: ≤ import floor + 40 ms"
            result = get(label, backend, size)
            if result is None or floor is None:
                missing(name)
                continue
            extra = (result.median - floor.median) * 1000
            found.append(
                Target(
                    name,
                    f"{ms(result.median)} ms = floor {ms(floor.median)} + {extra:,.0f} ms",
                    extra <= 40,
                )
            )
    for backend in backends:
        task_list = get("task list", TASKWARRIOR, size)
        pending = ctx.pending.get((backend, size), 0)
        for label in ("list -f ids", "list -f json", "list"):
            name = f"`{label}`, {backend}, 10,000 tasks: ≤ 1.7{X} `task list`"
            result = get(label, backend, size)
            if result is None or task_list is None:
                missing(name, "no Taskwarrior" if ctx.taskwarrior is None else "not measured")
                continue
            found.append(
                Target(
                    name,
                    f"{ms(result.median)} / {ms(task_list.median)} ms = "
                    f"{result.median / task_list.median:.2f}{X} ({pending:,} pending)",
                    result.median <= 1.7 * task_list.median,
                )
            )
    for backend in backends:
        name = f"`list` on a terminal, {backend}, 10,000 tasks: ≤ 2{X} piped table"
        tty, piped = get("list (terminal)", backend, size), get("list", backend, size)
        if tty is None or piped is None:
            missing(name)
            continue
        found.append(
            Target(
                name,
                f"{ms(tty.median)} / {ms(piped.median)} ms = {tty.median / piped.median:.2f}{X}",
                tty.median <= 2 * piped.median,
            )
        )
    for backend in backends:
        name = f"`tree -f json`, {backend}, 100,000 tasks: ≤ 1.0 s and ≤ 150 MiB"
        result = get("tree -f json", backend, 100_000)
        if result is None:
            missing(name)
            continue
        mib = result.peak_rss / 2**20
        found.append(
            Target(
                name,
                f"{ms(result.median)} ms, {mib:.0f} MiB",
                result.median <= 1.0 and mib <= 150,
            )
        )
    for backend in backends:
        name = f"`add -` of 100,000 lines, {backend}: ≤ 10 s"
        result = next(
            (
                r
                for r in results
                if r.spec.label == f"add - ({BULK_LARGE:,} lines)" and r.backend == backend
            ),
            None,
        )
        if result is None or not result.ok:
            missing(name, "failed" if result is not None else "not measured in this run")
            continue
        found.append(
            Target(
                name,
                f"{result.median:.1f} s (on {result.size:,} tasks)",
                result.median <= 10,
            )
        )
    found += next_targets(results, backends)
    found += server_targets(ctx)
    found += postgres_targets(results)
    found += statement_targets(results, backends)
    return found


def next_targets(results: Sequence[Result], backends: Sequence[str]) -> list[Target]:
    """``next`` ranks every actionable task of 100,000: at most 1.2x ``list`` (issue 15)."""
    found = []
    for backend in backends:
        name = f"`next`, {backend}, 100,000 tasks: ≤ 1.2{X} `list`"
        result, listed = (find(results, label, backend, 100_000) for label in ("next", "list"))
        if result is None or listed is None or not result.ok or not listed.ok:
            found.append(Target(name, "not measured in this run", None))
            continue
        share = result.median / listed.median
        found.append(
            Target(
                name,
                f"{ms(result.median)} / {ms(listed.median)} ms = {share:.2f}{X}",
                share <= 1.2,
            )
        )
    return found


SERVER_TARGETS = (
    # (command, over, limit)
    ("add x" + WARM, "task add x", 1.5),
    ("done ID" + WARM, "task done ID", 1.5),
    ("list" + WARM, "task list", 1.0),
    ("list -f json" + WARM, "task export", 1.0),
    ("list", "task list", 1.5),
    ("add x", BASELINE_ADD, 0.65),
)


def server_targets(ctx: Context) -> list[Target]:
    """Warm (server) and cold commands against Taskwarrior and a baseline checkout, 10,000 tasks."""
    found = []
    size = 10_000
    backends = [b for b in ("sqlite", "postgresql") if any(r.backend == b for r in ctx.results)]
    for backend in backends:
        for label, over, limit in SERVER_TARGETS:
            name = f"`{label}`, {backend}, 10,000 tasks: ≤ {limit}{X} `{over}`"
            result = find(ctx.results, label, backend, size)
            other_backend = TASKWARRIOR if over.startswith("task ") else backend
            other = find(ctx.results, over, other_backend, size)
            if result is None or other is None or not result.ok or not other.ok:
                found.append(Target(name, "not measured in this run", None))
                continue
            share = result.median / other.median
            found.append(
                Target(
                    name,
                    f"{ms(result.median)} / {ms(other.median)} ms = {share:.2f}{X}",
                    share <= limit,
                )
            )
    return found


def postgres_targets(results: Sequence[Result]) -> list[Target]:
    """PostgreSQL vs SQLite per size: the worst command's extra time must be ≤ 40 ms."""
    found = []
    sizes = sorted({r.size for r in results if r.backend == "postgresql" and r.size})
    if not sizes:
        return [Target("PostgreSQL vs SQLite, same command: ≤ +40 ms", "not measured", None)]
    for size in sizes:
        deltas = []
        for result in results:
            if result.backend != "postgresql" or result.size != size or not result.ok:
                continue
            if result.spec.label.startswith(("floor", "add - ")):
                continue  # floors differ by design; bulk adds are per-row work, not overhead
            other = find(results, result.spec.label, "sqlite", size)
            if other is not None and other.ok:
                deltas.append(((result.median - other.median) * 1000, result.spec.label))
        name = f"PostgreSQL vs SQLite, {size:,} tasks: every command ≤ +40 ms"
        if not deltas:
            found.append(Target(name, "not measured", None))
            continue
        worst = sorted(deltas, reverse=True)
        over = [f"`{label}` {delta:+,.0f}" for delta, label in worst if delta > 40]
        measured = (
            f"worst `{worst[0][1]}` {worst[0][0]:+,.0f} ms"
            if not over
            else f"{len(over)} over: " + ", ".join(over)
        )
        found.append(Target(name, measured, not over))
    return found


def statement_targets(results: Sequence[Result], backends: Sequence[str]) -> list[Target]:
    """SQL statements per command must not change with the number of tasks."""
    found = []
    for backend in backends:
        counts: dict[str, dict[int, int]] = {}
        for result in results:
            if result.backend == backend and result.statements is not None and result.size:
                if result.spec.label.startswith("add - "):
                    continue  # scales with the lines read, by design (batches of 5,000)
                counts.setdefault(result.spec.label, {})[result.size] = result.statements
        name = f"SQL statements constant in the number of tasks, {backend}"
        multi = {label: c for label, c in counts.items() if len(c) > 1}
        if not multi:
            found.append(Target(name, "needs two sizes", None))
            continue
        varying = [
            f"`{label}` " + "/".join(str(c[s]) for s in sorted(c))
            for label, c in multi.items()
            if len(set(c.values())) > 1
        ]
        sizes = sorted({size for c in multi.values() for size in c})
        measured = (
            f"{len(multi)} commands, same counts at {', '.join(f'{s:,}' for s in sizes)}"
            if not varying
            else "varies: " + ", ".join(varying)
        )
        found.append(Target(name, measured, not varying))
    return found


def targets_table(ctx: Context) -> str:
    lines = ["| target | measured | holds |", "|---|---|---|"]
    for target in targets(ctx):
        holds = "not measured" if target.holds is None else "yes" if target.holds else "**NO**"
        lines.append(f"| {target.name} | {target.measured} | {holds} |")
    return "\n".join(lines) + "\n"


def preface(ctx: Context, started: datetime, elapsed: float) -> str:
    """Where and how the numbers were taken, so that they can be compared later."""
    from taskcli import __version__

    commit, dirty = ctx.commit
    load = ", ".join(f"{value:.2f}" for value in os.getloadavg())
    pending = ", ".join(
        f"{backend} {size:,}: {count:,}" for (backend, size), count in sorted(ctx.pending.items())
    )
    lines = [
        f"# taskcli benchmark, {started:%Y-%m-%d %H:%M} UTC",
        "",
        f"- taskcli {__version__} at {commit or 'unknown commit'}{dirty}; "
        f"`{' '.join(ctx.taskcli)}`",
        f"- Python {platform.python_version()}, {platform.system()} {platform.release()}, "
        f"{os.cpu_count()} CPUs, load average at the end {load}; took {elapsed / 60:.1f} min",
        f"- Taskwarrior: {ctx.taskwarrior or 'not installed (apt-get install taskwarrior)'}",
        f"- {ctx.args.runs} run{'s' if ctx.args.runs != 1 else ''} after 1 warm-up, "
        "commands, backends and Taskwarrior interleaved round by round; "
        "times are whole processes (spawn to exit), RSS is the child's own peak (`wait4`).",
        f"- Pending tasks per dataset: {pending or 'none'}",
        f"- {X} floor: median over the named floor's median in the same group: `raw list`, "
        "`raw ids`, `raw tree`, `raw show` are the same SQL through the bare driver printing "
        "the same output; `import` is `python -c` importing the stack; `python` is "
        "`python -c pass`.",
        f"- {X} Taskwarrior: `list*` over `task list`, `add x` over `task add x`, "
        "`tree -f json` over `task export` (same number of pending tasks).",
        "- SQL statements: one in-process run through `CliRunner`, counted on "
        "`before_cursor_execute` (SQLite counts its `BEGIN`, asyncpg does not).",
        "- PostgreSQL datasets get `VACUUM ANALYZE` after generation (autovacuum's steady "
        "state); SQLite ones get no `ANALYZE`, as taskcli never runs it.",
        *(f"- {note}" for note in ctx.notes),
        f"- taskcli sources {changed_sources(ctx)}",
        "",
    ]
    return "\n".join(lines)


def changed_sources(ctx: Context) -> str:
    """Whether the measured code stayed the same from the first size to the last."""
    hashes = [fingerprint for _, fingerprint in ctx.fingerprints]
    if len(set(hashes)) <= 1:
        return f"unchanged during the run ({hashes[0] if hashes else 'unknown'})"
    steps = ", ".join(f"{when} {fingerprint}" for when, fingerprint in ctx.fingerprints)
    return f"CHANGED during the run, so sizes mix code versions: {steps}"


def source_fingerprint() -> str:
    """A hash of taskcli's sources, to tell when the code changed in the middle of a run."""
    import hashlib

    digest = hashlib.sha256()
    for folder in ("taskcli", "migrations"):
        for path in sorted((REPO / folder).rglob("*.py")):
            digest.update(str(path.relative_to(REPO)).encode())
            with contextlib.suppress(OSError):
                digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


def git_commit() -> tuple[str, str]:
    """The checkout's commit, and a remark if its working tree has changes."""
    commit = _git("rev-parse", "--short", "HEAD")
    dirty = (
        " (with uncommitted changes in taskcli/)"
        if _git("status", "--porcelain", "taskcli")
        else ""
    )
    return commit, dirty


def _git(*args: str) -> str:
    try:
        done = subprocess.run(
            ["git", *args], cwd=REPO, capture_output=True, text=True, timeout=30, check=False
        )
    except (OSError, subprocess.SubprocessError):
        return ""
    return done.stdout.strip()


# -- main ------------------------------------------------------------------------------


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description="Time taskcli as whole processes against floors and Taskwarrior."
    )
    parser.add_argument(
        "--sizes",
        type=int,
        nargs="+",
        default=list(DEFAULT_SIZES),
        metavar="N",
        help="dataset sizes in tasks (default: %(default)s)",
    )
    parser.add_argument(
        "--runs", type=int, default=5, metavar="N", help="measured runs after 1 warm-up (5)"
    )
    parser.add_argument(
        "--postgres",
        default=DEFAULT_POSTGRES,
        metavar="URL",
        help="a server where temporary databases may be created (%(default)s)",
    )
    parser.add_argument("--no-postgres", action="store_true", help="SQLite only")
    parser.add_argument(
        "--baseline",
        metavar="TASKCLI",
        help="another installation's taskcli executable: its `add x` is timed in the same "
        "rounds, on the same data (e.g. a venv of an older commit)",
    )
    parser.add_argument(
        "--out", type=Path, metavar="FILE", help="also write the Markdown report here"
    )
    args = parser.parse_args(argv)
    if args.runs < 1 or any(size < 1 for size in args.sizes):
        parser.error("--runs and --sizes must be positive")
    args.sizes = sorted(set(args.sizes))
    return args


def main(argv: Sequence[str] | None = None) -> None:
    args = parse_args(argv)
    started, clock = datetime.now(UTC), time.perf_counter()
    version = taskwarrior_version()
    if version is None:
        progress("Taskwarrior (task) is not installed: its columns stay empty")
    with tempfile.TemporaryDirectory(prefix="taskcli-bench-") as temporary:
        home = Path(temporary)
        ctx = Context(args, taskcli_argv(), clean_env(home), version)
        compile_installed(ctx.notes, home)
        if version is None:
            ctx.notes.append("Taskwarrior is not installed, so its ratios are empty.")
        server = start_server(ctx, home)
        try:
            run_startup(ctx, home)
            ctx.fingerprints.append(("start", source_fingerprint()))
            for size in args.sizes:
                try:
                    run_size(ctx, size, home)
                except Exception as error:  # one broken size must not lose the others
                    message = f"{size:,} tasks failed: {type(error).__name__}: {error}"
                    progress(message)
                    ctx.notes.append(message.splitlines()[0][:300])
                ctx.fingerprints.append((f"after {size:,}", source_fingerprint()))
        finally:
            stop_server(ctx, server)
        elapsed = time.perf_counter() - clock
        report = (
            preface(ctx, started, elapsed)
            + "\n"
            + table(ctx)
            + "\n## Targets\n\n"
            + targets_table(ctx)
        )
    sys.stdout.write(report)
    if args.out:
        args.out.write_text(report)
        progress(f"wrote {args.out}")


if __name__ == "__main__":
    main()
