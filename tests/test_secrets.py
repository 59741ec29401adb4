"""A database password never leaks: not on stdout, not on stderr, not into files.

RELIABILITY T7. A random canary is the password of every URL. The runs are
real subprocesses (CliRunner skips the excepthook, where tracebacks, and with
them secrets, would appear), with and without ``TASKCLI_DEBUG=1``, with the URL
in ``TASKCLI_DATABASE_URL`` and in ``--db``. They all start once per module,
a few at a time, and each case below checks its own run.
"""

from __future__ import annotations

import os
import re
import secrets
import subprocess
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pytest
from support import run_subprocess

CANARY = f"CANARY-{secrets.token_hex(8)}"
PARALLEL_RUNS = 4
# The user information of any URL in the output: a password must show as "***".
USERINFO = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*://([^/@\s]*)@")


@dataclass(frozen=True)
class UrlCase:
    """A URL holding the canary, and what every command must do with it."""

    name: str
    url: str
    exit_code: int  # for commands that need the database; ``db history`` needs none
    message: str  # a substring of the Error: line


URL_CASES = (
    UrlCase(
        "unreachable",
        f"postgresql://u:{CANARY}@127.0.0.1:1/db",
        3,
        "cannot connect to postgresql://u:***@127.0.0.1:1/db",
    ),
    UrlCase(
        "unknown-host",
        f"postgresql://u:{CANARY}@nohost.invalid/db",
        3,
        "cannot connect to postgresql://u:***@nohost.invalid/db",
    ),
    UrlCase(
        "bad-port", f"postgresql://u:{CANARY}@127.0.0.1:notaport/db", 2, "invalid database URL"
    ),
    # The last "@" ends the user information, so an unencoded "@" stays in the
    # password: the URL is usable, the server is not (exit 3), the host shown is right.
    UrlCase(
        "unencoded-at",
        f"postgresql://u:pa@{CANARY}@127.0.0.1:1/db",
        3,
        "cannot connect to postgresql://u:***@127.0.0.1:1/db",
    ),
    # An invalid percent escape is kept literally (as urllib does).
    UrlCase(
        "bad-percent-escape",
        f"postgres://u:{CANARY}%ZZ@127.0.0.1:1/db",
        3,
        "cannot connect to postgresql://u:***@127.0.0.1:1/db",
    ),
    UrlCase(
        "unsupported-scheme",
        f"mysql://u:{CANARY}@127.0.0.1/db",
        2,
        "unsupported database URL scheme 'mysql'",
    ),
)
COMMANDS = (("list",), ("add", "x"), ("db", "upgrade"), ("db", "current"), ("db", "history"))
# (debug, via): every URL case and every command meets all four combinations.
MODES = ((False, "environment"), (True, "option"), (False, "option"), (True, "environment"))


@dataclass(frozen=True)
class Case:
    url: UrlCase
    command: tuple[str, ...]
    debug: bool
    via: str

    @property
    def id(self) -> str:
        debug = "debug" if self.debug else "nodebug"
        return f"{self.url.name}-{'_'.join(self.command)}-{self.via}-{debug}"

    @property
    def expected_exit(self) -> int:
        # ``db history`` reads no database, but it still parses the URL.
        if self.command == ("db", "history") and self.url.exit_code == 3:
            return 0
        return self.url.exit_code


CASES = tuple(
    Case(url_case, command, *MODES[(u + c) % len(MODES)])
    for u, url_case in enumerate(URL_CASES)
    for c, command in enumerate(COMMANDS)
)
_REMOVED_VARIABLES = (
    "TASKCLI_DATABASE_URL",
    "TASKCLI_DEBUG",
    "TASKCLI_LOCK_TIMEOUT",
    "TYPER_STANDARD_TRACEBACK",
    "PGPASSWORD",
    "PGHOST",
    "PGUSER",
    "PGDATABASE",
    "PGPORT",
)


@dataclass(frozen=True)
class Runs:
    root: Path
    results: dict[Case, subprocess.CompletedProcess[str]]


