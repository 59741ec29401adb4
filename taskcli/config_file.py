"""The optional config file: ``config.toml``, read with ``tomllib`` and checked against a schema.

Standard library only: the command-server client asks it whether the server
is turned off, before anything else is imported. The file is read only when
a setting is needed, at most once per process while it is unchanged. Every
problem names the file and, where it can, the line: a user fixing a typo
should not have to guess which of their settings was refused. What the
``[database]`` table means is ``config_database``'s business.
"""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from taskcli.errors import EXIT_DATABASE, TaskcliError, UsageError

ENV_CONFIG = "TASKCLI_CONFIG"
FILE_NAME = "config.toml"

# Every key the file may hold (dotted: table.key), and the TOML types it takes.
SCHEMA: dict[str, tuple[type, ...]] = {
    "server": (bool,),
    "lock_timeout": (int, float),
    "database.url": (str,),
    "database.backend": (str,),
    "database.path": (str,),
    "database.host": (str,),
    "database.port": (int,),
    "database.user": (str,),
    "database.name": (str,),
    "database.password_file": (str,),
    "list.sort": (str,),
    "list.columns": (list,),
    # ``taskcli next``'s urgency coefficients (``taskcli.urgency``); ``urgency.tag.NAME`` too.
    "urgency.due": (int, float),
    "urgency.overdue": (int, float),
    "urgency.priority.high": (int, float),
    "urgency.priority.medium": (int, float),
    "urgency.priority.low": (int, float),
    "urgency.age": (int, float),
    "urgency.age_max": (int, float),
    "urgency.active": (int, float),
}
# Keys under these prefixes take any name (a tag's weight): checked as the prefix's type.
PATTERN_KEYS: dict[str, tuple[type, ...]] = {"urgency.tag.": (int, float)}
TABLES = ("database", "list", "urgency")
_TYPE_NAMES = {bool: "true or false", int: "a number", str: "a string", list: "a list of strings"}
_POSITION = re.compile(r"(?P<message>.*) \(at line (?P<line>\d+), column (?P<column>\d+)\)$")
_HEADER = re.compile(r"\s*\[\s*([A-Za-z0-9_.-]+)\s*\]\s*(#.*)?$")
_KEY = re.compile(r"\s*([A-Za-z0-9_.-]+|\"[^\"]*\")\s*=")


class ConfigFileUnreadable(TaskcliError):
    """The config file exists but cannot be read (permissions, a directory): exit 3."""

    exit_code = EXIT_DATABASE


class ConfigFile:
    """The checked settings of one config file (``path`` None: there is none).

    A plain class: ``dataclasses`` would cost the client its fast start.
    """

    __slots__ = ("path", "text", "values")

    def __init__(self, path: Path | None, values: Mapping[str, Any] | None = None, text: str = ""):
        self.path = path
        self.values: Mapping[str, Any] = values or {}
        self.text = text

    def get(self, key: str) -> Any:
        return self.values.get(key)

    def location(self, key: str | None = None) -> str:
        """``PATH, line N`` for a key (the line when it can be found)."""
        line = _line_of(self.text, key) if key else None
        return f"{self.path}" + (f", line {line}" if line else "")

    def where(self, key: str | None = None) -> str:
        return f"config file {self.location(key)}"

    def error(self, key: str, message: str) -> UsageError:
        """A bad value: exit 2, naming the file, the line and the key."""
        return UsageError(f"{self.where(key)}: {key} {message}")


NO_FILE = ConfigFile(path=None)


def config_path(environ: Mapping[str, str] = os.environ) -> tuple[Path, bool]:
    """The config file to read and whether the user named it (``TASKCLI_CONFIG``).

    On Linux this is platformdirs' user config dir computed here, without
    importing platformdirs: ``$XDG_CONFIG_HOME/taskcli``, else ``~/.config/taskcli``.
    """
    named = environ.get(ENV_CONFIG, "")
    if named.strip():
        return Path(named).expanduser().absolute(), True
    if sys.platform.startswith("linux"):
        base = environ.get("XDG_CONFIG_HOME", "")
        home = Path(base) if base.strip() else Path(environ.get("HOME") or "~").expanduser()
        directory = home if base.strip() else home / ".config"
        return directory / "taskcli" / FILE_NAME, False
    from platformdirs import user_config_path

    return user_config_path("taskcli", appauthor=False) / FILE_NAME, False


_cache: dict[Path, tuple[tuple[int, int, int], ConfigFile]] = {}


