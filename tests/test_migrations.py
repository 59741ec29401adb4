"""Schema migrations and schema checks, on SQLite and PostgreSQL.

What the SPEC and RELIABILITY T5 ask: one head that ``taskcli.db.schema``
knows about; ``taskcli db upgrade/downgrade/current/history`` work through
the CLI; the models match the migrations; a failing migration leaves the
schema exactly as it was; concurrent upgrades all succeed; SQLite upgrades
and downgrades back the file up first; a database without the schema, or
with one newer than this taskcli, is refused (exit 3) and left untouched.

Migration tests use their own blank database: the shared PostgreSQL database
behind ``db_url`` must stay at head for the other tests. On PostgreSQL it is
one database for the module, emptied before each test, because dropping a
database per test costs about half a second each.
"""

from __future__ import annotations

import asyncio
import itertools
import shutil
import sqlite3
import stat
import subprocess
import textwrap
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from support import REPO_ROOT, TABLES, Cli, error_line, execute, run_subprocess

from taskcli.config import Settings, parse_database_url
from taskcli.db.engine import sqlalchemy_url
from taskcli.db.migrate import SETTINGS_ATTRIBUTE, alembic_config, migrations_directory
from taskcli.db.schema import KNOWN_REVISIONS, SCHEMA_HEAD

MIGRATIONS = REPO_ROOT / "migrations"
# Every table a command may change, and the identity a migration makes once.
TASK_TABLES = {*TABLES, "database_identity"}
UPGRADE_ROUNDS = 3
CONCURRENT_UPGRADES = 3

FAILING_REVISION = f'''
"""Test-only: changes the schema, then fails half way."""

import sqlalchemy as sa
from alembic import op

revision = "9999"
down_revision = "{SCHEMA_HEAD}"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table("scratch", sa.Column("id", sa.Integer(), primary_key=True))
    with op.batch_alter_table("task") as batch_op:
        batch_op.add_column(sa.Column("extra", sa.Integer(), nullable=True))
    op.execute("INSERT INTO scratch (id) VALUES (1)")
    raise RuntimeError("test-only migration failure")


def downgrade() -> None:
    raise RuntimeError("not reached")
'''


# --- helpers -----------------------------------------------------------------


def run_on(url: str, function: Callable[[Any], Any]) -> Any:
    """Run ``function(sync_connection)`` on a fresh async engine (as Alembic's env.py does)."""

    async def main() -> Any:
        from sqlalchemy.ext.asyncio import create_async_engine

        engine = create_async_engine(sqlalchemy_url(parse_database_url(url)))
        try:
            async with engine.connect() as connection:
                return await connection.run_sync(function)
        finally:
            await engine.dispose()

    return asyncio.run(main())


def schema_of(url: str) -> dict[str, Any]:
    """Tables with their columns, indexes and foreign keys, plus the stored revision."""

    def inspect(connection: Any) -> dict[str, Any]:
        from sqlalchemy import inspect as sa_inspect
        from sqlalchemy import text

        inspector = sa_inspect(connection)
        tables: dict[str, Any] = {}
        for table in sorted(inspector.get_table_names()):
            tables[table] = {
                "columns": [
                    (c["name"], str(c["type"]), c["nullable"]) for c in inspector.get_columns(table)
                ],
                "indexes": sorted(
                    (i["name"] or "", tuple(i["column_names"]))
                    for i in inspector.get_indexes(table)
                ),
                "foreign_keys": sorted(
                    (f["name"] or "", tuple(f["constrained_columns"]), f["referred_table"])
                    for f in inspector.get_foreign_keys(table)
                ),
            }
        versions = None
        if "alembic_version" in tables:
            rows = connection.execute(text("SELECT version_num FROM alembic_version"))
            versions = sorted(row[0] for row in rows)
        return {"tables": tables, "alembic_version": versions}

    return dict(run_on(url, inspect))


def table_names(url: str) -> set[str]:
    return set(schema_of(url)["tables"])


