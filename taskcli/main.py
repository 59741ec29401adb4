"""Console-script entry point.

``taskcli --version`` is answered before Typer is even imported: it is typed
in prompts and scripts, and should cost no more than starting Python.
"""

from __future__ import annotations

import sys


def main() -> None:
    if sys.argv[1:] == ["--version"]:
        from taskcli import __version__

        sys.stdout.write(f"taskcli {__version__}\n")
        return
    from taskcli.cli import main as run_cli

    run_cli()
