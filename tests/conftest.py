"""Fixtures: every database test runs against a real SQLite file and a real
PostgreSQL database.

PostgreSQL comes from ``TASKCLI_TEST_DATABASE_URL`` (default: the local
service). One database is created per test run (and dropped after) for the
task tests; tests that need a blank database get their own. Under ``CI=true``
an unreachable PostgreSQL fails the run; elsewhere those tests are skipped.

The command server is off in every test (``TASKCLI_SERVER=0``), so no server
outlives a test, unless ``TASKCLI_TEST_VIA_SERVER=1``: then one server is
started for the session and every subprocess ``taskcli`` goes through it.

Under pytest-xdist (``-n``) every worker is a session of its own: its own
PostgreSQL databases, its own command server in its own runtime directory,
its own temporary directories, so workers share nothing but the PostgreSQL
service (and a PgBouncer's port is checked to be its own).
"""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from support import Cli, execute, via_server_session

from taskcli.config import Settings, parse_database_url

PG_ADMIN_URL = os.environ.get(
    "TASKCLI_TEST_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
)
BACKENDS = ("sqlite", "postgresql")
_ISOLATED_VARIABLES = (
    "TASKCLI_DATABASE_URL",
    "TASKCLI_CONFIG",
    "TASKCLI_CONTEXT",
    "XDG_CONFIG_HOME",
    "TASKCLI_DEBUG",
    "TASKCLI_LOCK_TIMEOUT",
    "FORCE_COLOR",
    "TTY_COMPATIBLE",
    "NO_COLOR",
    "COLUMNS",
    "LINES",
    "TYPER_STANDARD_TRACEBACK",
    "PGPASSWORD",
    "PGHOST",
    "PGUSER",
    "PGDATABASE",
    "PGPORT",
    "PGSERVICE",
    "PGSERVICEFILE",
    "PGPASSFILE",
    "PGSSLMODE",
    "TASKCLI_SERVER",
    "TASKCLI_SERVER_IDLE",
    "XDG_RUNTIME_DIR",
    "XDG_STATE_HOME",
)
VIA_SERVER = os.environ.get("TASKCLI_TEST_VIA_SERVER", "") not in ("", "0")
# For fixtures wider than one test too: no server unless asked, and any
# server a test run starts anyway ends soon after its last command.
if not VIA_SERVER:
    os.environ["TASKCLI_SERVER"] = "0"
os.environ["TASKCLI_SERVER_IDLE"] = "30"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Through the server, run only the modules that start real ``taskcli`` processes.

    The in-process (CliRunner) tests never reach a server: running them twice
    would test nothing new. A module counts as starting processes if its source
    uses ``subprocess`` or ``run_subprocess``.
    """
    if not VIA_SERVER:
        return
    served, skipped = [], []
    for item in items:
        source = Path(str(item.fspath)).read_text(encoding="utf-8")
        uses_processes = "subprocess" in source or "Popen" in source
        (served if uses_processes else skipped).append(item)
    if skipped:
        config.hook.pytest_deselected(items=skipped)
        items[:] = served


@pytest.fixture(scope="session")
def session_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str | None]:
    """With TASKCLI_TEST_VIA_SERVER=1: the runtime directory of the session's server."""
    if not VIA_SERVER:
        yield None
        return
    with via_server_session(tmp_path_factory.mktemp("server-state")) as runtime_dir:
        yield runtime_dir


@pytest.fixture(autouse=True)
def isolated_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, session_server: str | None
) -> Path:
    """Each test gets its own data and home directories, as a fresh user would."""
    for name in _ISOLATED_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    if session_server is None:
        monkeypatch.setenv("TASKCLI_SERVER", "0")
    else:
        monkeypatch.setenv("XDG_RUNTIME_DIR", session_server)
        monkeypatch.setenv("TASKCLI_SERVER_IDLE", "30")  # a server started by a test ends soon
    data_home = tmp_path / "xdg-data"
    monkeypatch.setenv("XDG_DATA_HOME", str(data_home))
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    return data_home


def _with_database(admin_url: str, name: str) -> str:
    base, _, _ = admin_url.rpartition("/")
    return f"{base}/{name}"


async def _admin(admin_url: str, statement: str) -> None:
    import asyncpg

    url = parse_database_url(admin_url)
    connection = await asyncpg.connect(
        user=url.username,
        password=url.password,
        host=url.host,
        port=url.port,
        database=url.database,
        timeout=10,
    )
    try:
        await connection.execute(statement)
    finally:
        await connection.close()


@pytest.fixture(scope="session")
def pg_admin_url() -> str:
    try:
        asyncio.run(_admin(PG_ADMIN_URL, "SELECT 1"))
    except Exception as error:
        reason = f"PostgreSQL at {parse_database_url(PG_ADMIN_URL)} is unreachable: {error!r}"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(reason)
        pytest.skip(reason)
    return PG_ADMIN_URL


@pytest.fixture(scope="session")
def pg_database_factory(pg_admin_url: str) -> Iterator[Callable[[], str]]:
    """Create blank PostgreSQL databases on demand; all are dropped at the end."""
    created: list[str] = []

    def create() -> str:
        name = f"taskcli_test_{uuid.uuid4().hex[:12]}"
        asyncio.run(_admin(pg_admin_url, f'CREATE DATABASE "{name}"'))
        created.append(name)
        return _with_database(pg_admin_url, name)

    yield create
    for name in created:
        asyncio.run(_admin(pg_admin_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture(scope="session")
def pg_migrated_url(pg_database_factory: Callable[[], str]) -> str:
    """One PostgreSQL database at head, shared by the task tests of this run."""
    from taskcli.db.migrate import upgrade

    url = pg_database_factory()
    upgrade(Settings(database=parse_database_url(url)))
    return url


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def db_url(backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> str:
    """A database at head with no tasks: a new SQLite file, or the shared PostgreSQL one emptied."""
    if backend == "sqlite":
        return f"sqlite:///{tmp_path / 'tasks.db'}"
    url: str = request.getfixturevalue("pg_migrated_url")
    execute(url, "TRUNCATE task_tag, task, tag, change, operation RESTART IDENTITY CASCADE")
    return url


@pytest.fixture
def blank_db_url(backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> str:
    """A database with no schema at all (SQLite: a path that does not exist yet)."""
    if backend == "sqlite":
        return f"sqlite:///{tmp_path / 'blank.db'}"
    factory: Callable[[], str] = request.getfixturevalue("pg_database_factory")
    return factory()


@pytest.fixture
def cli(db_url: str) -> Cli:
    """The real CLI against this test's database."""
    return Cli(url=db_url, env={})


@pytest.fixture
def other(backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> Cli:
    """A second empty database of the same backend, at head."""
    from taskcli.db.migrate import upgrade

    if backend == "sqlite":
        return Cli(url=f"sqlite:///{tmp_path / 'other.db'}", env={})
    url: str = request.getfixturevalue("pg_database_factory")()
    upgrade(Settings(database=parse_database_url(url)))
    return Cli(url=url, env={})
