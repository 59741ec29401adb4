"""PostgreSQL login roles for team tests: created with grants, dropped afterwards."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from urllib.parse import urlsplit, urlunsplit

from support import execute


@contextmanager
def login_roles(database_url: str) -> Iterator[Callable[..., str]]:
    """``make(name, limit=-1)`` creates a role that may read and write taskcli's tables.

    Roles are cluster-wide: each gets a unique name and is dropped at the end.
    """
    created: list[str] = []

    def make(name: str, *, connection_limit: int = -1) -> str:
        role = f"{name}_{uuid.uuid4().hex[:8]}"
        execute(
            database_url,
            f'CREATE ROLE "{role}" LOGIN CONNECTION LIMIT {connection_limit}',
            f'GRANT USAGE ON SCHEMA public TO "{role}"',
            f'GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO "{role}"',
            f'GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA public TO "{role}"',
        )
        created.append(role)
        return role

    try:
        yield make
    finally:
        for role in created:
            execute(database_url, f'DROP OWNED BY "{role}"', f'DROP ROLE "{role}"')


def as_role(url: str, role: str) -> str:
    """The same database URL, logging in as ``role`` (trust authentication)."""
    parts = urlsplit(url)
    host = parts.netloc.rpartition("@")[2]
    return urlunsplit(parts._replace(netloc=f"{role}@{host}"))
