"""One engine per invocation, configured for a short-lived CLI process.

SQLite: SQLAlchemy (not pysqlite) issues ``BEGIN``; writers take the write
lock up front with ``BEGIN IMMEDIATE`` so that the busy timeout is honoured
and no read-then-write upgrade can deadlock or lose an update. Foreign keys
are switched on for every connection, outside any transaction.
Writers on one file queue for their turn first (``writer_queue``), so none
starves behind the busy handler's polling (the hooks: ``sqlite_hooks``).
PostgreSQL: asyncpg, usable behind PgBouncer in session or transaction mode:
no startup parameter but ``application_name`` (timeouts are set with
``set_config(..., true)`` in the query that opens each transaction, together
with ``BEGIN`` and the schema check: one round trip, ``pg_turns``), and only
unnamed prepared statements, so nothing outlives a transaction on a server
connection. Connecting and the first statement share one connect timeout (a
pooler accepts a client long before it finds a server); "too many
connections" is retried with jittered backoff within the lock timeout. Read-only
transactions are exempt from the idle-in-transaction timeout, so a slow reader
of a streamed ``export`` is not cut off.
Both: ``NullPool`` (nothing outlives the command) and hidden parameters.
"""

from __future__ import annotations

import os
import sys
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass, replace
from typing import Any
from urllib.parse import urlencode
from weakref import WeakKeyDictionary

from sqlalchemy import URL
from sqlalchemy.engine import Engine
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine
from sqlalchemy.pool import NullPool
from sqlmodel.ext.asyncio.session import AsyncSession

from taskcli.config import DatabaseUrl
from taskcli.db.sqlite_hooks import install_sqlite_hooks
from taskcli.errors import InvalidDatabaseUrl

WRITE_OPTION = "taskcli_write"
CONNECT_TIMEOUT_SECONDS = 10
APPLICATION_NAME = "taskcli"
IDLE_IN_TRANSACTION_TIMEOUT_MS = 60_000
# Tests shorten the idle-in-transaction timeout (only with TASKCLI_TESTING=1).
ENV_TEST_IDLE_TIMEOUT_MS = "TASKCLI_TEST_IDLE_IN_TRANSACTION_TIMEOUT_MS"
_SSL_PARAMETERS = ("sslmode", "sslrootcert", "sslcert", "sslkey")
_TOO_MANY_CONNECTIONS = "53300"
_SERVICE_ADDRESS_KEYS = ("host", "port", "dbname", "user", "password")


@dataclass(frozen=True)
class _PostgresLimits:
    connect_timeout: float
    lock_timeout: float


_LIMITS: WeakKeyDictionary[Engine, _PostgresLimits] = WeakKeyDictionary()


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
    )


def make_engine(
    url: DatabaseUrl, *, lock_timeout: float, for_migrations: bool = False, write: bool = True
) -> AsyncEngine:
    """Create the invocation's engine; the caller disposes it inside the same loop.

    ``write=False`` promises that every transaction only reads (PostgreSQL
    then lifts the idle-in-transaction timeout for it).
    """
    if url.backend == "sqlite":
        return _sqlite_engine(url, lock_timeout=lock_timeout, for_migrations=for_migrations)
    target, parameters = resolve_postgresql(url, os.environ)
    connect_timeout = float(parameters.get("connect_timeout", CONNECT_TIMEOUT_SECONDS))
    engine = create_async_engine(
        # SQLAlchemy's own statement cache would name statements: off.
        sqlalchemy_url(target).update_query_dict({"prepared_statement_cache_size": "0"}),
        poolclass=NullPool,
        hide_parameters=True,
        connect_args=_asyncpg_arguments(parameters, connect_timeout),
    )
    idle_ms = idle_in_transaction_timeout_ms() if write or for_migrations else 0
    _install_postgresql_hooks(
        engine.sync_engine,
        url,
        lock_timeout=lock_timeout,
        idle_ms=idle_ms,
        for_migrations=for_migrations,
    )
    _LIMITS[engine.sync_engine] = _PostgresLimits(connect_timeout, lock_timeout)
    return engine


def _sqlite_engine(url: DatabaseUrl, *, lock_timeout: float, for_migrations: bool) -> AsyncEngine:
    """The SQLite engine: one connection per use, its pragmas and locking set on connect."""
    engine = create_async_engine(
        sqlalchemy_url(url),
        poolclass=NullPool,
        hide_parameters=True,
        connect_args={"timeout": lock_timeout},
    )
    install_sqlite_hooks(
        engine.sync_engine,
        for_migrations=for_migrations,
        database=url.path,
        lock_timeout=lock_timeout,
        write_option=WRITE_OPTION,
    )
    return engine


def resolve_postgresql(
    url: DatabaseUrl, environ: Mapping[str, str]
) -> tuple[DatabaseUrl, dict[str, str]]:
    """The URL with a connection service's values filled in, and its libpq parameters."""
    from taskcli.db.pgservice import read_service, service_name

    query = dict(url.query)
    name = service_name(query, environ)
    if name is None:
        return url, query
    service = read_service(name, environ)
    port = service.get("port")
    if port is not None and not (port.isdigit() and 0 < int(port) < 65536):
        raise InvalidDatabaseUrl(f"connection service '{name}' has an invalid port")
    target = replace(
        url,
        username=url.username or service.get("user"),
        password=url.password if url.password is not None else service.get("password"),
        host=url.host or service.get("host"),
        port=url.port or (int(port) if port else None),
        database=url.database or service.get("dbname"),
    )
    parameters = {k: v for k, v in service.items() if k not in _SERVICE_ADDRESS_KEYS}
    parameters.update(query)
    parameters.pop("service", None)
    return target, parameters


