"""The README's grants for a reader and a writer role survive migrations that
recreate tables: the schema owner's ``ALTER DEFAULT PRIVILEGES`` covers them.

The SQL run here is the README's own block (role names substituted), so the
documented commands are the tested ones.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator

import pytest
from pgroles import as_role, login_roles
from support import REPO_ROOT, Cli, error_line, execute

from taskcli.config import parse_database_url

pytestmark = pytest.mark.parametrize("backend", ["postgresql"])
READER, WRITER = "team_reader", "team_writer"


def documented_grants() -> list[str]:
    """The statements of the SQL block in the README's **Roles.** paragraph."""
    readme = (REPO_ROOT / "README.md").read_text(encoding="utf-8")
    roles = readme[readme.index("**Roles.**") :]
    block = re.search(r"```sql\n(.*?)```", roles, re.DOTALL)
    assert block is not None, "the Roles paragraph has no sql block"
    text = "\n".join(line for line in block.group(1).splitlines() if not line.startswith("--"))
    return [statement.strip() for statement in text.split(";") if statement.strip()]


@pytest.fixture(params=["owner", "administrator"])
def team(
    pg_database_factory: Callable[[], str], backend: str, request: pytest.FixtureRequest
) -> Iterator[tuple[Cli, dict[str, Cli], dict[str, str]]]:
    """A database owned by its own (non-superuser) owner, at head with one task, the
    README's grants run by that owner (or by a superuser ``FOR ROLE`` the owner), and a
    role granted only on the tables of today."""
    admin_url = pg_database_factory()
    database = parse_database_url(admin_url).database
    with login_roles(admin_url) as make:
        names = {
            "owner": make("taskcli_owner", grant=False),
            "reader": make("taskcli_reader", grant=False),
            "writer": make("taskcli_writer", grant=False),
            "today": make("taskcli_today"),  # GRANT ... ON ALL TABLES only
        }
        execute(admin_url, f'ALTER DATABASE "{database}" OWNER TO "{names["owner"]}"')
        owner = Cli(url=as_role(admin_url, names["owner"]), env={})
        owner.ok("db", "upgrade")
        owner.ok("add", "before the migrations")
        execute(admin_url, *_today_grants(names["today"]))
        statements = [_named(statement, names) for statement in documented_grants()]
        if request.param == "owner":
            execute(owner.url, *statements)
        else:
            execute(admin_url, *(_for_owner(statement, names) for statement in statements))
        clis = {kind: Cli(url=as_role(admin_url, name), env={}) for kind, name in names.items()}
        yield owner, clis, names


def _today_grants(role: str) -> list[str]:
    return [
        f'GRANT USAGE ON SCHEMA public TO "{role}"',
        f'GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO "{role}"',
        f'GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA public TO "{role}"',
    ]


def _named(statement: str, names: dict[str, str]) -> str:
    statement = re.sub(rf"\b{READER}\b", f'"{names["reader"]}"', statement)
    return re.sub(rf"\b{WRITER}\b", f'"{names["writer"]}"', statement)


def _for_owner(statement: str, names: dict[str, str]) -> str:
    """The README's other form, for a superuser: default privileges for the owner's objects."""
    return statement.replace(
        "ALTER DEFAULT PRIVILEGES IN SCHEMA",
        f'ALTER DEFAULT PRIVILEGES FOR ROLE "{names["owner"]}" IN SCHEMA',
    )


@pytest.mark.parametrize("revision", ["0002", "base"])
def test_documented_grants_survive_a_downgrade_and_upgrade(
    team: tuple[Cli, dict[str, Cli], dict[str, str]], revision: str
) -> None:
    """``base`` drops every table, ``0002`` the journal's: all come back granted."""
    owner, clis, names = team
    owner.ok("db", "downgrade", revision, "--yes")
    owner.ok("db", "upgrade")
    owner.ok("add", "after the migrations")

    writer, reader = clis["writer"], clis["reader"]
    writer.ok("add", "by the writer", "-t", "team")
    task = writer.ok("list", "-f", "ids").stdout.split()[-1]
    writer.ok("done", task)
    writer.ok("undo")
    assert json.loads(writer.ok("show", task, "-f", "json").stdout)["status"] == "pending"

    for command in (
        ("list",),
        ("tree",),
        ("show", task),
        ("log",),
        ("history", task),
        ("export",),
    ):
        assert reader.ok(*command).stderr == "", command

    written = error_line(reader.fails(3, "add", "by the reader"))
    assert written.startswith(
        f"Error: permission denied: role {names['reader']} may not write to table "
    ), written
    assert written.endswith("(ask the schema owner for INSERT, UPDATE, DELETE)"), written
    assert "by the reader" not in owner.ok("list", "-f", "json").stdout

    # Without default privileges the recreated tables are out of reach: the
    # round trip really recreated them.
    denied = error_line(clis["today"].fails(3, "log"))
    assert denied.startswith("Error: permission denied for table "), denied
