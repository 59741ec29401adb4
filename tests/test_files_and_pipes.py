"""Files the user names, pipes, closed streams and the environment's failures.

``export -o`` never changes what kind of thing is at its path and never
leaves half a file; a closed pipe is exit 141 and silence for every command;
a full disk, a missing directory, a read-only file system or a closed
standard stream is one ``Error:`` line and exit 3 (2 for stdin a command
needs), and a change that was committed is never hidden.
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import stat
import subprocess
import sys
import threading
from collections.abc import Callable, Sequence
from pathlib import Path

import pytest
from support import REPO_ROOT, SUBPROCESS_TIMEOUT, Cli, dump, error_line, run_subprocess

EXIT_BROKEN_PIPE = 141


def _taskcli(
    args: Sequence[str],
    *,
    db_url: str | None,
    stdin: int | None = None,
    stdout: int | None = subprocess.PIPE,
    preexec: Callable[[], None] | None = None,
    env: dict[str, str] | None = None,
    input: str | None = None,
) -> subprocess.CompletedProcess[str]:
    """``python -m taskcli`` with chosen descriptors (closed ones included)."""
    return subprocess.run(
        [sys.executable, "-m", "taskcli", *args],
        env={
            **os.environ,
            "PYTHONPATH": str(REPO_ROOT),
            **({"TASKCLI_DATABASE_URL": db_url} if db_url else {}),
            **(env or {}),
        },
        stdin=stdin,
        stdout=stdout,
        stderr=subprocess.PIPE,
        input=input,
        preexec_fn=preexec,
        text=True,
        timeout=SUBPROCESS_TIMEOUT,
        check=False,
    )


def _one_error(stderr: str) -> str:
    lines = stderr.strip().splitlines()
    assert len(lines) == 1, stderr
    assert lines[0].startswith("Error: "), stderr
    return lines[0]


def _export_document(path: Path) -> dict[str, object]:
    document = json.loads(path.read_text(encoding="utf-8"))
    assert document["format"] == "taskcli"
    return document  # type: ignore[no-any-return]


def _leftovers(directory: Path) -> list[str]:
    return sorted(name for name in os.listdir(directory) if name.endswith((".tmp", ".partial")))


# --- export -o: what is at the path keeps its kind --------------------------------


def test_export_through_a_symlink_keeps_the_link(cli: Cli, tmp_path: Path) -> None:
    """A symlink at the path stays a symlink; its target receives the export."""
    cli.ok("add", "kept")
    real = tmp_path / "real.json"
    real.write_text("old", encoding="utf-8")
    link = tmp_path / "link.json"
    link.symlink_to(real)
    cli.ok("export", "-o", str(link))
    assert link.is_symlink()
    assert os.readlink(link) == str(real)
    assert [task["title"] for task in _export_document(real)["tasks"]] == ["kept"]  # type: ignore[index]
    assert stat.S_IMODE(real.stat().st_mode) == 0o600
    assert _leftovers(tmp_path) == []


def test_export_to_a_fifo_writes_into_it(cli: Cli, tmp_path: Path) -> None:
    """A FIFO is written directly: its reader gets the document, the FIFO stays a FIFO."""
    cli.ok("add", "through the fifo")
    fifo = tmp_path / "out.fifo"
    os.mkfifo(fifo)
    received: list[bytes] = []

    def read() -> None:
        with open(fifo, "rb") as reader:
            received.append(reader.read())

    reader = threading.Thread(target=read)
    reader.start()
    cli.ok("export", "-o", str(fifo))
    reader.join(timeout=SUBPROCESS_TIMEOUT)
    assert not reader.is_alive()
    assert stat.S_ISFIFO(fifo.lstat().st_mode)
    document = json.loads(received[0])
    assert [task["title"] for task in document["tasks"]] == ["through the fifo"]


def test_export_never_follows_a_link_planted_at_a_temporary_name(cli: Cli, tmp_path: Path) -> None:
    """Links planted where a temporary file might go are never written through."""
    cli.ok("add", "secret")
    victim = tmp_path / "victim"
    victim.write_text("precious", encoding="utf-8")
    out = tmp_path / "out.json"
    for name in (f".{out.name}.partial", f".{out.name}.tmp", f"{out.name}.tmp"):
        (tmp_path / name).symlink_to(victim)
    cli.ok("export", "-o", str(out))
    assert victim.read_text(encoding="utf-8") == "precious"
    assert not out.is_symlink()
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    assert [task["title"] for task in _export_document(out)["tasks"]] == ["secret"]  # type: ignore[index]


def test_failed_export_leaves_the_target_untouched(tmp_path: Path) -> None:
    """The database fails before any byte is written: the old file stays as it was."""
    foreign = tmp_path / "foreign.db"
    _foreign_database(foreign)
    out = tmp_path / "out.json"
    out.write_text("previous export", encoding="utf-8")
    result = _taskcli(["export", "-o", str(out)], db_url=f"sqlite:///{foreign}")
    assert result.returncode == 3, result.stderr
    _one_error(result.stderr)
    assert out.read_text(encoding="utf-8") == "previous export"
    assert _leftovers(tmp_path) == []


def _run_at_once(args: list[str], env: dict[str, str], *, count: int) -> list[str]:
    """Start ``count`` identical ``taskcli`` processes together; each must exit 0. Their stderr."""
    processes = [
        subprocess.Popen(
            [sys.executable, "-m", "taskcli", *args],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(count)
    ]
    errors = []
    for process in processes:
        _, stderr = process.communicate(timeout=SUBPROCESS_TIMEOUT * 2)
        assert process.returncode == 0, stderr
        errors.append(stderr)
    return errors


def test_concurrent_exports_to_one_path_each_write_a_whole_file(
    db_url: str, tmp_path: Path
) -> None:
    """Random temporary names: every export succeeds and the file is always whole."""
    Cli(url=db_url, env={}).ok("add", "-", input="".join(f"task {n}\n" for n in range(2000)))
    out = tmp_path / "same.json"
    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT), "TASKCLI_DATABASE_URL": db_url}
    for stderr in _run_at_once(["export", "-o", str(out)], env, count=4):
        assert stderr == ""
    assert len(_export_document(out)["tasks"]) == 2000  # type: ignore[arg-type]
    assert _leftovers(tmp_path) == []


# --- closed pipes: 141 and silence, for every command -------------------------------


@pytest.mark.parametrize(
    "args",
    [
        ["export"],
        ["show", "1"],
        ["--help"],
        ["db", "--help"],
        ["list"],
        ["list", "-f", "json"],
        ["tree"],
        ["add", "written anyway"],
    ],
    ids=lambda args: " ".join(args),
)
def test_closed_pipe_is_141_and_silent(db_url: str, args: list[str]) -> None:
    """The reader is gone before the first byte: exit 141, nothing on stderr."""
    Cli(url=db_url, env={}).ok("add", "first")
    read_end, write_end = os.pipe()
    os.close(read_end)
    try:
        result = _taskcli(args, db_url=db_url, stdout=write_end)
    finally:
        os.close(write_end)
    assert (result.returncode, result.stderr) == (EXIT_BROKEN_PIPE, "")


def test_closed_pipe_on_error_output_is_141(db_url: str) -> None:
    """Error output follows the same rule (``show 999 2>&1 | true``)."""
    read_end, write_end = os.pipe()
    os.close(read_end)
    try:
        result = subprocess.run(
            [sys.executable, "-m", "taskcli", "show", "999"],
            env={**os.environ, "PYTHONPATH": str(REPO_ROOT), "TASKCLI_DATABASE_URL": db_url},
            stdout=write_end,
            stderr=write_end,
            timeout=SUBPROCESS_TIMEOUT,
            check=False,
        )
    finally:
        os.close(write_end)
    assert result.returncode == EXIT_BROKEN_PIPE


def test_export_head_is_141_not_a_database_error(db_url: str) -> None:
    """``export | head -1``: the reader leaves mid-stream; no "cannot connect"."""
    Cli(url=db_url, env={}).ok("add", "-", input="".join(f"task {n}\n" for n in range(5000)))
    result = subprocess.run(
        f"{sys.executable} -m taskcli export | head -1",
        shell=True,
        env={**os.environ, "PYTHONPATH": str(REPO_ROOT), "TASKCLI_DATABASE_URL": db_url},
        capture_output=True,
        text=True,
        executable="/bin/bash",
        timeout=SUBPROCESS_TIMEOUT,
        check=False,
    )
    assert result.stdout.startswith('{"format": "taskcli"')
    assert result.stderr == ""


# --- the environment fails: exit 3, the file and the reason ------------------------


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full")
def test_full_disk_on_stdout_is_exit_3(db_url: str) -> None:
    Cli(url=db_url, env={}).ok("add", "one")
    with open("/dev/full", "w") as full:
        for args in (["list"], ["list", "-f", "json"], ["export"], ["show", "1"]):
            result = _taskcli(args, db_url=db_url, stdout=full.fileno())
            assert result.returncode == 3, (args, result.stderr)
            assert _one_error(result.stderr) == (
                "Error: cannot write output: No space left on device"
            ), args


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full")
def test_full_disk_after_a_commit_says_the_change_was_committed(db_url: str) -> None:
    with open("/dev/full", "w") as full:
        result = _taskcli(["add", "kept"], db_url=db_url, stdout=full.fileno())
    assert result.returncode == 3, result.stderr
    assert "was committed" in _one_error(result.stderr)
    assert [row[1] for row in dump(db_url)["task"]] == ["kept"]


def test_export_into_a_missing_directory_is_exit_3(cli: Cli, tmp_path: Path) -> None:
    target = tmp_path / "nonexistent" / "dir" / "x.json"
    result = cli.fails(3, "export", "-o", str(target))
    assert error_line(result) == f"Error: cannot write {target}: No such file or directory"


def test_export_onto_a_directory_is_exit_3(cli: Cli, tmp_path: Path) -> None:
    result = cli.fails(3, "export", "-o", str(tmp_path))
    assert error_line(result) == f"Error: cannot write {tmp_path}: it is a directory"


# --- closed standard streams ---------------------------------------------------------


def _close_stdin() -> None:
    os.close(0)


def _close_stdout() -> None:
    os.close(1)


@pytest.mark.parametrize("args", [["add", "-"], ["import", "-"]], ids=" ".join)
def test_closed_stdin_that_a_command_needs_is_exit_2(db_url: str, args: list[str]) -> None:
    before = dump(db_url)
    result = _taskcli(args, db_url=db_url, preexec=_close_stdin)
    assert result.returncode == 2, result.stderr
    assert _one_error(result.stderr) == "Error: cannot read standard input: it is closed"
    assert dump(db_url) == before


def test_rm_with_stdin_closed_does_not_crash(db_url: str) -> None:
    """No terminal, so no question (SPEC): ``rm`` goes ahead as in a script."""
    Cli(url=db_url, env={}).ok("add", "gone")
    result = _taskcli(["rm", "1"], db_url=db_url, preexec=_close_stdin)
    assert result.returncode == 0, result.stderr
    assert dump(db_url)["task"] == []


def test_closed_stdout_for_a_read_is_exit_3(db_url: str) -> None:
    Cli(url=db_url, env={}).ok("add", "first")  # an empty list writes nothing to stdout
    for args in (["list"], ["--help"], ["export"]):
        result = _taskcli(args, db_url=db_url, stdout=None, preexec=_close_stdout)
        assert result.returncode == 3, (args, result.stderr)
        assert _one_error(result.stderr) == (
            "Error: cannot write output: standard output is closed"
        ), args


def test_closed_stdout_after_add_says_it_was_committed(db_url: str) -> None:
    result = _taskcli(["add", "kept"], db_url=db_url, stdout=None, preexec=_close_stdout)
    assert result.returncode == 3, result.stderr
    assert _one_error(result.stderr) == (
        "Error: the change was committed, but its output could not be written: "
        "standard output is closed"
    )
    assert [row[1] for row in dump(db_url)["task"]] == ["kept"]


# --- the database path ------------------------------------------------------------------


def test_fifo_at_the_database_path_is_refused_at_once(tmp_path: Path) -> None:
    fifo = tmp_path / "tasks.db"
    os.mkfifo(fifo)
    for args in (["list"], ["add", "x"], ["db", "upgrade"], ["db", "current"]):
        result = run_subprocess(args, env={"TASKCLI_DATABASE_URL": f"sqlite:///{fifo}"}, timeout=30)
        assert result.returncode == 3, (args, result.stderr)
        assert _one_error(result.stderr) == (
            f"Error: cannot open database {fifo}: not a regular file"
        )
    assert stat.S_ISFIFO(fifo.lstat().st_mode)


def _foreign_database(path: Path) -> None:
    with sqlite3.connect(path) as connection:
        connection.execute("CREATE TABLE invoices (id INTEGER PRIMARY KEY, amount REAL)")
        connection.execute("INSERT INTO invoices (amount) VALUES (9.5)")
    path.chmod(0o600)


def _tables(path: Path) -> list[str]:
    with sqlite3.connect(path) as connection:
        return [row[0] for row in connection.execute("SELECT name FROM sqlite_master")]


def test_foreign_sqlite_file_is_not_a_taskcli_database(tmp_path: Path) -> None:
    """Commands say so instead of suggesting ``db upgrade``; ``db upgrade`` refuses it."""
    path = tmp_path / "other-app.db"
    _foreign_database(path)
    cli = Cli(url=f"sqlite:///{path}", env={})
    line = error_line(cli.fails(3, "list"))
    assert "not a taskcli database" in line
    assert "upgrade" not in line
    line = error_line(cli.fails(3, "db", "upgrade"))
    assert "not a taskcli database" in line
    assert _tables(path) == ["invoices"]
    assert list(tmp_path.iterdir()) == [path]


def _in_user_namespace(script: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["unshare", "-rm", "sh", "-c", script],
        env={**os.environ, "PYTHONPATH": str(REPO_ROOT)},
        capture_output=True,
        text=True,
        timeout=SUBPROCESS_TIMEOUT * 2,
        check=False,
    )


def _unshare_works() -> bool:
    if shutil.which("unshare") is None:
        return False
    return _in_user_namespace("mount -t tmpfs none /mnt").returncode == 0


needs_mounts = pytest.mark.skipif(
    not _unshare_works(), reason="needs unprivileged user namespaces (unshare -rm)"
)


@needs_mounts
def test_read_only_file_system_names_the_reason(tmp_path: Path) -> None:
    folder = tmp_path / "media"
    folder.mkdir()
    database = folder / "tasks.db"
    Cli(url=f"sqlite:///{database}", env={}).ok("add", "on the stick")
    python = f"{sys.executable} -m taskcli --db sqlite:///{database}"
    result = _in_user_namespace(
        f"mount --bind {folder} {folder} && mount -o remount,ro,bind {folder} && "
        f"{python} add more; echo rc=$?; {python} export -o {folder}/x.json; echo rc=$?"
    )
    assert result.stdout.split() == ["rc=3", "rc=3"], result.stderr
    assert result.stderr.splitlines() == [
        f"Error: cannot open database {database}: directory {folder} is not writable "
        "(read-only file system)",
        f"Error: cannot write {folder}/x.json: Read-only file system",
    ]


# --- db upgrade backups ----------------------------------------------------------------


def _database_at(path: Path, revision: str) -> None:
    Cli(url=f"sqlite:///{path}", env={}).ok("db", "upgrade", revision)
    with sqlite3.connect(path) as connection:
        connection.execute(
            "INSERT INTO task (title, status, priority, created_at, updated_at) "
            "VALUES ('old', 'pending', 0, '2026-01-01', '2026-01-01')"
        )


def test_concurrent_upgrades_leave_one_whole_backup(tmp_path: Path) -> None:
    path = tmp_path / "tasks.db"
    _database_at(path, "0002")
    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT), "TASKCLI_DATABASE_URL": f"sqlite:///{path}"}
    _run_at_once(["db", "upgrade"], env, count=4)
    backup = tmp_path / "tasks.db.bak-0002"
    with sqlite3.connect(backup) as connection:
        assert connection.execute("SELECT version_num FROM alembic_version").fetchall() == [
            ("0002",)
        ]
        assert connection.execute("SELECT title FROM task").fetchall() == [("old",)]
    assert stat.S_IMODE(backup.stat().st_mode) == 0o600
    assert _leftovers(tmp_path) == []


@needs_mounts
def test_disk_full_during_backup_leaves_no_backup(tmp_path: Path) -> None:
    live = tmp_path / "live.db"
    _database_at(live, "0002")
    source = tmp_path / "source.db"  # one self-contained file (no -wal) to copy
    reader, writer = sqlite3.connect(live), sqlite3.connect(source)
    try:
        reader.backup(writer)
        writer.execute("PRAGMA journal_mode=DELETE")
    finally:
        reader.close()
        writer.close()
    size = source.stat().st_size
    mount = tmp_path / "small"
    mount.mkdir()
    database = mount / "tasks.db"
    python = f"{sys.executable} -m taskcli --db sqlite:///{database}"
    # Room for the database and its -shm, not for a second copy.
    assert size > 40_960
    result = _in_user_namespace(
        f"mount -t tmpfs -o size={size + 40_960} none {mount} && cp {source} {database} && "
        f"{python} db upgrade; echo rc=$?; ls -a {mount}"
    )
    lines = result.stdout.split()
    assert "rc=3" in lines, (result.stdout, result.stderr)
    assert not [name for name in lines if ".bak" in name or name.endswith(".tmp")], lines
    assert _one_error(result.stderr).startswith(f"Error: cannot back up {database}")


# --- first use -------------------------------------------------------------------------


def _no_umask() -> None:
    os.umask(0)


def test_first_use_under_umask_000_creates_private_directories(tmp_path: Path) -> None:
    data_home = tmp_path / "new" / "parents" / "data"
    result = _taskcli(
        ["add", "first"], db_url=None, env={"XDG_DATA_HOME": str(data_home)}, preexec=_no_umask
    )
    assert result.returncode == 0, result.stderr
    for folder in (
        tmp_path / "new",
        tmp_path / "new" / "parents",
        data_home,
        data_home / "taskcli",
    ):
        assert stat.S_IMODE(folder.stat().st_mode) == 0o700, folder
    assert stat.S_IMODE((data_home / "taskcli" / "tasks.db").stat().st_mode) == 0o600