def _asyncpg_arguments(parameters: Mapping[str, str], connect_timeout: float) -> dict[str, Any]:
    """asyncpg's connect arguments: TLS through its libpq-style DSN, the rest as keywords."""
    server_settings = {"application_name": parameters.get("application_name", APPLICATION_NAME)}
    if "options" in parameters:
        server_settings["options"] = parameters["options"]
    arguments: dict[str, Any] = {
        "timeout": connect_timeout,
        "statement_cache_size": 0,
        # Unnamed statements live until the next one: nothing is left on a pooled server.
        "prepared_statement_name_func": _unnamed_statement,
        "server_settings": server_settings,
    }
    tls = {key: parameters[key] for key in _SSL_PARAMETERS if key in parameters}
    if tls.get("sslrootcert", os.environ.get("PGSSLROOTCERT")) == "system":
        from taskcli.db.tls import system_trust_context, with_environment

        arguments["ssl"] = system_trust_context(with_environment(tls))
    elif tls:
        # Host, user and password still come as keywords (they take precedence).
        arguments["dsn"] = "postgresql://?" + urlencode(tls)
    return arguments


def _unnamed_statement() -> str:
    return ""


def _install_postgresql_hooks(
    engine: Engine, url: DatabaseUrl, *, lock_timeout: float, idle_ms: int, for_migrations: bool
) -> None:
    # One turn opens every transaction: BEGIN, the transaction-scoped timeouts
    # (a pooler hands the server connection on unchanged; readers get no idle
    # timeout, 0) and, for commands, the schema check (``pg_turns``).
    from taskcli.db import pg_turns

    if not for_migrations:
        # Alembic reflects: migrations keep SQLAlchemy's full first-connect questions.
        pg_turns.answer_first_connect_from_startup(engine)
    sql = pg_turns.opening_sql(
        lock_timeout_ms=postgres_lock_timeout_ms(lock_timeout),
        idle_ms=idle_ms,
        check_schema=not for_migrations,
    )
    pg_turns.install_opening(engine, sql, url)


def postgres_lock_timeout_ms(lock_timeout: float) -> int:
    """Whole milliseconds, at least 1: PostgreSQL reads ``lock_timeout = 0`` as "wait forever"."""
    return max(1, round(lock_timeout * 1000))


def idle_in_transaction_timeout_ms() -> int:
    """How long a writer may sit idle inside its transaction before the server ends it."""
    raw = os.environ.get(ENV_TEST_IDLE_TIMEOUT_MS, "")
    if os.environ.get("TASKCLI_TESTING") == "1" and raw.isdigit() and int(raw) > 0:
        return int(raw)
    return IDLE_IN_TRANSACTION_TIMEOUT_MS


@asynccontextmanager
async def session_scope(
    engine: AsyncEngine, *, write: bool, opening: str | None = None
) -> AsyncIterator[AsyncSession]:
    """One session, one transaction: committed on success, rolled back on error.

    ``opening`` (PostgreSQL only): SQL text sent with the transaction's opening,
    in the same round trip.
    """
    from taskcli.db.pg_turns import OPENING_OPTION

    options: dict[str, Any] = {WRITE_OPTION: True} if write else {}
    if opening is not None:
        options[OPENING_OPTION] = opening
    bind = engine.execution_options(**options) if options else engine
    factory = async_sessionmaker(bind, class_=AsyncSession, expire_on_commit=False)
    async with factory() as session, session.begin():
        limits = _LIMITS.get(engine.sync_engine)
        if limits is not None:
            await _connect_postgresql(session, limits)
        yield session


async def _connect_postgresql(session: AsyncSession, limits: _PostgresLimits) -> None:
    """Connect and run the first statement within the connect timeout.

    "Too many connections" is retried with jittered backoff until the lock
    timeout; warnings raised while connecting (a ``.pgpass`` with loose
    permissions) become one clean line.
    """
    import asyncio
    import warnings

    loop = asyncio.get_running_loop()
    deadline = loop.time() + limits.lock_timeout
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            await _connect_with_retries(session, limits.connect_timeout, deadline)
        finally:
            _report_warnings([str(w.message) for w in caught])


async def _connect_with_retries(
    session: AsyncSession, connect_timeout: float, deadline: float
) -> None:
    import asyncio
    import random

    from sqlalchemy.exc import DBAPIError

    loop = asyncio.get_running_loop()
    delay = 0.05
    while True:
        try:
            async with asyncio.timeout(connect_timeout):
                await session.connection()
            return
        except DBAPIError as error:
            wait = random.uniform(delay / 2, delay)
            busy = getattr(error.orig, "sqlstate", None) == _TOO_MANY_CONNECTIONS
            if not busy or loop.time() + wait > deadline:
                raise
            await asyncio.sleep(wait)
            delay = min(delay * 2, 1.0)


def _report_warnings(messages: list[str]) -> None:
    for message in dict.fromkeys(messages):
        if message.startswith("password file"):
            path = message.split("'")[1] if message.count("'") >= 2 else "the password file"
            reason = (
                "is not a plain file"
                if "not a plain file" in message
                else "has group or world access (chmod 600 it)"
            )
            sys.stderr.write(f"Warning: password file {path} ignored: it {reason}\n")
