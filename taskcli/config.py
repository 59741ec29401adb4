"""Settings for one invocation: which database, how long to wait for locks.

Every setting resolves flag > environment > config file > default: for the
database ``--db`` > ``TASKCLI_DATABASE_URL`` > ``[database]`` in config.toml
> the default SQLite file in the user's data directory. Each setting keeps
where it came from, for ``taskcli config``. Parsing is stdlib-only so that
``--help`` and completion stay fast; a URL itself is parsed by
``database_url``.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from taskcli.config_database import file_database
from taskcli.config_file import ConfigFile, load_config

# Re-exported: the engine, the tests and the benchmarks name a URL through the settings module.
from taskcli.database_url import DatabaseUrl as DatabaseUrl
from taskcli.database_url import parse_database_url as parse_database_url
from taskcli.errors import UsageError

ENV_DATABASE_URL = "TASKCLI_DATABASE_URL"
ENV_LOCK_TIMEOUT = "TASKCLI_LOCK_TIMEOUT"
ENV_DEBUG = "TASKCLI_DEBUG"
ENV_JOURNAL_KEEP = "TASKCLI_JOURNAL_KEEP"
ENV_JOURNAL = "TASKCLI_JOURNAL"
ENV_SERVER = "TASKCLI_SERVER"  # read first by taskcli.server.client, before anything is imported
OFF_WORDS = ("0", "off", "false", "no")
DEFAULT_LIST_SORT = "due"
DEFAULT_JOURNAL_KEEP = 10_000
MAX_JOURNAL_KEEP = 2**31 - 1  # an operation id is a PostgreSQL INTEGER
MAX_LOCK_TIMEOUT = 3600.0
# PostgreSQL counts lock_timeout in whole milliseconds and reads 0 as "wait
# forever"; a positive wait is never shorter than this.
MIN_LOCK_TIMEOUT = 0.001
_ASCII_NUMBER = re.compile(r"\d+(\.\d*)?|\.\d+", re.ASCII)
# Generous: under a storm of writers SQLite's polling busy handler is not fair, and
# a short wait can starve one process while others keep taking the lock.
DEFAULT_LOCK_TIMEOUT = 30.0


def default_database_path() -> Path:
    """``$XDG_DATA_HOME/taskcli/tasks.db`` on Linux (platformdirs elsewhere)."""
    from platformdirs import user_data_path

    return user_data_path("taskcli", appauthor=False) / "tasks.db"


@dataclass(frozen=True)
class Origin:
    """Where a setting's value came from: what ``taskcli config`` shows beside it."""

    source: Literal["flag", "env", "file", "default"]
    detail: str = ""  # the option, the variable, or "PATH, line N"


DEFAULT = Origin("default")


@dataclass(frozen=True)
class Settings:
    """Everything one invocation needs to know before touching the database."""

    database: DatabaseUrl
    lock_timeout: float = DEFAULT_LOCK_TIMEOUT
    debug: bool = False
    journal_keep: int = DEFAULT_JOURNAL_KEEP  # operations kept for undo, log and history
    journal: bool = True  # TASKCLI_JOURNAL=0 turns journaling (and so undo) off
    server: bool = True  # the command server (TASKCLI_SERVER, or server in the config file)
    list_sort: str = DEFAULT_LIST_SORT  # list's --sort when none is given (``due,-priority``)
    list_columns: str | None = None  # list's --columns when none is given (None: automatic)
    config_file: Path | None = None  # the file that was read, if any
    origins: tuple[tuple[str, Origin], ...] = field(default=(), compare=False)

    def origin(self, key: str) -> Origin:
        return dict(self.origins).get(key, DEFAULT)


