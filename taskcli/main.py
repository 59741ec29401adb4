"""Console-script entry point.

``taskcli --version`` is answered before Typer is even imported: it is typed
in prompts and scripts, and should cost no more than starting Python. Every
command ends with ``os._exit`` once its output is flushed: the interpreter's
orderly teardown of SQLAlchemy's and pydantic's object graphs costs tens of
milliseconds and does nothing a finished command needs.

The process rules live here too: a closed standard stream is replaced by one
that fails cleanly (and its descriptor held, so no database file can land on
fd 0-2); Ctrl-C while starting up is one line, not a traceback; the last
flush of stdout maps a closed pipe to 141 and a full disk to exit 3.
"""

from __future__ import annotations

import contextlib
import errno
import io
import os
import sys

from taskcli.interrupts import exit_on_interrupt_while_starting

EXIT_BROKEN_PIPE = 141
EXIT_ENVIRONMENT = 3
EXIT_INTERRUPTED = 130


def main() -> None:
    exit_on_interrupt_while_starting()
    try:
        streams_closed = _guard_standard_streams()
        if sys.argv[1:] == ["--version"]:
            from taskcli import __version__

            sys.stdout.write(f"taskcli {__version__}\n")
            return
        if not streams_closed:  # a closed stream is reported here, not by a server
            from taskcli.server.client import hand_over

            hand_over(sys.argv[1:])  # a running server runs it; we exit with its status
        from taskcli.cli import main as run_cli
    except KeyboardInterrupt:
        _say("Error: interrupted; no changes were made")
        _exit_now(EXIT_INTERRUPTED)
    code = 0
    try:
        run_cli()
    except SystemExit as exit_:
        code = exit_.code if isinstance(exit_.code, int) else (0 if exit_.code is None else 1)
        if isinstance(exit_.code, str):
            _say(exit_.code)
        if code == 1 and _click_saw_closed_pipe():
            code = EXIT_BROKEN_PIPE
    except KeyboardInterrupt:
        # Outside a command's own boundary (parsing, --help): nothing was changed.
        _say(f"Error: {_interrupted_message()}")
        code = EXIT_INTERRUPTED
    _exit_now(code)


def _exit_now(code: int) -> None:
    try:
        sys.stdout.flush()
    except OSError as error:
        if error.errno == errno.EPIPE:
            code = code or EXIT_BROKEN_PIPE
        elif code == 0:
            _say(f"Error: {_output_failure(error.strerror or str(error))}")
            code = EXIT_ENVIRONMENT
    except (ValueError, AttributeError):
        pass
    with contextlib.suppress(OSError, ValueError, AttributeError):
        sys.stderr.flush()
    os._exit(code)


def _say(line: str) -> None:
    try:
        sys.stderr.write(line + "\n")
        sys.stderr.flush()
    except (OSError, ValueError, AttributeError):
        pass


def _output_failure(reason: str) -> str:
    commit = sys.modules.get("taskcli.cli._commit")
    if commit is not None:
        return str(commit.output_failure(reason))
    return f"cannot write output: {reason}"


def _interrupted_message() -> str:
    commit = sys.modules.get("taskcli.cli._commit")
    if commit is not None:
        return str(commit.interrupted_message())
    return "interrupted; no changes were made"


def _click_saw_closed_pipe() -> bool:
    """Click turns EPIPE (``--help | true``) into exit 1 and wraps stdout to say so."""
    return type(sys.stdout).__name__ == "PacifyFlushWrapper"


class _ClosedOutput(io.TextIOBase):
    """Stands for a stdout that was closed (``>&-``): every write fails with EBADF."""

    def writable(self) -> bool:
        return True

    def write(self, text: str) -> int:
        raise OSError(errno.EBADF, "standard output is closed")

    def isatty(self) -> bool:
        return False


class _ClosedInput(io.TextIOBase):
    """Stands for a stdin that was closed (``<&-``): reading it is a usage error (exit 2)."""

    def __init__(self) -> None:
        super().__init__()
        self.buffer = self

    def readable(self) -> bool:
        return True

    def read(self, size: int | None = -1) -> str:
        from taskcli.errors import UsageError

        raise UsageError("cannot read standard input: it is closed")

    readline = read  # type: ignore[assignment]

    def isatty(self) -> bool:
        return False


def _guard_standard_streams() -> bool:
    """Hold fds 0-2 open (on /dev/null) and give Python streams that fail cleanly.

    Returns whether any of them was closed.
    """
    closed = False
    for descriptor, name in ((0, "stdin"), (1, "stdout"), (2, "stderr")):
        try:
            os.fstat(descriptor)
            continue
        except OSError:
            closed = True
        try:
            placeholder = os.open(os.devnull, os.O_RDONLY if descriptor == 0 else os.O_WRONLY)
        except OSError:
            placeholder = -1
        if placeholder not in (-1, descriptor):
            os.dup2(placeholder, descriptor)
            os.close(placeholder)
        if name == "stdin":
            sys.stdin = _ClosedInput()
        elif name == "stdout":
            sys.stdout = _ClosedOutput()
        else:
            sys.stderr = open(os.devnull, "w", encoding="utf-8")  # noqa: SIM115
    return closed