def rows_of(url: str) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table, sorted: "changes nothing" means equal results.

    Unlike ``support.dump`` it covers whatever tables exist (a failed migration may add some).
    """

    def read(connection: Any) -> dict[str, list[tuple[Any, ...]]]:
        from sqlalchemy import inspect as sa_inspect
        from sqlalchemy import text

        return {
            table: sorted(
                (tuple(row) for row in connection.execute(text(f"SELECT * FROM {table}"))), key=repr
            )
            for table in sorted(sa_inspect(connection).get_table_names())
        }

    return dict(run_on(url, read))


def stored_revisions(url: str) -> list[str] | None:
    """The rows of ``alembic_version``; None when the table does not exist."""
    versions: list[str] | None = schema_of(url)["alembic_version"]
    return versions


def sqlite_path(url: str) -> Path:
    path = parse_database_url(url).path
    assert path is not None
    return path


def migrated(url: str) -> Cli:
    """Bring a blank database to head through the CLI; return a CLI pointed at it."""
    cli = Cli(url=url, env={})
    cli.ok("db", "upgrade")
    return cli


def reset_postgresql(url: str) -> None:
    """Empty a PostgreSQL database completely (faster than a new database per test)."""
    execute(url, "DROP SCHEMA public CASCADE", "CREATE SCHEMA public")


@pytest.fixture(scope="module")
def scratch_postgresql_url(pg_database_factory: Callable[[], str]) -> str:
    """One PostgreSQL database for this module, emptied before each test that uses it."""
    return pg_database_factory()


@pytest.fixture
def new_blank_url(
    backend: str, tmp_path: Path, request: pytest.FixtureRequest
) -> Callable[[], str]:
    """Make blank databases of this backend: each call gives one with no schema at all."""
    counter = itertools.count()
    if backend == "sqlite":
        return lambda: f"sqlite:///{tmp_path / f'blank{next(counter)}.db'}"
    url: str = request.getfixturevalue("scratch_postgresql_url")

    def blank() -> str:
        reset_postgresql(url)
        return url

    return blank


@pytest.fixture
def blank_url(new_blank_url: Callable[[], str]) -> str:
    """A database with no schema (SQLite: a path that does not exist yet)."""
    return new_blank_url()


# --- the revision list -------------------------------------------------------


def test_known_revisions_match_migration_scripts() -> None:
    """``KNOWN_REVISIONS`` (used without importing Alembic) lists every script, oldest first."""
    from alembic.script import ScriptDirectory

    scripts = ScriptDirectory(str(MIGRATIONS))
    oldest_first = [script.revision for script in reversed(list(scripts.walk_revisions()))]
    assert tuple(oldest_first) == KNOWN_REVISIONS
    assert scripts.get_heads() == [SCHEMA_HEAD]
    assert KNOWN_REVISIONS[-1] == SCHEMA_HEAD


def test_single_linear_history() -> None:
    """One head, one base, and each revision follows the previous one."""
    from alembic.script import ScriptDirectory

    scripts = ScriptDirectory(str(MIGRATIONS))
    assert len(scripts.get_heads()) == 1
    assert len(scripts.get_bases()) == 1
    previous: str | None = None
    for revision in KNOWN_REVISIONS:
        script = scripts.get_revision(revision)
        assert script is not None
        assert script.down_revision == previous
        previous = revision


def test_cli_uses_the_checkout_migrations() -> None:
    """The CLI's script location is this checkout's ``migrations/`` (tests run the checkout)."""
    settings = Settings(database=parse_database_url("sqlite:///x.db"))
    location = alembic_config(settings).get_main_option("script_location")
    assert location is not None
    assert Path(location).resolve() == migrations_directory().resolve() == MIGRATIONS.resolve()


# --- db commands through the CLI ---------------------------------------------


def test_upgrade_creates_schema_and_current_says_head(blank_url: str) -> None:
    """``db upgrade`` on a blank database reaches head; ``db current`` prints ``0001 (head)``."""
    cli = Cli(url=blank_url, env={})
    result = cli.ok("db", "upgrade")
    assert result.stdout == ""
    assert f"revision base -> {SCHEMA_HEAD}" in result.stderr
    assert table_names(blank_url) == {*TASK_TABLES, "alembic_version"}
    assert stored_revisions(blank_url) == [SCHEMA_HEAD]
    assert cli.ok("db", "current").stdout == f"{SCHEMA_HEAD} (head)\n"
    again = cli.ok("db", "upgrade")
    assert f"already at revision {SCHEMA_HEAD}" in again.stderr


def test_current_twice_in_one_process(blank_url: str) -> None:
    """Alembic's output follows the current ``sys.stdout`` (it used to keep a stale stream)."""
    cli = migrated(blank_url)
    for _ in range(3):
        assert cli.ok("db", "current").stdout == f"{SCHEMA_HEAD} (head)\n"