def resolve_settings(db_option: str | None, environ: Mapping[str, str] = os.environ) -> Settings:
    """Apply the precedence flag > environment > config file > default to every setting."""
    config = load_config(environ)
    origins: dict[str, Origin] = {}
    database = _database(db_option, environ, config, origins)
    lock_timeout = _lock_timeout(environ.get(ENV_LOCK_TIMEOUT))
    if environ.get(ENV_LOCK_TIMEOUT, "").strip():
        origins["lock_timeout"] = Origin("env", ENV_LOCK_TIMEOUT)
    elif config.get("lock_timeout") is not None:
        lock_timeout = _file_lock_timeout(config)
        origins["lock_timeout"] = Origin("file", config.location("lock_timeout"))
    server = config.get("server")
    if environ.get(ENV_SERVER, "").strip():
        server = environ[ENV_SERVER].strip().lower() not in OFF_WORDS
        origins["server"] = Origin("env", ENV_SERVER)
    elif server is not None:
        origins["server"] = Origin("file", config.location("server"))
    list_sort, list_columns = _list_sort(config), _list_columns(config)
    for key, value in (("list.sort", list_sort), ("list.columns", list_columns)):
        if value is not None:
            origins[key] = Origin("file", config.location(key))
    return Settings(
        database=database,
        lock_timeout=lock_timeout,
        debug=environ.get(ENV_DEBUG, "") not in ("", "0"),
        journal_keep=_journal_keep(environ.get(ENV_JOURNAL_KEEP)),
        journal=environ.get(ENV_JOURNAL, "1").strip().lower() not in OFF_WORDS,
        server=server is not False,
        list_sort=list_sort or DEFAULT_LIST_SORT,
        list_columns=list_columns,
        config_file=config.path,
        origins=tuple(origins.items()),
    )


def _database(
    db_option: str | None,
    environ: Mapping[str, str],
    config: ConfigFile,
    origins: dict[str, Origin],
) -> DatabaseUrl:
    if db_option and db_option.strip():
        origins["database"] = Origin("flag", "--db")
        return parse_database_url(db_option)
    raw = environ.get(ENV_DATABASE_URL, "")
    if raw.strip():
        origins["database"] = Origin("env", ENV_DATABASE_URL)
        return parse_database_url(raw)
    from_file = file_database(config)
    if from_file is None:
        return DatabaseUrl(backend="sqlite", path=default_database_path(), is_default=True)
    database, password_file = from_file
    key = "database.url" if config.get("database.url") is not None else "database"
    origins["database"] = Origin("file", config.location(key))
    if password_file is not None:
        detail = f"{password_file} ({config.location('database.password_file')})"
        origins["database.password"] = Origin("file", detail)
    return database


def _file_lock_timeout(config: ConfigFile) -> float:
    value = float(config.get("lock_timeout"))
    if not 0 < value <= MAX_LOCK_TIMEOUT:
        raise config.error("lock_timeout", "must be a number of seconds between 0 and 3600")
    return max(value, MIN_LOCK_TIMEOUT)


def _list_sort(config: ConfigFile) -> str | None:
    """``sort = "due,-priority"``: checked by the same rules as ``list --sort``."""
    from taskcli.list_options import parse_sort

    raw = config.get("list.sort")
    if raw is None:
        return None
    try:
        parse_sort(raw)
    except UsageError as error:
        raise config.error("list.sort", f"is invalid: {error}") from None
    return ",".join(part.strip().lower() for part in raw.split(","))


def _list_columns(config: ConfigFile) -> str | None:
    """``columns = ["id", "title", "path"]``: checked by the same rules as ``list --columns``."""
    from taskcli.list_options import parse_columns

    raw = config.get("list.columns")
    if raw is None:
        return None
    if len({str(name).strip().lower() for name in raw}) != len(raw):
        raise config.error("list.columns", "must name each column once")
    try:
        return ",".join(parse_columns(",".join(raw)))
    except UsageError as error:
        raise config.error("list.columns", f"is invalid: {error}") from None


def _lock_timeout(raw: str | None) -> float:
    if raw is None or not raw.strip():
        return DEFAULT_LOCK_TIMEOUT
    # ASCII decimals only: float() would also take "nan", "1e9", "٣" and "1_0".
    text = raw.strip()
    value = float(text) if _ASCII_NUMBER.fullmatch(text) else -1.0
    if not 0 < value <= MAX_LOCK_TIMEOUT:
        raise UsageError(f"{ENV_LOCK_TIMEOUT} must be a number of seconds between 0 and 3600")
    return max(value, MIN_LOCK_TIMEOUT)


def _journal_keep(raw: str | None) -> int:
    if raw is None or not raw.strip():
        return DEFAULT_JOURNAL_KEEP
    text = raw.strip()
    # ASCII digits only: str.isdigit() also takes "³", which int() refuses.
    if not (text.isascii() and text.isdigit()) or not 1 <= int(text) <= MAX_JOURNAL_KEEP:
        raise UsageError(
            f"{ENV_JOURNAL_KEEP} must be a whole number of operations "
            f"between 1 and {MAX_JOURNAL_KEEP}"
        )
    return int(text)
