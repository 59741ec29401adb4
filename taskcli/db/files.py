"""The SQLite file on disk: created private, checked, backed up safely.

SQLite gives its -wal, -shm and -journal files the mode of the database
file, so creating ``tasks.db`` as 0600 before SQLite opens it keeps all of
them private.
"""

from __future__ import annotations

import os
import secrets
import sqlite3
import stat
from pathlib import Path

from taskcli.errors import DatabaseCorrupt, DatabaseError, DatabaseUnreachable

DIRECTORY_MODE = 0o700
FILE_MODE = 0o600


def check_regular_file(path: Path) -> None:
    """Refuse (exit 3) anything but a regular file or nothing at the database path.

    Checked with ``stat`` before SQLite opens the path: opening a FIFO blocks
    until a writer appears, and a device or socket is never a database.
    """
    try:
        mode = path.stat().st_mode
    except FileNotFoundError:
        return
    except OSError as error:
        raise DatabaseUnreachable(f"cannot open database {path}: {error.strerror}") from None
    if stat.S_ISDIR(mode):
        raise DatabaseUnreachable(f"cannot open database {path}: it is a directory")
    if not stat.S_ISREG(mode):
        raise DatabaseUnreachable(f"cannot open database {path}: not a regular file")
    if not os.access(path, os.R_OK):
        raise DatabaseUnreachable(f"cannot open database {path}: permission denied")


def why_unopenable(path: Path) -> str | None:
    """Why SQLite cannot open ``path``, in the system's words (None if no reason shows).

    SQLite itself only says "unable to open database file". It also needs to
    create its -wal and -shm files beside the database, so the directory counts.
    """
    if not path.parent.is_dir():
        return f"directory {path.parent} does not exist"
    if path.exists() and not os.access(path, os.R_OK):
        return "permission denied"
    if not os.access(path.parent, os.W_OK | os.X_OK):
        reason = "read-only file system" if read_only_filesystem(path) else "permission denied"
        return f"directory {path.parent} is not writable ({reason})"
    try:
        descriptor = os.open(path, os.O_RDWR | os.O_NONBLOCK)
    except FileNotFoundError:
        return None
    except OSError as error:
        return (error.strerror or str(error)).lower()
    os.close(descriptor)
    return None


def why_unwritable(path: Path) -> str:
    """The OS reason a SQLite file cannot be written (it and its -wal/-journal files)."""
    if read_only_filesystem(path):
        return "read-only file system"
    if path.exists() and not os.access(path, os.W_OK):
        return "read-only (permission denied on the file)"
    if not os.access(path.parent, os.W_OK):
        return f"read-only (directory {path.parent} is not writable)"
    return "read-only"


def read_only_filesystem(path: Path) -> bool:
    target = path if path.exists() else path.parent
    try:
        return bool(os.statvfs(target).f_flag & os.ST_RDONLY)
    except OSError:
        return False


def needs_creation(path: Path) -> bool:
    """True when the file is missing or empty: first use creates the schema."""
    check_regular_file(path)
    try:
        return path.stat().st_size == 0
    except FileNotFoundError:
        return True


def make_private_directories(directory: Path) -> None:
    """Create ``directory`` and every missing parent with mode 0700, whatever the umask."""
    missing = []
    current = directory
    while not current.exists() and current != current.parent:
        missing.append(current)
        current = current.parent
    for folder in reversed(missing):
        try:
            folder.mkdir(mode=DIRECTORY_MODE)
        except FileExistsError:
            continue  # another process made it first
        os.chmod(folder, DIRECTORY_MODE)  # mkdir's mode is filtered by the umask


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
            make_private_directories(directory)
        except OSError as error:
            raise DatabaseUnreachable(f"cannot create {directory}: {error.strerror}") from None
    check_regular_file(path)
    try:
        descriptor = os.open(path, os.O_CREAT | os.O_WRONLY | os.O_NONBLOCK, FILE_MODE)
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
    """The Alembic revision stored in a SQLite file, or None (no schema yet).

    A file that has tables but no ``alembic_version`` belongs to another
    application: refused (exit 3), so nothing ever writes taskcli's tables into it.
    """
    connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        tables = {
            name
            for (name,) in connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
        }
        if "alembic_version" not in tables:
            row = None
        else:
            row = connection.execute("SELECT version_num FROM alembic_version").fetchone()
    except sqlite3.DatabaseError as error:
        if "not a database" in str(error) or "malformed" in str(error):
            raise DatabaseCorrupt(f"{path} is not a taskcli database ({error})") from None
        raise DatabaseUnreachable(f"cannot read database {path}: {error}") from None
    finally:
        connection.close()
    if "alembic_version" not in tables and any(not n.startswith("sqlite_") for n in tables):
        raise DatabaseCorrupt(
            f"{path} is not a taskcli database (it has tables but no alembic_version); "
            "refusing to change it"
        )
    return row[0] if row else None


def backup(path: Path, revision: str) -> Path:
    """Copy a live database consistently (backup API) to ``<name>.bak-<revision>``, 0600.

    The copy is made under a random temporary name and renamed into place, so
    concurrent upgrades each leave a whole backup and a failed one (disk full)
    leaves none: never an empty or half ``.bak``.
    """
    target = path.with_name(f"{path.name}.bak-{revision}")
    temporary = path.with_name(f".{path.name}.bak-{revision}.{secrets.token_hex(8)}.tmp")
    try:
        descriptor = os.open(
            temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, FILE_MODE
        )
        os.close(descriptor)
        source = sqlite3.connect(path)
        try:
            destination = sqlite3.connect(temporary)
            try:
                source.backup(destination)
            finally:
                destination.close()
        finally:
            source.close()
        _fsync(temporary)
        os.replace(temporary, target)
    except (OSError, sqlite3.Error) as error:
        reason = error.strerror if isinstance(error, OSError) else str(error)
        raise DatabaseError(f"cannot back up {path} to {target}: {reason}") from None
    finally:
        temporary.unlink(missing_ok=True)
    return target


def _fsync(path: Path) -> None:
    descriptor = os.open(path, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)
