"""Configuration: which database a command uses, and how bad settings are refused.

Unit tests of ``taskcli.config`` (no database), plus a few runs of the real
CLI that prove the precedence ``--db`` > ``TASKCLI_DATABASE_URL`` > default
file is what commands actually use, not only what the parser returns.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from support import Cli, error_line

from taskcli.config import (
    DEFAULT_LOCK_TIMEOUT,
    DatabaseUrl,
    Settings,
    parse_database_url,
    resolve_settings,
)
from taskcli.db.engine import sqlalchemy_url
from taskcli.errors import EXIT_USAGE, InvalidDatabaseUrl, UsageError

SECRET = "S3cret-pw"


# --- precedence ------------------------------------------------------------


def test_db_option_beats_environment(tmp_path: Path) -> None:
    """``--db`` wins over the environment variable."""
    environ = {"TASKCLI_DATABASE_URL": f"sqlite:///{tmp_path / 'env.db'}"}
    settings = resolve_settings(f"sqlite:///{tmp_path / 'option.db'}", environ)
    assert settings.database.path == tmp_path / "option.db"
    assert not settings.database.is_default


def test_environment_beats_default(tmp_path: Path) -> None:
    """Without ``--db`` the environment variable selects the database."""
    environ = {"TASKCLI_DATABASE_URL": "postgresql://alice@db.example/tasks"}
    database = resolve_settings(None, environ).database
    assert (database.backend, database.host, database.database) == (
        "postgresql",
        "db.example",
        "tasks",
    )
    assert not database.is_default


@pytest.mark.parametrize("value", [None, "", "   "])
def test_default_is_file_in_xdg_data_home(value: str | None, isolated_environment: Path) -> None:
    """No URL (or a blank one) means ``$XDG_DATA_HOME/taskcli/tasks.db``."""
    environ = {} if value is None else {"TASKCLI_DATABASE_URL": value}
    database = resolve_settings(value, environ).database
    assert database.backend == "sqlite"
    assert database.path == isolated_environment / "taskcli" / "tasks.db"
    assert database.is_default


def test_cli_db_option_beats_environment(tmp_path: Path) -> None:
    """The real CLI writes the ``--db`` file; the environment's and the default are not created."""
    option_db, env_db = tmp_path / "option.db", tmp_path / "env.db"
    cli = Cli(url=f"sqlite:///{env_db}", env={})
    cli.ok("--db", f"sqlite:///{option_db}", "add", "x")
    assert option_db.is_file()
    assert not env_db.exists()
    assert not (tmp_path / "xdg-data").exists()
    listed = Cli(url=f"sqlite:///{option_db}", env={}).ok("list", "-f", "ids")
    assert listed.stdout == "1\n"


def test_cli_environment_beats_default(tmp_path: Path) -> None:
    """Without ``--db`` the real CLI uses ``TASKCLI_DATABASE_URL``, not the default file."""
    env_db = tmp_path / "env.db"
    Cli(url=f"sqlite:///{env_db}", env={}).ok("add", "x")
    assert env_db.is_file()
    assert not (tmp_path / "xdg-data").exists()


def test_cli_default_file_when_nothing_is_set(isolated_environment: Path) -> None:
    """With neither ``--db`` nor the variable the default file is used (and created)."""
    Cli(url="", env={}).ok("add", "x")
    assert (isolated_environment / "taskcli" / "tasks.db").is_file()


# --- URL forms -------------------------------------------------------------


@pytest.mark.parametrize(
    "raw",
    [
        "postgresql://alice:pw@db.example:6543/tasks",
        "postgres://alice:pw@db.example:6543/tasks",
        "postgresql+asyncpg://alice:pw@db.example:6543/tasks",
        "POSTGRESQL://alice:pw@db.example:6543/tasks",
    ],
)
def test_postgresql_forms_map_to_asyncpg(raw: str) -> None:
    """Every PostgreSQL form users paste ends up on the asyncpg driver, parts intact."""
    url = parse_database_url(raw)
    assert url.backend == "postgresql"
    assert (url.username, url.password, url.host, url.port, url.database) == (
        "alice",
        "pw",
        "db.example",
        6543,
        "tasks",
    )
    engine_url = sqlalchemy_url(url)
    assert engine_url.drivername == "postgresql+asyncpg"
    assert engine_url.password == "pw"
    assert engine_url.database == "tasks"


def test_postgresql_percent_encoded_password_is_decoded() -> None:
    """A percent-encoded password reaches the driver decoded."""
    url = parse_database_url("postgresql://alice:p%40ss%2Fw%25rd@db/tasks")
    assert url.password == "p@ss/w%rd"
    assert sqlalchemy_url(url).password == "p@ss/w%rd"


