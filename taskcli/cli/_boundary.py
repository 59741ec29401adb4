"""The one place where errors become an ``Error:`` line and the SPEC's exit code."""

from __future__ import annotations

import errno
import functools
import os
import sys
import traceback
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import ParamSpec, TypeVar

import typer

from taskcli.cli import _commit
from taskcli.config import ENV_DEBUG
from taskcli.errors import EXIT_DATABASE, EXIT_INTERNAL, Interrupted, TaskcliError
from taskcli.textsafe import terminal_safe

R = TypeVar("R")
P = ParamSpec("P")
EXIT_BROKEN_PIPE = 141


def guarded(command: Callable[P, R]) -> Callable[P, R]:
    """Run a whole command inside the error boundary (signature kept for Typer)."""

    @functools.wraps(command)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        with error_boundary():
            return command(*args, **kwargs)
        raise AssertionError("unreachable")  # pragma: no cover

    return wrapper


def print_message(message: str) -> None:
    """A line for the user on stderr (never mixed into data on stdout)."""
    sys.stderr.write(terminal_safe(message) + "\n")
    sys.stderr.flush()


@contextmanager
def error_boundary() -> Iterator[None]:
    """Turn every failure into one ``Error:`` line on stderr and the SPEC's exit code."""
    try:
        yield
    except (typer.Exit, typer.Abort):
        raise
    except TaskcliError as error:
        _debug_traceback()
        _fail(str(error), error.exit_code)
    except KeyboardInterrupt:
        _fail(_commit.interrupted_message(), Interrupted.exit_code)
    except BrokenPipeError:
        silence_stdout()
        raise typer.Exit(EXIT_BROKEN_PIPE) from None
    except OSError as error:
        # Only output is written outside the database layer (which translates its own).
        if error.errno == errno.EPIPE:
            silence_stdout()
            raise typer.Exit(EXIT_BROKEN_PIPE) from None
        _debug_traceback()
        _fail(_commit.output_failure(error.strerror or str(error)), EXIT_DATABASE)
    except Exception:
        _debug_traceback()
        _fail(
            "internal error (a bug in taskcli); rerun with TASKCLI_DEBUG=1 for details",
            EXIT_INTERNAL,
        )


def _fail(message: str, exit_code: int) -> None:
    print_message(f"Error: {message}")
    raise typer.Exit(exit_code) from None


def _debug_traceback() -> None:
    # The standard traceback shows no local variables, so no secrets.
    if os.environ.get(ENV_DEBUG, "") not in ("", "0"):
        traceback.print_exc(file=sys.stderr)


def silence_stdout() -> None:
    """After a closed pipe, send further output (and the final flush) nowhere."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError):
        pass
