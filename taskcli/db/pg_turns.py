"""Fewer round trips to PostgreSQL: each one costs the network's latency.

A statement through asyncpg's extended protocol is two turns (prepare, then
bind and execute): parameter types must be known before values are sent.
SQL text with no parameters whose rows are not wanted can go by the simple
protocol instead, one turn for several statements. Where that applies:

* SQLAlchemy's first-connect ``initialize()`` asks four questions (about ten
  turns with ``BEGIN``/``ROLLBACK``). The server version and
  ``standard_conforming_strings`` already came with the start-up reply
  (PostgreSQL reports both as parameters, and PgBouncer passes them on), so
  they are answered from there; ``initialize()`` itself still runs and sets
  every attribute from those answers. The default schema and isolation level
  are left unknown (``None``, as SQLAlchemy does for a dialect that cannot
  tell): only reflection and isolation-level resets read them, and commands
  do neither. Migrations keep the full ``initialize()``.
* The transaction's opening: ``BEGIN``, the transaction-scoped timeouts and
  the schema-revision check travel as one simple-protocol query, a single
  turn. The check is a ``DO`` block that raises (SQLSTATE ``TCSCH``, the
  revisions in its detail) unless the database is at head; the runtime turns
  that into the usual schema message. A journaled command's new operation
  (``OPENING_OPTION``) rides along.
* The transaction's end: statements queued with ``run_with_commit`` (the
  journal's closing) go in the COMMIT's query.
* ``execute_unprepared``: one such statement on its own (the tree lock).

Nothing is named and nothing outlives the transaction, so PgBouncer in
transaction mode is unaffected. The driver sends these itself, so SQLAlchemy's
statement events do not see them.
"""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import event, text
from sqlalchemy import exc as sa_exc
from sqlalchemy.engine import Connection, Engine
from sqlmodel.ext.asyncio.session import AsyncSession

from taskcli.config import DatabaseUrl
from taskcli.db import schema
from taskcli.errors import SchemaMismatch

#: Execution option: SQL text sent with the opening of each transaction.
OPENING_OPTION = "taskcli_opening"
#: SQLSTATE the schema check raises when the revision is not head.
SCHEMA_STATE = "TCSCH"
_MISSING_TABLE = "42P01"
_UNKNOWN_ON_PURPOSE = ("select current_schema()",)
_REVISION = re.compile(r"^[0-9A-Za-z_]+$")


def answer_first_connect_from_startup(engine: Engine) -> None:
    """Let the dialect's ``initialize()`` take its answers from the start-up parameters."""
    dialect = engine.dialect
    original = type(dialect).initialize

    def initialize(connection: Connection) -> None:
        original(dialect, _StartupAnswers(connection))  # type: ignore[arg-type]

    def no_isolation_query(_dbapi_connection: Any) -> str:
        raise NotImplementedError

    dialect.initialize = initialize  # type: ignore[method-assign]
    dialect.get_default_isolation_level = no_isolation_query  # type: ignore[method-assign,assignment]


class _StartupAnswers:
    """The connection ``initialize()`` asks; known questions never reach the server."""

    def __init__(self, connection: Connection) -> None:
        self._connection = connection
        settings = connection.connection.driver_connection.get_settings()  # type: ignore[union-attr]
        self._answers: dict[str, str] = {}
        version = getattr(settings, "server_version", None)
        if version:
            self._answers["select pg_catalog.version()"] = f"PostgreSQL {version}"
        strings = getattr(settings, "standard_conforming_strings", None)
        if strings:
            self._answers["show standard_conforming_strings"] = strings

    def exec_driver_sql(self, statement: str, *args: Any, **kwargs: Any) -> Any:
        if statement in self._answers:
            return _Scalar(self._answers[statement])
        if statement in _UNKNOWN_ON_PURPOSE:
            raise NotImplementedError(statement)
        # A question this module does not know: the server answers (one more turn).
        return self._connection.exec_driver_sql(statement, *args, **kwargs)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._connection, name)


class _Scalar:
    def __init__(self, value: str) -> None:
        self._value = value

    def scalar(self) -> str:
        return self._value


