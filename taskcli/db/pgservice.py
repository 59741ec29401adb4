"""libpq's connection service file (``pg_service.conf``), read the way libpq reads it.

asyncpg does not honour ``PGSERVICE``, so taskcli resolves the service itself:
``?service=NAME`` in the URL, else ``PGSERVICE``, names a section of the
first file found among ``PGSERVICEFILE`` (or ``~/.pg_service.conf``) and
``PGSYSCONFDIR/pg_service.conf`` (or ``/etc/postgresql-common/pg_service.conf``).
Its keys fill in only what the URL leaves out. A named service that is not
found, or a key taskcli does not support, is refused (exit 2), never ignored.
"""

from __future__ import annotations

import configparser
from collections.abc import Mapping
from pathlib import Path

from taskcli.database_url import CONNECTION_PARAMETERS, check_connection_parameter
from taskcli.errors import InvalidDatabaseUrl

# Connection fields a service may set, besides the URL's query parameters.
_ADDRESS_KEYS = ("host", "hostaddr", "port", "dbname", "user", "password")
_SYSTEM_DIRECTORY = "/etc/postgresql-common"


def service_name(query: Mapping[str, str], environ: Mapping[str, str]) -> str | None:
    """The service the URL or ``PGSERVICE`` asks for, if any."""
    return query.get("service") or environ.get("PGSERVICE") or None


def read_service(name: str, environ: Mapping[str, str]) -> dict[str, str]:
    """The named section's parameters (libpq names); raise exit 2 if it is not defined."""
    for path in _service_files(environ):
        parser = configparser.ConfigParser(interpolation=None, default_section="\0")
        try:
            with path.open(encoding="utf-8") as handle:
                parser.read_file(handle)
        except FileNotFoundError:
            continue
        except (OSError, UnicodeDecodeError, configparser.Error) as error:
            raise InvalidDatabaseUrl(
                f"cannot read connection service file {path}: {type(error).__name__}"
            ) from None
        if parser.has_section(name):
            return _checked(name, dict(parser.items(name)))
    raise InvalidDatabaseUrl(
        f"connection service '{name}' is not defined in any pg_service.conf "
        "(PGSERVICEFILE, ~/.pg_service.conf, PGSYSCONFDIR)"
    )


def _service_files(environ: Mapping[str, str]) -> list[Path]:
    user_file = environ.get("PGSERVICEFILE")
    files = [Path(user_file).expanduser() if user_file else Path.home() / ".pg_service.conf"]
    system_directory = environ.get("PGSYSCONFDIR") or _SYSTEM_DIRECTORY
    files.append(Path(system_directory) / "pg_service.conf")
    return files


def _checked(name: str, parameters: dict[str, str]) -> dict[str, str]:
    supported = _ADDRESS_KEYS + tuple(k for k in CONNECTION_PARAMETERS if k != "service")
    checked: dict[str, str] = {}
    for key, value in parameters.items():
        if key not in supported:
            raise InvalidDatabaseUrl(
                f"connection service '{name}' sets '{key}', which taskcli does not support "
                f"(supported: {', '.join(supported)})"
            )
        checked[key] = value if key in _ADDRESS_KEYS else check_connection_parameter(key, value)
    if "hostaddr" in checked:
        checked.setdefault("host", checked.pop("hostaddr"))
    return checked
