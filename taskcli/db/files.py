"""The SQLite file on disk: created private, checked, backed up safely.

SQLite gives its -wal, -shm and -journal files the mode of the database
file, so creating ``tasks.db`` as 0600 before SQLite opens it keeps all of
them private.
"""

from __future__ import annotations

import os
import sqlite3
import stat
from pathlib import Path

from taskcli.errors import DatabaseUnreachable

DIRECTORY_MODE = 0o700
FILE_MODE = 0o600


def needs_creation(path: Path) -> bool:
    """True when the file is missing or empty: first use creates the schema."""
    try:
        return path.stat().st_size == 0
    except FileNotFoundError:
        return True


def create_private_file(path: Path, *, create_directories: bool) -> None:
    """Make sure ``path`` exists with mode 0600 (its directories 0700 if we create them).

    An explicit path must be in an existing directory (exit 3 otherwise).
    """
    directory = path.parent
    if not directory.is_dir():
        if not create_directories:
            if directory.exists():
                raise DatabaseUnreachable(
                    f"cannot open database {path}: {directory} is not a directory"
                )
            raise DatabaseUnreachable(
                f"cannot open database {path}: directory {directory} does not exist"
            )
        try:
            directory.mkdir(mode=DIRECTORY_MODE, parents=True, exist_ok=True)
        except OSError as error:
            raise DatabaseUnreachable(f"cannot create {directory}: {error.strerror}") from None
    if path.is_dir():
        raise DatabaseUnreachable(f"cannot open database {path}: it is a directory")
    try:
        descriptor = os.open(path, os.O_CREAT | os.O_WRONLY, FILE_MODE)
    except OSError as error:
        raise DatabaseUnreachable(f"cannot create database {path}: {error.strerror}") from None
    os.close(descriptor)


def loose_permissions_warning(path: Path) -> str | None:
    """A one-line warning when the database can be read by other users."""
    try:
        mode = path.stat().st_mode
    except OSError:
        return None
    if stat.S_IMODE(mode) & 0o077:
        return (
            f"Warning: {path} is readable by other users "
            f"(mode {stat.S_IMODE(mode):04o}); consider chmod 600"
        )
    return None


def read_revision(path: Path) -> str | None:
    """The Alembic revision stored in a SQLite file, or None (no schema yet)."""
    connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        row = connection.execute("SELECT version_num FROM alembic_version").fetchone()
    except sqlite3.OperationalError:
        return None
    finally:
        connection.close()
    return row[0] if row else None


def backup(path: Path, revision: str) -> Path:
    """Copy a live database consistently (backup API) to ``<name>.bak-<revision>``, 0600."""
    target = path.with_name(f"{path.name}.bak-{revision}")
    target.unlink(missing_ok=True)
    create_private_file(target, create_directories=False)
    source = sqlite3.connect(path)
    destination = sqlite3.connect(target)
    try:
        source.backup(destination)
    finally:
        destination.close()
        source.close()
    return target
