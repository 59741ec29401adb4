"""The one bridge from a Typer command into async code.

A command calls ``run(ctx, service, write=..., **kwargs)``: one event loop
creates the engine, opens a session and a transaction, checks the schema
revision, runs the service, commits, and disposes the engine before the loop
closes. The service returns plain, fully loaded data for the renderer.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any, TypeVar

import typer

from taskcli.cli import _commit, _test_hooks
from taskcli.cli._first_use import bootstrap, prepare_database, with_os_reason
from taskcli.cli._invocation import JournalEntry, journal_entry, settings_of
from taskcli.config import Settings
from taskcli.errors import DatabaseReadOnly, DatabaseUnreachable
from taskcli.interrupts import interrupts_roll_back

if TYPE_CHECKING:
    from sqlmodel.ext.asyncio.session import AsyncSession

T = TypeVar("T")


def run(
    ctx: typer.Context,
    service: Callable[..., Awaitable[T]],
    /,
    *,
    write: bool,
    journal: bool | None = None,
    **kwargs: Any,
) -> T:
    """Run ``service(session, **kwargs)`` in one transaction and return its result.

    Write commands are journaled (for undo) unless ``journal=False``. Called
    from a ``guarded`` command, so every failure becomes an ``Error:`` line.
    """
    settings = settings_of(ctx)
    journaled = (write if journal is None else journal) and settings.journal
    entry = journal_entry(ctx) if journaled else None
    return execute(settings, service, write=write, entry=entry, **kwargs)


def execute(
    settings: Settings,
    service: Callable[..., Awaitable[T]],
    /,
    *,
    write: bool,
    entry: JournalEntry | None = None,
    **kwargs: Any,
) -> T:
    """``run`` for callers that have their settings already (completion)."""
    import asyncio
    import gc

    from taskcli.db.schema import FreshDatabase

    # What is imported by now lives as long as the process: the collector need
    # not scan it again each time thousands of rows are made (warm ``list`` of
    # 10,000 tasks, CPU: 258 ms, 205 ms with this).
    gc.freeze()
    interrupts_roll_back()
    prepare_database(settings)
    try:
        try:
            return asyncio.run(_execute(settings, service, write, entry, kwargs))
        except FreshDatabase:
            # Another process created the file and is still migrating it.
            bootstrap(settings)
            return asyncio.run(_execute(settings, service, write, entry, kwargs))
    except (DatabaseUnreachable, DatabaseReadOnly) as error:
        raise with_os_reason(error, settings) from None


async def _execute(
    settings: Settings,
    service: Callable[..., Awaitable[T]],
    write: bool,
    entry: JournalEntry | None,
    kwargs: dict[str, Any],
) -> T:
    from taskcli.db.engine import make_engine, session_scope
    from taskcli.db.errors import translate_driver_errors
    from taskcli.db.schema import check_schema

    with translate_driver_errors(settings.database, lock_timeout=settings.lock_timeout):
        engine = make_engine(settings.database, lock_timeout=settings.lock_timeout, write=write)
        opening = _journal_opening(settings, entry)
        try:
            session: AsyncSession
            async with session_scope(engine, write=write, opening=opening) as session:
                if settings.database.backend == "sqlite":
                    # PostgreSQL checks as the transaction opens (``db.pg_turns``).
                    await check_schema(session, settings.database)
                if entry is None:
                    result = await service(session, **kwargs)
                else:
                    opened = opening is not None
                    result = await _journaled(session, entry, settings, service, kwargs, opened)
                if write:
                    await _test_hooks.pause_before_commit()
                    await _enter_commit()
                else:
                    await _test_hooks.pause("TASKCLI_TEST_PAUSE_IN_READ", "paused in read")
            if write:
                _commit.mark_committed()
                await _test_hooks.pause_after_commit()
            return result
        finally:
            await engine.dispose()


async def _enter_commit() -> None:
    """Hold signals from here on; an interrupt that came just before still rolls back.

    An interrupt already delivered (a pending cancellation of this task) lands
    at the ``sleep(0)``, before COMMIT; any later one waits until the command
    has said what it committed.
    """
    import asyncio

    _commit.hold_signals()
    await asyncio.sleep(0)


def _journal_opening(settings: Settings, entry: JournalEntry | None) -> str | None:
    """PostgreSQL: the new operation as SQL sent with the transaction's opening (one turn)."""
    if entry is None or settings.database.backend != "postgresql":
        return None
    from taskcli.services.journal_operation import opening_sql

    return opening_sql(user=entry.user, command=entry.command)


async def _journaled(
    session: AsyncSession,
    entry: JournalEntry,
    settings: Settings,
    service: Callable[..., Awaitable[T]],
    kwargs: dict[str, Any],
    opened: bool,
) -> T:
    """Run a write service with its row changes filed under one new operation.

    ``opened``: the transaction's opening filed the operation already.
    """
    from taskcli.services.journal_operation import close_operation, open_operation

    operation_id = (
        None if opened else await open_operation(session, user=entry.user, command=entry.command)
    )
    result = await service(session, **kwargs)
    await close_operation(
        session, operation_id=operation_id, user=entry.user, keep=settings.journal_keep
    )
    return result
