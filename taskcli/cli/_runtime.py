"""The one bridge from a Typer command into async code, and the one place
where errors become an ``Error:`` line and an exit code.

A command calls ``run(ctx, service, write=..., **kwargs)``: one event loop
creates the engine, opens a session and a transaction, checks the schema
revision, runs the service, commits, and disposes the engine before the loop
closes. The service returns plain, fully loaded data for the renderer.
"""

from __future__ import annotations

import functools
import os
import sys
import traceback
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ParamSpec, TypeVar

import typer

from taskcli.config import ENV_DEBUG, Settings, resolve_settings
from taskcli.errors import EXIT_INTERNAL, DatabaseUnreachable, Interrupted, TaskcliError
from taskcli.textsafe import terminal_safe

if TYPE_CHECKING:
    from sqlmodel.ext.asyncio.session import AsyncSession

T = TypeVar("T")
R = TypeVar("R")
P = ParamSpec("P")
EXIT_BROKEN_PIPE = 141


@dataclass(frozen=True)
class JournalEntry:
    """Who runs which command: what a write command files in the journal."""

    user: str
    command: str


@dataclass
class Invocation:
    """What the root callback learned; settings are resolved only when needed."""

    db_option: str | None = None
    command: str = "taskcli"
    _settings: Settings | None = None

    def settings(self) -> Settings:
        if self._settings is None:
            self._settings = resolve_settings(self.db_option)
        return self._settings


def settings_of(ctx: typer.Context) -> Settings:
    invocation = ctx.find_object(Invocation)
    return (invocation or Invocation()).settings()


def journal_entry(ctx: typer.Context) -> JournalEntry:
    import getpass

    invocation = ctx.find_object(Invocation) or Invocation()
    try:
        user = getpass.getuser()
    except (KeyError, OSError):
        user = "unknown"
    return JournalEntry(user=user, command=invocation.command)


def guarded(command: Callable[P, R]) -> Callable[P, R]:
    """Run a whole command inside the error boundary (signature kept for Typer)."""

    @functools.wraps(command)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        with error_boundary():
            return command(*args, **kwargs)
        raise AssertionError("unreachable")  # pragma: no cover

    return wrapper


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

    from taskcli.db.schema import FreshDatabase

    _prepare_database(settings)
    try:
        return asyncio.run(_execute(settings, service, write, entry, kwargs))
    except FreshDatabase:
        # Another process created the file and is still migrating it.
        _bootstrap(settings)
        return asyncio.run(_execute(settings, service, write, entry, kwargs))


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
        try:
            session: AsyncSession
            async with session_scope(engine, write=write) as session:
                await check_schema(session, settings.database)
                if entry is None:
                    result = await service(session, **kwargs)
                else:
                    result = await _journaled(session, entry, settings, service, kwargs)
                if write:
                    await _pause_before_commit_for_tests()
                return result
        finally:
            await engine.dispose()


async def _journaled(
    session: AsyncSession,
    entry: JournalEntry,
    settings: Settings,
    service: Callable[..., Awaitable[T]],
    kwargs: dict[str, Any],
) -> T:
    """Run a write service with its row changes filed under one new operation."""
    from taskcli.services.journal import close_operation, open_operation

    operation_id = await open_operation(session, user=entry.user, command=entry.command)
    result = await service(session, **kwargs)
    await close_operation(
        session, operation_id=operation_id, user=entry.user, keep=settings.journal_keep
    )
    return result


async def _pause_before_commit_for_tests() -> None:
    """Crash tests kill the process here, with every write done and nothing committed.

    Active only with ``TASKCLI_TESTING=1`` and ``TASKCLI_TEST_PAUSE_BEFORE_COMMIT=<seconds>``.
    """
    if os.environ.get("TASKCLI_TESTING") != "1":
        return
    seconds = os.environ.get("TASKCLI_TEST_PAUSE_BEFORE_COMMIT")
    if seconds:
        import asyncio

        sys.stderr.write("taskcli-test: paused before commit\n")
        sys.stderr.flush()
        await asyncio.sleep(float(seconds))


def _prepare_database(settings: Settings) -> None:
    """First use of a SQLite file creates it at head; warn if others can read it."""
    database = settings.database
    if database.backend != "sqlite" or database.path is None:
        return
    from taskcli.db import files

    if database.path.is_dir():
        # Refused before aiosqlite tries to open it: a failed open there can leave
        # its worker thread printing "Event loop is closed" after asyncio.run ends.
        raise DatabaseUnreachable(f"cannot open database {database.path}: it is a directory")
    if database.path.exists() and not os.access(database.path, os.R_OK):
        raise DatabaseUnreachable(f"cannot open database {database.path}: permission denied")
    if files.needs_creation(database.path):
        _bootstrap(settings)
    elif (warning := files.loose_permissions_warning(database.path)) is not None:
        print_message(warning)


def _bootstrap(settings: Settings) -> None:
    from taskcli.db.migrate import bootstrap_sqlite

    bootstrap_sqlite(settings)


def print_message(message: str) -> None:
    """A line for the user on stderr (never mixed into data on stdout)."""
    sys.stderr.write(terminal_safe(message) + "\n")
    sys.stderr.flush()


@contextmanager
def error_boundary() -> Iterator[None]:
    """Turn every failure into one ``Error:`` line on stderr and the SPEC's exit code."""
    try:
        yield
    except (typer.Exit, typer.Abort):
        raise
    except TaskcliError as error:
        _debug_traceback()
        _fail(str(error), error.exit_code)
    except KeyboardInterrupt:
        _fail(str(Interrupted()), Interrupted.exit_code)
    except BrokenPipeError:
        silence_stdout()
        raise typer.Exit(EXIT_BROKEN_PIPE) from None
    except Exception:
        _debug_traceback()
        _fail(
            "internal error (a bug in taskcli); rerun with TASKCLI_DEBUG=1 for details",
            EXIT_INTERNAL,
        )


def _fail(message: str, exit_code: int) -> None:
    print_message(f"Error: {message}")
    raise typer.Exit(exit_code) from None


def _debug_traceback() -> None:
    # The standard traceback shows no local variables, so no secrets.
    if os.environ.get(ENV_DEBUG, "") not in ("", "0"):
        traceback.print_exc(file=sys.stderr)


def silence_stdout() -> None:
    """After a closed pipe, send further output (and the final flush) nowhere."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError):
        pass
