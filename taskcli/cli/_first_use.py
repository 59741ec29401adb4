"""First use of a SQLite file: refuse what is not a database file, create it at head."""

from __future__ import annotations

import os

from taskcli.cli._boundary import print_message
from taskcli.config import Settings
from taskcli.errors import DatabaseError, DatabaseReadOnly, DatabaseUnreachable


def prepare_database(settings: Settings) -> None:
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
        bootstrap(settings)
    elif (warning := files.loose_permissions_warning(database.path)) is not None:
        print_message(warning)


def bootstrap(settings: Settings) -> None:
    from taskcli.db.migrate import bootstrap_sqlite

    bootstrap_sqlite(settings)


def with_os_reason(error: DatabaseError, settings: Settings) -> DatabaseError:
    """Add the system's reason (read-only file system, permission denied) SQLite leaves out."""
    from taskcli.db import files

    path = settings.database.path
    if settings.database.backend != "sqlite" or path is None:
        return error
    translated = str(error).startswith(f"cannot open database {path}:")
    if isinstance(error, DatabaseReadOnly) or translated:
        return error  # the driver's error came with its reason already
    reason = files.why_unopenable(path)
    if reason is None:
        return error
    return type(error)(f"cannot open database {path}: {reason}")
