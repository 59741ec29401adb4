"""The command server: same behaviour as in-process, never a command run twice.

Each test has its own server in its own runtime directory (tests elsewhere run
with ``TASKCLI_SERVER=0``). A served command is recognised by the server's
count of requests going up.
"""

from __future__ import annotations

import os
import signal
import stat
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from serverhelpers import ServerHome, process_exists, server_home
from support import REPO_ROOT, dump

from taskcli.server.client import STOPPED_DURING_COMMAND

pytestmark = pytest.mark.skipif(
    not hasattr(os, "fork") or sys.platform != "linux", reason="the server needs Linux"
)
OFF = {"TASKCLI_SERVER": "0"}


@pytest.fixture
def home(tmp_path: Path) -> Iterator[ServerHome]:
    with server_home(tmp_path) as created:
        yield created


def _served_and_in_process(home: ServerHome, *args: str, input: str | None = None) -> None:
    """The same command through the server and in-process: same bytes, same exit code."""
    before = home.served()
    served = home.run(*args, input=input)
    assert home.served() == before + 2  # the command, and our status question
    alone = home.run(*args, input=input, env=OFF)
    assert (served.returncode, served.stdout, served.stderr) == (
        alone.returncode,
        alone.stdout,
        alone.stderr,
    )


def test_commands_behave_the_same_through_the_server(home: ServerHome, db_url: str) -> None:
    home.env["TASKCLI_DATABASE_URL"] = db_url
    home.start()
    assert home.run("add", "first", "-t", "work", "--due", "2030-01-02").returncode == 0
    for args in (
        ("list",),
        ("list", "-f", "json"),
        ("tree", "-f", "json"),
        ("show", "1"),
        ("show", "99"),  # exit 1, one Error: line
        ("add", ""),  # exit 2
        ("list", "--sort", "nonsense"),  # Click's usage error
        ("--help",),
        ("list", "--db", "sqlite:///nowhere/x.db"),  # exit 3, --db per request
    ):
        _served_and_in_process(home, *args)
    # TASKCLI_* and TZ come from the caller, not from the server's start.
    _served_and_in_process(home, "list")
    home.env["TZ"] = "Pacific/Kiritimati"
    _served_and_in_process(home, "show", "1")
    home.env["NO_COLOR"] = "1"
    _served_and_in_process(home, "list")


def test_the_journal_names_the_caller_not_the_server(home: ServerHome, db_url: str) -> None:
    home.env["TASKCLI_DATABASE_URL"] = db_url
    home.start(env={"USER": "server-starter", "LOGNAME": "server-starter"})
    before = home.served()
    added = home.run("add", "x", env={"USER": "alice", "LOGNAME": "alice"})
    assert added.returncode == 0, added.stderr
    assert home.served() == before + 2
    log = home.run("log")
    assert "alice" in log.stdout
    assert "server-starter" not in log.stdout


def test_first_command_runs_in_process_and_starts_a_server(home: ServerHome, db_url: str) -> None:
    home.env["TASKCLI_DATABASE_URL"] = db_url
    assert home.status() == (None, 0)
    first = home.run("add", "one", "-q")
    assert (first.returncode, first.stdout) == (0, "1\n"), first.stderr
    home.wait_for(lambda: home.status()[0] is not None, "the server to start")
    second = home.run("add", "two", "-q")
    assert (second.returncode, second.stdout) == (0, "2\n")
    assert home.served() >= 2
    assert (home.state_dir / "taskcli" / "server.log").exists()


def test_server_off_runs_everything_in_process(home: ServerHome, db_url: str) -> None:
    home.env.update(OFF, TASKCLI_DATABASE_URL=db_url)
    assert home.run("add", "x", "-q").stdout == "1\n"
    time.sleep(0.5)
    assert not (home.runtime_dir / "taskcli").exists()  # not even looked for
    refused = home.run("server", "start")
    assert refused.returncode == 2
    assert refused.stderr.startswith("Error: the command server is turned off")


