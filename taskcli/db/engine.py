"""One engine per invocation, configured for a short-lived CLI process.

SQLite: SQLAlchemy (not pysqlite) issues ``BEGIN``; writers take the write
lock up front with ``BEGIN IMMEDIATE`` so that the busy timeout is honoured
and no read-then-write upgrade can deadlock or lose an update. Foreign keys
are switched on for every connection, outside any transaction.
PostgreSQL: asyncpg with short connect and lock timeouts.
Both: ``NullPool`` (nothing outlives the command) and hidden parameters.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
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
    url: DatabaseUrl, *, lock_timeout: float, for_migrations: bool = False
) -> AsyncEngine:
    """Create the invocation's engine; the caller disposes it inside the same loop."""
    if url.backend == "sqlite":
        engine = create_async_engine(
            sqlalchemy_url(url),
            poolclass=NullPool,
            hide_parameters=True,
            connect_args={"timeout": lock_timeout},
        )
        _install_sqlite_hooks(engine.sync_engine, for_migrations=for_migrations)
        return engine
    lock_ms = str(int(lock_timeout * 1000))
    return create_async_engine(
        sqlalchemy_url(url),
        poolclass=NullPool,
        hide_parameters=True,
        connect_args={
            "timeout": CONNECT_TIMEOUT_SECONDS,
            "server_settings": {
                "application_name": APPLICATION_NAME,
                "lock_timeout": lock_ms,
                "idle_in_transaction_session_timeout": "60000",
            },
        },
    )


def _install_sqlite_hooks(engine: Engine, *, for_migrations: bool) -> None:
    # Migrations run with foreign keys off (batch mode copies tables) and check
    # them before commit; they always write.
    foreign_keys = "OFF" if for_migrations else "ON"

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        dbapi_connection.create_function("lower", 1, _unicode_lower, deterministic=True)
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA foreign_keys={foreign_keys}")
        if for_migrations:
            cursor.execute("PRAGMA journal_mode=WAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Connection) -> None:
        write = for_migrations or connection.get_execution_options().get(WRITE_OPTION, False)
        connection.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")


def _unicode_lower(value: Any) -> Any:
    """SQLite's own lower() folds ASCII only; PostgreSQL's folds every script.

    Replacing it on each connection makes ``--search`` and the title sort agree
    on both backends ("ünï" finds "Ünïcödé").
    """
    return value.lower() if isinstance(value, str) else value


@asynccontextmanager
async def session_scope(engine: AsyncEngine, *, write: bool) -> AsyncIterator[AsyncSession]:
    """One session, one transaction: committed on success, rolled back on error."""
    bind = engine.execution_options(**{WRITE_OPTION: True}) if write else engine
    factory = async_sessionmaker(bind, class_=AsyncSession, expire_on_commit=False)
    async with factory() as session, session.begin():
        yield session