def test_current_on_blank_database_prints_nothing(blank_url: str, backend: str) -> None:
    """At base ``db current`` prints nothing, as Alembic does, and creates nothing."""
    result = Cli(url=blank_url, env={}).ok("db", "current")
    assert result.stdout == ""
    if backend == "sqlite":
        assert not sqlite_path(blank_url).exists()
    else:
        assert table_names(blank_url) == set()


def test_history_lists_revisions(blank_url: str, backend: str) -> None:
    """``db history`` lists every revision, newest first, without touching the database."""
    result = Cli(url=blank_url, env={}).ok("db", "history")
    lines = result.stdout.splitlines()
    assert len(lines) == len(KNOWN_REVISIONS)
    assert f"-> {SCHEMA_HEAD} (head)" in lines[0]
    assert lines[-1].startswith(f"<base> -> {KNOWN_REVISIONS[0]}")
    for revision in KNOWN_REVISIONS:
        assert f"-> {revision}" in result.stdout
    if backend == "sqlite":
        assert not sqlite_path(blank_url).exists()
    else:
        assert table_names(blank_url) == set()


def test_history_needs_no_database() -> None:
    """``db history`` works even when the database is unreachable."""
    cli = Cli(url="postgresql://nobody@127.0.0.1:1/none", env={})
    assert f"-> {SCHEMA_HEAD} (head)" in cli.ok("db", "history").stdout


def test_downgrade_to_base_and_back(blank_url: str) -> None:
    """Downgrade removes every table (keeping no revision); upgrade brings them back, empty."""
    cli = migrated(blank_url)
    cli.ok("add", "before downgrade")
    result = cli.ok("db", "downgrade", "base", "--yes")
    assert f"revision {SCHEMA_HEAD} -> base" in result.stderr
    assert table_names(blank_url) <= {"alembic_version"}
    assert stored_revisions(blank_url) in (None, [])
    assert cli.ok("db", "current").stdout == ""
    cli.ok("db", "upgrade")
    assert table_names(blank_url) == {*TASK_TABLES, "alembic_version"}
    assert stored_revisions(blank_url) == [SCHEMA_HEAD]
    assert cli.ok("list", "-f", "ids").stdout == ""


@pytest.mark.parametrize("command", ["upgrade", "downgrade"])
def test_unknown_target_revision_exits_2(db_url: str, command: str) -> None:
    """An unknown target revision is refused before the database is touched."""
    before = rows_of(db_url)
    result = Cli(url=db_url, env={}).fails(2, "db", command, "nosuchrev")
    assert error_line(result) == "Error: unknown revision: 'nosuchrev'"
    assert rows_of(db_url) == before


# --- models match migrations ---------------------------------------------------


def metadata_diff(url: str) -> list[Any]:
    """Alembic's autogenerate comparison of the models against a real database."""

    def compare(connection: Any) -> list[Any]:
        from alembic.autogenerate import compare_metadata
        from alembic.migration import MigrationContext

        from taskcli.models import metadata

        context = MigrationContext.configure(
            connection, opts={"compare_type": True, "compare_server_default": True}
        )
        return list(compare_metadata(context, metadata))

    return list(run_on(url, compare))


def test_models_match_migrations(blank_url: str) -> None:
    """After ``db upgrade`` autogenerate finds nothing to change: models and DDL agree."""
    assert metadata_diff(blank_url) != []  # the comparison sees a missing schema
    migrated(blank_url)
    assert metadata_diff(blank_url) == []


def journal_triggers(url: str, backend: str) -> set[str]:
    sql = (
        "SELECT tgname FROM pg_trigger WHERE NOT tgisinternal"
        if backend == "postgresql"
        else "SELECT name FROM sqlite_master WHERE type = 'trigger'"
    )
    return {name for (name,) in execute(url, sql)[0] if name.startswith("journal_")}


def triggers_for(*tables: str) -> set[str]:
    return {f"journal_{t}_{e}" for t in tables for e in ("insert", "update", "delete")}