def load_config(environ: Mapping[str, str] = os.environ) -> ConfigFile:
    """The config file's checked settings; no file at the default path means none.

    A file named by ``TASKCLI_CONFIG`` must exist (exit 2); a syntax error, an
    unknown key or a value of the wrong type is exit 2 naming the line.
    """
    path, named = config_path(environ)
    try:
        with path.open("rb") as stream:
            status = os.fstat(stream.fileno())
            stamp = (status.st_ino, status.st_mtime_ns, status.st_size)
            cached = _cache.get(path)
            if cached is not None and cached[0] == stamp:
                return cached[1]
            data = stream.read()
    except FileNotFoundError:
        if named:
            raise UsageError(f"{ENV_CONFIG} names a missing file: {path}") from None
        return NO_FILE
    except OSError as error:
        reason = error.strerror or str(error)
        raise ConfigFileUnreadable(f"cannot read config file {path}: {reason}") from None
    config = parse_config(path, data)
    _cache[path] = (stamp, config)
    return config


def parse_config(path: Path, data: bytes) -> ConfigFile:
    """Decode, parse and check one file's bytes."""
    import tomllib

    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise UsageError(f"config file {path}: not UTF-8 text") from None
    try:
        document = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise UsageError(f"config file {path}{_position(str(error))}") from None
    located = ConfigFile(path=path, text=text)  # for naming the line of a bad key
    return ConfigFile(path=path, values=_flatten(located, document), text=text)


def _position(message: str) -> str:
    """tomllib's ``Message (at line 3, column 7)`` as ``, line 3, column 7: message``."""
    match = _POSITION.fullmatch(message)
    if match is None:
        return f": {message[:1].lower()}{message[1:]}"
    text = match["message"]
    return f", line {match['line']}, column {match['column']}: {text[:1].lower()}{text[1:]}"


def _flatten(config: ConfigFile, document: Mapping[str, Any]) -> dict[str, Any]:
    """Dotted keys → values, every key known and every value of its type."""
    values: dict[str, Any] = {}
    for name, value in document.items():
        if name in TABLES and isinstance(value, dict):
            items = list(_nested(name, value))
        elif name in TABLES:
            raise config.error(name, "must be a table ([" + name + "])")
        else:
            items = [(name, value)]
        for key, item in items:
            values[key] = _checked(config, key, item)
    return values


def _nested(prefix: str, table: Mapping[str, Any]) -> list[tuple[str, Any]]:
    """A table's dotted keys; ``[urgency]`` nests (``priority.high``, ``[urgency.tag]``)."""
    items: list[tuple[str, Any]] = []
    for key, item in table.items():
        dotted = f"{prefix}.{key}"
        if prefix.startswith("urgency") and isinstance(item, dict):
            items += _nested(dotted, item)
        else:
            items.append((dotted, item))
    return items


def _checked(config: ConfigFile, key: str, value: Any) -> Any:
    types = SCHEMA.get(key) or next(
        (kinds for prefix, kinds in PATTERN_KEYS.items() if key.startswith(prefix)), None
    )
    if types is None:
        known = ", ".join([*SCHEMA, *(f"{prefix}NAME" for prefix in PATTERN_KEYS)])
        raise UsageError(f"{config.where(key)}: unknown key '{key}' (known: {known})")
    # TOML's true is a Python int too: a boolean is only right where one is expected.
    if not isinstance(value, types) or (isinstance(value, bool) and bool not in types):
        raise config.error(key, f"must be {_TYPE_NAMES[types[0]]}")
    if isinstance(value, list) and not all(isinstance(item, str) for item in value):
        raise config.error(key, "must be a list of strings")
    return value


def _line_of(text: str, key: str) -> int | None:
    """The line that sets a dotted key: a simple scan of table headers and ``key =`` lines."""
    table = ""
    for number, line in enumerate(text.splitlines(), start=1):
        header = _HEADER.match(line)
        if header:
            table = header.group(1)
            if table == key:
                return number
            continue
        match = _KEY.match(line)
        if match:
            name = match.group(1).strip('"').replace(" ", "")
            full = f"{table}.{name}" if table else name
            if full == key or full.startswith(f"{key}."):
                return number
    return None


def server_enabled(environ: Mapping[str, str] = os.environ) -> bool | None:
    """The file's ``server`` setting, or None when it does not say.

    A file that cannot be used counts as False: the command then runs
    in-process, which reports the problem, and no server is started for it.
    """
    try:
        value = load_config(environ).get("server")
    except TaskcliError:
        return False
    return value if isinstance(value, bool) else None
