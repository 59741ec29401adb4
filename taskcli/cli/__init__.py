"""The Typer application.

Only the standard library, Typer and taskcli's bottom layer (domain, errors,
config) are imported here at module level: SQLAlchemy, SQLModel, Rich and
Alembic load inside the commands that need them, so ``--help``, ``--version``
and completion stay fast.
"""

from __future__ import annotations

from typing import Annotated

import typer

from taskcli import __version__
from taskcli.cli._runtime import EXIT_BROKEN_PIPE, Invocation, error_boundary, silence_stdout
from taskcli.cli.db import db_app

app = typer.Typer(
    name="taskcli",
    help="A command-line task manager with subtask trees.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,  # plain Click help: --help must not load Rich
    pretty_exceptions_show_locals=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)
app.add_typer(db_app)


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
    ctx.obj = Invocation(db_option=db)


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