def test_each_revision_journals_the_tables_it_has(blank_url: str, backend: str) -> None:
    """0003 makes triggers for task, tag and task_tag only (``annotation`` comes in 0005);
    downgrading to 0004 or 0003 leaves exactly those; upgrading adds annotation's again."""
    cli = Cli(url=blank_url, env={})
    cli.ok("db", "upgrade", "0003")
    assert journal_triggers(blank_url, backend) == triggers_for("task", "tag", "task_tag")
    cli.ok("db", "upgrade")
    everything = triggers_for(
        "task", "tag", "task_tag", "annotation", "time_interval", "task_blocker"
    )
    assert journal_triggers(blank_url, backend) == everything
    for target in ("0004", "0003"):
        cli.ok("db", "downgrade", target, "--yes")
        assert journal_triggers(blank_url, backend) == triggers_for("task", "tag", "task_tag")
    cli.ok("db", "upgrade")
    assert journal_triggers(blank_url, backend) == everything


# --- SQLite backups --------------------------------------------------------------


def test_sqlite_downgrade_backs_up_first(tmp_path: Path) -> None:
    """Changing a SQLite file's revision copies it to ``tasks.db.bak-<old>``: 0600, intact."""
    database = tmp_path / "tasks.db"
    cli = migrated(f"sqlite:///{database}")
    cli.ok("add", "keep me")
    result = cli.ok("db", "downgrade", "base")
    backup = tmp_path / f"tasks.db.bak-{SCHEMA_HEAD}"
    assert f"Backed up sqlite:///{database} to {backup}" in result.stderr
    assert stat.S_IMODE(backup.stat().st_mode) == 0o600
    connection = sqlite3.connect(f"file:{backup}?mode=ro", uri=True)
    try:
        assert connection.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        assert connection.execute("SELECT version_num FROM alembic_version").fetchall() == [
            (SCHEMA_HEAD,)
        ]
        assert connection.execute("SELECT title FROM task").fetchall() == [("keep me",)]
    finally:
        connection.close()


def test_sqlite_no_backup_when_nothing_changes(tmp_path: Path) -> None:
    """No backup for a new file (no old revision) or one already at the target."""
    cli = migrated(f"sqlite:///{tmp_path / 'tasks.db'}")
    cli.ok("db", "upgrade")
    cli.ok("db", "upgrade", SCHEMA_HEAD)
    assert sorted(p.name for p in tmp_path.iterdir() if ".bak-" in p.name) == []


# --- schema checks ---------------------------------------------------------------


@pytest.mark.parametrize("command", [["list"], ["add", "x"], ["tree"]])
def test_database_without_schema_is_refused_and_untouched(
    blank_url: str, backend: str, command: list[str]
) -> None:
    """A database that holds other tables but not ours: exit 3, unchanged.

    A SQLite file with other tables is another application's: "not a taskcli
    database", no hint to upgrade it. A PostgreSQL database may be shared, so
    there the hint stays.
    """
    if backend == "sqlite":
        sqlite_path(blank_url).touch(mode=0o600)  # private, so no permission warning
    execute(blank_url, "CREATE TABLE unrelated (x INTEGER)", "INSERT INTO unrelated VALUES (7)")
    before = schema_of(blank_url)
    result = Cli(url=blank_url, env={}).fails(3, *command)
    line = error_line(result)
    if backend == "sqlite":
        assert "is not a taskcli database" in line
        assert "upgrade" not in line
    else:
        assert 'has no taskcli schema; run "taskcli db upgrade"' in line
    assert schema_of(blank_url) == before
    assert execute(blank_url, "SELECT x FROM unrelated") == [[(7,)]]


@pytest.mark.parametrize("backend", ["postgresql"])
@pytest.mark.parametrize("command", [["list"], ["add", "x"]])
def test_empty_postgresql_database_is_not_migrated_by_commands(
    blank_url: str, command: list[str]
) -> None:
    """Only ``db upgrade`` changes a PostgreSQL database: commands exit 3 and create nothing."""
    result = Cli(url=blank_url, env={}).fails(3, *command)
    assert error_line(result).endswith('has no taskcli schema; run "taskcli db upgrade"')
    assert table_names(blank_url) == set()


def test_downgraded_database_is_refused(blank_url: str) -> None:
    """After ``db downgrade base`` commands exit 3 and ask for ``db upgrade``."""
    cli = migrated(blank_url)
    cli.ok("db", "downgrade", "base", "--yes")
    before = schema_of(blank_url)
    line = error_line(cli.fails(3, "list"))
    assert line.endswith('run "taskcli db upgrade"')
    assert schema_of(blank_url) == before