def test_postgresql_query_is_kept() -> None:
    """Query parameters are kept under libpq's names (``ssl`` is read as ``sslmode``)."""
    url = parse_database_url("postgresql://alice@db/tasks?ssl=require")
    assert url.query == (("sslmode", "require"),)


def test_sqlite_relative_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """``sqlite:///rel`` is relative to the working directory."""
    monkeypatch.chdir(tmp_path)
    url = parse_database_url("sqlite:///sub/tasks.db")
    assert url.backend == "sqlite"
    assert url.path == tmp_path / "sub" / "tasks.db"
    engine_url = sqlalchemy_url(url)
    assert engine_url.drivername == "sqlite+aiosqlite"
    assert engine_url.database == str(tmp_path / "sub" / "tasks.db")


@pytest.mark.parametrize("scheme", ["sqlite", "sqlite+aiosqlite"])
def test_sqlite_absolute_path(scheme: str, tmp_path: Path) -> None:
    """``sqlite:////abs`` is an absolute path."""
    url = parse_database_url(f"{scheme}:///{tmp_path}/tasks.db")
    assert url.path == tmp_path / "tasks.db"
    assert sqlalchemy_url(url).drivername == "sqlite+aiosqlite"


def test_cli_relative_sqlite_path_is_under_working_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The real CLI resolves a relative SQLite URL against the working directory."""
    monkeypatch.chdir(tmp_path)
    Cli(url="sqlite:///rel.db", env={}).ok("add", "x")
    assert (tmp_path / "rel.db").is_file()


# --- unsupported and malformed URLs ---------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("mysql://u:pw@h/db", "unsupported database URL scheme 'mysql'"),
        ("oracle+cx://u@h/db", "unsupported database URL scheme 'oracle+cx'"),
        ("postgresql://u@h:notaport/db", "invalid database URL"),
        ("postgresql://u@h:99999/db", "invalid database URL"),
        ("postgresql://u@[::1/db", "invalid database URL"),
        ("postgresql://u@h/db#frag", "invalid database URL"),
        ("127.0.0.1:5432/tasks", "invalid database URL"),
        ("://u@h/db", "invalid database URL"),
        ("sqlite://", "a SQLite URL must name a file"),
        ("sqlite:///:memory:", "a SQLite URL must name a file"),
        ("sqlite:///", "a SQLite URL must name a file"),
    ],
)
def test_bad_urls_are_usage_errors(raw: str, expected: str) -> None:
    """Unsupported or malformed URLs raise ``InvalidDatabaseUrl`` (exit 2)."""
    with pytest.raises(InvalidDatabaseUrl, match="^" + expected.replace("+", r"\+")) as caught:
        parse_database_url(raw)
    assert caught.value.exit_code == EXIT_USAGE


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("mysql://u:pw@h/db", "unsupported database URL scheme 'mysql'"),
        ("postgresql://u:pw@h:notaport/db", "invalid database URL"),
        ("not a url", "invalid database URL"),
        ("sqlite://", "a SQLite URL must name a file"),
    ],
)
@pytest.mark.parametrize("via", ["option", "environment"])
def test_cli_bad_url_exits_2(raw: str, expected: str, via: str, tmp_path: Path) -> None:
    """The real CLI: exit 2, one ``Error:`` line, nothing on stdout, nothing created."""
    if via == "option":
        result = Cli(url="", env={})("--db", raw, "list")
    else:
        result = Cli(url=raw, env={})("list")
    assert result.exit_code == 2, (result.stdout, result.stderr)
    assert result.stdout == ""
    assert expected in error_line(result)
    assert not (tmp_path / "xdg-data").exists()


@pytest.mark.parametrize(
    "raw",
    [
        f"postgresql://u:{SECRET}@h:notaport/db",
        f"postgresql://u:{SECRET}/x@h/db",
        f"postgresql://u:{SECRET}?x@h/db",
        f"postgresql://u:{SECRET}#x@h/db",
        f"postgresql://u:{SECRET}@[h/db",
        f"mysql://u:{SECRET}@h/db",
    ],
)
def test_bad_url_message_does_not_echo_input(raw: str) -> None:
    """The parse error never repeats the URL: unencoded ``/ ? #`` put the password elsewhere."""
    with pytest.raises(InvalidDatabaseUrl) as caught:
        parse_database_url(raw)
    assert SECRET not in str(caught.value)
    assert "notaport" not in str(caught.value)


def test_unsafe_scheme_is_not_echoed() -> None:
    """An unsupported scheme is named only when it looks like a scheme."""
    with pytest.raises(InvalidDatabaseUrl) as caught:
        parse_database_url(f"{SECRET}\x1b[2J!://h/db")
    assert SECRET not in str(caught.value)
    assert "\x1b" not in str(caught.value)


