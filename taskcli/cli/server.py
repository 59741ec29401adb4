"""``taskcli server``: see, start and stop the command server."""

from __future__ import annotations

import typer

from taskcli.cli._boundary import guarded, print_message

server_app = typer.Typer(
    name="server",
    help="The command server that keeps the stack loaded (TASKCLI_SERVER=0 turns it off).",
    no_args_is_help=True,
    rich_markup_mode=None,
)


@server_app.command("status")
@guarded
def status_command() -> None:
    """Say whether a server runs for this installation, its pid and socket."""
    from taskcli.server.control import status

    state = status()
    if state.pid is None:
        typer.echo("taskcli server: not running")
    else:
        typer.echo(f"taskcli server: running, pid {state.pid}, socket {state.socket}")
        typer.echo(f"requests served: {state.served}")
    typer.echo(f"log: {state.log}")


@server_app.command("start")
@guarded
def start_command() -> None:
    """Start a server in the background (commands start one by themselves too)."""
    from taskcli.server.control import start

    state, started = start()
    verb = "Started" if started else "Already running:"
    print_message(f"{verb} taskcli server (pid {state.pid})")


@server_app.command("stop")
@guarded
def stop_command() -> None:
    """Stop this installation's server; the next command runs in-process and starts one."""
    from taskcli.server.control import stop

    pid = stop()
    print_message(
        "taskcli server: not running" if pid is None else f"Stopped taskcli server (pid {pid})"
    )
