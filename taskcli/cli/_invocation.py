"""What the root callback learned, and who runs the command (for the journal)."""

from __future__ import annotations

import os
from dataclasses import dataclass

import typer

from taskcli.config import Settings, resolve_settings
from taskcli.validation import journal_user_name


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