# --- masking ---------------------------------------------------------------


@pytest.mark.parametrize(
    "raw",
    [
        f"postgresql://alice:{SECRET}@db.example:5432/tasks",
        f"postgres://alice:{SECRET}@db.example/tasks?ssl=require",
        f"postgresql+asyncpg://alice:{SECRET}@[::1]:5432/tasks",
    ],
)
def test_password_never_in_str_or_repr(raw: str) -> None:
    """``str()``, ``repr()``, f-strings and containing objects show ``***``, not the password."""
    url = parse_database_url(raw)
    assert url.password == SECRET
    settings = Settings(database=url)
    shown = [str(url), repr(url), f"{url}", f"{url!r}", url.masked(), repr(settings), str(settings)]
    shown += [str(sqlalchemy_url(url)), repr(sqlalchemy_url(url))]
    for text in shown:
        assert SECRET not in text, text
    assert str(url).startswith("postgresql://alice:***@")
    assert "***" in repr(url)


def test_masked_url_without_password_shows_no_stars() -> None:
    """A URL without a password is shown as given (user, host, port, database)."""
    url = parse_database_url("postgres://alice@db.example:5433/tasks")
    assert str(url) == "postgresql://alice@db.example:5433/tasks"


def test_masked_sqlite_url() -> None:
    """A SQLite URL is shown with its absolute path."""
    url = DatabaseUrl(backend="sqlite", path=Path("/data/tasks.db"))
    assert str(url) == "sqlite:////data/tasks.db"


# --- lock timeout and debug ------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [(None, DEFAULT_LOCK_TIMEOUT), ("", DEFAULT_LOCK_TIMEOUT), ("0.25", 0.25), ("3600", 3600.0)],
)
def test_lock_timeout_values(raw: str | None, expected: float) -> None:
    """Valid lock timeouts are taken as seconds; unset or blank means the default."""
    environ = {} if raw is None else {"TASKCLI_LOCK_TIMEOUT": raw}
    assert resolve_settings("sqlite:///x.db", environ).lock_timeout == expected


@pytest.mark.parametrize("raw", ["abc", "0", "-1", "3601", "nan", "inf", "1e9", "5s"])
def test_lock_timeout_bad_values_raise_usage_error(raw: str) -> None:
    """Out-of-range or non-numeric timeouts are a usage error (exit 2)."""
    with pytest.raises(UsageError, match="TASKCLI_LOCK_TIMEOUT") as caught:
        resolve_settings("sqlite:///x.db", {"TASKCLI_LOCK_TIMEOUT": raw})
    assert caught.value.exit_code == EXIT_USAGE


@pytest.mark.parametrize("raw", ["abc", "0", "-1", "nan"])
def test_cli_bad_lock_timeout_exits_2(raw: str, tmp_path: Path) -> None:
    """The real CLI refuses a bad ``TASKCLI_LOCK_TIMEOUT`` before touching the database."""
    database = tmp_path / "tasks.db"
    cli = Cli(url=f"sqlite:///{database}", env={"TASKCLI_LOCK_TIMEOUT": raw})
    result = cli.fails(2, "add", "x")
    assert "TASKCLI_LOCK_TIMEOUT must be a number of seconds" in error_line(result)
    assert not database.exists()


@pytest.mark.parametrize(
    ("raw", "expected"), [(None, False), ("", False), ("0", False), ("1", True)]
)
def test_debug_flag(raw: str | None, expected: bool) -> None:
    """``TASKCLI_DEBUG`` is on for any value but empty and ``0``."""
    environ = {} if raw is None else {"TASKCLI_DEBUG": raw}
    assert resolve_settings("sqlite:///x.db", environ).debug is expected


def test_cli_unknown_query_parameter_is_a_usage_error() -> None:
    """A URL parameter the driver does not know is the user's mistake (exit 2), not a bug."""
    result = Cli(url="postgresql://u@127.0.0.1:1/db?bogus=1", env={})("list")
    assert result.exit_code == 2, (result.exit_code, result.stderr)
    assert result.stdout == ""
    assert "unsupported database URL parameter 'bogus'" in error_line(result)


def test_sslmode_is_checked() -> None:
    """Users paste libpq URLs: ``sslmode`` takes libpq's modes and nothing else."""
    assert parse_database_url("postgresql://u@h/db?sslmode=require").query == (
        ("sslmode", "require"),
    )
    result = Cli(url="postgresql://u@h/db?sslmode=sometimes", env={})("list")
    assert result.exit_code == 2
    assert "sslmode must be one of" in error_line(result)