def test_socket_directory_and_files_are_private(home: ServerHome) -> None:
    home.start()
    directory = home.runtime_dir / "taskcli"
    assert stat.S_IMODE(directory.stat().st_mode) == 0o700
    for entry in directory.iterdir():
        assert stat.S_IMODE(entry.stat().st_mode) == 0o600, entry
        assert entry.stat().st_uid == os.getuid()
    assert any(stat.S_ISSOCK(entry.stat().st_mode) for entry in directory.iterdir())


def test_a_directory_open_to_others_is_refused(home: ServerHome, db_url: str) -> None:
    home.env["TASKCLI_DATABASE_URL"] = db_url
    (home.runtime_dir / "taskcli").mkdir(mode=0o755)
    os.chmod(home.runtime_dir / "taskcli", 0o755)
    added = home.run("add", "x", "-q")
    assert (added.returncode, added.stdout) == (0, "1\n")  # ran in-process
    time.sleep(1)
    assert list((home.runtime_dir / "taskcli").iterdir()) == []  # no server, no socket
    refused = home.run("server", "start")
    assert refused.returncode == 3
    assert "open to other users" in refused.stderr


def test_a_peer_with_another_uid_is_refused(home: ServerHome, db_url: str) -> None:
    """Even with the directory and socket opened up, another user's request runs nothing."""
    import pwd
    import socket

    from taskcli.server import protocol

    if os.getuid() != 0:
        pytest.skip("needs root to act as another user")
    nobody = pwd.getpwnam("nobody")
    home.env["TASKCLI_DATABASE_URL"] = db_url
    home.start()
    path = home.socket()
    for directory in (path.parent, path.parent.parent):
        os.chmod(directory, 0o711)
    os.chmod(path, 0o666)
    before = dump(db_url)
    request = {
        "op": "run",
        "argv": ["taskcli", "add", "intruder"],
        "cwd": "/",
        "env": {"TASKCLI_DATABASE_URL": db_url},
        "umask": 0o22,
        "streams": [["utf-8", "strict", False]] * 3,
    }
    child = os.fork()
    if child == 0:  # pragma: no cover - runs in the forked process
        code = 2
        try:
            os.setgid(nobody.pw_gid)
            os.setuid(nobody.pw_uid)
            with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
                sock.connect(str(path))
                code = 1
                protocol.send(sock, request, [0, 1, 2])
                protocol.receive(sock)  # any answer at all is a failure
        except OSError:
            code = 0 if code == 1 else 3
        finally:
            os._exit(code)
    _, status = os.waitpid(child, 0)
    assert os.waitstatus_to_exitcode(status) == 0
    assert dump(db_url) == before
    log = (home.state_dir / "taskcli" / "server.log").read_text()
    assert "refused a connection from another user" in log


def test_a_stale_server_is_never_used_and_goes_away(
    home: ServerHome, db_url: str, tmp_path: Path
) -> None:
    """An upgrade changes the installation key: new commands ignore the old server, which exits."""
    key_input = tmp_path / "installed-files"
    key_input.write_text("version 1")
    home.env.update(
        TASKCLI_DATABASE_URL=db_url,
        TASKCLI_TESTING="1",
        TASKCLI_TEST_SERVER_KEY_FILE=str(key_input),
    )
    old = home.start()
    old_socket = home.socket()
    served = home.served()
    key_input.write_text("version 2")  # as if pip had replaced taskcli's files
    added = home.run("add", "after upgrade", "-q", env=OFF)
    assert (added.returncode, added.stdout) == (0, "1\n")
    home.wait_for(lambda: not process_exists(old), "the old server to exit")
    assert not old_socket.exists()
    key_input.write_text("version 1")
    assert home.status() == (None, 0)
    assert served > 0


