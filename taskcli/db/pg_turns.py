"""Fewer round trips to PostgreSQL: each one costs the network's latency.

What a short-lived command would otherwise ask the server every time:

* SQLAlchemy's first-connect ``initialize()`` asks four questions (about ten
  turns with ``BEGIN``/``ROLLBACK``). The server version and
  ``standard_conforming_strings`` already came with the start-up reply
  (PostgreSQL reports both as parameters, and PgBouncer passes them on), so
  they are answered from there; ``initialize()`` itself still runs and sets
  every attribute from those answers. The default schema and isolation level
  are left unknown (``None``, as SQLAlchemy does for a dialect that cannot
  tell): only reflection and isolation-level resets read them, and commands
  do neither. Migrations keep the full ``initialize()``.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.engine import Connection, Engine

_UNKNOWN_ON_PURPOSE = ("select current_schema()",)


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
