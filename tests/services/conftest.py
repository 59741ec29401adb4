"""Fixtures for the service tests (``async def``, no CLI runner)."""

from __future__ import annotations

import pytest
from service_db import Database

from taskcli.config import Settings, parse_database_url


@pytest.fixture
def database(db_url: str) -> Database:
    """The test's database at head (migrated before any event loop runs)."""
    from taskcli.db.migrate import upgrade

    url = parse_database_url(db_url)
    if url.backend == "sqlite":
        upgrade(Settings(database=url))
    return Database(url)
