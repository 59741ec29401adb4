"""Translate driver exceptions into taskcli's domain errors, in one place.

Messages name the database only through its masked URL and never repeat
SQL parameters (engines use ``hide_parameters``).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import exc as sa_exc

from taskcli.database_url import DatabaseUrl
from taskcli.db import files
from taskcli.errors import (
    Conflict,
    ConnectionClosed,
    DatabaseCancelled,
    DatabaseCorrupt,
    DatabaseError,
    DatabaseLocked,
    DatabaseReadOnly,
    DatabaseUnreachable,
    PermissionDenied,
    TaskcliError,
    TaskVanished,
)

_SQLITE_MESSAGES: tuple[tuple[str, type[DatabaseError], str], ...] = (
    (
        "database is locked",
        DatabaseLocked,
        "database is busy (locked by another process for more than {timeout:g}s)",
    ),
    (
        "database is busy",
        DatabaseLocked,
        "database is busy (locked by another process for more than {timeout:g}s)",
    ),
    ("readonly database", DatabaseReadOnly, "cannot write database {url}: read-only"),
    ("unable to open database file", DatabaseUnreachable, "cannot open database {url}"),
    (
        "file is not a database",
        DatabaseCorrupt,
        "{url} is not a taskcli database (file is not a database)",
    ),
    (
        "disk image is malformed",
        DatabaseCorrupt,
        "database file is corrupt (database disk image is malformed); "
        "restore it from a tasks.db.bak-* backup",
    ),
    ("disk i/o error", DatabaseUnreachable, "cannot read or write database {url} (disk I/O error)"),
)

_PG_STATES: dict[str, tuple[type[DatabaseError], str]] = {
    "55P03": (
        DatabaseLocked,
        "database is busy (a lock was held by another session for more than {timeout:g}s)",
    ),
    "40001": (DatabaseLocked, "database is busy (concurrent update); try again"),
    "40P01": (DatabaseLocked, "database is busy (deadlock with another session); try again"),
    "28P01": (DatabaseUnreachable, "cannot connect to {url}: password authentication failed"),
    "28000": (DatabaseUnreachable, "cannot connect to {url}: authorization failed"),
    "3D000": (DatabaseUnreachable, "cannot connect to {url}: database does not exist"),
    "25006": (DatabaseReadOnly, "database is read-only: {url}"),
}
_PG_UNREACHABLE_CLASSES = ("08", "53", "57P")
# The server ended a session that was working: not a failure to connect.
_PG_CLOSED_STATES: dict[str, str] = {
    "57P01": "terminated by an administrator",
    "57P02": "the server crashed",
    "57P05": "idle session timeout",
    "25P03": "idle in transaction for too long",
}
_CLOSED_MESSAGES = ("connection was closed", "connection is closed")
_WRITE_VERBS = ("INSERT", "UPDATE", "DELETE")
# SELECT ... FOR UPDATE needs the UPDATE privilege: it is a write step.
_ROW_LOCK_CLAUSES = (" FOR UPDATE", " FOR NO KEY UPDATE", " FOR SHARE", " FOR KEY SHARE")
_DDL_VERBS = ("CREATE", "ALTER", "DROP", "COMMENT", "GRANT")
_MISSING_KEY = re.compile(r'Key \((\w+)\)=\((\d+)\) is not present in table "(\w+)"')
_DENIED_OBJECT = re.compile(r"permission denied for (table|sequence|schema) (\S+)")


@contextmanager
def translate_driver_errors(url: DatabaseUrl, *, lock_timeout: float) -> Iterator[None]:
    """Turn what the drivers raise into ``DatabaseError`` subclasses (exit 3)."""
    try:
        yield
    except (TaskcliError, BrokenPipeError):
        # A closed stdout while streaming output is no database error.
        raise
    except (sa_exc.OperationalError, sa_exc.InterfaceError) as error:
        raise _translate(error.orig, url, lock_timeout, error.statement) from error
    except sa_exc.DBAPIError as error:
        translated = _translate_known(error.orig, url, lock_timeout, error.statement)
        if translated is None:
            raise
        raise translated from error
    except (OSError, TimeoutError) as error:
        raise DatabaseUnreachable(f"cannot connect to {url}: {_os_reason(error)}") from error
    except Exception as error:
        # asyncpg may raise its own exceptions while connecting.
        translated = _translate_known(error, url, lock_timeout)
        if translated is None:
            raise
        raise translated from error


def _translate(
    orig: BaseException | None, url: DatabaseUrl, lock_timeout: float, statement: str | None = None
) -> TaskcliError:
    known = _translate_known(orig, url, lock_timeout, statement)
    if known is not None:
        return known
    return DatabaseError(f"database error on {url}: {_first_line(orig)}")


def _translate_known(
    orig: BaseException | None,
    url: DatabaseUrl,
    lock_timeout: float,
    statement: str | None = None,
) -> TaskcliError | None:
    if orig is None:
        return None
    if _CLIENT_CONFIGURATION in (type(orig).__name__, type(orig.__cause__).__name__):
        # asyncpg's own check of the connection options, e.g. a missing root.crt.
        return DatabaseUnreachable(f"cannot connect to {url}: {_first_line(orig)}")
    sqlstate = getattr(orig, "sqlstate", None)
    if isinstance(sqlstate, str) and sqlstate:
        return _translate_postgres(orig, sqlstate, url, lock_timeout, statement)
    message = str(orig).lower()
    if any(needle in message for needle in _CLOSED_MESSAGES):
        return ConnectionClosed(f"the connection to {url} was closed during the command")
    if url.backend == "sqlite" and url.path is not None:
        if "readonly database" in message:
            return DatabaseReadOnly(
                f"cannot write database {url.path}: {files.why_unwritable(url.path)}"
            )
        if "unable to open database file" in message:
            reason = files.why_unopenable(url.path) or "the file cannot be opened"
            return DatabaseUnreachable(f"cannot open database {url.path}: {reason}")
    for needle, cls, template in _SQLITE_MESSAGES:
        if needle in message:
            return cls(template.format(url=url, timeout=lock_timeout))
    return None


def _translate_postgres(
    orig: BaseException,
    sqlstate: str,
    url: DatabaseUrl,
    lock_timeout: float,
    statement: str | None,
) -> TaskcliError | None:
    if sqlstate in _PG_STATES:
        cls, template = _PG_STATES[sqlstate]
        return cls(template.format(url=url, timeout=lock_timeout))
    if sqlstate == "23503":
        return _missing_reference(orig)
    if sqlstate == "57014":
        reason = _first_line(orig).removeprefix("canceling statement due to ")
        if reason == "user request":
            reason = "cancelled by an administrator or another session"
        return DatabaseCancelled(f"the server cancelled the statement: {reason}")
    if sqlstate in _PG_CLOSED_STATES:
        return ConnectionClosed(
            f"the connection to {url} was closed ({_PG_CLOSED_STATES[sqlstate]})"
        )
    if sqlstate == "42501":
        return _permission_denied(orig, url, statement)
    if sqlstate.startswith(_PG_UNREACHABLE_CLASSES):
        return DatabaseUnreachable(f"cannot connect to {url}: {_first_line(orig)}")
    return None


def _missing_reference(orig: BaseException) -> TaskcliError:
    """A row we link to was deleted by a concurrent command after we read it."""
    found = _MISSING_KEY.search(str(getattr(orig, "detail", "") or ""))
    if found is not None and found.group(3) == "task":
        return TaskVanished(int(found.group(2)))
    return Conflict("another command changed the same tasks at the same time; try again")


def _permission_denied(
    orig: BaseException, url: DatabaseUrl, statement: str | None
) -> TaskcliError:
    """One line naming the privilege the role lacks (never a hint to upgrade)."""
    reason = _first_line(orig)
    verb = (statement or "").lstrip().split(" ", 1)[0].upper()
    role = f"role {url.username}" if url.username else "this database role"
    if verb in _DDL_VERBS or reason.startswith("must be owner"):
        return PermissionDenied(f"only the schema owner can run db upgrade ({role}: {reason})")
    found = _DENIED_OBJECT.search(reason)
    if found is None:
        return PermissionDenied(f"permission denied: {reason}")
    kind, name = found.groups()
    if kind == "sequence":
        return PermissionDenied(
            f"permission denied: {role} may not use sequence {name} "
            f"(ask the schema owner for USAGE on it)"
        )
    upper = (statement or "").upper()
    locks_rows = any(clause in upper for clause in _ROW_LOCK_CLAUSES)
    # A data-modifying CTE (``WITH … INSERT``) writes whatever its first word is.
    writes = verb in _WRITE_VERBS or any(re.search(rf"\b{w}\b", upper) for w in _WRITE_VERBS)
    if writes or locks_rows:
        return PermissionDenied(
            f"permission denied: {role} may not write to {kind} {name} "
            f"(ask the schema owner for INSERT, UPDATE, DELETE)"
        )
    return PermissionDenied(
        f"permission denied for {kind} {name} (ask the schema owner for SELECT)"
    )


_CLIENT_CONFIGURATION = "ClientConfigurationError"
# OpenSSL's words when a client certificate comes without a private key that fits it.
_PEM_LIB = "PEM lib"


def _os_reason(error: OSError | TimeoutError) -> str:
    if isinstance(error, TimeoutError):
        return "timed out"
    if _PEM_LIB in str(error):
        return (
            "the client certificate's private key cannot be loaded "
            "(give sslkey, or put it in ~/.postgresql/postgresql.key)"
        )
    return _first_line(error)


def _first_line(error: BaseException | None) -> str:
    text = str(error).strip().splitlines()
    return text[0] if text else type(error).__name__
