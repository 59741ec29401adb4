"""One engine per invocation, configured for a short-lived CLI process.

SQLite: SQLAlchemy (not pysqlite) issues ``BEGIN``; writers take the write
lock up front with ``BEGIN IMMEDIATE`` so that the busy timeout is honoured
and no read-then-write upgrade can deadlock or lose an update. Foreign keys
are switched on for every connection, outside any transaction.
Writers on one file queue for their turn first (``writer_queue``), so none
starves behind the busy handler's polling.
PostgreSQL: asyncpg with short connect and lock timeouts; read-only
transactions are exempt from the idle-in-transaction timeout, so a slow
reader of a streamed ``export`` is not cut off.
Both: ``NullPool`` (nothing outlives the command) and hidden parameters.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import URL, event
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine
from sqlalchemy.pool import NullPool
from sqlmodel.ext.asyncio.session import AsyncSession

from taskcli.config import DatabaseUrl

WRITE_OPTION = "taskcli_write"
CONNECT_TIMEOUT_SECONDS = 10
APPLICATION_NAME = "taskcli"
IDLE_IN_TRANSACTION_TIMEOUT_MS = 60_000
# Tests shorten the idle-in-transaction timeout (only with TASKCLI_TESTING=1).
ENV_TEST_IDLE_TIMEOUT_MS = "TASKCLI_TEST_IDLE_IN_TRANSACTION_TIMEOUT_MS"
_QUEUE_DESCRIPTOR = "taskcli_writer_queue"


def sqlalchemy_url(url: DatabaseUrl) -> URL:
    """The async-driver URL for SQLAlchemy, built from parsed parts."""
    if url.backend == "sqlite":
        return URL.create("sqlite+aiosqlite", database=str(url.path))
    return URL.create(
        "postgresql+asyncpg",
        username=url.username,
        password=url.password,
        host=url.host,
        port=url.port,
        database=url.database,
        query=dict(url.query),
    )


def make_engine(
    url: DatabaseUrl, *, lock_timeout: float, for_migrations: bool = False, write: bool = True
) -> AsyncEngine:
    """Create the invocation's engine; the caller disposes it inside the same loop.

    ``write=False`` promises that every transaction only reads (PostgreSQL
    then lifts the idle-in-transaction timeout for it).
    """
    if url.backend == "sqlite":
        engine = create_async_engine(
            sqlalchemy_url(url),
            poolclass=NullPool,
            hide_parameters=True,
            connect_args={"timeout": lock_timeout},
        )
        _install_sqlite_hooks(
            engine.sync_engine,
            for_migrations=for_migrations,
            database=url.path,
            lock_timeout=lock_timeout,
        )
        return engine
    lock_ms = str(postgres_lock_timeout_ms(lock_timeout))
    idle_ms = str(idle_in_transaction_timeout_ms() if write or for_migrations else 0)
    return create_async_engine(
        sqlalchemy_url(url),
        poolclass=NullPool,
        hide_parameters=True,
        connect_args={
            "timeout": CONNECT_TIMEOUT_SECONDS,
            "server_settings": {
                "application_name": APPLICATION_NAME,
                "lock_timeout": lock_ms,
                "idle_in_transaction_session_timeout": idle_ms,
            },
        },
    )


def postgres_lock_timeout_ms(lock_timeout: float) -> int:
    """Whole milliseconds, at least 1: PostgreSQL reads ``lock_timeout = 0`` as "wait forever"."""
    return max(1, round(lock_timeout * 1000))


def idle_in_transaction_timeout_ms() -> int:
    """How long a writer may sit idle inside its transaction before the server ends it."""
    raw = os.environ.get(ENV_TEST_IDLE_TIMEOUT_MS, "")
    if os.environ.get("TASKCLI_TESTING") == "1" and raw.isdigit() and int(raw) > 0:
        return int(raw)
    return IDLE_IN_TRANSACTION_TIMEOUT_MS


def _install_sqlite_hooks(
    engine: Engine, *, for_migrations: bool, database: Path | None, lock_timeout: float
) -> None:
    # Migrations run with foreign keys off (batch mode copies tables) and check
    # them before commit; they always write.
    foreign_keys = "OFF" if for_migrations else "ON"

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA foreign_keys={foreign_keys}")
        if for_migrations:
            cursor.execute("PRAGMA journal_mode=WAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Connection) -> None:
        write = for_migrations or connection.get_execution_options().get(WRITE_OPTION, False)
        if write and database is not None:
            _wait_for_writer_turn(connection, database, lock_timeout)
        connection.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")

    @event.listens_for(engine, "checkin")
    def _on_checkin(_dbapi_connection: Any, record: Any) -> None:
        # After commit or rollback: the connection goes back (NullPool closes it).
        _end_writer_turn(record.info if record is not None else None)


def _wait_for_writer_turn(connection: Connection, database: Path, lock_timeout: float) -> None:
    """Take the writer queue's lock before ``BEGIN IMMEDIATE``; the wait counts
    against the lock timeout, and SQLite's busy handler gets what is left."""
    import time

    from sqlalchemy.util import await_only

    from taskcli.db import writer_queue

    info = connection.connection.info
    if _QUEUE_DESCRIPTOR in info:
        return
    descriptor = writer_queue.open_lock_file(database)
    if descriptor is None:
        return
    started = time.monotonic()
    try:
        await_only(writer_queue.wait_for_turn(descriptor, lock_timeout))
    except BaseException:
        writer_queue.release(descriptor)
        raise
    info[_QUEUE_DESCRIPTOR] = descriptor
    remaining_ms = int((lock_timeout - (time.monotonic() - started)) * 1000)
    if remaining_ms < int(lock_timeout * 1000) - 50:
        connection.exec_driver_sql(f"PRAGMA busy_timeout={max(1, remaining_ms)}")


def _end_writer_turn(info: dict[Any, Any] | None) -> None:
    if info is None:
        return
    descriptor = info.pop(_QUEUE_DESCRIPTOR, None)
    if descriptor is not None:
        from taskcli.db import writer_queue

        writer_queue.release(descriptor)


@asynccontextmanager
async def session_scope(engine: AsyncEngine, *, write: bool) -> AsyncIterator[AsyncSession]:
    """One session, one transaction: committed on success, rolled back on error."""
    bind = engine.execution_options(**{WRITE_OPTION: True}) if write else engine
    factory = async_sessionmaker(bind, class_=AsyncSession, expire_on_commit=False)
    async with factory() as session, session.begin():
        yield session