def test_killed_server_before_a_command_falls_back_once(home: ServerHome, db_url: str) -> None:
    home.env["TASKCLI_DATABASE_URL"] = db_url
    pid = home.start()
    os.kill(pid, signal.SIGKILL)
    home.wait_for(lambda: not process_exists(pid), "the server to die")
    added = home.run("add", "once", "-q")
    assert (added.returncode, added.stdout, added.stderr) == (0, "1\n", "")
    ids = home.run("list", "-f", "ids", env=OFF)
    assert ids.stdout == "1\n"


def _paused_add(
    home: ServerHome, pause: float = 60, *, process_group: int | None = None
) -> subprocess.Popen[str]:
    process = subprocess.Popen(
        [sys.executable, "-m", "taskcli", "add", "half"],
        process_group=process_group,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={
            **os.environ,
            "PYTHONPATH": str(REPO_ROOT),
            **home.env,
            "TASKCLI_TESTING": "1",
            "TASKCLI_TEST_PAUSE_BEFORE_COMMIT": str(pause),
        },
    )
    assert process.stderr is not None
    assert process.stderr.readline() == "taskcli-test: paused before commit\n"
    return process


def test_server_killed_during_a_command_is_exit_3_and_all_or_nothing(
    home: ServerHome, db_url: str
) -> None:
    home.env["TASKCLI_DATABASE_URL"] = db_url
    pid = home.start()
    before = dump(db_url)
    process = _paused_add(home)
    os.killpg(pid, signal.SIGKILL)  # the server, its worker and the command's process
    stdout, stderr = process.communicate(timeout=60)
    assert (process.returncode, stdout, stderr) == (3, "", STOPPED_DURING_COMMAND + "\n")
    assert dump(db_url) == before  # nothing half-done, and not run again
    home.env.update(OFF)
    assert home.run("list", "-f", "ids").stdout == ""


def test_client_killed_during_a_command_kills_the_command(home: ServerHome, db_url: str) -> None:
    """kill -9 of the taskcli process stops the command, as it does in-process."""
    home.env["TASKCLI_DATABASE_URL"] = db_url
    home.start()
    before = dump(db_url)
    process = _paused_add(home)
    process.kill()
    process.communicate(timeout=60)
    time.sleep(1)
    assert dump(db_url) == before


def test_server_stopped_during_a_command_lets_it_finish(home: ServerHome, db_url: str) -> None:
    """Stopping the server (not the command) never interrupts a command already running."""
    home.env["TASKCLI_DATABASE_URL"] = db_url
    pid = home.start()
    process = _paused_add(home, pause=2)
    os.kill(pid, signal.SIGTERM)
    stdout, _ = process.communicate(timeout=60)
    assert (process.returncode, stdout) == (0, "Created task 1: half\n")


def _process_state(pid: int) -> str:
    with open(f"/proc/{pid}/stat") as stat:
        return stat.read().rsplit(") ", 1)[-1][:1]


def test_ctrl_z_stops_the_command_and_fg_resumes_it(home: ServerHome, db_url: str) -> None:
    """SIGTSTP to taskcli stops the command's process too (not only the client); SIGCONT resumes.

    The client gets its own process group, as a shell's job would: a stop
    signal to an orphaned group is discarded by the kernel.
    """
    home.env["TASKCLI_DATABASE_URL"] = db_url
    home.start()
    assert home.run("list", env=OFF).returncode == 0  # the database exists, at head
    before = dump(db_url)
    process = _paused_add(home, pause=2, process_group=0)
    process.send_signal(signal.SIGTSTP)
    home.wait_for(lambda: _process_state(process.pid) == "T", "taskcli to stop")
    time.sleep(5)  # well past the command's 2 s pause: only a stopped command has not committed
    assert dump(db_url) == before
    process.send_signal(signal.SIGCONT)
    stdout, stderr = process.communicate(timeout=60)
    assert (process.returncode, stdout, stderr) == (0, "Created task 1: half\n", "")


