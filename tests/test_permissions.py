"""PostgreSQL roles without every privilege: reads work where granted, and a
missing privilege is one line naming it (exit 3), never an internal error."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator

import pytest
from support import Cli, error_line, execute

from taskcli.config import parse_database_url

pytestmark = pytest.mark.parametrize("backend", ["postgresql"])


def _as_role(url: str, role: str) -> str:
    parsed = parse_database_url(url)
    return f"postgresql://{role}@{parsed.host}:{parsed.port or 5432}/{parsed.database}"


@pytest.fixture
def roles(
    pg_database_factory: Callable[[], str], backend: str
) -> Iterator[tuple[str, dict[str, str]]]:
    """A database at head with one task, a read-only role and a role with no grants."""
    url = pg_database_factory()
    owner = Cli(url=url, env={})
    owner.ok("db", "upgrade")
    owner.ok("add", "shared", "-t", "team")
    suffix = uuid.uuid4().hex[:8]
    names = {"reader": f"taskcli_reader_{suffix}", "stranger": f"taskcli_stranger_{suffix}"}
    database = parse_database_url(url).database
    execute(
        url,
        *(f'CREATE ROLE "{name}" LOGIN' for name in names.values()),
        f'GRANT CONNECT ON DATABASE "{database}" TO "{names["reader"]}"',
        f'GRANT USAGE ON SCHEMA public TO "{names["reader"]}"',
        f'GRANT SELECT ON ALL TABLES IN SCHEMA public TO "{names["reader"]}"',
    )
    try:
        yield url, {kind: _as_role(url, name) for kind, name in names.items()}
    finally:
        execute(url, *(f'DROP OWNED BY "{name}"' for name in names.values()))
        execute(url, *(f'DROP ROLE "{name}"' for name in names.values()))


@pytest.mark.parametrize(
    "command",
    [
        ("list",),
        ("tree",),
        ("show", "1"),
        ("log",),
        ("history", "1"),
        ("export",),
        ("list", "-f", "json"),
    ],
)
def test_a_read_only_role_can_read(
    roles: tuple[str, dict[str, str]], command: tuple[str, ...]
) -> None:
    _, urls = roles
    result = Cli(url=urls["reader"], env={}).ok(*command)
    assert result.stderr == ""


@pytest.mark.parametrize(
    "command",
    [
        ("add", "mine"),
        ("done", "1"),
        ("edit", "1", "--title", "x"),
        ("rm", "1", "-y"),
        ("move", "1", "--root"),
    ],
)
def test_a_read_only_role_may_not_write(
    roles: tuple[str, dict[str, str]], command: tuple[str, ...]
) -> None:
    owner_url, urls = roles
    role = parse_database_url(urls["reader"]).username
    result = Cli(url=urls["reader"], env={}).fails(3, *command)
    line = error_line(result)
    assert line.startswith(f"Error: permission denied: role {role} may not write to table "), line
    assert "INSERT, UPDATE, DELETE" in line
    titles = Cli(url=owner_url, env={}).ok("list", "-f", "json").stdout
    assert '"shared"' in titles
    assert '"x"' not in titles


def test_a_role_without_grants_is_told_what_is_missing(
    roles: tuple[str, dict[str, str]],
) -> None:
    _, urls = roles
    result = Cli(url=urls["stranger"], env={}).fails(3, "list")
    line = error_line(result)
    assert line.startswith("Error: permission denied for table "), line
    assert "db upgrade" not in line


@pytest.mark.parametrize("kind", ["reader", "stranger"])
def test_only_the_owner_can_upgrade(
    roles: tuple[str, dict[str, str]], pg_database_factory: Callable[[], str], kind: str
) -> None:
    """On a blank database a non-owner's upgrade is refused in one line, nothing created."""
    blank = pg_database_factory()
    role = parse_database_url(roles[1][kind]).username
    database = parse_database_url(blank).database
    execute(blank, f'GRANT CONNECT ON DATABASE "{database}" TO "{role}"')
    try:
        result = Cli(url=_as_role(blank, str(role)), env={}).fails(3, "db", "upgrade")
        line = error_line(result)
        assert line.startswith("Error: only the schema owner can run db upgrade"), line
        [tables] = execute(blank, "SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
        assert tables == []
    finally:
        execute(blank, f'DROP OWNED BY "{role}"')
