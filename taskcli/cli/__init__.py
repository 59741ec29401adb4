"""The Typer application.

Only the standard library, Typer and taskcli's bottom layer (domain, errors,
config) are imported here at module level: SQLAlchemy, SQLModel, Rich and
Alembic load inside the commands that need them, so ``--help``, ``--version``
and completion stay fast.
"""

from __future__ import annotations

from typing import Annotated, Any

import typer
from typer import _click as click  # Typer vendors Click; its Group is what we extend
from typer.core import TyperCommand, TyperGroup

from taskcli import __version__
from taskcli.cli._boundary import EXIT_BROKEN_PIPE, error_boundary, silence_stdout
from taskcli.cli._help import readable
from taskcli.cli._invocation import Invocation
from taskcli.cli.db import db_app
from taskcli.cli.server import server_app

ARGV_KEY = "taskcli.argv"


# Command name -> (module whose ``app`` defines it, first paragraph of its help),
# in the order ``--help`` lists them. Each command module owns a ``typer.Typer()``
# that is merged here with ``add_typer`` when one of its commands is looked up:
# only the invoked command's module is imported and built; ``--help`` reads its
# one-line summaries from here. Tests check this table against the commands and
# that every command module in the package is merged.
LAZY_COMMANDS: dict[str, tuple[str, str]] = {
    "add": (
        "taskcli.cli.writing",
        "Create a task: prints 'Created task 7: Title' (-q: just the id).",
    ),
    "list": (
        "taskcli.cli.reading",
        "List tasks as a flat table (pending ones unless --status says otherwise).",
    ),
    "next": (
        "taskcli.cli.next_tasks",
        "Show the most urgent actionable tasks: pending ones with no pending subtasks.",
    ),
    "tree": (
        "taskcli.cli.reading",
        "Show the task forest with rolled-up progress (done/total of all descendants).",
    ),
    "show": (
        "taskcli.cli.reading",
        "Show one task in full: fields, ancestor path and direct subtasks.",
    ),
    "done": ("taskcli.cli.writing", "Complete tasks; a task with pending subtasks needs -r."),
    "undone": ("taskcli.cli.writing", "Reopen completed tasks."),
    "edit": ("taskcli.cli.writing", "Change a task's fields."),
    "move": (
        "taskcli.cli.writing",
        "Move a task (with its subtree) under another task, or to the top level.",
    ),
    "rm": (
        "taskcli.cli.writing",
        "Delete tasks; a task with subtasks needs -r. Asks first on a terminal unless -y.",
    ),
    "undo": (
        "taskcli.cli.journal",
        "Revert your newest commands, whole and atomically (refused if rows changed since).",
    ),
    "redo": ("taskcli.cli.journal", "Re-apply what undo reverted (until you make a new change)."),
    "log": ("taskcli.cli.journal", "List the journaled commands, newest first."),
    "history": ("taskcli.cli.journal", "Show one task's changes over time, field by field."),
    "annotate": (
        "taskcli.cli.annotations",
        "Add a dated annotation to a task (shown by show and history; exported).",
    ),
    "denotate": (
        "taskcli.cli.annotations",
        "Remove one annotation from a task, by its number in show or by its text.",
    ),
    "start": (
        "taskcli.cli.timing",
        "Start working on tasks: time runs until stop (or done); one command, one undo.",
    ),
    "stop": (
        "taskcli.cli.timing",
        "Stop working on tasks: their running time is added to their total.",
    ),
    "report": (
        "taskcli.cli.timing",
        "Report time spent (report time): seconds per tag or per root task, most first.",
    ),
    "import": (
        "taskcli.cli.transfer",
        "Import tasks in one transaction: all of them or, on any error, none.",
    ),
    "export": (
        "taskcli.cli.transfer",
        "Export every task (done ones too) as one versioned JSON document.",
    ),
    "calc": (
        "taskcli.cli.calc",
        "Show what a date means in local time and UTC; stores nothing.",
    ),
    "context": (
        "taskcli.cli.context",
        "Define, choose and show contexts: saved filters for list and tree, tags for add.",
    ),
    "config": (
        "taskcli.cli.config",
        "Show each effective setting, its value and where it came from (password masked).",
    ),
}


class _RecordingGroup(TyperGroup):
    """Keeps the raw arguments, so the journal can say which command made a change.

    Commands load lazily: looking one up imports only the module that defines
    it, so ``taskcli list`` never imports the journal or transfer commands.
    """

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        ctx.meta[ARGV_KEY] = list(args)
        return super().parse_args(ctx, args)

    def main(self, *args: Any, **kwargs: Any) -> Any:
        """As Click's, but a usage error is one ``Error:`` line like every other error."""
        if not kwargs.pop("standalone_mode", True):
            kwargs["standalone_mode"] = False
            return super().main(*args, **kwargs)
        from taskcli.cli._usage import run_standalone

        run_standalone(super().main, *args, **kwargs)

    def list_commands(self, ctx: click.Context) -> list[str]:
        return [*LAZY_COMMANDS, *(name for name in self.commands if name not in LAZY_COMMANDS)]

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        command = self.commands.get(cmd_name)
        if command is None and cmd_name in LAZY_COMMANDS:
            command = self.commands[cmd_name] = _build_command(cmd_name)
        return command if command is None else readable(command)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """The command list from ``LAZY_COMMANDS`` for commands not loaded: nothing imported."""
        loaded = self.commands
        try:
            self.commands = {
                name: loaded.get(name) or TyperCommand(name=name, help=LAZY_COMMANDS[name][1])
                for name in self.list_commands(ctx)
            }
            super().format_commands(ctx, formatter)
        finally:
            self.commands = loaded


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
    from taskcli.database_url import parse_database_url
    from taskcli.errors import InvalidDatabaseUrl

    try:
        return parse_database_url(raw).masked()
    except InvalidDatabaseUrl:
        return "<invalid URL>"


def _command_app(module_name: str) -> typer.Typer:
    """The Typer app of one command module, merged into ``app`` the first time it is asked for."""
    import importlib

    module_app: typer.Typer = importlib.import_module(module_name).app
    if all(group.typer_instance is not module_app for group in app.registered_groups):
        app.add_typer(module_app)
    return module_app


def _build_command(name: str) -> click.Command:
    """Merge the module that defines ``name`` and build that one command."""
    from typer.main import get_command_from_info

    module_app = _command_app(LAZY_COMMANDS[name][0])
    [info] = [info for info in module_app.registered_commands if info.name == name]
    return get_command_from_info(
        info,
        pretty_exceptions_short=app.pretty_exceptions_short,
        rich_markup_mode=app.rich_markup_mode,
    )


def command_modules() -> tuple[str, ...]:
    """The modules whose commands load lazily, in the order ``--help`` lists them."""
    return tuple(dict.fromkeys(module for module, _help in LAZY_COMMANDS.values()))


def load_all_commands() -> None:
    """Merge every command module (for a process that serves many commands)."""
    for module in command_modules():
        _command_app(module)


def main() -> None:
    """Console-script entry point."""
    try:
        app(prog_name="taskcli")
    except BrokenPipeError:
        silence_stdout()
        raise SystemExit(EXIT_BROKEN_PIPE) from None
    except Exception:
        # Commands catch their own errors; this is the last guard against a traceback.
        try:
            with error_boundary():
                raise
        except typer.Exit as exit_:
            raise SystemExit(exit_.exit_code) from None
