"""SQLite connections as taskcli needs them: hooks installed on each engine.

Foreign keys on (off for migrations, whose batch mode copies tables), a
``lower()`` that folds every script as PostgreSQL's does, and writers that
queue for their turn (``writer_queue``) before ``BEGIN IMMEDIATE`` takes the
write lock, so the busy timeout is honoured and none starves.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Connection, Engine

_QUEUE_DESCRIPTOR = "taskcli_writer_queue"


def install_sqlite_hooks(
    engine: Engine,
    *,
    for_migrations: bool,
    database: Path | None,
    lock_timeout: float,
    write_option: str,
) -> None:
    """Foreign keys, Unicode ``lower()``, and ``BEGIN IMMEDIATE`` after the writer's turn."""
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
        write = for_migrations or connection.get_execution_options().get(write_option, False)
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


def _unicode_lower(value: Any) -> Any:
    """SQLite's own lower() folds ASCII only; PostgreSQL's folds every script.

    Replacing it on each connection makes ``--search`` and the title sort agree
    on both backends ("ünï" finds "Ünïcödé").
    """
    return value.lower() if isinstance(value, str) else value
