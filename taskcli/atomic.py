"""Writing a file the user named, so that a reader never sees half of it.

A regular file (or nothing) at the path is replaced atomically: the data goes
to a temporary file in the same directory with a random name, created with
``O_CREAT | O_EXCL | O_NOFOLLOW`` and mode 0600 (a link planted there is
never followed), fsynced, renamed over the target, and the directory is
fsynced. A symlink is resolved and its target replaced, so the link stays a
link. A FIFO, a device or any other non-regular file is written directly:
what is at the path never changes kind. A failure or a signal removes the
temporary file and leaves the target untouched.
"""

from __future__ import annotations

import os
import secrets
import signal
import stat
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from types import FrameType
from typing import IO

from taskcli.errors import OutputFailed
from taskcli.interrupts import interrupts_roll_back

Writer = Callable[[str], None]
FILE_MODE = 0o600
_CLEANUP_SIGNALS = (signal.SIGTERM, signal.SIGHUP)


def write_file(path: Path, produce: Callable[[Writer], None]) -> None:
    """Call ``produce(write)``; what it writes becomes the content of ``path``.

    Every failure of the file system is ``OutputFailed`` (exit 3) naming the
    file and the system's reason.
    """
    interrupts_roll_back()  # from here a Ctrl-C removes the temporary file
    target = Path(os.path.realpath(path))
    try:
        mode = target.stat().st_mode
    except FileNotFoundError:
        mode = None
    except OSError as error:
        raise _failed(path, error) from None
    if mode is not None and stat.S_ISDIR(mode):
        raise OutputFailed(f"cannot write {path}: it is a directory")
    if mode is not None and not stat.S_ISREG(mode):
        _write_in_place(path, target, produce)
    else:
        _replace(path, target, produce)


def _write_in_place(path: Path, target: Path, produce: Callable[[Writer], None]) -> None:
    try:
        descriptor = os.open(target, os.O_WRONLY | os.O_NOCTTY | os.O_CLOEXEC)
    except OSError as error:
        raise _failed(path, error) from None
    with _stream(path, descriptor) as stream:
        produce(_writer(path, stream))


def _replace(path: Path, target: Path, produce: Callable[[Writer], None]) -> None:
    temporary = target.with_name(f".{target.name}.{secrets.token_hex(8)}.tmp")
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC
    try:
        descriptor = os.open(temporary, flags, FILE_MODE)
    except OSError as error:
        raise _failed(path, error) from None
    try:
        with _removed_on_signal(temporary):
            with _stream(path, descriptor) as stream:
                produce(_writer(path, stream))
                _sync(path, stream)
            try:
                os.replace(temporary, target)
            except OSError as error:
                raise _failed(path, error) from None
    finally:
        temporary.unlink(missing_ok=True)
    _sync_directory(target.parent)


@contextmanager
def _stream(path: Path, descriptor: int) -> Iterator[IO[str]]:
    stream = os.fdopen(descriptor, "w", encoding="utf-8")
    try:
        yield stream
    finally:
        try:
            stream.close()
        except OSError as error:
            # close() flushes the last buffer: a full disk shows up here.
            raise _failed(path, error) from None


def _writer(path: Path, stream: IO[str]) -> Writer:
    def write(text: str) -> None:
        try:
            stream.write(text)
        except OSError as error:
            raise _failed(path, error) from None

    return write


def _sync(path: Path, stream: IO[str]) -> None:
    try:
        stream.flush()
        os.fsync(stream.fileno())
    except OSError as error:
        raise _failed(path, error) from None


def _sync_directory(directory: Path) -> None:
    """Make the rename durable; some file systems cannot fsync a directory."""
    try:
        descriptor = os.open(directory, os.O_RDONLY | os.O_DIRECTORY)
    except OSError:
        return
    try:
        os.fsync(descriptor)
    except OSError:
        pass
    finally:
        os.close(descriptor)


@contextmanager
def _removed_on_signal(temporary: Path) -> Iterator[None]:
    """SIGTERM or SIGHUP while writing: remove the temporary file, then die of the signal.

    (Ctrl-C raises ``KeyboardInterrupt``, which the caller's cleanup handles.)
    """

    def remove_and_die(number: int, _frame: FrameType | None) -> None:
        temporary.unlink(missing_ok=True)
        signal.signal(number, signal.SIG_DFL)
        os.kill(os.getpid(), number)

    try:
        previous = {number: signal.signal(number, remove_and_die) for number in _CLEANUP_SIGNALS}
    except ValueError:  # not the main thread: no handlers to install
        previous = {}
    try:
        yield
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)


def _failed(path: Path, error: OSError) -> OutputFailed:
    return OutputFailed(f"cannot write {path}: {error.strerror or error}")
