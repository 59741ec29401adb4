"""The Typer application.

Only the standard library, Typer and taskcli's bottom layer (domain, errors,
config) are imported here at module level: SQLAlchemy, SQLModel, Rich and
Alembic load inside the commands that need them, so ``--help``, ``--version``
and completion stay fast.
"""

from __future__ import annotations

from typing import Annotated

import typer
from typer.core import TyperGroup

from taskcli import __version__
from taskcli.cli._runtime import EXIT_BROKEN_PIPE, Invocation, error_boundary, silence_stdout
from taskcli.cli.db import db_app
from taskcli.cli.server import server_app

ARGV_KEY = "taskcli.argv"


class _RecordingGroup(TyperGroup):
    """Keeps the raw arguments, so the journal can say which command made a change."""

    def parse_args(self, ctx: typer.Context, args: list[str]) -> list[str]:
        ctx.meta[ARGV_KEY] = list(args)
        return super().parse_args(ctx, args)


app = typer.Typer(
    cls=_RecordingGroup,
    name="taskcli",
    help="A command-line task manager with subtask trees.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,  # plain Click help: --help must not load Rich
    pretty_exceptions_show_locals=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)
app.add_typer(db_app)
app.add_typer(server_app)


def _print_version(value: bool) -> None:
    if value:
        typer.echo(f"taskcli {__version__}")
        raise typer.Exit()


@app.callback()
def root(
    ctx: typer.Context,
    db: Annotated[
        str | None,
        typer.Option(
            "--db",
            metavar="URL",
            help="Database URL (sqlite:///PATH, postgresql://...); beats TASKCLI_DATABASE_URL.",
            show_default=False,
        ),
    ] = None,
    version: Annotated[
        bool,
        typer.Option(
            "--version", help="Show the version and exit.", callback=_print_version, is_eager=True
        ),
    ] = False,
) -> None:
    """A command-line task manager with subtask trees.

    Data lives in a SQLite file in your data directory unless --db or
    TASKCLI_DATABASE_URL selects another database.
    """
    ctx.obj = Invocation(db_option=db, command=_command_line(ctx.meta.get(ARGV_KEY, [])))


def _command_line(argv: list[str]) -> str:
    """The command as the journal records it, with the database URL masked."""
    import shlex

    words = ["taskcli"]
    mask_next = False
    for word in argv:
        if mask_next:
            word, mask_next = _masked_url(word), False
        elif word == "--db":
            mask_next = True
        elif word.startswith("--db="):
            word = "--db=" + _masked_url(word.removeprefix("--db="))
        words.append(word)
    return shlex.join(words)


def _masked_url(raw: str) -> str:
    from taskcli.config import parse_database_url
    from taskcli.errors import InvalidDatabaseUrl

    try:
        return parse_database_url(raw).masked()
    except InvalidDatabaseUrl:
        return "<invalid URL>"


from taskcli.cli import journal as _journal  # noqa: E402, F401
from taskcli.cli import tasks as _tasks  # noqa: E402, F401  (registers the task commands)
from taskcli.cli import transfer as _transfer  # noqa: E402, F401


def main() -> None:
    """Console-script entry point."""
    try:
        app(prog_name="taskcli")
    except BrokenPipeError:
        silence_stdout()
        raise SystemExit(EXIT_BROKEN_PIPE) from None
    except Exception:
        # Commands catch their own errors; this is the last guard against a traceback.
        with error_boundary():
            raise