def run_case(case: Case) -> subprocess.CompletedProcess[str]:
    env: dict[str, str] = {}
    args = list(case.command)
    if case.via == "environment":
        env["TASKCLI_DATABASE_URL"] = case.url.url
    else:
        args = ["--db", case.url.url, *args]
    if case.debug:
        env |= {"TASKCLI_DEBUG": "1", "TYPER_STANDARD_TRACEBACK": "1"}
    return run_subprocess(args, env=env)


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> Runs:
    """Every case, run once, in its own data and home directories and working directory."""
    root = tmp_path_factory.mktemp("secrets")
    with pytest.MonkeyPatch.context() as patch:
        for name in _REMOVED_VARIABLES:
            patch.delenv(name, raising=False)
        patch.setenv("XDG_DATA_HOME", str(root / "xdg-data"))
        patch.setenv("HOME", str(root / "home"))
        patch.chdir(root)
        with ThreadPoolExecutor(max_workers=PARALLEL_RUNS) as pool:
            results = dict(zip(CASES, pool.map(run_case, CASES), strict=True))
    return Runs(root=root, results=results)


@pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
def test_canary_never_shown(runs: Runs, case: Case) -> None:
    """Exit code as the SPEC says, one ``Error:`` line, URLs masked, no canary anywhere.

    A traceback appears only with ``TASKCLI_DEBUG=1``, and holds no canary either.
    """
    result = runs.results[case]
    output = result.stdout + result.stderr
    assert CANARY not in output
    assert CANARY[len("CANARY-") :] not in output
    assert result.returncode == case.expected_exit, (result.returncode, result.stderr)
    for userinfo in USERINFO.findall(output):
        assert ":" not in userinfo or userinfo.endswith(":***"), output
    lines = result.stderr.strip().splitlines()
    if result.returncode == 0:
        assert lines == []
        assert "<base> ->" in result.stdout
        return
    assert result.stdout == ""
    errors = [line for line in lines if line.startswith("Error: ")]
    assert len(errors) == 1, result.stderr
    assert lines[-1] == errors[0]
    assert case.url.message in errors[0]
    if case.debug:
        assert "Traceback" in result.stderr
    else:
        assert lines == errors
        assert "Traceback" not in result.stderr


def test_no_file_holds_the_canary(runs: Runs) -> None:
    """No run wrote the password anywhere under its working, data or home directory."""
    assert runs.results  # the runs happened
    for directory, _, names in os.walk(runs.root):
        for name in names:
            path = Path(directory, name)
            assert CANARY not in str(path)
            if path.is_file():  # a command server's socket is no file to read
                assert CANARY.encode() not in path.read_bytes(), path


def test_unknown_query_parameter_does_not_leak(tmp_path: Path) -> None:
    """A driver rejecting the URL (an unknown parameter) does not show the password either."""
    url = f"postgresql://u:{CANARY}@127.0.0.1:1/db?bogus=1"
    for env in ({"TASKCLI_DATABASE_URL": url}, {"TASKCLI_DATABASE_URL": url, "TASKCLI_DEBUG": "1"}):
        result = run_subprocess(["list"], env=env)
        assert result.returncode != 0
        assert CANARY not in result.stdout + result.stderr
        assert result.stderr.strip().splitlines()[-1].startswith("Error: ")


def test_typer_shows_no_locals() -> None:
    """Typer's pretty tracebacks can print local variables (and passwords); they are off."""
    import typer

    from taskcli.cli import app

    assert app.pretty_exceptions_show_locals is False
    assert app.pretty_exceptions_enable is False
    major, minor = (int(part) for part in typer.__version__.split(".")[:2])
    assert (major, minor) >= (0, 23)


@pytest.mark.parametrize(
    "url",
    [f"postgresql://u:{CANARY}@127.0.0.1:1/db", "sqlite:///tasks.db"],
    ids=["postgresql", "sqlite"],  # the canary differs per process: xdist workers must agree
)
def test_engines_hide_sql_parameters(url: str) -> None:
    """SQL parameters (task titles, notes) never appear in driver error messages."""
    from taskcli.config import parse_database_url
    from taskcli.db.engine import make_engine

    engine = make_engine(parse_database_url(url), lock_timeout=1.0)
    assert engine.sync_engine.hide_parameters is True
    assert CANARY not in repr(engine)
    assert CANARY not in str(engine.url)