def test_idle_server_exits_and_removes_its_socket(home: ServerHome) -> None:
    pid = home.start(env={"TASKCLI_SERVER_IDLE": "1"})
    socket = home.socket()
    home.wait_for(lambda: not process_exists(pid), "the idle server to exit")
    assert not socket.exists()


def test_removing_the_socket_stops_the_server(home: ServerHome) -> None:
    pid = home.start()
    home.socket().unlink()
    home.wait_for(lambda: not process_exists(pid), "the server to exit")


def test_server_stop_and_status(home: ServerHome) -> None:
    pid = home.start()
    status = home.run("server", "status")
    assert f"running, pid {pid}" in status.stdout
    stopped = home.run("server", "stop")
    assert stopped.stderr == f"Stopped taskcli server (pid {pid})\n"
    assert "not running" in home.run("server", "status").stdout
    assert not process_exists(pid)


def test_eight_clients_writing_through_one_server(home: ServerHome, db_url: str) -> None:
    home.env["TASKCLI_DATABASE_URL"] = db_url
    home.start()
    before = home.served()
    script = 'for j in $(seq 1 25); do python -m taskcli add -q "c$1-$j" || exit 1; done'
    clients = [
        subprocess.Popen(
            ["bash", "-c", script, "client", str(n)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env={
                **os.environ,
                "PYTHONPATH": str(REPO_ROOT),
                "PATH": f"{Path(sys.executable).parent}:{os.environ['PATH']}",
                **home.env,
            },
        )
        for n in range(8)
    ]
    outputs = [client.communicate(timeout=600) for client in clients]
    assert [client.returncode for client in clients] == [0] * 8, outputs
    ids = [int(line) for stdout, _ in outputs for line in stdout.split()]
    assert sorted(ids) == list(range(1, 201))
    assert home.served() == before + 200 + 1
    titles = home.run("list", "-f", "json", env=OFF).stdout
    assert all(f'"c{n}-{j}"' in titles for n in range(8) for j in range(1, 26))


def test_stdin_of_100000_lines_streams_through(home: ServerHome, db_url: str) -> None:
    home.env["TASKCLI_DATABASE_URL"] = db_url
    home.start()
    before = home.served()
    lines = "".join(f"task {n}\n" for n in range(100_000))
    result = subprocess.run(
        [sys.executable, "-m", "taskcli", "add", "-", "-q"],
        input=lines,
        capture_output=True,
        text=True,
        timeout=600,
        env={**os.environ, "PYTHONPATH": str(REPO_ROOT), **home.env},
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [str(n) for n in range(1, 100_001)]
    assert home.served() == before + 2


def test_the_suite_switch_sends_subprocesses_to_the_session_server(
    session_server: str | None, tmp_path: Path
) -> None:
    """With TASKCLI_TEST_VIA_SERVER=1 every subprocess taskcli of the suite is served."""
    from serverhelpers import ServerHome
    from support import run_subprocess

    if session_server is None:
        pytest.skip("runs with TASKCLI_TEST_VIA_SERVER=1")
    session = ServerHome(Path(session_server), tmp_path, {})
    before = session.served()
    assert before > 0
    result = run_subprocess(["list"], env={"TASKCLI_DATABASE_URL": f"sqlite:///{tmp_path}/t.db"})
    assert result.returncode == 0, result.stderr
    assert session.served() == before + 2


def test_preload_imports_every_module_a_command_runs() -> None:
    """What the server did not import, every served command imports again in its child."""
    code = """
import pkgutil, sys
import taskcli
from taskcli.server.daemon import preload
preload()
names = [m.name for m in pkgutil.walk_packages(taskcli.__path__, "taskcli.")]
wanted = [n for n in names if n.startswith(("taskcli.services.", "taskcli.render", "taskcli.cli."))]
print("\\n".join(sorted(n for n in wanted if n not in sys.modules)))
"""
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO_ROOT, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == []
