"""The one bridge from a Typer command into async code, and the one place
where errors become an ``Error:`` line and an exit code.

A command calls ``run(ctx, service, write=..., **kwargs)``: one event loop
creates the engine, opens a session and a transaction, checks the schema
revision, runs the service, commits, and disposes the engine before the loop
closes. The service returns plain, fully loaded data for the renderer.
"""

from __future__ import annotations

import errno
import functools
import os
import sys
import traceback
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ParamSpec, TypeVar

import typer

from taskcli.cli import _commit
from taskcli.config import ENV_DEBUG, Settings, resolve_settings
from taskcli.domain import journal_user_name
from taskcli.errors import (
    EXIT_DATABASE,
    EXIT_INTERNAL,
    DatabaseError,
    DatabaseReadOnly,
    DatabaseUnreachable,
    Interrupted,
    TaskcliError,
)
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
    """The journal's user: ``login@role`` on PostgreSQL, the OS login on SQLite.

    The role is the one taskcli logs in as, so a team with a role per person
    gets per-person undo even from one shared OS login, and a changed
    ``LOGNAME`` alone never reaches another role's commands.
    """
    import getpass

    invocation = ctx.find_object(Invocation) or Invocation()
    try:
        login = getpass.getuser()
    except (KeyError, OSError):
        login = "unknown"
    role = _database_role(invocation.settings(), login)
    user = login if role is None else f"{login}@{role}"
    return JournalEntry(user=journal_user_name(user), command=invocation.command)


def _database_role(settings: Settings, login: str) -> str | None:
    """The PostgreSQL role as libpq picks it: URL or service user, ``PGUSER``, the login."""
    if settings.database.backend != "postgresql":
        return None
    from taskcli.db.engine import resolve_postgresql

    target, _ = resolve_postgresql(settings.database, os.environ)
    return target.username or os.environ.get("PGUSER") or login


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
        try:
            return asyncio.run(_execute(settings, service, write, entry, kwargs))
        except FreshDatabase:
            # Another process created the file and is still migrating it.
            _bootstrap(settings)
            return asyncio.run(_execute(settings, service, write, entry, kwargs))
    except (DatabaseUnreachable, DatabaseReadOnly) as error:
        raise _with_os_reason(error, settings) from None


def _with_os_reason(error: DatabaseError, settings: Settings) -> DatabaseError:
    """Add the system's reason (read-only file system, permission denied) SQLite leaves out."""
    from taskcli.db import files

    path = settings.database.path
    if settings.database.backend != "sqlite" or path is None:
        return error
    translated = str(error).startswith(f"cannot open database {path}:")
    if isinstance(error, DatabaseReadOnly) or translated:
        return error  # the driver's error came with its reason already
    reason = files.open_failure_reason(path)
    if reason is None:
        return error
    return type(error)(f"cannot open database {path}: {reason}")


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
                    await _enter_commit()
                else:
                    await _pause_for_tests("TASKCLI_TEST_PAUSE_IN_READ", "paused in read")
            if write:
                _commit.mark_committed()
                await _pause_after_commit_for_tests()
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


async def _pause_after_commit_for_tests() -> None:
    """Signal tests interrupt the process here, just after COMMIT returned."""
    await _pause_for_tests("TASKCLI_TEST_PAUSE_AFTER_COMMIT", "paused after commit")


async def _pause_for_tests(variable: str, marker: str) -> None:
    """Wait ``$variable`` seconds, announced on stderr; only with ``TASKCLI_TESTING=1``."""
    if os.environ.get("TASKCLI_TESTING") != "1":
        return
    seconds = os.environ.get(variable)
    if seconds:
        import asyncio

        sys.stderr.write(f"taskcli-test: {marker}\n")
        sys.stderr.flush()
        await asyncio.sleep(float(seconds))


def _prepare_database(settings: Settings) -> None:
    """First use of a SQLite file creates it at head; warn if others can read it."""
    database = settings.database
    if database.backend != "sqlite" or database.path is None:
        return
    from taskcli.db import files

    # Refused before aiosqlite tries to open it: a failed open there can leave
    # its worker thread printing "Event loop is closed" after asyncio.run ends,
    # and a FIFO would block the open forever.
    files.check_regular_file(database.path)
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
        _fail(_commit.interrupted_message(), Interrupted.exit_code)
    except BrokenPipeError:
        silence_stdout()
        raise typer.Exit(EXIT_BROKEN_PIPE) from None
    except OSError as error:
        # Only output is written outside the database layer (which translates its own).
        if error.errno == errno.EPIPE:
            silence_stdout()
            raise typer.Exit(EXIT_BROKEN_PIPE) from None
        _debug_traceback()
        _fail(_commit.output_failure(error.strerror or str(error)), EXIT_DATABASE)
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
