"""The journal survives a schema change (both backends).

A revision that adds a column to ``task`` and recreates the journal triggers
with ``taskcli/db/journal_triggers.py`` (as every such revision must) keeps
undo, redo and history working: undo compares only the columns the journal
captured, and restores every column it captured, the new one included.
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest
from support import REPO_ROOT, Cli, execute

from taskcli.config import Settings, parse_database_url
from taskcli.db import schema
from taskcli.db.migrate import SETTINGS_ATTRIBUTE

ADDS_A_COLUMN = '''
"""Test-only: a task column added the way 0002 added external_id."""

import sqlalchemy as sa
from alembic import op

from taskcli.db.journal_triggers import recreate_journal_triggers

revision = "0099"
down_revision = "{head}"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("task") as batch_op:
        batch_op.add_column(sa.Column("estimate", sa.Integer(), nullable=True))
    recreate_journal_triggers()


def downgrade() -> None:
    with op.batch_alter_table("task") as batch_op:
        batch_op.drop_column("estimate")
    recreate_journal_triggers()
'''


def _upgrade_with_extra_revision(url: str, tmp_path: Path) -> None:
    from alembic import command
    from alembic.config import Config

    location = tmp_path / "migrations"
    shutil.copytree(
        REPO_ROOT / "migrations", location, ignore=shutil.ignore_patterns("__pycache__")
    )
    revision = ADDS_A_COLUMN.format(head=schema.SCHEMA_HEAD)
    (location / "versions" / "0099_estimate.py").write_text(revision)
    config = Config()
    config.set_main_option("script_location", str(location))
    config.attributes[SETTINGS_ATTRIBUTE] = Settings(database=parse_database_url(url))
    command.upgrade(config, "head")


def _estimate(url: str, task_id: int) -> object:
    [[(value,)]] = execute(url, f"SELECT estimate FROM task WHERE id = {task_id}")
    return value


def _title(cli: Cli, task_id: int) -> str:
    return str(json.loads(cli.ok("show", str(task_id), "-f", "json").stdout)["title"])


def test_undo_redo_and_history_after_a_column_is_added(
    blank_db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _upgrade_with_extra_revision(blank_db_url, tmp_path)
    monkeypatch.setattr(schema, "KNOWN_REVISIONS", (*schema.KNOWN_REVISIONS, "0099"))
    monkeypatch.setattr(schema, "SCHEMA_HEAD", "0099")
    cli = Cli(url=blank_db_url, env={})

    cli.ok("add", "first", "-t", "work")
    execute(blank_db_url, "UPDATE task SET estimate = 5 WHERE id = 1")  # a newer taskcli's write
    cli.ok("edit", "1", "--title", "second")
    cli.ok("undo")
    assert _title(cli, 1) == "first"
    assert _estimate(blank_db_url, 1) == 5
    cli.ok("redo")
    assert _title(cli, 1) == "second"

    cli.ok("rm", "1", "-y")
    cli.ok("undo")
    assert _title(cli, 1) == "second"
    assert _estimate(blank_db_url, 1) == 5  # every captured column comes back
    assert json.loads(cli.ok("show", "1", "-f", "json").stdout)["tags"] == ["work"]

    history = json.loads(cli.ok("history", "1", "-f", "json").stdout)
    assert [entry["kind"] for entry in history] == ["created", "changed", "deleted"]
    assert "title: first -> second" in cli.ok("history", "1").stdout


def test_every_revision_that_changes_a_journaled_table_recreates_the_triggers() -> None:
    """Revisions after the journal's own that alter task, tag or task_tag keep it whole."""
    pattern = re.compile(
        r"""(batch_alter_table|add_column|drop_column|alter_column)\(\s*["'](task|tag|task_tag)["']"""
    )
    for path in sorted((REPO_ROOT / "migrations" / "versions").glob("*.py")):
        source = path.read_text()
        if path.name < "0004" or not pattern.search(source):
            continue
        assert "recreate_journal_triggers()" in source, path.name
