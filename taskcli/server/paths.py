"""Where a server listens, and the key that ties it to one installation.

Standard library only: the client computes these on every command. The
socket lives in a directory that only its owner may enter (checked, never
assumed), and its name carries a key of the package version, the interpreter
and the installed files, so an upgraded taskcli never talks to an old server.
"""

from __future__ import annotations

import contextlib
import os
import stat
import sys
import zlib
from pathlib import Path

APP_NAME = "taskcli"
# Test hook: with TASKCLI_TESTING=1, this file's contents join the key (simulates an upgrade).
ENV_TEST_KEY_FILE = "TASKCLI_TEST_SERVER_KEY_FILE"


class UnsafeDirectory(OSError):
    """The socket directory is not a private directory of this user."""


def runtime_base(environ: os._Environ[str] | dict[str, str] = os.environ) -> Path:
    """``$XDG_RUNTIME_DIR``, else ``/run/user/UID``, else the user state directory.

    The same choice as platformdirs' ``user_runtime_dir`` on Linux, except that
    when no runtime directory exists it falls back to the state directory
    rather than to a shared ``/tmp``.
    """
    configured = environ.get("XDG_RUNTIME_DIR", "")
    if configured and os.path.isabs(configured) and os.path.isdir(configured):
        return Path(configured)
    per_user = Path(f"/run/user/{os.getuid()}")
    if per_user.is_dir():
        return per_user
    return state_directory(environ).parent


def state_directory(environ: os._Environ[str] | dict[str, str] = os.environ) -> Path:
    """``$XDG_STATE_HOME/taskcli`` (``~/.local/state/taskcli``): the server's log."""
    configured = environ.get("XDG_STATE_HOME", "")
    if configured and os.path.isabs(configured):
        return Path(configured) / APP_NAME
    return Path(os.path.expanduser("~")) / ".local" / "state" / APP_NAME


def socket_directory(environ: os._Environ[str] | dict[str, str] = os.environ) -> Path:
    """The private directory for this user's sockets, created 0700 if missing.

    Raises ``UnsafeDirectory`` if it exists but is a symlink, not owned by this
    user, or open to group or others.
    """
    directory = runtime_base(environ) / APP_NAME
    with contextlib.suppress(FileExistsError):
        directory.mkdir(mode=0o700, parents=True)
    check_private(directory)
    return directory


def check_private(directory: Path) -> None:
    info = os.lstat(directory)
    if not stat.S_ISDIR(info.st_mode):
        raise UnsafeDirectory(f"{directory} is not a directory")
    if info.st_uid != os.getuid():
        raise UnsafeDirectory(f"{directory} belongs to another user")
    if info.st_mode & 0o077:
        raise UnsafeDirectory(f"{directory} is open to other users (mode {info.st_mode & 0o777:o})")


def installation_key(environ: os._Environ[str] | dict[str, str] = os.environ) -> str:
    """A short digest of what the server has loaded: change any of it, get a new socket.

    Inputs: taskcli's version, the interpreter (path and version), every file
    of the taskcli package (path, size, mtime), the site-packages
    directories' mtimes (pip changes them when it installs or upgrades), and
    the mount, network and user namespaces the command runs in.
    """
    from taskcli import __version__

    package = Path(__file__).resolve().parents[1]
    parts = [__version__, sys.executable, sys.version]
    for root, dirs, files in os.walk(package):
        dirs[:] = sorted(d for d in dirs if d != "__pycache__")
        for name in sorted(files):
            if name.endswith(".py"):
                info = os.stat(os.path.join(root, name))
                parts.append(f"{root}/{name}:{info.st_size}:{info.st_mtime_ns}")
    for namespace in ("mnt", "net", "user"):
        # A command in another mount or network namespace (a container, ``unshare``)
        # sees other files and hosts: it must never run in this server's.
        with contextlib.suppress(OSError):
            parts.append(f"{namespace}:{os.stat(f'/proc/self/ns/{namespace}').st_ino}")
    for entry in sys.path:
        if entry.endswith(("site-packages", "dist-packages")) and os.path.isdir(entry):
            parts.append(f"{entry}:{os.stat(entry).st_mtime_ns}")
    if environ.get("TASKCLI_TESTING") == "1" and (salt := environ.get(ENV_TEST_KEY_FILE)):
        with contextlib.suppress(OSError):
            parts.append(Path(salt).read_text())
    data = "\n".join(parts).encode("utf-8", "surrogateescape")
    return f"{zlib.crc32(data):08x}{zlib.adler32(data):08x}"


def socket_path(directory: Path, key: str) -> Path:
    return directory / f"server-{key}.sock"


def lock_path(directory: Path, key: str) -> Path:
    """Held by the one server of this key for its whole life."""
    return directory / f"server-{key}.lock"


def log_path(environ: os._Environ[str] | dict[str, str] = os.environ) -> Path:
    return state_directory(environ) / "server.log"
