"""Settings for one invocation: which database, how long to wait for locks.

Every setting resolves flag > environment > config file > default: for the
database ``--db`` > ``TASKCLI_DATABASE_URL`` > ``[database]`` in config.toml
> the default SQLite file in the user's data directory. Each setting keeps
where it came from, for ``taskcli config``. Parsing is stdlib-only so that
``--help`` and completion stay fast; the URL keeps its password out of
``str()`` and ``repr()`` so it cannot leak through a message by accident.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal
from urllib.parse import parse_qsl, quote, unquote, urlsplit

from taskcli.config_file import ConfigFile, file_database, load_config
from taskcli.errors import InvalidDatabaseUrl, UsageError

Backend = Literal["sqlite", "postgresql"]

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

_SCHEMES: dict[str, Backend] = {
    "sqlite": "sqlite",
    "sqlite+aiosqlite": "sqlite",
    "postgresql": "postgresql",
    "postgres": "postgresql",
    "postgresql+asyncpg": "postgresql",
}
_SAFE_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]{0,40}")
_SSL_MODES = ("disable", "allow", "prefer", "require", "verify-ca", "verify-full")
# libpq's names; ``service`` selects a section of pg_service.conf (see taskcli.db.pgservice).
CONNECTION_PARAMETERS = (
    "sslmode",
    "sslrootcert",
    "sslcert",
    "sslkey",
    "application_name",
    "connect_timeout",
    "options",
    "service",
)
_INVALID_URL = (
    "invalid database URL (expected sqlite:///PATH or postgresql://USER@HOST/DB; "
    "percent-encode special characters in the password)"
)


@dataclass(frozen=True)
class DatabaseUrl:
    """A parsed database URL; ``str()`` gives the masked form."""

    backend: Backend
    path: Path | None = None
    username: str | None = None
    password: str | None = field(default=None, repr=False)
    host: str | None = None
    port: int | None = None
    database: str | None = None
    query: tuple[tuple[str, str], ...] = ()
    is_default: bool = False

    def masked(self) -> str:
        """The URL as users may see it: never with the password."""
        if self.backend == "sqlite":
            return f"sqlite:///{self.path}"
        userinfo = ""
        if self.username is not None:
            userinfo = quote(self.username, safe="")
            if self.password is not None:
                userinfo += ":***"
            userinfo += "@"
        host = self.host or ""
        if ":" in host:
            host = f"[{host}]"
        port = f":{self.port}" if self.port is not None else ""
        database = f"/{quote(self.database)}" if self.database else ""
        return f"postgresql://{userinfo}{host}{port}{database}"

    def __str__(self) -> str:
        return self.masked()

    def __repr__(self) -> str:
        return f"DatabaseUrl({self.masked()!r})"


def parse_database_url(raw: str) -> DatabaseUrl:
    """Parse the URL forms users paste; raise ``InvalidDatabaseUrl`` (exit 2).

    The input is never echoed: it may hold a password.
    """
    raw = raw.strip()
    scheme, sep, rest = raw.partition("://")
    if not sep or not scheme:
        raise InvalidDatabaseUrl(_INVALID_URL)
    backend = _SCHEMES.get(scheme.lower())
    if backend is None:
        shown = f" '{scheme}'" if _SAFE_SCHEME.fullmatch(scheme) else ""
        raise InvalidDatabaseUrl(
            f"unsupported database URL scheme{shown} (use sqlite:/// or postgresql://)"
        )
    if backend == "sqlite":
        return _parse_sqlite(rest)
    return _parse_postgresql(rest)


def _parse_sqlite(rest: str) -> DatabaseUrl:
    # sqlite:///relative/path and sqlite:////absolute/path, as SQLAlchemy reads them.
    path_text = unquote(rest[1:].partition("?")[0]) if rest.startswith("/") else ""
    if not path_text or path_text == ":memory:":
        raise InvalidDatabaseUrl(
            "a SQLite URL must name a file: sqlite:///relative/path or sqlite:////absolute/path"
        )
    return DatabaseUrl(backend="sqlite", path=Path(path_text).expanduser().absolute())


def _parse_postgresql(rest: str) -> DatabaseUrl:
    try:
        parts = urlsplit(f"postgresql://{rest}")
        port = parts.port
    except ValueError:
        raise InvalidDatabaseUrl(_INVALID_URL) from None
    if parts.fragment:
        raise InvalidDatabaseUrl(_INVALID_URL)
    database = unquote(parts.path.lstrip("/")) or None
    query = tuple(_connection_parameter(name, value) for name, value in parse_qsl(parts.query))
    return DatabaseUrl(
        backend="postgresql",
        username=unquote(parts.username) if parts.username is not None else None,
        password=unquote(parts.password) if parts.password is not None else None,
        host=parts.hostname,
        port=port,
        database=database,
        query=query,
    )


def _connection_parameter(name: str, value: str) -> tuple[str, str]:
    """The libpq URL parameters taskcli understands, checked and kept under libpq's names.

    ``ssl`` is the older spelling of ``sslmode``.
    """
    if name == "ssl":
        name = "sslmode"
    if name not in CONNECTION_PARAMETERS:
        shown = f" '{name}'" if _SAFE_SCHEME.fullmatch(name) else ""
        raise InvalidDatabaseUrl(
            f"unsupported database URL parameter{shown} "
            f"(supported: {', '.join(CONNECTION_PARAMETERS)})"
        )
    return name, check_connection_parameter(name, value)


def check_connection_parameter(name: str, value: str) -> str:
    """One libpq parameter's value, checked (also for service files); raise exit 2."""
    if name == "sslmode" and value not in _SSL_MODES:
        raise InvalidDatabaseUrl(f"sslmode must be one of {', '.join(_SSL_MODES)}")
    if name == "connect_timeout":
        if not value.strip().isdigit() or not 1 <= int(value) <= 3600:
            raise InvalidDatabaseUrl("connect_timeout must be a whole number of seconds, 1 to 3600")
        return str(int(value))
    if name in ("sslrootcert", "sslcert", "sslkey") and value != "system":
        if not value:
            raise InvalidDatabaseUrl(f"{name} must name a file")
        return str(Path(value).expanduser())
    return value


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
    from taskcli.domain import parse_sort

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
    from taskcli.domain import parse_columns

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