def opening_sql(*, lock_timeout_ms: int, idle_ms: int, check_schema: bool) -> str:
    """``BEGIN``, the timeouts and (for commands) the schema check, as one query string."""
    parts = [
        "BEGIN",
        f"SELECT set_config('lock_timeout', '{lock_timeout_ms}', true), "
        f"set_config('idle_in_transaction_session_timeout', '{idle_ms}', true)",
    ]
    if check_schema:
        parts.append(
            "DO $taskcli$ DECLARE found text[]; BEGIN "
            "SELECT coalesce(array_agg(version_num ORDER BY version_num), '{}') INTO found "
            "FROM alembic_version; "
            f"IF found IS DISTINCT FROM ARRAY['{schema.SCHEMA_HEAD}'] THEN "
            f"RAISE EXCEPTION USING ERRCODE = '{SCHEMA_STATE}', "
            "MESSAGE = 'taskcli schema revision', DETAIL = array_to_string(found, ','); "
            "END IF; END $taskcli$"
        )
    return "; ".join(parts)


class _Transaction:
    """What the asyncpg adapter needs of a transaction: ``commit`` and ``rollback``.

    Statements queued with ``run_with_commit`` go in the same query as COMMIT;
    if one fails, the transaction is rolled back before the error is raised.
    """

    def __init__(self, driver: Any) -> None:
        self._driver = driver
        self.before_commit: list[str] = []

    async def commit(self) -> None:
        import contextlib

        try:
            await self._driver.execute("; ".join([*self.before_commit, "COMMIT"]))
        except Exception:
            if self._driver.is_in_transaction():
                with contextlib.suppress(Exception):
                    await self._driver.execute("ROLLBACK")
            raise

    async def rollback(self) -> None:
        await self._driver.execute("ROLLBACK")


async def execute_unprepared(session: AsyncSession, sql: str) -> None:
    """Run ``sql`` (no parameters, rows not wanted) by the simple protocol: one turn, not two.

    Errors come out as SQLAlchemy would raise them from a statement.
    """
    connection = await session.connection()
    raw = await connection.get_raw_connection()
    try:
        await raw.driver_connection.execute(sql)  # type: ignore[union-attr]
    except Exception as error:
        raise _wrapped(connection.sync_connection, error, sql) from error  # type: ignore[arg-type]


async def run_with_commit(session: AsyncSession, sql: str) -> None:
    """Run ``sql`` (no parameters) in the COMMIT's turn (at once if opened elsewhere)."""
    raw = await (await session.connection()).get_raw_connection()
    transaction = getattr(raw.dbapi_connection, "_transaction", None)
    if isinstance(transaction, _Transaction):
        transaction.before_commit.append(sql)
        return
    await session.exec(text(sql))  # type: ignore[call-overload]


def install_opening(engine: Engine, sql: str, url: DatabaseUrl) -> None:
    """Open every transaction with ``sql`` in one turn (see the module docstring).

    A transaction's ``OPENING_OPTION`` execution option, if any, is SQL text
    sent in the same turn after it (a journaled command's new operation).
    """

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Connection) -> None:
        from sqlalchemy.util import await_only

        adapter: Any = connection.connection.dbapi_connection
        driver = adapter.driver_connection
        extra = connection.get_execution_options().get(OPENING_OPTION)
        sql_now = f"{sql}; {extra}" if extra else sql
        try:
            await_only(driver.execute(sql_now))
        except Exception as error:
            if driver.is_in_transaction():
                adapter._transaction = _Transaction(driver)
            raise _schema_problem(error, url) or _wrapped(connection, error, sql_now) from error
        adapter._transaction = _Transaction(driver)


def _wrapped(connection: Connection, error: Exception, sql: str) -> Exception:
    """The driver's error as SQLAlchemy would have raised it from a statement."""
    adapter: Any = connection.connection.dbapi_connection
    dialect = connection.dialect
    try:
        adapter._handle_exception(error)
    except Exception as adapted:
        return sa_exc.DBAPIError.instance(
            sql, None, adapted, dialect.loaded_dbapi.Error, hide_parameters=True, dialect=dialect
        )
    return error


def _schema_problem(error: Exception, url: DatabaseUrl) -> Exception | None:
    state = getattr(error, "sqlstate", None)
    if state == _MISSING_TABLE and "alembic_version" in str(error):
        return SchemaMismatch(f"{url} has no taskcli schema; {schema.UPGRADE_HINT}")
    if state != SCHEMA_STATE:
        return None
    detail = str(getattr(error, "detail", "") or "")
    revisions = [part for part in detail.split(",") if _REVISION.match(part)]
    try:
        schema.describe_revision_problem(revisions, url)
    except SchemaMismatch as mismatch:
        return mismatch
    return SchemaMismatch(f"{url}: unexpected schema revision {detail!r}")
