"""Alembic environment for taskcli.

The database comes from taskcli's settings, never from alembic.ini: passed in
``config.attributes`` by ``taskcli db ...``, or resolved from the environment
for a developer's ``alembic upgrade head``. A connection handed in through
``config.attributes["connection"]`` is used synchronously (tests); otherwise
this module runs its own event loop, so callers must not be inside one.

Every upgrade is one transaction, serialised across processes: SQLite takes
``BEGIN IMMEDIATE`` with transactional DDL, PostgreSQL an advisory lock.
"""

import asyncio
import os
import sys
import time

from alembic import context
from sqlalchemy import text
from sqlalchemy.engine import Connection

from taskcli.config import Settings, resolve_settings
from taskcli.db.engine import make_engine
from taskcli.db.files import create_private_file
from taskcli.db.migrate import REVISIONS_ATTRIBUTE, SETTINGS_ATTRIBUTE
from taskcli.models import metadata

MIGRATION_LOCK_KEY = 0x7461736B636C69  # "taskcli"

config = context.config


def _settings() -> Settings:
    settings = config.attributes.get(SETTINGS_ATTRIBUTE)
    if settings is None:
        if config.config_file_name is not None:
            from logging.config import fileConfig

            fileConfig(config.config_file_name)
        settings = resolve_settings(None)
    return settings


def run_migrations_offline() -> None:
    """Emit SQL for the selected backend's dialect, without connecting."""
    backend = _settings().database.backend
    context.configure(
        url=f"{backend}://",
        target_metadata=metadata,
        literal_binds=True,
        render_as_batch=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def _pause_before_commit_for_tests() -> None:
    """Crash tests kill ``db upgrade`` here, with the DDL done and not committed."""
    if os.environ.get("TASKCLI_TESTING") == "1" and (
        seconds := os.environ.get("TASKCLI_TEST_PAUSE_BEFORE_COMMIT")
    ):
        sys.stderr.write("taskcli-test: paused before commit\n")
        sys.stderr.flush()
        time.sleep(float(seconds))


def do_run_migrations(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=metadata,
        render_as_batch=True,
        transactional_ddl=True,
        compare_type=True,
    )
    with context.begin_transaction():
        if connection.dialect.name == "postgresql":
            connection.execute(
                text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK_KEY}
            )
        migration_context = context.get_context()
        before = migration_context.get_current_revision()
        context.run_migrations()
        _pause_before_commit_for_tests()
        # Reported back to ``taskcli db upgrade``/``downgrade``.
        config.attributes[REVISIONS_ATTRIBUTE] = (before, migration_context.get_current_revision())
        if connection.dialect.name == "sqlite":
            problems = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
            if problems:
                raise RuntimeError(
                    f"foreign key check failed after migration: {len(problems)} rows"
                )


async def run_async_migrations(settings: Settings) -> None:
    database = settings.database
    if database.backend == "sqlite" and database.path is not None:
        create_private_file(database.path, create_directories=database.is_default)
    engine = make_engine(database, lock_timeout=settings.lock_timeout, for_migrations=True)
    try:
        async with engine.connect() as connection:
            await connection.run_sync(do_run_migrations)
    finally:
        await engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
elif (connection := config.attributes.get("connection")) is not None:
    do_run_migrations(connection)
else:
    asyncio.run(run_async_migrations(_settings()))
