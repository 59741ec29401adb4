"""Domain errors, each carrying the exit code the SPEC assigns to it.

They hold messages only; turning them into output happens in one place
(``taskcli.cli._runtime``).
"""

from __future__ import annotations

EXIT_OK = 0
EXIT_NOT_FOUND = 1
EXIT_USAGE = 2
EXIT_DATABASE = 3
EXIT_CONFLICT = 4
EXIT_INTERRUPTED = 130
EXIT_INTERNAL = 70


class TaskcliError(Exception):
    """Base of every error a user may see; ``str(error)`` is the message."""

    exit_code: int = EXIT_INTERNAL


class UsageError(TaskcliError):
    """A bad value on the command line or in the environment."""

    exit_code = EXIT_USAGE


class InvalidDatabaseUrl(UsageError):
    """The database URL cannot be parsed or names an unsupported backend."""


class TaskNotFound(TaskcliError):
    """One of the ids given does not exist."""

    exit_code = EXIT_NOT_FOUND

    def __init__(self, task_id: int) -> None:
        super().__init__(f"no task {task_id}")
        self.task_id = task_id


class Conflict(TaskcliError):
    """The request contradicts the state of the tree (open subtasks, cycles, depth)."""

    exit_code = EXIT_CONFLICT


class DatabaseError(TaskcliError):
    """The database cannot be used: unreachable, locked, corrupt or wrong schema."""

    exit_code = EXIT_DATABASE


class DatabaseUnreachable(DatabaseError):
    """The database server or file cannot be opened."""


class DatabaseLocked(DatabaseError):
    """Another process held the write lock past the lock timeout."""


class DatabaseReadOnly(DatabaseError):
    """A write was attempted on a database we may only read."""


class DatabaseCorrupt(DatabaseError):
    """The file is damaged or is not a taskcli database at all."""


class SchemaMismatch(DatabaseError):
    """The database schema is missing, behind or ahead of this taskcli."""


class MigrationError(DatabaseError):
    """A migration failed; the database was left at its previous revision."""


class Interrupted(TaskcliError):
    """Ctrl-C: the transaction was rolled back."""

    exit_code = EXIT_INTERRUPTED

    def __init__(self) -> None:
        super().__init__("interrupted; no changes were made")


class OutputFailed(TaskcliError):
    """Output (stdout, or a file the user named) could not be written: disk full, permission."""

    exit_code = EXIT_DATABASE


class TaskVanished(TaskNotFound):
    """Another command deleted a task this one was using, between our read and our write."""

    def __init__(self, task_id: int) -> None:
        super().__init__(task_id)
        self.args = (f"task {task_id} no longer exists (another command deleted it)",)


class DatabaseCancelled(DatabaseError):
    """The server cancelled a statement (statement timeout, administrator)."""


class ConnectionClosed(DatabaseError):
    """The server closed the connection in the middle of the command."""


class PermissionDenied(DatabaseError):
    """The database role lacks a privilege the command needs."""
