"""Translate driver exceptions into taskcli's domain errors, in one place.

Messages name the database only through its masked URL and never repeat
SQL parameters (engines use ``hide_parameters``).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import exc as sa_exc

from taskcli.config import DatabaseUrl
from taskcli.errors import (
    DatabaseCorrupt,
    DatabaseError,
    DatabaseLocked,
    DatabaseReadOnly,
    DatabaseUnreachable,
    TaskcliError,
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
    ("readonly database", DatabaseReadOnly, "database is read-only: {url}"),
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
    "57014": (DatabaseLocked, "database is busy (statement cancelled after waiting for a lock)"),
    "40001": (DatabaseLocked, "database is busy (concurrent update); try again"),
    "40P01": (DatabaseLocked, "database is busy (deadlock with another session); try again"),
    "28P01": (DatabaseUnreachable, "cannot connect to {url}: password authentication failed"),
    "28000": (DatabaseUnreachable, "cannot connect to {url}: authorization failed"),
    "3D000": (DatabaseUnreachable, "cannot connect to {url}: database does not exist"),
    "25006": (DatabaseReadOnly, "database is read-only: {url}"),
}
_PG_UNREACHABLE_CLASSES = ("08", "53", "57P")


@contextmanager
def translate_driver_errors(url: DatabaseUrl, *, lock_timeout: float) -> Iterator[None]:
    """Turn what the drivers raise into ``DatabaseError`` subclasses (exit 3)."""
    try:
        yield
    except TaskcliError:
        raise
    except (sa_exc.OperationalError, sa_exc.InterfaceError) as error:
        raise _translate(error.orig, url, lock_timeout) from error
    except sa_exc.DBAPIError as error:
        translated = _translate_known(error.orig, url, lock_timeout)
        if translated is None:
            raise
        raise translated from error
    except (OSError, TimeoutError) as error:
        reason = "timed out" if isinstance(error, TimeoutError) else _first_line(error)
        raise DatabaseUnreachable(f"cannot connect to {url}: {reason}") from error
    except Exception as error:
        # asyncpg may raise its own exceptions while connecting.
        translated = _translate_known(error, url, lock_timeout)
        if translated is None:
            raise
        raise translated from error


def _translate(orig: BaseException | None, url: DatabaseUrl, lock_timeout: float) -> DatabaseError:
    known = _translate_known(orig, url, lock_timeout)
    if known is not None:
        return known
    return DatabaseError(f"database error on {url}: {_first_line(orig)}")


def _translate_known(
    orig: BaseException | None, url: DatabaseUrl, lock_timeout: float
) -> DatabaseError | None:
    if orig is None:
        return None
    sqlstate = getattr(orig, "sqlstate", None)
    if isinstance(sqlstate, str) and sqlstate:
        if sqlstate in _PG_STATES:
            cls, template = _PG_STATES[sqlstate]
            return cls(template.format(url=url, timeout=lock_timeout))
        if sqlstate.startswith(_PG_UNREACHABLE_CLASSES):
            return DatabaseUnreachable(f"cannot connect to {url}: {_first_line(orig)}")
        return None
    message = str(orig).lower()
    for needle, cls, template in _SQLITE_MESSAGES:
        if needle in message:
            return cls(template.format(url=url, timeout=lock_timeout))
    return None


def _first_line(error: BaseException | None) -> str:
    text = str(error).strip().splitlines()
    return text[0] if text else type(error).__name__
