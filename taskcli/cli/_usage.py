"""Usage errors (unknown option, bad value, missing argument) as one ``Error:`` line.

Click prints a usage block, a hint and then the error: three lines, where every
other taskcli error is one. The message keeps Click's words, starts lower case
like ours, drops pydantic's prefixes (Typer checks values with pydantic) and
ends with where help is.
"""

from __future__ import annotations

import sys
from typing import Any

from typer._click.exceptions import ClickException, NoArgsIsHelpError, UsageError
from typer.exceptions import Abort

# Typer validates option values with pydantic, whose wording leaks into Click's message.
_PYDANTIC_WORDING = {
    "Value error, ": "",
    "Input should be a valid integer, unable to parse string as an integer": "not a whole number",
}


def one_line(error: UsageError) -> str:
    """``Error: no such option: --bogus; see 'taskcli list -h'``."""
    message = error.format_message()
    for wording, ours in _PYDANTIC_WORDING.items():
        message = message.replace(wording, ours)
    message = " ".join(message.split()).removesuffix(".")
    message = message[:1].lower() + message[1:]
    if error.ctx is not None:
        message += f"; see '{error.ctx.command_path} -h'"
    return f"Error: {message}"


def run_standalone(main: Any, *args: Any, **kwargs: Any) -> None:
    """Click's standalone mode, but a usage error is one line (exit 2); never returns."""
    try:
        code = main(*args, standalone_mode=False, **kwargs)  # typer.Exit(N) comes back as N
    except NoArgsIsHelpError as error:
        error.show()  # plain ``taskcli``: the help, as before
        sys.exit(error.exit_code)
    except UsageError as error:
        sys.stderr.write(one_line(error) + "\n")
        sys.exit(error.exit_code)
    except ClickException as error:
        error.show()
        sys.exit(error.exit_code)
    except Abort:
        sys.stderr.write("Aborted!\n")
        sys.exit(1)
    sys.exit(code if isinstance(code, int) else 0)
