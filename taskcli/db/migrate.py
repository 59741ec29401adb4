"""Alembic, driven programmatically and synchronously.

These functions run outside any event loop: ``migrations/env.py`` starts its
own. The URL never goes into Alembic's ``Config`` options (configparser would
echo it, password included, on a ``%``); it travels in ``Config.attributes``.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from taskcli.config import Settings
from taskcli.db import files
from taskcli.db.errors import translate_driver_errors
from taskcli.db.schema import SCHEMA_HEAD
from taskcli.errors import MigrationError, SchemaMismatch, TaskcliError, UsageError

if TYPE_CHECKING:
    from alembic.config import Config

SETTINGS_ATTRIBUTE = "taskcli_settings"
REVISIONS_ATTRIBUTE = "taskcli_revisions"  # (before, after), set by env.py


@dataclass(frozen=True)
class MigrationResult:
    before: str | None
    after: str | None
    backup: Path | None


def migrations_directory() -> Path:
    """Where the revision scripts are: inside the installed package, or the repo."""
    try:
        import taskcli.migrations as package
    except ImportError:
        # Running from a source checkout: the top-level migrations/ folder.
        return Path(__file__).resolve().parents[2] / "migrations"
    return Path(package.__file__).parent


def alembic_config(settings: Settings) -> Config:
    from alembic.config import Config

    # Alembic's default stream is sys.stdout as it was when alembic was imported.
    config = Config(stdout=sys.stdout)
    config.set_main_option("script_location", str(migrations_directory()).replace("%", "%%"))
    config.attributes[SETTINGS_ATTRIBUTE] = settings
    return config


def upgrade(settings: Settings, revision: str = "head") -> MigrationResult:
    """Bring the database to ``revision``; SQLite files are backed up first."""
    from alembic import command

    return _migrate(settings, revision, lambda config: command.upgrade(config, revision))


def downgrade(settings: Settings, revision: str) -> MigrationResult:
    """Take the database back to ``revision``; SQLite files are backed up first."""
    from alembic import command

    return _migrate(settings, revision, lambda config: command.downgrade(config, revision))


def downgrade_plan(settings: Settings, revision: str) -> list[str]:
    """What a downgrade to ``revision`` reverts, newest first: ``"0003 (the journal: ...)"``.

    Counted from this taskcli's head, so it names at most what will go.
    """
    from alembic.script import ScriptDirectory

    config = alembic_config(settings)
    _check_target(config, revision)
    script = ScriptDirectory.from_config(config)
    target = None if revision == "base" else revision
    with _alembic_errors(settings, failure="cannot read the migration history"):
        reverted = list(script.iterate_revisions("heads", target))
    return [
        f"{item.revision} ({(item.doc or '').splitlines()[0].rstrip('.')})"
        for item in reverted
        if item.revision != target
    ]


def current(settings: Settings) -> None:
    """Print the stored revision as Alembic does (``0001 (head)``; nothing at base)."""
    from alembic import command

    database = settings.database
    if database.backend == "sqlite" and database.path and files.needs_creation(database.path):
        return
    with _alembic_errors(settings, failure="cannot read the schema revision"):
        command.current(alembic_config(settings))


def history(settings: Settings) -> None:
    """Print the revision history, newest first; needs no database."""
    from alembic import command

    with _alembic_errors(settings, failure="cannot read the migration history"):
        command.history(alembic_config(settings))


def bootstrap_sqlite(settings: Settings) -> None:
    """First use: create the file privately and migrate it to head.

    Safe when many processes do it at once: each upgrade runs in one
    ``BEGIN IMMEDIATE`` transaction, so the later ones find head and do nothing.
    """
    from alembic import command

    path = settings.database.path
    assert path is not None
    files.create_private_file(path, create_directories=settings.database.is_default)
    with _alembic_errors(settings):
        command.upgrade(alembic_config(settings), "head")


def _migrate(
    settings: Settings, revision: str, action: Callable[[Config], None]
) -> MigrationResult:
    database = settings.database
    config = alembic_config(settings)
    _check_target(config, revision)
    before: str | None = None
    backup: Path | None = None
    if database.backend == "sqlite" and database.path is not None:
        files.create_private_file(database.path, create_directories=database.is_default)
        before = files.read_revision(database.path)
        target = SCHEMA_HEAD if revision in ("head", "heads") else revision
        if before is not None and before != target:
            backup = files.backup(database.path, before)
    with _alembic_errors(settings):
        action(config)
    before, after = config.attributes.get(REVISIONS_ATTRIBUTE, (before, before))
    return MigrationResult(before=before, after=after, backup=backup)


@contextmanager
def _alembic_errors(
    settings: Settings, *, failure: str = "migration failed and was rolled back"
) -> Iterator[None]:
    """Map Alembic's and the migrations' failures to domain errors."""
    from alembic.util import CommandError

    try:
        with translate_driver_errors(settings.database, lock_timeout=settings.lock_timeout):
            yield
    except TaskcliError:
        raise
    except CommandError as error:
        # Targets were checked beforehand, so an unknown revision is the database's.
        message = str(error)
        if "Can't locate revision" in message or "No such revision" in message:
            raise SchemaMismatch(
                "database schema is newer than this taskcli knows; upgrade taskcli"
            ) from None
        raise UsageError(message.splitlines()[0]) from None
    except Exception as error:
        raise MigrationError(
            f"{failure}: {type(error).__name__}: {str(error).splitlines()[0] if str(error) else ''}"
        ) from error


def _check_target(config: Config, revision: str) -> None:
    """Refuse an unknown target revision (exit 2) before touching the database."""
    from alembic.script import ScriptDirectory
    from alembic.script.revision import ResolutionError
    from alembic.util import CommandError

    if revision in ("head", "heads", "base") or revision[:1] in "+-" or "@" in revision:
        return
    try:
        found = ScriptDirectory.from_config(config).get_revision(revision)
    except (CommandError, ResolutionError):
        found = None
    if found is None:
        raise UsageError(f"unknown revision: {revision!r}")
