"""Database URLs: the forms users paste, parsed and checked, with the password kept out of sight.

Kept apart from the settings (``config``) because the URL grammar changes
with the backends and libpq's parameters, not with how settings resolve;
service files (``db.pgservice``) and the config file check values by the
same rules. Standard library only. ``str()`` and ``repr()`` of a URL mask
its password, so it cannot leak through a message by accident; a bad URL is
never echoed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal
from urllib.parse import parse_qsl, quote, unquote, urlsplit

from taskcli.errors import InvalidDatabaseUrl

Backend = Literal["sqlite", "postgresql"]

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