@pytest.mark.parametrize("command", [["list"], ["add", "x"], ["db", "upgrade"], ["db", "current"]])
def test_newer_schema_is_refused(blank_url: str, command: list[str]) -> None:
    """A revision this taskcli does not know means a newer schema: exit 3, "upgrade taskcli"."""
    cli = migrated(blank_url)
    cli.ok("add", "existing")
    execute(blank_url, "UPDATE alembic_version SET version_num = 'ffff9999'")
    before = rows_of(blank_url)
    line = error_line(cli.fails(3, *command))
    assert "database schema is newer than this taskcli knows" in line
    assert line.endswith("upgrade taskcli")
    assert rows_of(blank_url) == before


# --- atomicity -----------------------------------------------------------------


def migrations_with(tmp_path: Path, revisions: dict[str, str]) -> Path:
    """A copy of ``migrations/`` with extra test-only revision files."""
    location = tmp_path / "test-migrations"
    shutil.rmtree(location, ignore_errors=True)
    shutil.copytree(MIGRATIONS, location, ignore=shutil.ignore_patterns("__pycache__"))
    for name, source in revisions.items():
        (location / "versions" / name).write_text(textwrap.dedent(source))
    return location


def alembic_config_for(location: Path, url: str) -> Any:
    """An Alembic config like taskcli's, pointed at another script directory."""
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(location))
    config.attributes[SETTINGS_ATTRIBUTE] = Settings(database=parse_database_url(url))
    return config


def test_failing_migration_leaves_schema_unchanged(blank_url: str, tmp_path: Path) -> None:
    """A revision that creates a table, adds a column, then raises: everything is rolled back."""
    from alembic import command

    cli = migrated(blank_url)
    cli.ok("add", "survivor", "-t", "kept")
    schema_before, data_before = schema_of(blank_url), rows_of(blank_url)

    location = migrations_with(tmp_path, {"9999_fails.py": FAILING_REVISION})
    with pytest.raises(RuntimeError, match="test-only migration failure"):
        command.upgrade(alembic_config_for(location, blank_url), "head")

    assert schema_of(blank_url) == schema_before
    assert rows_of(blank_url) == data_before
    assert stored_revisions(blank_url) == [SCHEMA_HEAD]
    assert cli.ok("list", "-f", "ids").stdout == "1\n"
    assert cli.ok("db", "current").stdout == f"{SCHEMA_HEAD} (head)\n"

    # Not wedged: once the revision is fixed, the same upgrade applies cleanly.
    fixed = FAILING_REVISION.replace('    raise RuntimeError("test-only migration failure")\n', "")
    location = migrations_with(tmp_path, {"9999_fixed.py": fixed})
    command.upgrade(alembic_config_for(location, blank_url), "head")
    assert stored_revisions(blank_url) == ["9999"]
    assert {"scratch", *TASK_TABLES} <= table_names(blank_url)
    columns = [c[0] for c in schema_of(blank_url)["tables"]["task"]["columns"]]
    assert "extra" in columns


# --- concurrency -----------------------------------------------------------------


def upgrade_in_subprocess(url: str) -> subprocess.CompletedProcess[str]:
    return run_subprocess(["db", "upgrade"], env={"TASKCLI_DATABASE_URL": url})


@pytest.mark.slow
def test_concurrent_upgrades_all_succeed(new_blank_url: Callable[[], str]) -> None:
    """Several ``taskcli db upgrade`` at once on a blank database: all exit 0, schema once."""
    for _ in range(UPGRADE_ROUNDS):
        url = new_blank_url()
        with ThreadPoolExecutor(max_workers=CONCURRENT_UPGRADES) as pool:
            results = list(pool.map(upgrade_in_subprocess, [url] * CONCURRENT_UPGRADES))
        for result in results:
            assert result.returncode == 0, (result.returncode, result.stderr)
            assert "Error" not in result.stderr
            assert "already exists" not in result.stderr
        created = [r for r in results if f"revision base -> {SCHEMA_HEAD}" in r.stderr]
        assert len(created) == 1, [r.stderr for r in results]
        assert stored_revisions(url) == [SCHEMA_HEAD]
        assert table_names(url) == {*TASK_TABLES, "alembic_version"}
