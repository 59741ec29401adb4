"""The config file's ``[database]`` table: a database URL and the password file it names.

Kept apart from reading the file (``config_file``), which the command-server
client imports on its fast path and which knows nothing of databases. This
module turns the table into a ``DatabaseUrl``: paths in it are taken from the
file's directory, and a password is read only from a file its owner alone
may read, never from the config file itself.
"""

from __future__ import annotations

import os
from dataclasses import replace
from pathlib import Path
from typing import Any
from urllib.parse import unquote

from taskcli.config_file import ConfigFile, ConfigFileUnreadable
from taskcli.database_url import DatabaseUrl, parse_database_url
from taskcli.errors import InvalidDatabaseUrl, UsageError


def file_database(config: ConfigFile) -> tuple[DatabaseUrl, str | None] | None:
    """The ``[database]`` table as a URL, and the password file it names (or None).

    The password never lives in this file: a URL holding one is refused, and
    ``password_file`` names a file only its owner may read (else exit 2).
    """
    parts = {
        key.removeprefix("database."): value
        for key, value in config.values.items()
        if key.startswith("database.")
    }
    if not parts:
        return None
    password_file = parts.pop("password_file", None)
    url = parts.pop("url", None)
    if url is None:
        database = _database_from_parts(config, parts)
    else:
        database = _database_from_url(config, url, parts)
    if password_file is None:
        return database, None
    if database.backend != "postgresql":
        raise config.error("database.password_file", "applies to PostgreSQL only")
    path = _relative_to(config, "database.password_file", password_file)
    return replace(database, password=_read_password(config, path)), str(path)


def _database_from_url(config: ConfigFile, url: str, others: dict[str, Any]) -> DatabaseUrl:
    """``url``: the only key beside ``password_file``, and never holding a password."""
    if others:
        other = f"database.{next(iter(others))}"
        raise config.error(other, "cannot be combined with database.url (give one or the other)")
    try:
        database = parse_database_url(url)
    except InvalidDatabaseUrl as error:
        raise UsageError(f"{config.where('database.url')}: {error}") from None
    if database.password is not None:
        raise config.error(
            "database.url", "must not hold a password (use database.password_file or ~/.pgpass)"
        )
    if database.backend == "sqlite":
        database = _sqlite_url_from_file(config, url, database)
    return database


def _sqlite_url_from_file(config: ConfigFile, url: str, database: DatabaseUrl) -> DatabaseUrl:
    """``sqlite:///tasks.db`` in the file means beside the file, as ``path`` does, not in cwd."""
    written = unquote(url.strip().partition(":///")[2].partition("?")[0])
    if not written or Path(written).expanduser().is_absolute():
        return database
    return replace(database, path=_relative_to(config, "database.url", written).absolute())


def _database_from_parts(config: ConfigFile, parts: dict[str, Any]) -> DatabaseUrl:
    backend = parts.pop("backend", None) or ("sqlite" if "path" in parts else "postgresql")
    if backend not in ("sqlite", "postgresql"):
        raise config.error("database.backend", "must be sqlite or postgresql")
    allowed = ("path",) if backend == "sqlite" else ("host", "port", "user", "name")
    for key, value in parts.items():
        if key not in allowed:
            raise config.error(f"database.{key}", f"does not apply to {backend}")
        if isinstance(value, str) and not value.strip():
            raise config.error(f"database.{key}", "must not be empty")
    if backend == "sqlite":
        if "path" not in parts:
            raise config.error("database.backend", "sqlite needs database.path")
        return DatabaseUrl(
            backend="sqlite", path=_relative_to(config, "database.path", parts["path"])
        )
    port = parts.get("port")
    if port is not None and not 0 < port < 65536:
        raise config.error("database.port", "must be between 1 and 65535")
    return DatabaseUrl(
        backend="postgresql",
        username=parts.get("user"),
        host=parts.get("host"),
        port=port,
        database=parts.get("name"),
    )


def _relative_to(config: ConfigFile, key: str, raw: str) -> Path:
    """A path from the file: ``~`` expanded, relative ones taken from the file's directory."""
    if not raw.strip():
        raise config.error(key, "must name a file")
    path = Path(raw).expanduser()
    directory = config.path.parent if config.path is not None else Path.cwd()
    return path if path.is_absolute() else directory / path


def _read_password(config: ConfigFile, path: Path) -> str:
    """The first line of the password file, refused unless only its owner may read it."""
    try:
        with path.open("rb") as stream:
            mode = os.fstat(stream.fileno()).st_mode
            if mode & 0o077:
                raise config.error(
                    "database.password_file",
                    f"{path} may be read by group or others (mode {mode & 0o777:04o}); "
                    f"run: chmod 600 {path}",
                )
            data = stream.read(64 * 1024)
    except OSError as error:
        reason = error.strerror or str(error)
        raise ConfigFileUnreadable(
            f"cannot read the password file {path} ({config.where('database.password_file')}): "
            f"{reason}"
        ) from None
    try:
        password = data.decode("utf-8").splitlines()[0] if data.strip() else ""
    except UnicodeDecodeError:
        password = ""
    if not password:
        raise config.error("database.password_file", f"{path} holds no password (one line, UTF-8)")
    return password
