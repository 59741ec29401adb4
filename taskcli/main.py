"""Console-script entry point.

``taskcli --version`` is answered before Typer is even imported: it is typed
in prompts and scripts, and should cost no more than starting Python. Every
command ends with ``os._exit`` once its output is flushed: the interpreter's
orderly teardown of SQLAlchemy's and pydantic's object graphs costs tens of
milliseconds and does nothing a finished command needs.
"""

from __future__ import annotations

import os
import sys


def main() -> None:
    if sys.argv[1:] == ["--version"]:
        from taskcli import __version__

        sys.stdout.write(f"taskcli {__version__}\n")
        return
    from taskcli.server.client import hand_over

    hand_over(sys.argv[1:])  # a running command server runs it and we exit with its status
    from taskcli.cli import main as run_cli

    code = 0
    try:
        run_cli()
    except SystemExit as exit_:
        code = exit_.code if isinstance(exit_.code, int) else (0 if exit_.code is None else 1)
        if isinstance(exit_.code, str):
            sys.stderr.write(f"{exit_.code}\n")
    _exit_now(code)


def _exit_now(code: int) -> None:
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (BrokenPipeError, ValueError, OSError):
            code = code or 141 if stream is sys.stdout else code
    os._exit(code)
