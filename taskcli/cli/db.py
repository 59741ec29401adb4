"""``taskcli db``: schema migrations, driven through Alembic's Python API."""

from __future__ import annotations

from typing import Annotated

import typer

from taskcli.cli._boundary import guarded, print_message
from taskcli.cli._invocation import settings_of
from taskcli.interrupts import interrupts_roll_back

db_app = typer.Typer(
    name="db",
    help="Manage the database schema (Alembic migrations).",
    no_args_is_help=True,
    rich_markup_mode=None,
)


@db_app.command("upgrade")
@guarded
def upgrade_command(
    ctx: typer.Context,
    revision: Annotated[str, typer.Argument(help="Target revision.")] = "head",
) -> None:
    """Upgrade the schema (SQLite files are first copied to tasks.db.bak-<revision>)."""
    from taskcli.db.migrate import upgrade

    settings = settings_of(ctx)
    interrupts_roll_back()
    result = upgrade(settings, revision)
    _report(settings.database.masked(), result.before, result.after, result.backup)


@db_app.command("downgrade")
@guarded
def downgrade_command(
    ctx: typer.Context,
    revision: Annotated[str, typer.Argument(help="Target revision ('base' removes the schema).")],
    yes: Annotated[
        bool,
        typer.Option("--yes", "-y", help="Do not ask (PostgreSQL asks first: it keeps no backup)."),
    ] = False,
) -> None:
    """Downgrade the schema to REVISION (SQLite files are backed up first).

    On PostgreSQL, which keeps no backup, it asks first on a terminal and
    names what it will drop; scripts pass --yes.
    """
    from taskcli.db.migrate import downgrade

    settings = settings_of(ctx)
    if settings.database.backend != "sqlite" and not yes and not _confirm_downgrade(ctx, revision):
        print_message("Nothing was changed.")
        return
    interrupts_roll_back()
    result = downgrade(settings, revision)
    _report(settings.database.masked(), result.before, result.after, result.backup)


def _confirm_downgrade(ctx: typer.Context, revision: str) -> bool:
    """Ask on a terminal; without one, refuse (exit 2) and say how to confirm."""
    import sys

    from taskcli.db.migrate import downgrade_plan
    from taskcli.errors import UsageError

    settings = settings_of(ctx)
    dropped = downgrade_plan(settings, revision)
    what = "; ".join(dropped) if dropped else "nothing known to this taskcli"
    question = (
        f"Downgrade {settings.database.masked()} to {revision}? "
        f"This reverts {what}, dropping their tables and columns with their data "
        "(PostgreSQL keeps no backup)"
    )
    if not sys.stdin.isatty():
        raise UsageError(
            f"db downgrade on PostgreSQL would revert {what} with no backup; pass --yes to confirm"
        )
    return typer.confirm(question, default=False, err=True)


@db_app.command("current")
@guarded
def current_command(ctx: typer.Context) -> None:
    """Print the database's revision, with ' (head)' when it is the newest."""
    from taskcli.db.migrate import current

    current(settings_of(ctx))


@db_app.command("history")
@guarded
def history_command(ctx: typer.Context) -> None:
    """List the schema revisions this taskcli knows, newest first."""
    from taskcli.db.migrate import history

    history(settings_of(ctx))


def _report(database: str, before: str | None, after: str | None, backup: object) -> None:
    if backup is not None:
        print_message(f"Backed up {database} to {backup}")
    if before == after and before is not None:
        print_message(f"{database} is already at revision {after}")
    else:
        print_message(f"{database}: revision {before or 'base'} -> {after or 'base'}")
